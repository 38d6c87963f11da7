import {expect} from 'chai'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {finishLastLine} from '../../src/lib/common/index.js'

describe('finishing the last line of a JSON-lines file', () => {
  let dir: string
  let file: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ge-lines-'))
    file = join(dir, 'file.jsonl')
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))
  const after = (content: string) => {
    writeFileSync(file, content)
    finishLastLine(file)
    return readFileSync(file, 'utf8')
  }

  it('leaves a file that ends with a newline, or is empty, as it is', () => {
    expect(after('{"a":1}\n{"b":2}\n')).to.equal('{"a":1}\n{"b":2}\n')
    expect(after('')).to.equal('')
  })

  it('gives a complete last line its newline', () => {
    expect(after('{"a":1}\n{"b":2}')).to.equal('{"a":1}\n{"b":2}\n')
    expect(after('{"b":2}')).to.equal('{"b":2}\n')
  })

  it('cuts off a torn last line, however long', () => {
    expect(after('{"a":1}\n{"b":')).to.equal('{"a":1}\n')
    expect(after('{"b":')).to.equal('')
    expect(after(`{"a":1}\n{"b":"${'x'.repeat(200_000)}`)).to.equal('{"a":1}\n')
  })

  it('does nothing, and creates nothing, when there is no file', () => {
    finishLastLine(file)
    expect(existsSync(file)).to.equal(false)
  })
})
