import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {
  allFileText,
  DAY_MS,
  deliveredMessages,
  ENTERPRET_KEY,
  expectedConversationIds,
  expectedMessages,
  snapshot,
  startFakes,
  type Fakes,
} from '../helpers/e2e.js'
import {DEMO_CREDENTIALS} from '../fakes/gladly/index.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const FEEDBACK_PATH = '/webhook/custom/all'

describe('import keeps every conversation through failures, end to end', function () {
  this.timeout(180_000)
  let fakes: Fakes
  let sandbox: Sandbox

  afterEach(async () => {
    await fakes?.close()
    sandbox?.cleanup()
  })

  const start = async (
    options: Parameters<typeof startFakes>[0] = {},
    enterpretOptions: Parameters<typeof startFakes>[1] = {},
  ) => {
    sandbox = createSandbox()
    fakes = await startFakes(
      {now: new Date(Date.now() - 2 * DAY_MS), dataset: {seed: 5, conversations: 40, days: 5}, ...options},
      enterpretOptions,
    )
  }
  const importJson = async (extra: Record<string, string> = {}, args: string[] = []) => {
    const result = await sandbox.run(['import', '--json', ...args], {env: fakes.env(extra)})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  const delivered = () => [...fakes.enterpret.records.keys()].sort()
  const expected = () =>
    expectedConversationIds(fakes.gladly)
      .map((id) => `gladly_${id}`)
      .sort()

  it('resumes after being killed with SIGKILL at random points, losing nothing and resending at most a batch each time', async () => {
    await start({latencyMs: 15})
    const batchSize = 4
    const env = fakes.env({BATCH_SIZE: String(batchSize)})
    let kills = 0
    for (let attempt = 0; attempt < 3; attempt++) {
      const child = sandbox.start(['import'], {env})
      const exited = new Promise((resolve) => child.once('exit', resolve))
      // The first request is the key's probe (an empty batch); killed while one of the next three batches is in flight.
      const killAt = 2 + Math.floor(Math.random() * 3)
      let arrivals = 0
      fakes.enterpret.configure({
        onArrival: ({path}) => {
          if (path === FEEDBACK_PATH && ++arrivals === killAt && child.exitCode === null) {
            child.kill('SIGKILL')
            kills++
          }
        },
      })
      await exited
    }
    fakes.enterpret.configure({onArrival: undefined})
    const final = await importJson({BATCH_SIZE: String(batchSize)})
    expect(final.result.code, final.result.stderr).to.equal(0)
    expect(kills).to.be.greaterThan(0)
    expect(delivered()).to.deep.equal(expected())
    const resent = [...fakes.enterpret.records.values()].reduce((sum, stored) => sum + stored.duplicates, 0)
    expect(resent).to.be.at.most(kills * batchSize)
  })

  it('isolates a poison record, delivers the rest, exits 3, and retries it first on the next run', async () => {
    await start()
    const poison = expectedConversationIds(fakes.gladly)[3] as string
    fakes.enterpret.configure({poisonIds: [`gladly_${poison}`]})
    const first = await importJson()
    expect(first.result.code).to.equal(3)
    expect(delivered()).to.deep.equal(expected().filter((id) => id !== `gladly_${poison}`))
    const shown = parseJson<{state: {deadLetters: Array<{recordId: string; reason: string}>}}>(
      await sandbox.run(['state', 'show', '--json']),
    )
    expect(shown.state.deadLetters.map((letter) => letter.recordId)).to.deep.equal([`gladly_${poison}`])
    expect(shown.state.deadLetters[0]?.reason).to.match(/Rejected by Enterpret: HTTP 400/)

    fakes.enterpret.configure({poisonIds: []})
    const second = await importJson()
    expect(second.result.code, second.result.stderr).to.equal(0)
    expect(second.summary.deadLetters).to.include({retried: 1, delivered: 1, remaining: 0})
    expect(delivered()).to.deep.equal(expected())
  })

  it('delivers everything through 5% Gladly 500s, resets, 429s, a malformed line and a cut file', async () => {
    // Without rate headers the client cannot see the limit coming, so it meets it as 429s.
    await start({
      errorRate: 0.05,
      resetRate: 0.03,
      malformedLines: 1,
      cutFiles: ['conversation_items.jsonl'],
      rateLimit: {perSecond: 5, headers: false},
    })
    const {result, summary} = await importJson({GLADLY_MAX_RPS: '10', MAX_RETRIES: '8'})
    expect(result.code, result.stderr).to.equal(0)
    expect(delivered()).to.deep.equal(expected())
    expect(summary.malformedLines).to.be.greaterThan(0)
    expect(summary.gladly.rateLimited).to.be.greaterThan(0)
    expect(summary.gladly.retries).to.be.greaterThan(0)
    expect(fakes.gladly.stats.cuts).to.be.greaterThan(0)
    expect(summary.malformedReport && existsSync(summary.malformedReport)).to.equal(true)
    const big = fakes.gladly.dataset.edgeCases.bigConversationId
    for (const id of expectedConversationIds(fakes.gladly).filter((id) => id !== big))
      expect(deliveredMessages(fakes.enterpret, id), `transcript of ${id}`).to.deep.equal(
        expectedMessages(fakes.gladly, id),
      )
  })

  it('stops at --limit and the next run finishes the job without resending', async () => {
    await start()
    const limited = await importJson({}, ['--limit', '3'])
    expect(limited.result.code).to.equal(0)
    expect(limited.summary.stopped).to.equal('--limit 3 reached')
    expect(fakes.enterpret.records.size).to.equal(3)
    const shown = parseJson<{state: {checkpoint: unknown}; checkpointDone: number}>(
      await sandbox.run(['state', 'show', '--json']),
    )
    expect(shown.state.checkpoint).not.to.equal(null)
    const rest = await importJson()
    expect(rest.result.code).to.equal(0)
    expect(delivered()).to.deep.equal(expected())
    for (const stored of fakes.enterpret.records.values()) expect(stored.duplicates).to.equal(0)
  })

  it('refuses a second import of the same profile while one runs', async () => {
    await start({latencyMs: 30})
    // Paced to last well beyond the second import's start.
    const child = sandbox.start(['import'], {env: fakes.env({GLADLY_MAX_RPS: '2'})})
    try {
      const lock = join(sandbox.home, 'state', 'default', 'import.lock')
      for (let waited = 0; !existsSync(lock) && waited < 10_000; waited += 50) await sleep(50)
      const second = await sandbox.run(['import'], {env: fakes.env()})
      expect(second.code).to.equal(1)
      expect(second.stderr).to.include(`Another import is running for this profile: pid ${child.pid}`)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('leaves the state byte for byte as it was on a dry run, and writes the exact payloads', async () => {
    await start()
    await importJson({}, ['--limit', '5'])
    fakes.gladly.clock.set(new Date(Date.now() - DAY_MS))
    const before = snapshot(join(sandbox.home, 'state'))
    const requestsBefore = fakes.enterpret.requests.length
    const output = join(sandbox.dir, 'payloads.ndjson')
    const result = await sandbox.run(['dry-run', '--output', output, '--json'], {env: fakes.env()})
    expect(result.code, result.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(result)
    expect(snapshot(join(sandbox.home, 'state'))).to.deep.equal(before)
    expect(fakes.enterpret.requests.length).to.equal(requestsBefore)
    const {readFileSync} = await import('node:fs')
    const payloads = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as {records: Array<{id: string; type: string}>})
    const records = payloads.flatMap((payload) => payload.records)
    expect(records.length).to.equal(summary.conversations.sent)
    expect(records.every((record) => record.type === 'CONVERSATION')).to.equal(true)
    expect(summary.sample?.messages.length).to.be.greaterThan(0)
    expect(Object.keys(summary.channels).length).to.be.greaterThan(0)
  })

  it('exits 2 on bad flag values with nothing sent', async () => {
    await start()
    const cases = [
      ['--limit', '0'],
      ['--limit', 'many'],
      ['--start-date', 'yesterday'],
      ['--start-date', '2999-01-01'],
      ['--start-date', '2026-11-20', '--end-date', '2026-11-19'],
      ['--full', '--start-date', '2026-11-20'],
      ['--batch-size', '0'],
      ['--start-date', '2026-13-45'],
    ]
    for (const args of cases) {
      const result = await sandbox.run(['import', ...args], {env: fakes.env()})
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(2)
    }
    const missingKey = await sandbox.run(['import'], {env: {...fakes.env(), ENTERPRET_API_KEY: undefined}})
    expect(missingKey.code).to.equal(2)
    expect(missingKey.stderr).to.include('ENTERPRET_API_KEY is not set')
    expect(fakes.enterpret.requests.length).to.equal(0)
  })

  it('never writes a secret to any output or file', async () => {
    await start()
    const result = await sandbox.run(['import', '--verbose', '--json'], {env: fakes.env()})
    const dry = await sandbox.run(['dry-run', '--verbose', '--full', '--limit', '3'], {env: fakes.env()})
    expect(result.code, result.stderr).to.equal(0)
    const everything = [result.stdout, result.stderr, dry.stdout, dry.stderr, allFileText(sandbox)].join('\n')
    expect(everything).not.to.include(ENTERPRET_KEY)
    expect(everything).not.to.include(DEMO_CREDENTIALS.token)
    expect(everything).not.to.include(
      Buffer.from(`${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.token}`).toString('base64'),
    )
  })

  it('keeps Gladly requests within the configured budget, about one per conversation', async () => {
    await start({rateLimit: {perSecond: 10}, dataset: {seed: 9, conversations: 80, days: 3, edgeCases: false}})
    const {result, summary} = await importJson({GLADLY_MAX_RPS: '6'})
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.durationMs).to.be.greaterThan(10_000)
    expect(fakes.gladly.stats.maxInAnyWindow(1000)).to.be.at.most(6)
    expect(fakes.gladly.stats.rateLimited).to.equal(0)
    const byRoute = fakes.gladly.stats.byRoute as Record<string, number>
    const perConversation =
      ((byRoute['GET /api/v1/conversations/:id'] ?? 0) + (byRoute['GET /api/v1/conversations/:id/items'] ?? 0)) /
      summary.conversations.seen
    expect(perConversation, 'conversation lookups per conversation').to.be.below(1.2)
  })

  it("keeps within the limit Gladly's rate headers report, below the default budget, with no 429", async () => {
    await start({rateLimit: {perSecond: 4}, dataset: {seed: 9, conversations: 40, days: 3, edgeCases: false}})
    const {result} = await importJson()
    expect(result.code, result.stderr).to.equal(0)
    expect(fakes.gladly.stats.maxInAnyWindow(1000)).to.be.at.most(4)
    expect(fakes.gladly.stats.rateLimited).to.equal(0)
  })
})
