import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {allFileText, DAY_MS, expectedConversationIds, startFakes, type Fakes} from '../helpers/e2e.js'

const REDACTION_KEY = 'test-not-a-real-redaction-key'

type Fields = Record<string, {array: {s?: string[]; n?: number[]; b?: boolean[]}}>

describe('what is sent: redaction, end to end', function () {
  this.timeout(180_000)
  let fakes: Fakes
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = createSandbox()
    fakes = await startFakes({now: new Date(Date.now() - 2 * DAY_MS), dataset: {seed: 5, conversations: 30, days: 5}})
  })
  afterEach(async () => {
    await fakes?.close()
    sandbox?.cleanup()
  })

  const importJson = async (extra: Record<string, string> = {}) => {
    const result = await sandbox.run(['import', '--json'], {env: fakes.env(extra)})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  const fieldsOf = (recordId: string): Fields => {
    const stored = fakes.enterpret.records.get(recordId)
    if (stored === undefined) expect.fail(`${recordId} was not delivered`)
    return (stored.record as unknown as {metadata: {metadata: Fields}}).metadata.metadata
  }

  it('redacts the chosen metadata fields in hash mode: one token per address, the key never shown', async () => {
    const {result, summary} = await importJson({
      REDACT_PII: 'hash',
      REDACT_PII_KEY: REDACTION_KEY,
      REDACT_PII_FIELDS: 'customer_email',
    })
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.redacted['email']).to.be.greaterThan(0)
    const emails = [...fakes.enterpret.records.keys()].flatMap((id) => fieldsOf(id)['customer_email']?.array.s ?? [])
    expect(emails).to.not.be.empty
    for (const email of emails) expect(email).to.match(/^\[email:[a-p]{16}\]$/)
    expect(`${result.stdout}${result.stderr}${allFileText(sandbox)}`).to.not.include(REDACTION_KEY)
  })

  it('redacts a dead letter written before redaction was enabled when it is retried', async () => {
    const poison = `gladly_${expectedConversationIds(fakes.gladly)[2] as string}`
    fakes.enterpret.configure({poisonIds: [poison]})
    const first = await importJson()
    expect(first.result.code).to.equal(3)
    const letters = join(sandbox.home, 'state', 'default', 'dead-letters')
    const payload = readFileSync(join(letters, readdirSync(letters)[0] as string), 'utf8')
    expect(payload, 'the dead letter holds the address as it was').to.match(
      /"customer_email":\{"array":\{"s":\["[^"[]+@/,
    )

    fakes.enterpret.configure({poisonIds: []})
    const second = await importJson({REDACT_PII: 'mask', REDACT_PII_FIELDS: 'customer_email'})
    expect(second.result.code, second.result.stderr).to.equal(0)
    expect(second.summary.deadLetters).to.include({retried: 1, delivered: 1, remaining: 0})
    expect(fieldsOf(poison)['customer_email']?.array.s).to.deep.equal(['[email]'])
  })

  it('refuses REDACT_PII=hash without REDACT_PII_KEY: exit 2, nothing read or sent', async () => {
    const result = await sandbox.run(['import'], {env: fakes.env({REDACT_PII: 'hash'})})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include('REDACT_PII=hash needs REDACT_PII_KEY')
    expect(fakes.enterpret.records.size).to.equal(0)
    expect(fakes.gladly.stats.total, 'no Gladly request').to.equal(0)
  })
})
