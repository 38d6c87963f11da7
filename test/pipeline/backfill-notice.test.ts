import {expect} from 'chai'
import {backfillNotice, nextWindowDays} from '../../src/lib/pipeline/backfill-phase.js'

describe('the notice before a backfill starts', () => {
  it('gives its days, its report windows of 7 days, and the least time their reports take at the budget', () => {
    expect(backfillNotice('2026-09-07', '2026-11-21', 6)).to.equal(
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
      const notice = backfillNotice(firstDay, lastDay, perMinute)
      for (const part of parts) expect(notice).to.include(part)
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
