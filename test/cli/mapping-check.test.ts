import {expect} from 'chai'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {MappingCheck} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {startFakes, type Fakes} from '../helpers/e2e.js'

const MAPPING = `
version: 1
record: {idPrefix: check_}
metadata:
  rename: {tags: topics}
customAttributes:
  byName: {Order Number: order_number}
filters:
  inboxes: {exclude: [Chat Support]}
redact:
  fields: [customer_email]
`

describe('mapping check, end to end', function () {
  this.timeout(120_000)
  let fakes: Fakes
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = createSandbox()
    // Recent: the fake's clock is now, so its last days of export jobs are what the check reads.
    fakes = await startFakes({dataset: {seed: 13, conversations: 60, days: 3}})
  })
  afterEach(async () => {
    await fakes?.close()
    sandbox?.cleanup()
  })

  const mappingFile = (text: string, name = 'mapping.yml') => {
    const path = join(sandbox.dir, name)
    writeFileSync(path, text)
    return path
  }

  it('shows N records as they would be sent, what the filters left out and what was redacted; sends nothing', async () => {
    const IMPORT_MAPPING_FILE = mappingFile(MAPPING)
    const result = await sandbox.run(['mapping', 'check', '--sample', '12', '--json'], {
      env: fakes.env({IMPORT_MAPPING_FILE, REDACT_PII: 'mask'}),
    })
    expect(result.code, result.stderr).to.equal(0)
    const check = parseJson<MappingCheck>(result)
    expect(check.mapping).to.deep.include({
      path: IMPORT_MAPPING_FILE,
      recordIdPrefix: 'check_',
      renamed: {tags: 'topics'},
    })
    expect(check.records.length + check.filtered.length + check.summary.conversations.noMessages).to.equal(12)
    expect(check.records).to.not.be.empty
    expect(check.filtered, 'conversations of Chat Support').to.not.be.empty
    const chat = fakes.gladly.dataset.inboxes().find((inbox) => inbox.name === 'Chat Support')
    for (const left of check.filtered)
      expect(left).to.deep.include({reason: 'inbox', detail: `inbox ${chat?.id} is excluded`})
    for (const record of check.records) {
      expect(record.id.startsWith('check_')).to.equal(true)
      const fields = (record.metadata as {metadata: Record<string, {array: {s?: string[]}}>}).metadata
      expect(fields).to.not.have.key('tags')
      for (const email of fields['customer_email']?.array.s ?? []) expect(email).to.equal('[email]')
    }
    expect(check.summary.redacted['email']).to.be.greaterThan(0)
    expect(fakes.enterpret.requests.length, 'nothing sent to Enterpret').to.equal(0)
    expect(existsSync(join(sandbox.home, 'state', 'default', 'state.json')), 'the state untouched').to.equal(false)
  })

  it('prints the records as JSON on stdout for people, the rest on stderr', async () => {
    const result = await sandbox.run(['mapping', 'check', '--sample', '3'], {
      env: fakes.env({IMPORT_MAPPING_FILE: mappingFile(MAPPING)}),
    })
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).to.include('is valid')
    expect(result.stderr).to.match(/renamed: tags → topics/)
    expect(result.stdout).to.match(/^\{\n {2}"id": "check_/)
  })

  it('refuses a bad file: exit 2, the path inside it named, nothing read', async () => {
    const bad = mappingFile('version: 1\nmetadata:\n  drop: [gladly_link]\n')
    const result = await sandbox.run(['mapping', 'check'], {env: fakes.env({IMPORT_MAPPING_FILE: bad})})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include(
      `The mapping file ${bad}: metadata.drop[0] must be one of the record's metadata keys`,
    )
    expect(fakes.gladly.stats.total).to.equal(0)
  })
})
