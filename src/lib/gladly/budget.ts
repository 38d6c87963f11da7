/**
 * The run's share of Gladly's org-wide limit (10 requests/s across every integration of the org).
 * Request *starts* are spaced evenly, so any 1-second window holds at most the current rate of them
 * however many requests are in flight. Gladly's `Ratelimit-Remaining-Second` counts every client of
 * the org; what our own starts do not explain is other integrations, and the rate gives way to them.
 */
export interface Budget {
  readonly ratePerSecond: number
  /** Resolves, with the time it started, when the caller may start one request. */
  acquire(): Promise<number>
  /** Feeds back what Gladly reported about the org's current second, in the answer to a request started at `startedAt`. */
  observe(report: RateReport): void
  /** Holds every request for `ms` (after a 429, say). */
  pause(ms: number): void
  /** The rate the budget runs at now: `ratePerSecond`, less what other integrations of the org use. */
  currentRate(): number
}

interface RateReport {
  readonly limit: number | undefined
  readonly remaining: number | undefined
  readonly startedAt: number
  /** Answered 429: Gladly did not count it. */
  readonly rejected: boolean
}

export interface BudgetClock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: BudgetClock = {now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))}
// 3% of slack: requests reach Gladly with a few ms of jitter (a new connection, a busy loop), and
// rate + 1 starts must never fall into one second on its side.
const ARRIVAL_SLACK = 1.03
const WINDOW_MS = 1000
// Our own starts are kept this long: answers arrive after their request's window has passed.
const HISTORY_MS = 5000
// Others' use is the median of the last few answers: one answer that counted a start of ours on the
// window's other edge is noise, a steady neighbour is not.
const OTHERS_SAMPLES = 5
// However busy the org, keep a trickle going: Gladly's 429s and their back-off settle the rest.
const MIN_RATE = 1

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

export function createBudget(ratePerSecond: number, clock: BudgetClock = realClock): Budget {
  const waiting: Array<(startedAt: number) => void> = []
  // Our starts of the last few seconds; a rejected one leaves the count Gladly keeps.
  const ownStarts: Array<{at: number; rejected: boolean}> = []
  const othersSamples: number[] = []
  let rate = ratePerSecond
  let lastStart = Number.NEGATIVE_INFINITY
  let pausedUntil = 0
  let scheduled = false

  const interval = () => (WINDOW_MS / rate) * ARRIVAL_SLACK

  // One caller at a time, spaced from the previous *actual* start: when the event loop was busy,
  // late callers are not released together, as slots booked in advance would be.
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
      ownStarts.push({at: now, rejected: false})
      while ((ownStarts[0] as {at: number}).at < now - HISTORY_MS) ownStarts.shift()
      ;(waiting.shift() as (startedAt: number) => void)(now)
    }
  }

  const pause = (ms: number) => {
    pausedUntil = Math.max(pausedUntil, clock.now() + ms)
  }

  /** Our starts that Gladly counted in the window of a request started at `startedAt`, itself included. */
  const ownStartsInWindowOf = (startedAt: number) =>
    ownStarts.filter((start) => !start.rejected && start.at > startedAt - WINDOW_MS && start.at <= startedAt).length

  return {
    ratePerSecond,
    pause,
    currentRate: () => rate,
    acquire: () =>
      new Promise<number>((resolve) => {
        waiting.push(resolve)
        if (!scheduled) release()
      }),
    observe({limit, remaining, startedAt, rejected}) {
      if (remaining === undefined || limit === undefined || limit <= 0) return
      if (startedAt - WINDOW_MS < clock.now() - HISTORY_MS) return
      if (rejected) {
        const start = ownStarts.find((candidate) => candidate.at === startedAt)
        if (start) start.rejected = true
      }
      const others = Math.max(0, limit - remaining - ownStartsInWindowOf(startedAt))
      othersSamples.push(others)
      if (othersSamples.length > OTHERS_SAMPLES) othersSamples.shift()
      rate = Math.min(ratePerSecond, Math.max(limit - median(othersSamples), MIN_RATE))
      // A window we filled alone empties in step with our spacing; one shared with a newcomer may
      // not, before the rate has taken it in: wait for a slot of it to come free.
      if (remaining <= 0 && others > 0) pause(WINDOW_MS / limit)
    },
  }
}
