import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import got, {type Got, type Headers, type Response} from 'got'
import {createWriteStream} from 'node:fs'
import {rename, rm} from 'node:fs/promises'
import type {IncomingHttpHeaders} from 'node:http'
import {pipeline} from 'node:stream/promises'
import {
  errorCode,
  ExitCode,
  isRetryableCode,
  localFileProblem,
  realClock,
  withRetries,
  type Attempt,
  type Clock,
  type RateLimiter,
  type RequestStats,
  type RetryPolicy,
} from '../common/index.js'
import {registerSecret, type Logger} from '../log/index.js'
import type {Budget} from './budget.js'
import {authError, unreachable, type GladlyError} from './errors.js'

export interface GladlyConnection {
  /** Normalised origin, e.g. https://acme.gladly.com (see config's normalizeGladlyUrl). */
  readonly origin: string
  readonly username: string
  readonly token: string
  readonly userAgent: string
  readonly maxRetries: number
  readonly retryDelayMs: number
  /** The org's requests per second; built on the same clock as this connection's. */
  readonly budget: Budget
  readonly logger: Logger
  readonly stats: RequestStats
  /** Total time one attempt may take, headers and body (DEADLINES by default). */
  readonly deadlines?: Partial<Deadlines>
  /** For backoff sleeps, Retry-After and Gladly's time (the real clock by default). */
  readonly clock?: Clock
}

/**
 * Each attempt's total time, headers and body: a server that answers a byte now and then would otherwise hold a run
 * for ever (the socket timeout only sees silence). A report is generated while its request waits, so it gets longer,
 * and its timeout is not retried: each try costs one of the 10 reports a minute, and the window is asked again by the
 * next run. Downloads are whole export files.
 */
interface Deadlines {
  readonly request: number
  readonly report: number
  readonly download: number
}

const DEADLINES: Deadlines = {request: 120_000, report: 300_000, download: 1_800_000}

export interface GladlyResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface GladlyHttp {
  readonly origin: string
  /**
   * Gladly's own time, from the Date header of its latest answer: "at most 14 days ago" is judged by
   * Gladly's clock, and a machine whose clock is off must not ask for jobs Gladly refuses to list.
   */
  now(): Date
  /** GET a path under /api/v1. 401/403, 429, 5xx and network failures are handled here; any other status is the caller's. */
  get(path: string, searchParams?: Record<string, string>): TE.TaskEither<GladlyError, GladlyResponse>
  /** POST a JSON body under /api/v1, with the same handling as `get`; `ownLimit` paces an endpoint with a limit of its own. */
  post(path: string, body: unknown, ownLimit?: RateLimiter): TE.TaskEither<GladlyError, GladlyResponse>
  /** PATCH a JSON body under /api/v1 (the Webhooks API), with the same handling as `get`. */
  patch(path: string, body: unknown): TE.TaskEither<GladlyError, GladlyResponse>
  /** Streams a response body to a file; a body cut short is retried like a reset. */
  download(path: string, destination: string): TE.TaskEither<GladlyError, {readonly bytes: number}>
}

const TIMEOUTS = {lookup: 10_000, connect: 10_000, secureConnect: 10_000, socket: 60_000, response: 60_000}

function numberHeader(headers: IncomingHttpHeaders, name: string): number | undefined {
  const value = headers[name]
  const number = typeof value === 'string' ? Number(value) : Number.NaN
  return Number.isFinite(number) ? number : undefined
}

/** One exchange as it came back: an answer for the caller, or a status or error for the retry policy to judge. */
type Exchange<A> =
  {done: true; value: A} | {done: false; status?: number; headers?: IncomingHttpHeaders; error?: unknown}

const final = <A>(result: E.Either<GladlyError, A>): Attempt<GladlyError, A> => ({kind: 'final', result})

export function createGladlyHttp(connection: GladlyConnection): GladlyHttp {
  const authorization = `Basic ${Buffer.from(`${connection.username}:${connection.token}`).toString('base64')}`
  registerSecret(connection.token)
  registerSecret(authorization.slice('Basic '.length))
  const client: Got = got.extend({
    prefixUrl: `${connection.origin}/api/v1/`,
    headers: {authorization, 'user-agent': connection.userAgent, accept: 'application/json'} as Headers,
    timeout: TIMEOUTS,
    retry: {limit: 0},
    followRedirect: false,
    throwHttpErrors: false,
    // got 15+ reports a body cut short under a Content-Length as ERR_HTTP_CONTENT_LENGTH_MISMATCH; off, it
    // is an ECONNRESET again, which the retry loop retries (as got 14 did).
    strictContentLength: false,
  })
  const {budget, logger} = connection
  const clock = connection.clock ?? realClock
  const deadlines = {...DEADLINES, ...connection.deadlines}
  const policy: RetryPolicy = {
    api: 'Gladly',
    maxRetries: connection.maxRetries,
    retryDelayMs: connection.retryDelayMs,
    clock,
    stats: connection.stats,
    debug: (message) => logger.debug(message),
  }

  /** Gladly's reading of an exchange: 401/403 are its auth error, a local file problem is not retried. */
  function judge<A>(label: string, exchange: Exchange<A>, isReport: boolean): Attempt<GladlyError, A> {
    if (exchange.done) return final(E.right(exchange.value))
    const {status, headers, error} = exchange
    if (status === 401 || status === 403)
      return final(E.left(authError(status, connection.origin, connection.username)))
    if (status === 429) {
      return {
        kind: 'rateLimited',
        headers: headers ?? {},
        giveUp: (tries) =>
          E.left({
            _tag: 'GladlyHttpError',
            status,
            path: label,
            exit: ExitCode.failure,
            message: `Gladly kept answering 429 (rate limit) for ${label} after ${tries.rateLimits} tries.`,
            suggestions: ["Lower GLADLY_MAX_RPS: other integrations are using the organization's 10 requests/s."],
          }),
      }
    }
    if (error === undefined) {
      return {
        kind: 'failed',
        retryable: status !== undefined && status >= 500,
        reason: `HTTP ${status}`,
        giveUp: (tries) =>
          E.left({
            _tag: 'GladlyHttpError',
            status: status ?? 0,
            path: label,
            exit: ExitCode.failure,
            message: `Gladly answered ${status} to ${label}${tries.failures > 1 ? ` after ${tries.failures} tries` : ''}.`,
          }),
      }
    }
    const localProblem = localFileProblem(error)
    if (localProblem !== undefined)
      return final(E.left({_tag: 'LocalFileError', exit: ExitCode.failure, message: localProblem}))
    const code = errorCode(error)
    // A report that timed out was generated in vain; asking again at once would spend the reports' budget.
    return {
      kind: 'failed',
      retryable: isRetryableCode(code) && !(isReport && code === 'ETIMEDOUT'),
      reason: code,
      giveUp: () => E.left(unreachable(connection.origin, code, (error as Error).message)),
    }
  }

  /** Every attempt waits for the org's budget, and for an endpoint's own limit (reports) first; its 429s pause only it. */
  const retrying = <A>(
    label: string,
    exchange: (startedAt: number, attempt: number) => Promise<Exchange<A>>,
    ownLimit?: RateLimiter,
  ): TE.TaskEither<GladlyError, A> =>
    withRetries(policy, {
      label,
      limiters: ownLimit === undefined ? [budget] : [ownLimit, budget],
      pauses: ownLimit ?? budget,
      attempt: async (startedAt, attempt) => judge(label, await exchange(startedAt, attempt), ownLimit !== undefined),
    })

  let skewMs = 0
  const observe = (response: Response | {statusCode?: number; headers: IncomingHttpHeaders}, startedAt: number) => {
    budget.observe({
      limit: numberHeader(response.headers, 'ratelimit-limit-second'),
      remaining: numberHeader(response.headers, 'ratelimit-remaining-second'),
      startedAt,
      rejected: response.statusCode === 429,
    })
    const serverTime = Date.parse(response.headers.date ?? '')
    if (!Number.isNaN(serverTime)) skewMs = serverTime - clock.now()
  }

  const isHandledHere = (status: number) => status === 401 || status === 403 || status === 429 || status >= 500

  /** One JSON-sized exchange; the retry policy decides what to do with 401/403/429/5xx and failures. */
  const request = (
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    options: {searchParams?: Record<string, string>; json?: unknown; headers?: Headers; deadline: number},
    ownLimit?: RateLimiter,
  ) =>
    retrying<GladlyResponse>(
      `${method} ${path}`,
      async (startedAt) => {
        try {
          const {deadline, ...rest} = options
          const response = await client(path.replace(/^\//, ''), {
            method,
            ...rest,
            timeout: {...TIMEOUTS, request: deadline},
          })
          observe(response, startedAt)
          if (isHandledHere(response.statusCode))
            return {done: false, status: response.statusCode, headers: response.headers}
          return {done: true, value: {status: response.statusCode, headers: response.headers, body: response.body}}
        } catch (error) {
          return {done: false, error}
        }
      },
      ownLimit,
    )

  return {
    origin: connection.origin,
    now: () => new Date(clock.now() + skewMs),
    get: (path, searchParams) => request('GET', path, {searchParams, deadline: deadlines.request}),
    post: (path, body, ownLimit) =>
      request(
        'POST',
        path,
        {
          json: body,
          headers: {accept: 'text/csv, application/json'},
          deadline: ownLimit === undefined ? deadlines.request : deadlines.report,
        },
        ownLimit,
      ),
    patch: (path, body) => request('PATCH', path, {json: body, deadline: deadlines.request}),
    download: (path, destination) =>
      pipe(
        retrying<{status: number; bytes: number}>(`GET ${path}`, async (startedAt, attempt) => {
          // Each attempt writes its own file: a failed attempt's last writes may still land on disk
          // after the next one began. Only a complete body is renamed into place.
          const partial = `${destination}.${attempt}.part`
          const stream = client.stream(path.replace(/^\//, ''), {
            headers: {accept: 'application/x-ndjson'},
            timeout: {...TIMEOUTS, request: deadlines.download},
          })
          let response: Response | undefined
          stream.once('response', (res: Response) => {
            response = res
            observe(res, startedAt)
          })
          try {
            await pipeline(stream, createWriteStream(partial, {mode: 0o600}))
          } catch (error) {
            await rm(partial, {force: true})
            // A write stream's ENOSPC does not say which file: this one, for the message.
            const {path: known, code, syscall, message} = error as NodeJS.ErrnoException
            return {
              done: false,
              error: known === undefined && syscall !== undefined ? {code, syscall, message, path: partial} : error,
            }
          }
          const status = response?.statusCode ?? 0
          if (status === 200) await rename(partial, destination)
          else await rm(partial, {force: true})
          if (isHandledHere(status)) return {done: false, status, headers: response?.headers}
          return {done: true, value: {status, bytes: stream.downloadProgress.transferred}}
        }),
        TE.chain(({status, bytes}) => {
          if (status === 200) return TE.right({bytes})
          if (status === 404)
            return TE.left<GladlyError>({
              _tag: 'GladlyNotFound',
              path,
              exit: ExitCode.failure,
              message: `Gladly has no ${path} (404).`,
            })
          return TE.left<GladlyError>({
            _tag: 'GladlyHttpError',
            status,
            path,
            exit: ExitCode.failure,
            message: `Gladly answered ${status} to GET ${path}.`,
          })
        }),
      ),
  }
}
