import {expect} from 'chai'
import type {Progress} from '../../src/lib/pipeline/index.js'
import {estimate, formatDuration} from '../../src/terminal/estimate.js'
import {describeRecord} from '../../src/terminal/preview.js'
import {statusLines} from '../../src/terminal/progress-view.js'

const progress = (overrides: Partial<Progress> = {}): Progress => ({
  unitsDone: 0,
  unitsPlanned: 4,
  unitsOpened: 1,
  conversationsDone: 0,
  conversationsKnown: 100,
  recordsMade: 0,
  recordsDelivered: 0,
  gladlyRequests: 0,
  ...overrides,
})

describe('the progress estimate', () => {
  it('counts the units not opened yet as the mean of those opened, and says the total is an estimate', () => {
    expect(estimate(progress(), 1000, 10)).to.include({total: 400, exact: false})
    expect(estimate(progress({unitsOpened: 4, conversationsKnown: 350}), 1000, 10)).to.include({
      total: 350,
      exact: true,
    })
  })

  it('has no ETA before any unit is opened', () => {
    expect(estimate(progress({unitsOpened: 0, conversationsKnown: 0}), 1000, 10).etaSeconds).to.equal(undefined)
  })

  it("is never faster than Gladly's budget allows at the requests a conversation has cost", () => {
    // 100 done with 300 requests at a budget of 10/s: 3.33 conversations/s at most, whatever the pace was.
    const fast = estimate(
      progress({unitsOpened: 4, conversationsKnown: 400, conversationsDone: 100, gladlyRequests: 300}),
      1000,
      10,
    )
    expect(fast.etaSeconds).to.be.closeTo(300 / (10 / 3), 0.001)
  })

  it('follows the pace of the run once it has a sample, when that is slower than the budget', () => {
    // 100 done in 100 s: 1/s, slower than the budget's 10/s.
    const slow = estimate(
      progress({unitsOpened: 4, conversationsKnown: 400, conversationsDone: 100, gladlyRequests: 100}),
      100_000,
      10,
    )
    expect(slow.rate).to.equal(1)
    expect(slow.etaSeconds).to.equal(300)
  })

  it('reads as hours, minutes or seconds', () => {
    expect(formatDuration(45.4)).to.equal('45s')
    expect(formatDuration(200)).to.equal('3m 20s')
    expect(formatDuration(7500)).to.equal('2h 05m')
  })

  it('shows the bar, the counts, the rate, the ETA and where the run is', () => {
    const lines = statusLines(
      progress({
        unit: 'export job j1',
        unitsOpened: 4,
        conversationsKnown: 400,
        conversationsDone: 100,
        gladlyRequests: 100,
        recordsMade: 95,
        recordsDelivered: 90,
      }),
      50_000,
      10,
    ).split('\n')
    expect(lines).to.have.length(2)
    expect(lines[0]).to.match(/^ █{6}░{18} 25% · 100\/400 conversations · 2\.0\/s · ETA 2m 30s$/)
    expect(lines[1]).to.equal(' unit 1 of 4 · export job j1 · 90/95 records delivered · 100 Gladly requests · 50s')
  })
})

describe('the dry-run preview of a record', () => {
  it('names the record and its channel, and shows its first messages on one line each, controls escaped', () => {
    const text = describeRecord({
      id: 'gladly_c1',
      createdAt: 1_764_000_000,
      conversation: {
        msgs: [
          {actor: 'user', text: 'Hello\nthere \u001b[2J'},
          {actor: 'agent', text: 'x'.repeat(150)},
          {actor: 'user', text: 'Thanks'},
          {actor: 'agent', text: 'Bye'},
        ],
      },
      metadata: {metadata: {channel: {array: {s: ['chat']}}}},
    })
    expect(text.split('\n')).to.deep.equal([
      'gladly_c1 · chat · 4 message(s) · created 2025-11-24T16:00:00Z',
      '  user  Hello there \\u001b[2J',
      `  agent ${'x'.repeat(100)}…`,
      '  user  Thanks',
      '  … 1 more',
      '',
    ])
  })
})
