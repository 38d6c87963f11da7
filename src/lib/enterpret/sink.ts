import * as E from 'fp-ts/lib/Either.js'
import * as RA from 'fp-ts/lib/ReadonlyArray.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import got, {type Headers} from 'got'
import type {IncomingHttpHeaders} from 'node:http'
import {
  createRateLimiter,
  errorCode,
  isRetryableCode,
  realClock,
  withRetries,
  type Attempt,
  type Clock,
  type RequestStats,
  type RetryPolicy,
  type Tries,
} from '../common/index.js'
import {redactText, registerSecret, type Logger} from '../log/index.js'
import {enterpretAuthError, enterpretUnavailable, type EnterpretFatal} from './errors.js'
import {FEEDBACK_WEBHOOK, requestBody, type Webhook} from './webhooks.js'
import type {WireRecord} from './batcher.js'

export interface SinkOptions {
  /** ENTERPRET_API_URL, e.g. https://api.enterpret.com */
  readonly baseUrl: string
  /** The webhook under baseUrl: the feedback webhook by default. */
  readonly webhook?: Webhook
  readonly apiKey: string
  readonly userAgent: string
  /** BATCH_SIZE */
  readonly maxRecordsPerRequest: number
  /** ENTERPRET_MAX_BODY_BYTES */
  readonly maxBodyBytes: number
  /** ENTERPRET_MAX_RPM */
  readonly maxRequestsPerMinute: number
  /** MAX_RETRIES, for 5xx, network failures and timeouts. */
  readonly maxRetries: number
  /** RETRY_DELAY: the first retry delay, doubled per retry, with jitter. */
  readonly retryDelayMs: number
  /** Total time one attempt may take, headers and body (120 s by default). */
  readonly deadlineMs?: number
  readonly logger: Logger
  /** For pacing, backoff sleeps and Retry-After (the real clock by default). */
  readonly clock?: Clock
}

interface SinkStats extends RequestStats {
  delivered: number
  failed: number
}

export interface FailedRecord<R extends WireRecord> {
  readonly record: R
  readonly reason: string
  readonly code?: string
  readonly status?: number
  /** How many requests carried this record. */
  readonly attempts: number
}

export interface BatchOutcome<R extends WireRecord> {
  /** Record ids Enterpret answered 2xx for. */
  readonly delivered: readonly string[]
  readonly failed: readonly FailedRecord<R>[]
}

export interface Sink<R extends WireRecord> {
  readonly stats: SinkStats
  /**
   * Sends one batch (form batches with createBatcher). Splits on 413, bisects on 400 so the good
   * records are delivered and the bad ones isolated, retries 429/5xx/network failures with backoff
   * and jitter (honouring Retry-After), and paces request starts to maxRequestsPerMinute. Rejected
   * records, and records still failing after the retries, come back in `failed`. A rejected key is
   * Left(EnterpretAuthError); UNAVAILABLE_AFTER_BATCHES batches in a row without any usable answer
   * are Left(EnterpretUnavailable), and the last of them is then neither delivered nor failed.
   */
  send(batch: readonly R[]): TE.TaskEither<EnterpretFatal, BatchOutcome<R>>
}

/** Batches in a row that get no usable answer (only 5xx, network failures, 429s, …) before the run stops. */
export const UNAVAILABLE_AFTER_BATCHES = 3

// `request` bounds each attempt as a whole: a server answering a byte now and then would otherwise hold the run.
const TIMEOUTS = {
  lookup: 10_000,
  connect: 10_000,
  secureConnect: 10_000,
  send: 60_000,
  response: 60_000,
  request: 120_000,
}

/** One HTTP exchange: a response of any status, or (no status) the error that prevented one. */
interface Reply {
  readonly status?: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly error?: unknown
}

/** Why a request did not deliver its records, in words and as Enterpret's status and code. */
interface Failure {
  readonly detail: string
  readonly status?: number
  readonly code?: string
}

/** What one request settled to after its retries; `attempts` counts them all. */
type Verdict =
  | {readonly kind: 'accepted'; readonly attempts: number}
  | {readonly kind: 'rejected' | 'tooLarge' | 'gaveUp'; readonly attempts: number; readonly failure: Failure}

/** A batch's result so far; `answered` says whether Enterpret said anything about its records (2xx, 400 or 413). */
interface Delivery<R extends WireRecord> {
  readonly delivered: readonly string[]
  readonly failed: readonly FailedRecord<R>[]
  readonly answered: boolean
}

/**
 * Enterpret's reading of a reply: 400 and 413 are answers about the records (bisect, split), not retries;
 * 401/403 stop the run; 429, 408, 5xx and connection failures go to the retry policy.
 */
function judge(reply: Reply, attempt: number, host: string, webhook: Webhook): Attempt<EnterpretFatal, Verdict> {
  const {status} = reply
  const giveUp = ({attempts}: Tries) => {
    const failure = describe(reply)
    return E.right<EnterpretFatal, Verdict>({
      kind: 'gaveUp',
      attempts,
      failure: {...failure, detail: `${failure.detail} after ${attempts} ${attempts === 1 ? 'try' : 'tries'}`},
    })
  }
  const failed = (retryable: boolean): Attempt<EnterpretFatal, Verdict> => ({
    kind: 'failed',
    retryable,
    reason: describe(reply).detail,
    giveUp,
  })
  if (status === undefined) return failed(isRetryableCode(errorCode(reply.error)))
  if (status >= 200 && status < 300) return {kind: 'final', result: E.right({kind: 'accepted', attempts: attempt})}
  if (status === 401 || status === 403)
    return {kind: 'final', result: E.left(enterpretAuthError(status, host, errorBody(reply.body).code, webhook))}
  if (status === 400 || status === 413)
    return {
      kind: 'final',
      result: E.right({kind: status === 400 ? 'rejected' : 'tooLarge', attempts: attempt, failure: describe(reply)}),
    }
  if (status === 429) return {kind: 'rateLimited', headers: reply.headers, giveUp}
  return failed(status === 408 || status >= 500)
}

/** Enterpret's `{msg, code, referenceID}`, read tolerantly: the body may be empty, HTML or partial. */
function errorBody(body: string): {msg?: string; code?: string; referenceID?: string} {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    const text = body.trim().slice(0, 200)
    return text === '' ? {} : {msg: text}
  }
  const field = (name: string) => {
    const value = (parsed as Record<string, unknown> | null)?.[name]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  return {msg: field('msg'), code: field('code'), referenceID: field('referenceID')}
}

function describe(reply: Reply): Failure {
  if (reply.status === undefined) {
    const code = errorCode(reply.error)
    // Library messages can quote the request, headers included.
    const message = String((reply.error as Error | undefined)?.message ?? '').split('\n')[0]
    return {detail: redactText(`${code}: ${message}`), code}
  }
  const {msg, code, referenceID} = errorBody(reply.body)
  const head = code === undefined ? `HTTP ${reply.status}` : `HTTP ${reply.status} ${code}`
  const withMsg = msg === undefined ? head : `${head}: ${msg}`
  const detail = redactText(referenceID === undefined ? withMsg : `${withMsg} (referenceID ${referenceID})`)
  return code === undefined ? {detail, status: reply.status} : {detail, status: reply.status, code}
}

function halves<A>(items: readonly A[]): readonly (readonly A[])[] {
  const middle = Math.ceil(items.length / 2)
  return [items.slice(0, middle), items.slice(middle)]
}

const merge = <R extends WireRecord>(parts: readonly Delivery<R>[]): Delivery<R> => ({
  delivered: parts.flatMap((part) => part.delivered),
  failed: parts.flatMap((part) => part.failed),
  answered: parts.some((part) => part.answered),
})

const failAll = <R extends WireRecord>(
  records: readonly R[],
  reason: string,
  failure: Failure,
  attempts: number,
): FailedRecord<R>[] =>
  records.map((record) => ({
    record,
    reason,
    attempts,
    ...(failure.status === undefined ? {} : {status: failure.status}),
    ...(failure.code === undefined ? {} : {code: failure.code}),
  }))

export function createSink<R extends WireRecord>(options: SinkOptions): Sink<R> {
  registerSecret(options.apiKey)
  const {logger} = options
  const host = new URL(options.baseUrl).host
  const webhook = options.webhook ?? FEEDBACK_WEBHOOK
  const url = `${options.baseUrl.replace(/\/+$/, '')}${webhook.path}`
  const maxPerRequest = Math.min(options.maxRecordsPerRequest, webhook.maxPerRequest ?? Number.POSITIVE_INFINITY)
  const client = got.extend({
    headers: {
      'api-key': options.apiKey,
      'content-type': 'application/json',
      'user-agent': options.userAgent,
    } as Headers,
    timeout: {...TIMEOUTS, ...(options.deadlineMs === undefined ? {} : {request: options.deadlineMs})},
    retry: {limit: 0},
    followRedirect: false,
    throwHttpErrors: false,
    // got 15+ reports a body cut short under a Content-Length as ERR_HTTP_CONTENT_LENGTH_MISMATCH; off, it
    // is an ECONNRESET again, which is retried (as got 14 did).
    strictContentLength: false,
  })
  const stats: SinkStats = {requests: 0, rateLimited: 0, retries: 0, delivered: 0, failed: 0}
  const clock = options.clock ?? realClock
  const limiter = createRateLimiter(options.maxRequestsPerMinute / 60, clock)
  const policy: RetryPolicy = {
    api: 'Enterpret',
    maxRetries: options.maxRetries,
    retryDelayMs: options.retryDelayMs,
    clock,
    stats,
    debug: (message) => logger.debug(message),
  }
  let unavailableStreak = 0

  async function postOnce(body: string): Promise<Reply> {
    try {
      const response = await client.post(url, {body})
      return {status: response.statusCode, headers: response.headers, body: response.body}
    } catch (error) {
      return {headers: {}, body: '', error}
    }
  }

  /** One request and its retries. Re-sending after a timeout is safe: Enterpret skips ids it already has. */
  const post = (body: string, label: string): TE.TaskEither<EnterpretFatal, Verdict> =>
    withRetries(policy, {
      label,
      limiters: [limiter],
      pauses: limiter,
      attempt: async (_startedAt, attempt) => judge(await postOnce(body), attempt, host, webhook),
    })

  /** Sends records; a rejection of several is narrowed down by sending each half on its own. */
  function deliver(records: readonly R[], carried: number): TE.TaskEither<EnterpretFatal, Delivery<R>> {
    const body = requestBody(records, webhook.envelope)
    const bytes = Buffer.byteLength(body)
    // A batch the caller formed without the batcher is cut to size instead of earning a certain 400/413.
    if (records.length > 1 && (records.length > maxPerRequest || bytes > options.maxBodyBytes))
      return split(records, carried)
    return pipe(
      post(body, `batch of ${records.length} (${bytes} bytes)`),
      TE.chain((verdict) => settle(records, carried + verdict.attempts, verdict)),
    )
  }

  function split(records: readonly R[], carried: number): TE.TaskEither<EnterpretFatal, Delivery<R>> {
    return pipe(
      halves(records),
      RA.map((half) => deliver(half, carried)),
      TE.sequenceArray,
      TE.map(merge),
    )
  }

  function settle(
    records: readonly R[],
    attempts: number,
    verdict: Verdict,
  ): TE.TaskEither<EnterpretFatal, Delivery<R>> {
    if (verdict.kind === 'accepted')
      return TE.right({delivered: records.map((record) => record.id), failed: [], answered: true})
    const {failure} = verdict
    if (verdict.kind === 'gaveUp')
      return TE.right({
        delivered: [],
        failed: failAll(records, `Not delivered: ${failure.detail}`, failure, attempts),
        answered: false,
      })
    if (records.length > 1) {
      logger.debug(`Enterpret answered ${failure.detail} to ${records.length} records; sending each half on its own`)
      return split(records, attempts)
    }
    const reason =
      verdict.kind === 'tooLarge'
        ? `Too large for Enterpret even alone: ${failure.detail}`
        : `Rejected by Enterpret: ${failure.detail}`
    return TE.right({delivered: [], failed: failAll(records, reason, failure, attempts), answered: true})
  }

  /** Counts the batch towards the unavailable streak; only a batch with no usable answer at all extends it. */
  function checkAvailability(delivery: Delivery<R>): E.Either<EnterpretFatal, Delivery<R>> {
    unavailableStreak = delivery.answered ? 0 : unavailableStreak + 1
    if (unavailableStreak < UNAVAILABLE_AFTER_BATCHES) return E.right(delivery)
    return E.left(enterpretUnavailable(host, unavailableStreak, delivery.failed[0]?.reason ?? 'no answer'))
  }

  function tally(delivery: Delivery<R>): BatchOutcome<R> {
    stats.delivered += delivery.delivered.length
    stats.failed += delivery.failed.length
    return {delivered: delivery.delivered, failed: delivery.failed}
  }

  return {
    stats,
    send: (batch) =>
      batch.length === 0
        ? TE.right({delivered: [], failed: []})
        : pipe(deliver(batch, 0), TE.chainEitherK(checkAvailability), TE.map(tally)),
  }
}
