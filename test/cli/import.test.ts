import {expect} from 'chai'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {
  DAY_MS,
  deliveredMessages,
  expectedConversationIds,
  expectedMessages,
  startFakes,
  type Fakes,
} from '../helpers/e2e.js'
import type {RunSummary} from '../../src/lib/pipeline/index.js'

describe('import, end to end through the built CLI', function () {
  this.timeout(120_000)
  let fakes: Fakes
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = createSandbox()
    // The fake's clock runs behind the CLI's, so that it can be moved forward between runs.
    fakes = await startFakes({now: new Date(Date.now() - 3 * DAY_MS), dataset: {seed: 11, conversations: 40, days: 6}})
  })
  afterEach(async () => {
    await fakes.close()
    sandbox.cleanup()
  })

  const runImport = async (args: string[] = []) => {
    const result = await sandbox.run(['import', '--json', ...args], {env: fakes.env()})
    return {result, summary: parseJson<RunSummary>(result)}
  }

  it('sends every closed conversation once, with its whole transcript, then only what closed since', async () => {
    const first = await runImport()
    expect(first.result.code, first.result.stderr).to.equal(0)
    const {gladly, enterpret} = fakes
    const expectedFirst = expectedConversationIds(gladly)
    expect(expectedFirst.length).to.be.greaterThan(20)
    expect([...enterpret.records.keys()].sort()).to.deep.equal(expectedFirst.map((id) => `gladly_${id}`).sort())
    const big = gladly.dataset.edgeCases.bigConversationId
    for (const id of expectedFirst.filter((id) => id !== big))
      expect(deliveredMessages(enterpret, id), `transcript of ${id}`).to.deep.equal(expectedMessages(gladly, id))
    expect(first.summary.conversations.sent).to.equal(expectedFirst.length)
    expect(first.summary.conversations.keptOpen).to.be.greaterThan(0)
    expect(first.result.stderr).to.include(
      `Conversations: ${first.summary.conversations.seen} seen, ${expectedFirst.length} delivered (Enterpret skips the ids it already has), `,
    )

    const again = await runImport()
    expect(again.summary.conversations.sent, 'nothing new, nothing sent').to.equal(0)
    // state show tells the last run in the summary's own lines.
    const shown = await sandbox.run(['state', 'show'], {env: fakes.env()})
    expect(shown.code, shown.stderr).to.equal(0)
    const lastRun = shown.stdout.slice(shown.stdout.indexOf('\nLast run, '))
    expect(lastRun).to.include(`\n  Import of profile default finished in `)
    expect(lastRun).to.include(
      `\n  Conversations: ${again.summary.conversations.seen} seen, 0 delivered (Enterpret skips the ids it already has), `,
    )
    expect(lastRun, 'no raw JSON').not.to.match(/[{}]/)

    gladly.clock.set(new Date(Date.now() - DAY_MS))
    const second = await runImport()
    expect(second.result.code, second.result.stderr).to.equal(0)
    const expectedSecond = expectedConversationIds(gladly)
    const newlyClosed = expectedSecond.filter((id) => !expectedFirst.includes(id))
    expect(newlyClosed.length).to.be.greaterThan(0)
    expect(second.summary.conversations.sent).to.equal(newlyClosed.length)
    // Jobs expire as the clock moves: what the first run delivered no longer shows in the listing.
    const everything = new Set([...expectedFirst, ...expectedSecond])
    expect([...enterpret.records.keys()].sort()).to.deep.equal([...everything].map((id) => `gladly_${id}`).sort())
    for (const id of newlyClosed.filter((id) => id !== big))
      expect(deliveredMessages(enterpret, id), `transcript of ${id}`).to.deep.equal(expectedMessages(gladly, id))
    for (const stored of enterpret.records.values()) expect(stored.duplicates).to.equal(0)
  })

  describe('checks Enterpret before any Gladly work', () => {
    it('a rejected key fails in seconds, with exit 2, before any request to Gladly, sending nothing', async () => {
      const started = Date.now()
      const result = await sandbox.run(['import', '--json'], {env: fakes.env({ENTERPRET_API_KEY: 'not-the-key'})})
      expect(Date.now() - started).to.be.below(10_000)
      expect(result.code, result.stderr).to.equal(2)
      const {error} = parseJson<{error: {code: string; message: string}}>(result)
      expect(error).to.deep.include({
        code: 'EnterpretAuthError',
        message: `Enterpret at ${new URL(fakes.enterpret.url).host} rejected the API key (401).`,
      })
      expect(fakes.gladly.stats.total, JSON.stringify(fakes.gladly.stats.byRoute)).to.equal(0)
      expect(Object.keys(fakes.gladly.stats.byRoute).filter((route) => route.includes('/export/'))).to.deep.equal([])
      expect(fakes.enterpret.records.size).to.equal(0)
      expect(fakes.enterpret.requests.map((request) => request.recordCount ?? 0)).to.deep.equal([0])
      const shown = parseJson<{state: {deadLetters: unknown[]} | null}>(await sandbox.run(['state', 'show', '--json']))
      expect(shown.state?.deadLetters ?? []).to.deep.equal([])
    })

    it('an ENTERPRET_API_URL with no webhook behind it fails the same way, naming the setting', async () => {
      const result = await sandbox.run(['import'], {env: fakes.env({ENTERPRET_API_URL: `${fakes.enterpret.url}/v1`})})
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr).to.include(
        `Error: There is no Enterpret webhook at ${fakes.enterpret.url}/v1 (404 on /webhook/custom/all).`,
      )
      expect(result.stderr).to.include('Check ENTERPRET_API_URL')
      expect(fakes.gladly.stats.total).to.equal(0)
    })

    it('dry-run needs no Enterpret key, and asks Enterpret nothing', async () => {
      const result = await sandbox.run(['dry-run', '--limit', '3', '--output', 'payloads.ndjson'], {
        env: fakes.env({ENTERPRET_API_KEY: '', ENTERPRET_API_URL: 'http://127.0.0.1:9'}),
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(fakes.enterpret.requests).to.have.length(0)
      expect(result.stderr).to.include('Records per channel')
    })
  })
})
