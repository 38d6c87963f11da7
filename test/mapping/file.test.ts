import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {loadMappingFile, type Mapping} from '../../src/lib/mapping/index.js'

const FULL = `
version: 1
record:
  idPrefix: gladly-support_
  fileId: support-conversations
metadata:
  rename:
    tags: topics
    inbox_name: inbox
  drop: [agent_email, gladly_url]
  constants:
    source: gladly
    region: [EU, FR]
    priority: 2
    vip: false
customAttributes:
  byName:
    Order Number: order_number
    orderTotal: {key: order_total, type: number}
    internalNote: drop
  others: name
filters:
  inboxes: {exclude: [Spam]}
  channels: {include: [chat, email]}
  topics: {exclude: [do_not_survey]}
  minCustomerMessages: 2
redact:
  fields: [customer_email]
  patterns:
    order_id: 'ORD-\\d{6}'
`

describe('mapping file', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ge-mapping-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text)
    return name
  }
  const load = (name: string, text: string): Mapping => {
    const loaded = loadMappingFile(write(name, text), dir)
    if (loaded._tag === 'Left') expect.fail(loaded.left.message)
    return loaded.right
  }
  const problem = (text: string, name = 'mapping.yml') => {
    const loaded = loadMappingFile(write(name, text), dir)
    if (loaded._tag === 'Right') expect.fail('the file was accepted')
    expect(loaded.left.exit, 'a configuration error').to.equal(2)
    return loaded.left.message
  }

  it('reads a full YAML file into the transform and pipeline settings', () => {
    const mapping = load('mapping.yml', FULL)
    expect(mapping.path).to.equal(join(dir, 'mapping.yml'))
    expect(mapping.recordIdPrefix).to.equal('gladly-support_')
    expect(mapping.fileId).to.equal('support-conversations')
    expect([...mapping.metadata.rename]).to.deep.equal([
      ['tags', 'topics'],
      ['inbox_name', 'inbox'],
    ])
    expect([...mapping.metadata.drop]).to.deep.equal(['agent_email', 'gladly_url'])
    expect(mapping.metadata.constants).to.deep.equal({
      source: {array: {s: ['gladly']}},
      region: {array: {s: ['EU', 'FR']}},
      priority: {array: {n: [2]}},
      vip: {array: {b: [false]}},
    })
    expect(mapping.metadata.customAttributes.get('order number')).to.deep.equal({key: 'order_number', type: 's'})
    expect(mapping.metadata.customAttributes.get('ordertotal')).to.deep.equal({key: 'order_total', type: 'n'})
    expect(mapping.metadata.customAttributes.get('internalnote')).to.equal('drop')
    expect(mapping.metadata.otherCustomAttributes).to.equal('name')
    expect(mapping.needsAttributeNames).to.equal(true)
    expect(mapping.filters.inboxes.exclude).to.deep.equal({
      values: ['Spam'],
      where: `filters.inboxes.exclude in ${join(dir, 'mapping.yml')}`,
    })
    expect(mapping.filters.minCustomerMessages).to.equal(2)
    expect(mapping.redact.fields).to.deep.equal(['customer_email'])
    expect(mapping.redact.patterns.map(({name, pattern}) => [name, pattern.source, pattern.flags])).to.deep.equal([
      ['order_id', 'ORD-\\d{6}', 'g'],
    ])
  })

  it("accepts the README's full example", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('### The mapping file'))
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? expect.fail('no example')
    const mapping = load('example.yml', example)
    expect(mapping.metadata.customAttributes.get('ordertotal')).to.deep.equal({key: 'order_total', type: 'n'})
    expect(mapping.redact.patterns.map(({name}) => name)).to.deep.equal(['order_id'])
  })

  it('reads JSON when the name ends in .json', () => {
    const mapping = load('mapping.json', JSON.stringify({version: 1, metadata: {rename: {tags: 'topics'}}}))
    expect(mapping.metadata.rename.get('tags')).to.equal('topics')
    expect(mapping.recordIdPrefix).to.equal('gladly_')
    expect(mapping.needsAttributeNames).to.equal(false)
  })

  describe('refuses a bad file with one line naming the path inside it', () => {
    const cases: Array<[string, string, RegExp]> = [
      [
        'a misspelt section',
        'metdata: {}',
        /metdata must be left out: mapping file has only version, record, metadata/,
      ],
      [
        'a misspelt key',
        'metadata:\n  renam: {tags: topics}',
        /metadata\.renam must be left out: metadata has only rename, drop, constants/,
      ],
      [
        'an unknown fixed key',
        'metadata:\n  rename: {tag: topics}',
        /metadata\.rename\.tag must be one of the record's metadata keys/,
      ],
      [
        'a bad target key',
        'metadata:\n  rename: {tags: "Topic Names"}',
        /metadata\.rename\.tags must be a metadata key \(lower-case letters/,
      ],
      [
        'a bad type',
        'customAttributes:\n  byName:\n    orderTotal: {key: order_total, type: int}',
        /customAttributes\.byName\.orderTotal\.type must be string, number or boolean/,
      ],
      [
        'a bad constant',
        'metadata:\n  constants: {mixed: [1, "a"]}',
        /metadata\.constants\.mixed must be a string, number or boolean, or a list of one of them/,
      ],
      [
        'a bad pattern',
        'redact:\n  patterns: {order: "ORD-(\\\\d"}',
        /redact\.patterns\.order must be a regular expression that matches something/,
      ],
      [
        'a pattern matching nothing at all',
        'redact:\n  patterns: {anything: ".*"}',
        /redact\.patterns\.anything must be a regular expression that matches something/,
      ],
      [
        'a bad minimum',
        'filters:\n  minCustomerMessages: -1',
        /filters\.minCustomerMessages must be a whole number from 0 to 1000, got -1/,
      ],
      ['another version', 'version: 2', /version must be 1, got 2/],
    ]
    for (const [what, text, message] of cases) {
      it(what, () => {
        const line = problem(text)
        expect(line).to.match(message)
        expect(line).to.include(join(dir, 'mapping.yml'))
        expect(line).to.not.include('\n')
      })
    }

    it('a key sent twice (a rename onto a key still sent, a constant onto a renamed one)', () => {
      expect(problem('metadata:\n  rename: {tags: channel}')).to.include(
        `metadata.rename.tags in ${join(dir, 'mapping.yml')} sends 'channel', which the metadata key channel already sends`,
      )
      expect(problem('metadata:\n  rename: {tags: topics}\n  constants: {topics: x}')).to.include(
        `metadata.constants.topics in ${join(dir, 'mapping.yml')} sends 'topics', which metadata.rename.tags already sends`,
      )
      expect(problem('customAttributes:\n  byName: {Carrier: status}')).to.include('customAttributes.byName.Carrier in')
    })

    it('YAML that does not parse, with its line', () => {
      expect(problem('metadata:\n  rename: {tags: topics\n')).to.match(/is not valid YAML \(line \d+, column \d+: /)
    })

    it('JSON that does not parse', () => {
      expect(problem('{"version": 1,}', 'mapping.json')).to.match(/mapping\.json is not valid JSON/)
    })

    it('a file that is not there', () => {
      const loaded = loadMappingFile('missing.yml', dir)
      expect(loaded._tag === 'Left' && loaded.left.message).to.equal(
        `Cannot read the mapping file ${join(dir, 'missing.yml')} (ENOENT).`,
      )
    })
  })
})
