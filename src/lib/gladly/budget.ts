/**
 * The run's share of Gladly's org-wide limit (10 requests/s across every integration of the org).
 * Request *starts* are spaced evenly, so any 1-second window holds at most `ratePerSecond` of them
 * however many requests are in flight; Gladly's own `Ratelimit-Remaining-Second` and 429s pause
 * every caller at once, because the limit is shared.
 */
export interface Budget {
  readonly ratePerSecond: number
  /** Resolves when the caller may start one request. */
  acquire(): Promise<void>
  /** Feeds back what Gladly reported about the org's current second. */
  observe(limit: number | undefined, remaining: number | undefined): void
  /** Holds every request for `ms` (after a 429, say). */
  pause(ms: number): void
}

export interface BudgetClock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: BudgetClock = {now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))}
// Below this share of the org's limit left in the current second, other integrations are busy too.
const LOW_REMAINING_SHARE = 0.2
const ARRIVAL_SLACK = 1.03

export function createBudget(ratePerSecond: number, clock: BudgetClock = realClock): Budget {
  // 3% of slack: requests reach Gladly with a few ms of jitter (a new connection, a busy loop), and
  // rate + 1 starts must never fall into one second on its side.
  const interval = (1000 / ratePerSecond) * ARRIVAL_SLACK
  const waiting: Array<() => void> = []
  let lastStart = Number.NEGATIVE_INFINITY
  let pausedUntil = 0
  let scheduled = false

  // One caller at a time, spaced from the previous *actual* start: when the event loop was busy,
  // late callers are not released together, as slots booked in advance would be.
  const release = () => {
    scheduled = false
    while (waiting.length > 0) {
      const now = clock.now()
      const ready = Math.max(lastStart + interval, pausedUntil)
      if (now < ready) {
        scheduled = true
        void clock.sleep(ready - now).then(release)
        return
      }
      lastStart = now
      ;(waiting.shift() as () => void)()
    }
  }

  const pause = (ms: number) => {
    pausedUntil = Math.max(pausedUntil, clock.now() + ms)
  }

  return {
    ratePerSecond,
    pause,
    acquire: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve)
        if (!scheduled) release()
      }),
    observe(limit, remaining) {
      if (remaining === undefined || limit === undefined || limit <= 0) return
      if (remaining <= 0) pause(1000)
      else if (remaining <= Math.ceil(limit * LOW_REMAINING_SHARE)) pause(1000 / limit)
    },
  }
}
