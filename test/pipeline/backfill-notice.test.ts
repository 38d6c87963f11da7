import {expect} from 'chai'
import {backfillNotice} from '../../src/lib/pipeline/backfill-phase.js'

describe('the notice before a backfill starts', () => {
  it('gives its days, its report windows of 7 days, and the least time their reports take at the budget', () => {
    expect(backfillNotice('2026-09-07', '2026-11-21', 6)).to.equal(
      "Backfill of 76 day(s) (2026-09-07 – 2026-11-21) from Gladly's Reports API: 11 report window(s) of up to 7 days, at least about 110 s at GLADLY_REPORTS_PER_MINUTE=6 (a lower bound: a window near the row cap is asked again in parts, and the conversations are read besides).",
    )
  })

  const cases: Array<[string, [string, string, number], string[]]> = [
    ['counts a last, shorter window', ['2026-11-01', '2026-11-15', 6], ['15 day(s)', '3 report window(s)']],
    ['counts whole weeks exactly', ['2026-11-01', '2026-11-14', 6], ['14 day(s)', '2 report window(s)']],
    ['counts a single day', ['2026-11-01', '2026-11-01', 6], ['1 day(s)', '1 report window(s)', 'about 10 s']],
    ['says minutes for a year', ['2025-11-22', '2026-11-21', 6], ['53 report window(s)', 'at least about 8 min']],
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
