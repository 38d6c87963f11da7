import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, expectedConversationIds, startFakes, type Fakes} from '../helpers/e2e.js'

type Fields = Record<string, {array: {s?: string[]; n?: number[]; b?: boolean[]}}>
interface Sent {
  readonly id: string
  readonly fileID: string
  readonly metadata: {metadata: Fields}
}

const CUSTOM_ATTRIBUTE_ROUTE = 'GET /api/v1/custom-attributes/:id'

const MAPPING = `
version: 1
record:
  idPrefix: support_
  fileId: gladly-support
metadata:
  rename:
    tags: topics
    inbox_name: inbox
  drop: [gladly_url, agent_email]
  constants:
    source: gladly
    brand_id: 7
customAttributes:
  byName:
    Order Number: order_number
    carrier: {key: shipping_carrier, type: string}
`

describe('the mapping file, end to end', function () {
  this.timeout(180_000)
  let fakes: Fakes
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = createSandbox()
    fakes = await startFakes({now: new Date(Date.now() - 2 * DAY_MS), dataset: {seed: 11, conversations: 40, days: 5}})
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
  const importJson = async (extra: Record<string, string>, args: string[] = []) => {
    const result = await sandbox.run(['import', '--json', ...args], {env: fakes.env(extra)})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  const sent = () => [...fakes.enterpret.records.values()].map(({record}) => record as unknown as Sent)
  const state = () =>
    JSON.parse(readFileSync(join(sandbox.home, 'state', 'default', 'state.json'), 'utf8')) as {
      customAttributeNames?: Record<string, {key?: string; label?: string}>
      metadataTypes?: Record<string, string>
    }

  it('renames, drops, adds constants, keys custom attributes by their Gladly name, and remembers the names', async () => {
    const IMPORT_MAPPING_FILE = mappingFile(MAPPING)
    const {result} = await importJson({IMPORT_MAPPING_FILE})
    expect(result.code, result.stderr).to.equal(0)
    const records = sent()
    expect(records.map((record) => record.id).sort()).to.deep.equal(
      expectedConversationIds(fakes.gladly)
        .map((id) => `support_${id}`)
        .sort(),
    )
    for (const record of records) {
      const fields = record.metadata.metadata
      expect(record.fileID).to.equal('gladly-support')
      expect(fields).to.not.have.any.keys('tags', 'inbox_name', 'gladly_url', 'agent_email')
      expect(fields).to.include.keys('inbox', 'gladly_customer_id')
      expect(fields['source']).to.deep.equal({array: {s: ['gladly']}})
      expect(fields['brand_id']).to.deep.equal({array: {n: [7]}})
      expect(
        Object.keys(fields).filter((key) => key.startsWith('custom_')),
        'every attribute is named',
      ).to.deep.equal([])
    }
    const withOrder = records.filter((record) => record.metadata.metadata['order_number'] !== undefined)
    const withCarrier = records.filter((record) => record.metadata.metadata['shipping_carrier'] !== undefined)
    expect(withOrder, 'conversations with an order number').to.not.be.empty
    expect(withCarrier, 'conversations with a carrier').to.not.be.empty
    for (const record of withCarrier)
      expect(['UPS', 'FedEx', 'USPS']).to.include(record.metadata.metadata['shipping_carrier']?.array.s?.[0])

    // Each attribute looked up once (GET /custom-attributes/{id}), and remembered for the next runs.
    expect(fakes.gladly.stats.byRoute[CUSTOM_ATTRIBUTE_ROUTE]).to.equal(2)
    const names = Object.values(state().customAttributeNames ?? {})
    expect(names).to.deep.include.members([
      {key: 'orderNumber', label: 'Order Number'},
      {key: 'carrier', label: 'Shipping Carrier'},
    ])
    expect(state().metadataTypes).to.include({order_number: 's', brand_id: 'n', topics: 's', message_count: 'n'})

    // Sent again from the start: the names come from the state.
    const reset = await sandbox.run([
      'state',
      'reset',
      '--to',
      new Date(Date.now() - 9 * DAY_MS).toISOString(),
      '--yes',
    ])
    expect(reset.code, reset.stderr).to.equal(0)
    fakes.enterpret.reset()
    const again = await importJson({IMPORT_MAPPING_FILE})
    expect(again.result.code, again.result.stderr).to.equal(0)
    expect(again.summary.conversations.sent).to.be.greaterThan(records.length / 2)
    expect(sent().filter((record) => record.metadata.metadata['order_number'] !== undefined)).to.not.be.empty
    expect(fakes.gladly.stats.byRoute[CUSTOM_ATTRIBUTE_ROUTE], 'no lookup again').to.equal(2)
  })

  it('refuses a mapping that would change the type of a key already sent: exit 2, nothing sent', async () => {
    const first = await importJson({IMPORT_MAPPING_FILE: mappingFile(MAPPING)})
    expect(first.result.code, first.result.stderr).to.equal(0)
    fakes.enterpret.reset()
    const changed = mappingFile(
      MAPPING.replace('Order Number: order_number', 'Order Number: {key: order_number, type: number}'),
    )
    const result = await sandbox.run(['import'], {env: fakes.env({IMPORT_MAPPING_FILE: changed})})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include(
      `The mapping file ${changed} would send 'order_number' as numbers, but earlier records sent it as strings. Enterpret rejects a metadata key that changes type.`,
    )
    expect(fakes.enterpret.records.size).to.equal(0)
  })

  it('refuses a bad mapping file with the path inside it: exit 2, before any request', async () => {
    const bad = mappingFile('{"version": 1, "metadata": {"rename": {"tags": "Topic Names"}}}', 'mapping.json')
    const result = await sandbox.run(['dry-run'], {env: fakes.env({IMPORT_MAPPING_FILE: bad})})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include(`The mapping file ${bad}: metadata.rename.tags must be a metadata key`)
    expect(fakes.gladly.stats.total).to.equal(0)
  })

  it('takes filters from the mapping file, checked against the organization like the settings', async () => {
    const file = mappingFile('version: 1\nfilters:\n  inboxes: {exclude: [Chat Suport]}\n')
    const result = await sandbox.run(['import'], {env: fakes.env({IMPORT_MAPPING_FILE: file})})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include(
      `filters.inboxes.exclude in ${file} names inbox 'Chat Suport', which the organization does not have; did you mean 'Chat Support'?`,
    )
    const fixed = mappingFile('version: 1\nfilters:\n  inboxes: {exclude: [Chat Support]}\n')
    const {result: ok, summary} = await importJson({IMPORT_MAPPING_FILE: fixed})
    expect(ok.code, ok.stderr).to.equal(0)
    expect(summary.filtered.inbox).to.be.greaterThan(0)
  })
})
