import {expect} from 'chai'
import {createBudget, type Budget} from '../../src/lib/gladly/index.js'
import {virtualClock, type VirtualClock} from '../helpers/virtual-clock.js'

/** Gladly's org-wide sliding window, as the reference describes it: 429 past `limit` starts in any second. */
class OrgWindow {
  private readonly times: number[] = []
  rejected = 0
  accepted = 0
  constructor(readonly limit: number) {}

  /** Counts a request arriving at `at`; returns what Gladly reports in its answer. */
  arrive(at: number): {limit: number; remaining: number; rejected: boolean} {
    while (this.times.length > 0 && (this.times[0] as number) <= at - 1000) this.times.shift()
    const rejected = this.times.length >= this.limit
    if (rejected) this.rejected++
    else {
      this.times.push(at)
      this.accepted++
    }
    return {limit: this.limit, remaining: this.limit - this.times.length, rejected}
  }
}

function maxInAnySecond(starts: readonly number[]): number {
  return Math.max(...starts.map((start) => starts.filter((other) => other >= start && other < start + 1000).length))
}

/**
 * Our requests through the budget, one at a time, each answered `latencyMs` after it started; a
 * neighbour integration of the org starts one every `neighbour.everyMs` until `neighbour.until`.
 */
async function simulate(
  budget: Budget,
  clock: VirtualClock,
  org: OrgWindow,
  requests: number,
  {neighbour, latencyMs = 0}: {neighbour?: {everyMs: number; until: number}; latencyMs?: number} = {},
) {
  const starts: number[] = []
  let nextNeighbour = neighbour ? 0 : Number.POSITIVE_INFINITY
  for (let index = 0; index < requests; index++) {
    const startedAt = await budget.acquire()
    while (neighbour && nextNeighbour <= startedAt && nextNeighbour < neighbour.until) {
      org.arrive(nextNeighbour)
      nextNeighbour += neighbour.everyMs
    }
    starts.push(startedAt)
    const answer = org.arrive(startedAt)
    clock.advance(latencyMs)
    budget.observe({...answer, startedAt})
  }
  return starts
}

// Nothing but promises runs in these tests: the clock needs no real time between its steps.
describe('request budget', () => {
  it('never starts more than its rate in any one-second window, whatever the concurrency', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(8, clock)
    const starts = await Promise.all(Array.from({length: 24}, () => budget.acquire()))
    expect(maxInAnySecond(starts)).to.equal(8)
    // 23 intervals of 1/8 s, plus the 3% kept for arrival jitter.
    expect(starts.at(-1)).to.be.closeTo(23 * 125 * 1.03, 1)
  })

  it('is shared: two kinds of calls together stay within one rate', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(10, clock)
    const starts: number[] = []
    const caller = async () => {
      for (let index = 0; index < 10; index++) starts.push(await budget.acquire())
    }
    await Promise.all([caller(), caller()])
    expect(starts).to.have.length(20)
    expect(maxInAnySecond(starts)).to.be.at.most(10)
  })

  it('runs at its full rate when it is alone in the organization, with no 429', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(10, clock)
    const org = new OrgWindow(10)
    const starts = await simulate(budget, clock, org, 300, {latencyMs: 30})
    expect(org.rejected).to.equal(0)
    expect(budget.currentRate()).to.equal(10)
    // Within the 3% of slack of the org's whole limit.
    expect(299 / ((starts.at(-1) as number) / 1000)).to.be.within(9.4, 10)
  })

  it('gives way to another integration of the organization, and takes its share back when it stops', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(10, clock)
    const org = new OrgWindow(10)
    // The neighbour takes 4 requests/s for 30 s; ours take about 25 s once it has given way.
    const busy = await simulate(budget, clock, org, 150, {neighbour: {everyMs: 250, until: 30_000}})
    expect(busy.at(-1)).to.be.below(30_000)
    expect(budget.currentRate()).to.equal(6)
    expect(org.rejected, 'requests over the org limit').to.be.at.most(5)
    const settled = busy.filter((start) => start > 5000)
    expect(settled.length / (((busy.at(-1) as number) - 5000) / 1000)).to.be.within(5.5, 6.1)

    clock.advance(Math.max(0, 30_000 - clock.now()))
    await simulate(budget, clock, org, 50)
    expect(budget.currentRate()).to.equal(10)
  })

  it('ignores one answer that counted a start of ours at the window edge', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(10, clock)
    for (let index = 0; index < 20; index++) {
      const startedAt = await budget.acquire()
      budget.observe({limit: 10, remaining: index === 12 ? 0 : 10 - Math.min(index + 1, 9), startedAt, rejected: false})
    }
    expect(budget.currentRate()).to.equal(10)
  })

  it('never asks for more than Gladly says the organization has', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(1000, clock)
    const startedAt = await budget.acquire()
    budget.observe({limit: 10, remaining: 9, startedAt, rejected: false})
    expect(budget.currentRate()).to.equal(10)
  })

  it('waits for a slot to come free when others have filled the window', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(10, clock)
    for (let index = 1; index <= 4; index++)
      budget.observe({limit: 10, remaining: 10 - index, startedAt: await budget.acquire(), rejected: false})
    const startedAt = await budget.acquire()
    clock.advance(50)
    // A newcomer filled the window: one answer is not yet a rate to give way to, but it is a full window.
    budget.observe({limit: 10, remaining: 0, startedAt, rejected: false})
    expect(budget.currentRate()).to.equal(10)
    expect((await budget.acquire()) - startedAt).to.equal(150)
  })

  it('slows to what the others leave, however little', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(10, clock)
    const startedAt = await budget.acquire()
    budget.observe({limit: 10, remaining: 0, startedAt, rejected: false})
    expect(budget.currentRate()).to.equal(1)
    expect((await budget.acquire()) - startedAt).to.equal(1030)
  })

  it('holds every caller for a pause', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(1000, clock)
    const first = await budget.acquire()
    budget.pause(500)
    const [second, third] = await Promise.all([budget.acquire(), budget.acquire()])
    expect((second as number) - first).to.equal(500)
    expect(third).to.be.closeTo(501, 0.1)
  })

  it('ignores answers without rate headers, or to requests too old to compare', async () => {
    const clock = virtualClock({settleMs: 0})
    const budget = createBudget(10, clock)
    const startedAt = await budget.acquire()
    budget.observe({limit: undefined, remaining: 0, startedAt, rejected: false})
    clock.advance(60_000)
    budget.observe({limit: 10, remaining: 0, startedAt, rejected: false})
    expect(budget.currentRate()).to.equal(10)
    expect((await budget.acquire()) - clock.now()).to.equal(0)
  })
})
