import {realClock, type Clock} from './clock.js'

/**
 * Spaces request *starts* evenly, so any window of a second holds at most the rate of them (a minute at most 60
 * times it) however many requests are in flight: a caller waits for its own turn, never for another's response. A
 * pause holds every caller, because a limit belongs to the key or the organization, not to one request.
 */
export interface RateLimiter {
  /** Resolves, with the time it started, when the caller may start one request. */
  acquire(): Promise<number>
  /** Holds every request for `ms` (after a 429, say). */
  pause(ms: number): void
}

/** A limiter whose owner changes its rate as it learns (Gladly's budget gives way to other integrations). */
export interface AdjustableRateLimiter extends RateLimiter {
  setRate(ratePerSecond: number): void
}

// 3% of slack: requests reach the server with a few ms of jitter (a new connection, a busy loop), and
// rate + 1 starts must never fall into one window on its side.
const ARRIVAL_SLACK = 1.03

export function createRateLimiter(ratePerSecond: number, clock: Clock = realClock): AdjustableRateLimiter {
  const waiting: Array<(startedAt: number) => void> = []
  let rate = ratePerSecond
  let lastStart = Number.NEGATIVE_INFINITY
  let pausedUntil = Number.NEGATIVE_INFINITY
  let scheduled = false

  const interval = () => (1000 / rate) * ARRIVAL_SLACK

  // One caller at a time, spaced from the previous *actual* start: when the event loop was busy, late
  // callers are not released together, as slots booked in advance would be. A pause that began while
  // the next caller waited applies to it too.
  const release = () => {
    scheduled = false
    while (waiting.length > 0) {
      const now = clock.now()
      const ready = Math.max(lastStart + interval(), pausedUntil)
      if (now < ready) {
        scheduled = true
        void clock.sleep(ready - now).then(release)
        return
      }
      lastStart = now
      ;(waiting.shift() as (startedAt: number) => void)(now)
    }
  }

  return {
    acquire: () =>
      new Promise<number>((resolve) => {
        waiting.push(resolve)
        if (!scheduled) release()
      }),
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, clock.now() + ms)
    },
    setRate(newRate) {
      rate = newRate
    },
  }
}
