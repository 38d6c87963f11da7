import type * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type {IncomingHttpHeaders} from 'node:http'
import type {Clock} from './clock.js'
import type {RateLimiter} from './rate-limiter.js'

// The connection went wrong, not the request: another try may well work.
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
])
// 429s are flow control, not failures: they get at least this many retries whatever MAX_RETRIES says,
// and waits of at least this long when the server does not say how long.
const MIN_RATE_LIMIT_RETRIES = 8
const MIN_RATE_LIMIT_DELAY_MS = 1000
export const MAX_BACKOFF_MS = 30_000
// Neither API documents Retry-After; a huge value would stall the run for longer than a retry is worth.
export const MAX_RETRY_AFTER_MS = 300_000

/** A network error's code (ECONNRESET, ENOTFOUND, …), or ERROR when it has none. */
export function errorCode(error: unknown): string {
  const code = (error as {code?: unknown}).code
  return typeof code === 'string' ? code : 'ERROR'
}

export const isRetryableCode = (code: string): boolean => RETRYABLE_CODES.has(code)

/** The wait before retry number `retry` (from 0): doubled each time from `baseMs`, capped, ±25% so callers spread. */
export function backoff(baseMs: number, retry: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** retry)
  return Math.round(ceiling * (0.75 + Math.random() * 0.5))
}

/** Retry-After in ms from `now`, as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: IncomingHttpHeaders, now: number): number | undefined {
  const value = headers['retry-after']
  if (value === undefined) return undefined
  const seconds = Number(value)
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now
  return Number.isNaN(ms) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms))
}

/** Counters of one API's requests, summed into the run summary. */
export interface RequestStats {
  requests: number
  rateLimited: number
  retries: number
}

export interface RetryPolicy {
  /** Names the API in log lines ("Gladly rate limit on …"). */
  readonly api: string
  /** MAX_RETRIES, for failures; 429s get at least MIN_RATE_LIMIT_RETRIES. */
  readonly maxRetries: number
  /** RETRY_DELAY: the first backoff, doubled per retry. */
  readonly retryDelayMs: number
  readonly clock: Clock
  readonly stats: RequestStats
  readonly debug: (message: string) => void
}

/** How many tries a request has had, this one included: all of them, its failures, its 429s. */
export interface Tries {
  readonly attempts: number
  readonly failures: number
  readonly rateLimits: number
}

/**
 * What one attempt came to, as the API that made it reads its reply. `giveUp` builds the result once the
 * retries are spent (or at once, for a failure that is not `retryable`).
 */
export type Attempt<Err, A> =
  /** An answer for the caller, or an error no retry can fix (a rejected key, a full disk). */
  | {readonly kind: 'final'; readonly result: E.Either<Err, A>}
  /** A 429: Retry-After or a backoff, on a budget of its own. */
  | {
      readonly kind: 'rateLimited'
      readonly headers: IncomingHttpHeaders
      readonly giveUp: (tries: Tries) => E.Either<Err, A>
    }
  /** A 5xx, a reset, a timeout…: a backoff, on the MAX_RETRIES budget. */
  | {
      readonly kind: 'failed'
      readonly retryable: boolean
      /** For the log, e.g. "HTTP 503" or "ECONNRESET". */
      readonly reason: string
      readonly giveUp: (tries: Tries) => E.Either<Err, A>
    }

export interface RetriedRequest<Err, A> {
  /** For the log, e.g. "GET /organization". */
  readonly label: string
  /** Waited for, in this order, before every attempt; the last one's start time is the attempt's. */
  readonly limiters: readonly RateLimiter[]
  /** The limiter a 429 pauses: the one whose limit it is, so every caller under that limit waits. */
  readonly pauses: RateLimiter
  /** One try; `attempt` counts from 1. Never rejects: failures are values. */
  readonly attempt: (startedAt: number, attempt: number) => Promise<Attempt<Err, A>>
}

/**
 * The one retry loop of both APIs. Each attempt first waits for its limiters; a 429 pauses the limiter it
 * belongs to for Retry-After (or a backoff of at least MIN_RATE_LIMIT_DELAY_MS) and is retried up to
 * max(maxRetries, MIN_RATE_LIMIT_RETRIES) times; a retryable failure sleeps a backoff and is retried up to
 * maxRetries times. The two budgets are separate: 429s do not use up the failures' retries, nor the reverse.
 * The result is a TaskEither: a function that runs the whole loop and resolves to Left(error) or Right(value).
 */
export function withRetries<Err, A>(policy: RetryPolicy, request: RetriedRequest<Err, A>): TE.TaskEither<Err, A> {
  const {api, maxRetries, retryDelayMs, clock, stats, debug} = policy
  const rateLimitRetries = Math.max(maxRetries, MIN_RATE_LIMIT_RETRIES)
  return async () => {
    let attempts = 0
    let failures = 0
    let rateLimits = 0
    for (;;) {
      let startedAt = clock.now()
      for (const limiter of request.limiters) startedAt = await limiter.acquire()
      stats.requests++
      attempts++
      const outcome = await request.attempt(startedAt, attempts)
      switch (outcome.kind) {
        case 'final':
          return outcome.result
        case 'rateLimited': {
          stats.rateLimited++
          if (rateLimits >= rateLimitRetries) return outcome.giveUp({attempts, failures, rateLimits: rateLimits + 1})
          const wait =
            retryAfterMs(outcome.headers, clock.now()) ??
            backoff(Math.max(retryDelayMs, MIN_RATE_LIMIT_DELAY_MS), rateLimits)
          rateLimits++
          debug(`${api} rate limit on ${request.label}; pausing all requests for ${wait} ms`)
          request.pauses.pause(wait)
          break
        }
        case 'failed': {
          if (!outcome.retryable || failures >= maxRetries)
            return outcome.giveUp({attempts, failures: failures + 1, rateLimits})
          const wait = backoff(retryDelayMs, failures)
          failures++
          stats.retries++
          debug(`${request.label} failed (${outcome.reason}); retry ${failures}/${maxRetries} in ${wait} ms`)
          await clock.sleep(wait)
          break
        }
      }
    }
  }
}
