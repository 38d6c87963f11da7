import {expect} from 'chai'
import {figuresOf, outcomeOf} from '../../src/lib/metrics/figures.js'
import {recordOf} from '../../src/lib/metrics/record.js'
import {samplesOf} from '../../src/lib/metrics/samples.js'
import {emptySummary} from '../../src/lib/pipeline/index.js'
import {EMPTY_STATE, type State} from '../../src/lib/state/index.js'

const at = (instant: string) => new Date(instant)
const HOUR = 3600

describe('metrics: the figures of an import', () => {
  it('names the outcome of each documented exit code', () => {
    expect([0, 3, 1, 2, 130, 143, 7].map(outcomeOf)).to.deep.equal([
      'success',
      'partial',
      'failure',
      'config_error',
      'interrupted',
      'interrupted',
      'failure',
    ])
  })

  describe('the last success', () => {
    const run = (exitCode: number) => ({
      startedAt: at('2026-12-05T10:00:00Z'),
      finishedAt: at('2026-12-05T10:05:00Z'),
      exitCode,
    })
    const previous = recordOf(
      {startedAt: at('2026-12-05T09:00:00Z'), finishedAt: at('2026-12-05T09:04:00Z'), exitCode: 0},
      undefined,
      undefined,
    )

    it('is the end of a run that got to its end, exit 0 or 3', () => {
      expect(recordOf(run(0), previous, undefined).lastSuccessAt).to.equal('2026-12-05T10:05:00.000Z')
      expect(recordOf(run(3), previous, undefined).lastSuccessAt).to.equal('2026-12-05T10:05:00.000Z')
    })

    it('is carried forward by a run that failed or was stopped', () => {
      for (const exitCode of [1, 2, 143])
        expect(recordOf(run(exitCode), previous, undefined).lastSuccessAt).to.equal('2026-12-05T09:04:00.000Z')
    })

    it("without a record yet, comes from the state's last run, if that one finished", () => {
      const finished = {...EMPTY_STATE, lastRun: {finishedAt: '2026-12-04T08:00:00.000Z'}} as State
      expect(recordOf(run(1), undefined, finished).lastSuccessAt).to.equal('2026-12-04T08:00:00.000Z')
      const stopped = {
        ...EMPTY_STATE,
        lastRun: {finishedAt: '2026-12-04T08:00:00.000Z', stopped: 'SIGTERM received'},
      } as State
      expect(recordOf(run(1), undefined, stopped).lastSuccessAt).to.equal(null)
    })
  })

  it('counts every conversation figure of the summary, in snake case; a run without a summary, zeros', () => {
    const summary = emptySummary('import', 'acme', at('2026-12-05T10:00:00Z'))
    summary.conversations.keptOpen = 4
    summary.conversations.sent = 12
    const record = recordOf(
      {startedAt: at('2026-12-05T10:00:00Z'), finishedAt: at('2026-12-05T10:01:00Z'), exitCode: 0, summary},
      undefined,
      undefined,
    )
    expect(record.conversations).to.include({kept_open: 4, sent: 12, already_sent: 0, fetched_whole: 0})
    const failed = recordOf(
      {startedAt: at('2026-12-05T10:00:00Z'), finishedAt: at('2026-12-05T10:01:00Z'), exitCode: 1},
      undefined,
      undefined,
    )
    expect(Object.keys(failed.conversations).sort()).to.deep.equal(Object.keys(record.conversations).sort())
    expect(Object.values(failed.conversations).every((count) => count === 0)).to.equal(true)
  })

  describe('watermark age and export-window headroom', () => {
    const withWatermark = (updatedAt: string): State => ({...EMPTY_STATE, watermark: {updatedAt, jobIds: []}})

    it('are how far behind the watermark is, and what is left of Gladly’s 14 days after it', () => {
      const figures = figuresOf(
        'acme',
        undefined,
        withWatermark('2026-12-04T06:00:00.000Z'),
        at('2026-12-05T06:00:00Z'),
      )
      expect(figures.watermarkAgeSeconds).to.equal(24 * HOUR)
      expect(figures.exportWindowHeadroomSeconds).to.equal(13 * 24 * HOUR)
    })

    it('headroom goes negative once Gladly has deleted data not imported', () => {
      const figures = figuresOf(
        'acme',
        undefined,
        withWatermark('2026-11-20T06:00:00.000Z'),
        at('2026-12-05T06:00:00Z'),
      )
      expect(figures.exportWindowHeadroomSeconds).to.equal(-24 * HOUR)
    })

    it('are unknown without a watermark, and what the state holds is unknown when it cannot be read', () => {
      const none = figuresOf('acme', undefined, EMPTY_STATE, at('2026-12-05T06:00:00Z'))
      expect(none).to.include({watermarkAgeSeconds: null, exportWindowHeadroomSeconds: null, deadLetters: 0})
      const unreadable = figuresOf('acme', undefined, undefined, at('2026-12-05T06:00:00Z'))
      expect(unreadable).to.include({deadLetters: null, quarantined: null, lastRun: null})
      // Unknown figures are left out of the metrics, never sent as 0.
      const names = samplesOf(unreadable).map((sample) => sample.name)
      expect(names).to.deep.equal([])
    })
  })
})
