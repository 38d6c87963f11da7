import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, deliveredMessages, expectedMessages, startFakes, type Fakes} from '../helpers/e2e.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('backfill of history older than 14 days, end to end', function () {
  this.timeout(300_000)
  let fakes: Fakes
  let sandbox: Sandbox
  let fakeNow: Date
  let startDate: string

  beforeEach(async () => {
    sandbox = createSandbox()
    fakeNow = new Date(Date.now() - DAY_MS)
    startDate = new Date(fakeNow.getTime() - 89 * DAY_MS).toISOString().slice(0, 10)
    fakes = await startFakes({
      now: fakeNow,
      dataset: {seed: 21, conversations: 180, days: 90, edgeCases: false},
      reportRateLimit: {perMinute: 600, concurrent: 2},
      reportLatencyMs: 20,
      latencyMs: 5,
    })
  })
  afterEach(async () => {
    await fakes.close()
    sandbox.cleanup()
  })

  const env = (extra: Record<string, string> = {}) =>
    fakes.env({GLADLY_REPORTS_PER_MINUTE: '600', BATCH_SIZE: '5', ...extra})

  /**
   * Closed conversations an import from `startDate` owes: created since then (reports) or touched by a
   * listed export job. One created after the last completed export window is owed by the next run,
   * once the job of its window completes (the export jobs are the feed past the backfill).
   */
  function expected(): string[] {
    const {dataset} = fakes.gladly
    const now = fakes.gladly.clock.now()
    const closed = new Set(dataset.closedConversationIds(now))
    const horizon = Math.max(
      ...dataset
        .jobs(now)
        .filter((job) => job.status === 'COMPLETED')
        .map((job) => Date.parse(job.parameters.endAt)),
    )
    const created = dataset.conversationsCreatedBetween(Date.parse(`${startDate}T00:00:00Z`), horizon, now)
    return [...new Set([...created, ...dataset.exportedConversationIds(now)])]
      .filter((id) => closed.has(id))
      .map((id) => `gladly_${id}`)
      .sort()
  }

  it('imports 90 days: every closed conversation exactly once, with its whole transcript', async () => {
    const result = await sandbox.run(['import', '--start-date', startDate, '--json'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(result)
    expect(summary.backfill).to.include({from: startDate, done: true})
    // 2 conversations a day: a week, then windows of 28 days.
    expect(summary.backfill.windows).to.equal(4)
    const want = expected()
    expect(want.length).to.be.greaterThan(100)
    expect([...fakes.enterpret.records.keys()].sort()).to.deep.equal(want)
    for (const stored of fakes.enterpret.records.values()) expect(stored.duplicates).to.equal(0)
    for (const id of want.slice(0, 40))
      expect(deliveredMessages(fakes.enterpret, id.slice('gladly_'.length)), id).to.deep.equal(
        expectedMessages(fakes.gladly, id.slice('gladly_'.length)),
      )
    const reports = (fakes.gladly.stats.byRoute as Record<string, number>)['POST /api/v1/reports'] ?? 0
    expect(reports).to.be.at.least(4)

    const again = await sandbox.run(['import', '--json'], {env: env()})
    expect(parseJson<RunSummary>(again).conversations.sent, 'the next run has nothing left to send').to.equal(0)
  })

  it('resumes a killed backfill at the window it was in', async () => {
    const child = sandbox.start(['import', '--start-date', startDate], {env: env({GLADLY_MAX_RPS: '4'})})
    const stateFile = join(sandbox.home, 'state', 'default', 'state.json')
    let backfill: {from: string; next: string | null} | undefined
    for (let waited = 0; waited < 120_000 && child.exitCode === null; waited += 200) {
      await sleep(200)
      try {
        backfill = (JSON.parse(readFileSync(stateFile, 'utf8')) as {backfill?: {from: string; next: string | null}})
          .backfill
      } catch {
        continue
      }
      if (backfill?.next && backfill.next > backfill.from) break
    }
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
    expect(backfill?.next, 'the backfill was interrupted part-way').to.be.a('string')

    const resumed = await sandbox.run(['import', '--json'], {env: env()})
    expect(resumed.code, resumed.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(resumed)
    expect(summary.backfill.from).to.equal(startDate)
    expect(summary.backfill.done).to.equal(true)
    expect([...fakes.enterpret.records.keys()].sort()).to.deep.equal(expected())
    const resent = [...fakes.enterpret.records.values()].reduce((sum, stored) => sum + stored.duplicates, 0)
    expect(resent).to.be.at.most(5)
  })

  it('resumes a backfill stopped inside its first window', async () => {
    const stopped = await sandbox.run(['import', '--start-date', startDate, '--limit', '1', '--json'], {env: env()})
    expect(stopped.code, stopped.stderr).to.equal(0)
    expect(parseJson<RunSummary>(stopped).stopped).to.match(/--limit 1 reached/)

    const resumed = await sandbox.run(['import', '--json'], {env: env()})
    expect(resumed.code, resumed.stderr).to.equal(0)
    expect(parseJson<RunSummary>(resumed).backfill).to.include({from: startDate, done: true})
    expect([...fakes.enterpret.records.keys()].sort()).to.deep.equal(expected())
  })

  it('previews a backfill in a dry run without changing the state', async () => {
    const result = await sandbox.run(
      ['dry-run', '--start-date', startDate, '--output', join(sandbox.dir, 'out.ndjson'), '--json'],
      {env: env()},
    )
    expect(result.code, result.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(result)
    expect(summary.conversations.sent).to.equal(expected().length)
    expect(summary.backfill.windows).to.equal(4)
    expect(fakes.enterpret.requests.length).to.equal(0)
    const days = Math.round((Date.parse(summary.backfill.to ?? '') - Date.parse(startDate)) / DAY_MS) + 1
    const notices = result.stderr.split('\n').filter((line) => line.includes('Backfill of '))
    expect(notices, 'one notice of what the backfill costs').to.have.length(1)
    expect(notices[0]).to.include(
      `Backfill of ${days} day(s) (${startDate} – ${summary.backfill.to}) from Gladly's Reports API: at most ${Math.ceil(days / 7)} report window(s) of 7 days (fewer, of up to 28 days, where quiet), their reports about ${Math.floor((Math.ceil(days / 7) * 60) / 600)} s at GLADLY_REPORTS_PER_MINUTE=600 (`,
    )
    expect(result.stderr.indexOf('Backfill of '), 'said before the run ends').to.be.below(
      result.stderr.indexOf('Dry run of'),
    )
    const shown = parseJson<{exists: boolean}>(await sandbox.run(['state', 'show', '--json']))
    expect(shown.exists).to.equal(false)
  })

  it('asks again for a report whose body is not the CSV, and fails the window only when it stays so', async () => {
    fakes.gladly.configure({reportGarbage: 2})
    const healed = await sandbox.run(['import', '--start-date', startDate, '--json'], {env: env()})
    expect(healed.code, healed.stderr).to.equal(0)
    expect(healed.stderr).to.match(
      /conversation report for \S+ – \S+ is not CSV \(Content-Type text\/html[^)]*\)\. Asking for it again\./,
    )
    expect([...fakes.enterpret.records.keys()].sort()).to.deep.equal(expected())

    const other = createSandbox()
    try {
      fakes.gladly.configure({reportGarbage: 100})
      const failed = await other.run(['import', '--start-date', startDate], {env: env()})
      expect(failed.code).to.equal(1)
      expect(failed.stderr.match(/Asking for it again/g)).to.have.length(3)
      expect(failed.stderr).to.include('is not CSV')
    } finally {
      other.cleanup()
    }
  })
})
