import {createRateLimiter, realClock, type Clock, type RateLimiter} from '../common/index.js'

/**
 * The run's share of Gladly's org-wide limit (10 requests/s across every integration of the org): the common
 * rate limiter, whose rate Gladly's answers adjust. Gladly's `Ratelimit-Remaining-Second` counts every client of
 * the org; what our own starts do not explain is other integrations, and the rate gives way to them.
 */
export interface Budget extends RateLimiter {
  readonly ratePerSecond: number
  /** Feeds back what Gladly reported about the org's current second, in the answer to a request started at `startedAt`. */
  observe(report: RateReport): void
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

export function createBudget(ratePerSecond: number, clock: Clock = realClock): Budget {
  const limiter = createRateLimiter(ratePerSecond, clock)
  // Our starts of the last few seconds; a rejected one leaves the count Gladly keeps.
  const ownStarts: Array<{at: number; rejected: boolean}> = []
  const othersSamples: number[] = []
  let rate = ratePerSecond

  /** Our starts that Gladly counted in the window of a request started at `startedAt`, itself included. */
  const ownStartsInWindowOf = (startedAt: number) =>
    ownStarts.filter((start) => !start.rejected && start.at > startedAt - WINDOW_MS && start.at <= startedAt).length

  return {
    ratePerSecond,
    pause: limiter.pause,
    currentRate: () => rate,
    async acquire() {
      const at = await limiter.acquire()
      ownStarts.push({at, rejected: false})
      while ((ownStarts[0] as {at: number}).at < at - HISTORY_MS) ownStarts.shift()
      return at
    },
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
      limiter.setRate(rate)
      // A window we filled alone empties in step with our spacing; one shared with a newcomer may
      // not, before the rate has taken it in: wait for a slot of it to come free.
      if (remaining <= 0 && others > 0) limiter.pause(WINDOW_MS / limit)
    },
  }
}
