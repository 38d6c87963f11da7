import {expect} from 'chai'
import {createRateLimiter} from '../../src/lib/common/index.js'
import {virtualClock} from '../helpers/virtual-clock.js'

/** The most starts that fall into any window of `windowMs`, both ends included. */
function mostInAnyWindow(starts: readonly number[], windowMs: number): number {
  return Math.max(
    ...starts.map((start) => starts.filter((other) => other >= start && other <= start + windowMs).length),
  )
}

// Nothing but promises runs in these tests: the clock needs no real time between its steps.
describe('rate limiter', () => {
  it('holds any rolling minute to the per-minute limit, however many callers wait at once', async () => {
    const clock = virtualClock({settleMs: 0})
    const perMinute = 20
    const limiter = createRateLimiter(perMinute / 60, clock)
    const starts = await Promise.all(Array.from({length: 70}, () => limiter.acquire()))
    expect(mostInAnyWindow(starts, 60_000)).to.equal(perMinute)
    // Evenly spaced, 3% under the limit: 69 intervals of 3 s and the slack.
    expect(starts.at(-1)).to.be.closeTo(69 * 3000 * 1.03, 1)
  })

  it('holds the limit for callers that come late, in bursts, and across a pause', async () => {
    const clock = virtualClock({settleMs: 0})
    const limiter = createRateLimiter(30 / 60, clock)
    const starts: number[] = []
    for (let burst = 0; burst < 6; burst++) {
      starts.push(...(await Promise.all(Array.from({length: 1 + (burst % 3) * 7}, () => limiter.acquire()))))
      if (burst === 2) limiter.pause(5000)
      // A caller that comes late does not make up for the time it lost.
      clock.advance(burst * 1700)
    }
    expect(starts).to.have.length(48)
    expect(mostInAnyWindow(starts, 60_000)).to.be.at.most(30)
    expect(mostInAnyWindow(starts, 1000)).to.equal(1)
  })

  it('holds a caller already waiting for its turn when a pause begins', async () => {
    const clock = virtualClock({settleMs: 0})
    const limiter = createRateLimiter(1, clock)
    await limiter.acquire()
    const waiting = limiter.acquire()
    // The waiter is due at 1030 ms; at 500 ms a 429 pauses everyone for a second.
    await clock.sleep(500)
    limiter.pause(1000)
    expect(await waiting).to.equal(1500)
  })

  it('holds every caller for the longest of its pauses', async () => {
    const clock = virtualClock({settleMs: 0})
    const limiter = createRateLimiter(1000, clock)
    limiter.pause(3000)
    limiter.pause(1000)
    const starts = await Promise.all([limiter.acquire(), limiter.acquire()])
    expect(starts[0]).to.equal(3000)
    expect(starts[1]).to.be.closeTo(3001.03, 0.01)
  })

  it('spaces the next starts at a new rate', async () => {
    const clock = virtualClock({settleMs: 0})
    const limiter = createRateLimiter(10, clock)
    const first = await limiter.acquire()
    limiter.setRate(1)
    expect((await limiter.acquire()) - first).to.be.closeTo(1030, 0.01)
  })
})
