import {expect} from 'chai'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import type {DatasetOptions} from '../fakes/gladly/dataset.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {
  DAY_MS,
  deliveredMessages,
  expectedConversationIds,
  expectedMessages,
  startFakes,
  type Fakes,
} from '../helpers/e2e.js'

const HOUR_MS = 60 * 60 * 1000
const midnight = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)

describe('one-time export jobs: a past period Gladly Support exported is read from its files, not from reports', function () {
  this.timeout(300_000)
  const fakeNow = Date.now() - DAY_MS
  let fakes: Fakes
  let sandbox: Sandbox
  const start = async (oneTimeExports: DatasetOptions['oneTimeExports']) => {
    fakes = await startFakes({
      now: fakeNow,
      dataset: {
        seed: 31,
        conversations: 150,
        days: 60,
        edgeCases: false,
        customAttributes: false,
        conversationsPerCustomer: 3,
        oneTimeExports,
      },
      reportRateLimit: {perMinute: 600, concurrent: 2},
      reportLatencyMs: 20,
      latencyMs: 2,
    })
  }
  beforeEach(() => {
    sandbox = createSandbox()
  })
  afterEach(async () => {
    await fakes?.close()
    sandbox.cleanup()
  })

  const env = (extra: Record<string, string> = {}) =>
    fakes.env({GLADLY_REPORTS_PER_MINUTE: '600', BATCH_SIZE: '20', ...extra})
  const routes = () => fakes.gladly.stats.byRoute as Record<string, number>
  const now = () => fakes.gladly.clock.now()
  /** Where the daily export jobs listed now begin. */
  const dailiesBegin = () =>
    Math.min(
      ...fakes.gladly.dataset
        .jobs(now())
        .filter((job) => job.scheduleId !== undefined)
        .map((job) => Date.parse(job.parameters.startAt)),
    )
  /**
   * What an import from `from` must deliver: the closed conversations created from then until the daily jobs begin
   * (the one-time export's, or the backfill's), and those of the export jobs.
   */
  const closedSince = (from: number) => {
    const closed = new Set(fakes.gladly.dataset.closedConversationIds(now()))
    const history = fakes.gladly.dataset.conversationsCreatedBetween(from, dailiesBegin(), now())
    return [...new Set([...history.filter((id) => closed.has(id)), ...expectedConversationIds(fakes.gladly)])]
  }
  /** Conversations created and closed inside [from, to): the export file holds their whole life. */
  const wholeInside = (from: number, to: number) =>
    fakes.gladly.dataset.conversationsCreatedBetween(from, to, now()).filter((id) => {
      const closedAt = fakes.gladly.dataset.conversation(id, now())?.closedAt
      return closedAt !== undefined && Date.parse(closedAt) < to
    })
  const expectDeliveredOnce = (ids: readonly string[]) => {
    for (const id of ids) expect(fakes.enterpret.records.has(`gladly_${id}`), id).to.equal(true)
    for (const stored of fakes.enterpret.records.values()) expect(stored.duplicates).to.equal(0)
  }

  it('backfills the days around an older one-time export, and none it covers whole', async () => {
    const exportStart = midnight(fakeNow - 50 * DAY_MS) + 6 * HOUR_MS
    const exportEnd = midnight(fakeNow - 30 * DAY_MS)
    await start([{start: exportStart, end: exportEnd, completedAt: fakeNow - 2 * DAY_MS}])
    const startMs = midnight(fakeNow - 59 * DAY_MS)

    const result = await sandbox.run(['import', '--start-date', dayOf(startMs), '--json'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(result)
    expect(summary.jobs.oneTime).to.equal(1)
    expect(result.stderr).to.match(/is a one-time export of .*: its conversations are read from its files/)
    expect(result.stderr).to.include('19 of these days come from a one-time export job instead')
    expect(summary.backfill).to.include({from: dayOf(startMs), to: dayOf(dailiesBegin()), done: true})

    // Reports read the days before the export (its first day, partly covered, included) and the gap after it.
    const reported = fakes.gladly.stats.reportDays
    expect(reported.length).to.be.greaterThan(1)
    for (const {startAt, endAt} of reported)
      expect(endAt < dayOf(exportStart + DAY_MS) || startAt >= dayOf(exportEnd), `${startAt} – ${endAt}`).to.equal(true)
    expect(reported[0]?.startAt).to.equal(dayOf(startMs))
    expect(reported.some(({endAt}) => endAt === dayOf(exportStart))).to.equal(true)
    expect(reported.some(({startAt}) => startAt === dayOf(exportEnd))).to.equal(true)
    expect(reported.at(-1)?.endAt).to.equal(dayOf(dailiesBegin()))

    const expected = closedSince(startMs)
    expect(expected.length).to.be.greaterThan(100)
    expectDeliveredOnce(expected)
    // A conversation whose whole life is in the export file costs its lookup only: items and customer are in the files
    // (the export's first day, which it covers in part, is reported too).
    const inFile = wholeInside(midnight(exportStart) + DAY_MS, exportEnd)
    expect(inFile.length).to.be.greaterThan(20)
    const itemRequests = new Set(
      fakes.gladly.stats.requests.flatMap(
        (request) => /^GET \/api\/v1\/conversations\/([^/]+)\/items$/.exec(request)?.[1] ?? [],
      ),
    )
    expect(inFile.filter((id) => itemRequests.has(id))).to.deep.equal([])
    for (const id of inFile.slice(0, 10))
      expect(deliveredMessages(fakes.enterpret, id), id).to.deep.equal(expectedMessages(fakes.gladly, id))
    const inFileSet = new Set(inFile)
    const otherCustomers = new Set(
      expected.filter((id) => !inFileSet.has(id)).map((id) => fakes.gladly.dataset.conversation(id, now())?.customerId),
    )
    expect(routes()['GET /api/v1/customer-profiles/:id'] ?? 0).to.be.at.most(otherCustomers.size)

    const shown = await sandbox.run(['state', 'show'], {env: env()})
    expect(shown.stdout).to.include(
      `(from export jobs instead: ${dayOf(exportStart + DAY_MS)} – ${dayOf(exportEnd - DAY_MS)}): done`,
    )
  })

  it('resumes a backfill stopped after the days the export covers, and sends every conversation once', async () => {
    const exportStart = midnight(fakeNow - 50 * DAY_MS)
    const exportEnd = midnight(fakeNow - 30 * DAY_MS)
    await start([{start: exportStart, end: exportEnd, completedAt: fakeNow - 2 * DAY_MS}])
    const startMs = midnight(fakeNow - 59 * DAY_MS)
    // The windows before the export hold about 22 conversations: the limit stops the run in the one after it.
    const stopped = await sandbox.run(['import', '--start-date', dayOf(startMs), '--limit', '40', '--json'], {
      env: env(),
    })
    expect(stopped.code, stopped.stderr).to.equal(0)
    expect(parseJson<RunSummary>(stopped).stopped).to.match(/--limit 40 reached/)
    const shown = parseJson<{state: {backfill: {next: string | null}}}>(
      await sandbox.run(['state', 'show', '--json'], {env: env()}),
    )
    expect(shown.state.backfill.next, 'the window after the exported days, unfinished').to.equal(dayOf(exportEnd))

    const resumed = await sandbox.run(['import', '--json'], {env: env()})
    expect(resumed.code, resumed.stderr).to.equal(0)
    expect(parseJson<RunSummary>(resumed).backfill).to.include({from: dayOf(startMs), done: true})
    expect(fakes.gladly.stats.reportDays.map(({startAt}) => startAt)).to.not.include(dayOf(exportStart + DAY_MS))
    expectDeliveredOnce(closedSince(startMs))
  })

  it('is imported by the next scheduled run once Gladly lists it, at about one request a conversation', async () => {
    const historyStart = midnight(fakeNow - 58 * DAY_MS)
    // Made for the history before the daily jobs, completed an hour after the first run.
    await start([])
    const exportEnd = dailiesBegin()
    await fakes.close()
    await start([{start: historyStart, end: exportEnd, completedAt: fakeNow + 3 * HOUR_MS}])

    const first = await sandbox.run(['import', '--json'], {env: env({IMPORT_HISTORY_DAYS: '0'})})
    expect(first.code, first.stderr).to.equal(0)
    expect(parseJson<RunSummary>(first).jobs.oneTime).to.equal(0)
    const deliveredBefore = fakes.enterpret.records.size

    fakes.gladly.clock.advance(4 * HOUR_MS)
    fakes.gladly.stats.reset()
    const second = await sandbox.run(['import', '--json'], {env: env({IMPORT_HISTORY_DAYS: '0'})})
    expect(second.code, second.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(second)
    expect(summary.jobs.oneTime).to.equal(1)
    expect(routes()['POST /api/v1/reports'] ?? 0).to.equal(0)
    expectDeliveredOnce(closedSince(historyStart))
    const sent = fakes.enterpret.records.size - deliveredBefore
    expect(sent).to.be.greaterThan(100)
    // The job listing, the reference lists, its four files, then one lookup a conversation and items only for those
    // that began before the export's window or closed after it.
    expect(fakes.gladly.stats.total / sent).to.be.below(1.15)
    expect(routes()['GET /api/v1/customer-profiles/:id'] ?? 0).to.equal(0)

    const third = await sandbox.run(['import', '--json'], {env: env({IMPORT_HISTORY_DAYS: '0'})})
    expect(third.code, third.stderr).to.equal(0)
    expect(parseJson<RunSummary>(third).jobs.oneTime, 'processed once').to.equal(0)
  })
})
