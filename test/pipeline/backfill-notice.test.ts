import {expect} from 'chai'
import type {ExportJob, JobPlan} from '../../src/lib/gladly/index.js'
import {backfillNotice, backfillWindows, nextWindowDays, planBackfill} from '../../src/lib/pipeline/backfill-phase.js'

const notice = (firstDay: string, lastDay: string, perMinute: number) =>
  backfillNotice({from: firstDay, to: lastDay, next: firstDay}, firstDay, perMinute)

describe('the notice before a backfill starts', () => {
  it('gives its days, its report windows of 7 days, and the least time their reports take at the budget', () => {
    expect(notice('2026-09-07', '2026-11-21', 6)).to.equal(
      "Backfill of 76 day(s) (2026-09-07 – 2026-11-21) from Gladly's Reports API: at most 11 report window(s) of 7 days (fewer, of up to 28 days, where quiet), their reports about 110 s at GLADLY_REPORTS_PER_MINUTE=6 (a window near the row cap is asked again in parts; each report is made while the window before is read).",
    )
  })

  const cases: Array<[string, [string, string, number], string[]]> = [
    ['counts a last, shorter window', ['2026-11-01', '2026-11-15', 6], ['15 day(s)', '3 report window(s)']],
    ['counts whole weeks exactly', ['2026-11-01', '2026-11-14', 6], ['14 day(s)', '2 report window(s)']],
    ['counts a single day', ['2026-11-01', '2026-11-01', 6], ['1 day(s)', '1 report window(s)', 'about 10 s']],
    ['says minutes for a year', ['2025-11-22', '2026-11-21', 6], ['53 report window(s)', 'about 8 min']],
    ['says hours for ten years', ['2016-11-22', '2026-11-21', 2], ['522 report window(s)', 'about 4 h 21 min']],
    ['follows the budget', ['2026-09-07', '2026-11-21', 600], ['about 1 s at GLADLY_REPORTS_PER_MINUTE=600']],
  ]
  for (const [what, [firstDay, lastDay, perMinute], parts] of cases) {
    it(what, () => {
      const said = notice(firstDay, lastDay, perMinute)
      for (const part of parts) expect(said).to.include(part)
    })
  }
})

describe('the size of the next backfill window', () => {
  it('is as long as allowed after a window with no conversation', () => {
    expect(nextWindowDays(0, 7, 10_000)).to.equal(28)
  })
  it('aims at half the row cap at the rows per day of the window before', () => {
    expect(nextWindowDays(2_000, 7, 10_000)).to.equal(17)
    expect(nextWindowDays(1_000, 7, 10_000)).to.equal(28)
  })
  it('stays a week where the window before was busy, a full one being asked again in parts', () => {
    expect(nextWindowDays(9_500, 7, 10_000)).to.equal(7)
    expect(nextWindowDays(30_000, 7, 10_000)).to.equal(7)
    expect(nextWindowDays(4_000, 28, 10_000)).to.equal(28)
  })
})

describe('the history a first import backfills', () => {
  const now = new Date('2026-12-06T10:00:00Z')
  const firstRun: JobPlan = {
    listFrom: now,
    wants: () => true,
    warnings: [],
    backfillFrom: new Date('2026-09-01T00:00:00Z'),
  }
  const job = (id: string, startAt: string, endAt: string): ExportJob => ({
    id,
    status: 'COMPLETED',
    updatedAt: now.toISOString(),
    parameters: {type: 'CONVERSATIONS', startAt, endAt},
    files: [],
  })
  /** Gladly's daily jobs of the last 14 days, windows 07:15 to 07:15 (as in the spec's example). */
  const dailies = Array.from({length: 14}, (_, k) => {
    const start = Date.parse('2026-11-22T07:15:18.070Z') + k * 86_400_000
    return job(`daily-${k}`, new Date(start).toISOString(), new Date(start + 86_400_000).toISOString())
  })

  it('runs up to the day the export jobs begin, read both ways', () => {
    const plan = planBackfill(null, firstRun, dailies, false, now)
    expect(plan).to.deep.equal({from: '2026-09-01', to: '2026-11-22', next: '2026-09-01'})
  })

  it('leaves out the days a one-time export adjoining the daily jobs covers', () => {
    const oneTime = job('one-time', '2026-10-01T00:00:00Z', '2026-11-22T07:15:18.07Z')
    const plan = planBackfill(null, firstRun, [oneTime, ...dailies], false, now)
    expect(plan).to.deep.equal({from: '2026-09-01', to: '2026-10-01', next: '2026-09-01'})
  })

  it('reports the gap between a one-time export and the daily jobs, and skips the days the export covers whole', () => {
    const oneTime = job('one-time', '2026-09-10T12:00:00Z', '2026-11-01T00:00:00Z')
    const plan = planBackfill(null, firstRun, [...dailies, oneTime], false, now)
    expect(plan).to.deep.equal({
      from: '2026-09-01',
      to: '2026-11-22',
      next: '2026-09-01',
      exported: [{from: '2026-09-11', to: '2026-10-31'}],
    })
    // 2026-09-01 – 09-10 (two windows of 7 days at most), 2026-11-01 – 11-22 (four).
    expect(backfillWindows(plan!)).to.equal(2 + 4)
    expect(backfillNotice(plan!, '2026-11-01', 6), 'resumed after the exported days')
      .to.include('22 day(s) (2026-11-01 – 2026-11-22)')
      .and.not.include('come from a one-time export')
    expect(backfillNotice(plan!, '2026-09-01', 6))
      .to.include('83 day(s) (2026-09-01 – 2026-11-22)')
      .and.include('at most 6 report window(s)')
      .and.include('51 of these days come from a one-time export job instead')
  })

  it('reports a day a failed daily job leaves out', () => {
    const withoutOne = dailies.filter((daily) => daily.id !== 'daily-7')
    const plan = planBackfill(null, firstRun, withoutOne, false, now)
    expect(plan?.to).to.equal('2026-11-30')
    expect(plan?.exported).to.deep.equal([{from: '2026-11-23', to: '2026-11-28'}])
  })

  it('starts after the exported days when they begin the history, and is done when they cover all of it', () => {
    const oneTime = job('one-time', '2026-08-01T00:00:00Z', '2026-10-01T00:00:00Z')
    expect(planBackfill(null, firstRun, [oneTime, ...dailies], false, now)?.next).to.equal('2026-10-01')
    const adjoining = job('one-time', '2026-08-01T00:00:00Z', '2026-11-22T07:15:18Z')
    expect(planBackfill(null, firstRun, [adjoining, ...dailies], false, now)).to.equal(undefined)
    const all = job('one-time', '2026-08-01T00:00:00Z', '2026-10-20T00:00:00Z')
    expect(
      planBackfill(null, {...firstRun, backfillUntil: new Date('2026-10-15T00:00:00Z')}, [all, ...dailies], true, now),
    ).to.deep.equal({
      from: '2026-09-01',
      to: '2026-10-15',
      next: null,
      exported: [{from: '2026-09-01', to: '2026-10-15'}],
    })
  })

  it('resumes an unfinished backfill as planned, whatever is listed now', () => {
    const unfinished = {
      from: '2026-09-01',
      to: '2026-11-22',
      next: '2026-10-08',
      exported: [{from: '2026-09-11', to: '2026-10-31'}],
    }
    expect(planBackfill(unfinished, firstRun, dailies, false, now)).to.equal(unfinished)
  })
})
