import {expect} from 'chai'

import {cleanText, stripHtml, threadSubject} from '../../src/lib/transform/text.js'

describe('transform: text clean-up', () => {
  describe('cleanText', () => {
    it('trims, drops trailing spaces on lines, and keeps at most one blank line in a row', () => {
      expect(cleanText('\n  Hello   \n\n\n\n  world\t \r\n')).to.equal('Hello\n\n  world')
    })

    it('gives an empty string for whitespace only', () => {
      expect(cleanText(' \r\n\t\n ')).to.equal('')
    })
  })

  describe('stripHtml', () => {
    it('keeps paragraphs, line breaks and list items apart', () => {
      expect(
        cleanText(
          stripHtml('<div>Line one<br>Line two<br/>Line three</div><h2>Title</h2><ol><li>a</li><li>b</li></ol>'),
        ),
      ).to.equal('Line one\nLine two\nLine three\nTitle\n- a\n- b')
    })

    it('removes tags with attributes and comments', () => {
      expect(
        stripHtml(
          '<!-- draft --><a href="https://x.test/?a=1&b=2" class="link">link</a> <span style="color:red">red</span>',
        ),
      ).to.equal('link red')
    })

    it('decodes named and numeric entities after removing tags, so escaped markup stays text', () => {
      expect(stripHtml('&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos; &#233;t&#xE9; &#128512; &nbsp;x')).to.equal(
        `<b> & "q" 's' été 😀  x`,
      )
    })

    it('leaves unknown or invalid entities and plain comparisons alone', () => {
      expect(stripHtml('&copy; &#xD800; &#99999999; a < b and c <3 d')).to.equal(
        '&copy; &#xD800; &#99999999; a < b and c <3 d',
      )
    })

    it('runs in linear time on unclosed tags', () => {
      const hostile = 'a<b '.repeat(50_000)
      const started = performance.now()
      expect(stripHtml(hostile)).to.equal(hostile)
      expect(performance.now() - started).to.be.below(500)
    })
  })

  describe('threadSubject', () => {
    it('removes any chain of Re:/Fwd:/Fw: prefixes, case and spacing', () => {
      for (const subject of ['Order 12', 're: Order 12', 'RE:Order 12', 'Fwd: RE : fw:  Order   12 ', 'FW: order 12']) {
        expect(threadSubject(subject), subject).to.equal('order 12')
      }
    })

    it('leaves words that only start like a prefix', () => {
      expect(threadSubject('Refund: order 12')).to.equal('refund: order 12')
      expect(threadSubject('Forward planning')).to.equal('forward planning')
    })
  })
})
