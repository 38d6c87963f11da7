import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import got, {type Got, type Headers, type Response} from 'got'
import {createWriteStream} from 'node:fs'
import {rename, rm} from 'node:fs/promises'
import type {IncomingHttpHeaders} from 'node:http'
import {pipeline} from 'node:stream/promises'
import {ExitCode, localFileProblem} from '../common/index.js'
import {registerSecret, type Logger} from '../log/index.js'
import type {Budget} from './budget.js'
import {authError, unreachable, type GladlyError} from './errors.js'

export interface RequestStats {
  requests: number
  rateLimited: number
  retries: number
}

export interface GladlyConnection {
  /** Normalised origin, e.g. https://acme.gladly.com (see config's normalizeGladlyUrl). */
  readonly origin: string
  readonly username: string
  readonly token: string
  readonly userAgent: string
  readonly maxRetries: number
  readonly retryDelayMs: number
  readonly budget: Budget
  readonly logger: Logger
  readonly stats: RequestStats
  /** Total time one attempt may take, headers and body (DEADLINES by default). */
  readonly deadlines?: Partial<Deadlines>
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
  post(path: string, body: unknown, ownLimit?: Budget): TE.TaskEither<GladlyError, GladlyResponse>
  /** Streams a response body to a file; a body cut short is retried like a reset. */
  download(path: string, destination: string): TE.TaskEither<GladlyError, {readonly bytes: number}>
}

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
// Gladly documents no Retry-After, so 429s are flow control: they get more patience than failures.
const MIN_RATE_LIMIT_RETRIES = 8
const MAX_BACKOFF_MS = 30_000
const TIMEOUTS = {lookup: 10_000, connect: 10_000, secureConnect: 10_000, socket: 60_000, response: 60_000}

function backoff(baseMs: number, attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt)
  return Math.round(ceiling * (0.75 + Math.random() * 0.5))
}

function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['retry-after']
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

function numberHeader(headers: IncomingHttpHeaders, name: string): number | undefined {
  const value = headers[name]
  const number = typeof value === 'string' ? Number(value) : Number.NaN
  return Number.isFinite(number) ? number : undefined
}

function errorCode(error: unknown): string {
  const code = (error as {code?: unknown}).code
  return typeof code === 'string' ? code : 'ERROR'
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

type Attempt<A> =
  {done: true; value: A} | {done: false; status?: number; headers?: IncomingHttpHeaders; error?: unknown}

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
  const {budget, logger, stats} = connection
  const deadlines = {...DEADLINES, ...connection.deadlines}

  /**
   * The one retry loop: every attempt first waits for the shared budget, 429s pause everyone,
   * 5xx and connection failures back off exponentially up to MAX_RETRIES.
   */
  function withRetries<A>(
    label: string,
    attempt: (startedAt: number) => Promise<Attempt<A>>,
    ownLimit?: Budget,
  ): TE.TaskEither<GladlyError, A> {
    return async () => {
      let failures = 0
      let rateLimits = 0
      for (;;) {
        // An endpoint with a limit of its own (reports) waits for both; its 429s pause only it.
        await ownLimit?.acquire()
        const startedAt = await budget.acquire()
        stats.requests++
        const outcome = await attempt(startedAt)
        if (outcome.done) return E.right(outcome.value)
        const {status, headers, error} = outcome
        if (status === 401 || status === 403) return E.left(authError(status, connection.origin, connection.username))
        if (status === 429) {
          stats.rateLimited++
          const wait =
            (headers && retryAfterMs(headers)) ?? backoff(Math.max(connection.retryDelayMs, 1000), rateLimits)
          if (rateLimits++ >= Math.max(connection.maxRetries, MIN_RATE_LIMIT_RETRIES)) {
            return E.left({
              _tag: 'GladlyHttpError',
              status,
              path: label,
              exit: ExitCode.failure,
              message: `Gladly kept answering 429 (rate limit) for ${label} after ${rateLimits} tries.`,
              suggestions: ["Lower GLADLY_MAX_RPS: other integrations are using the organization's 10 requests/s."],
            })
          }
          logger.debug(`Gladly rate limit on ${label}; pausing all requests for ${wait} ms`)
          ;(ownLimit ?? budget).pause(wait)
          continue
        }
        const localProblem = error === undefined ? undefined : localFileProblem(error)
        if (localProblem !== undefined)
          return E.left({_tag: 'LocalFileError', exit: ExitCode.failure, message: localProblem})
        const code = error === undefined ? `HTTP ${status}` : errorCode(error)
        // A report that timed out was generated in vain; asking again at once would spend the reports' budget.
        const retryable =
          error === undefined
            ? status !== undefined && status >= 500
            : RETRYABLE_CODES.has(code) && !(ownLimit !== undefined && code === 'ETIMEDOUT')
        if (!retryable || failures >= connection.maxRetries) {
          if (error === undefined) {
            return E.left({
              _tag: 'GladlyHttpError',
              status: status ?? 0,
              path: label,
              exit: ExitCode.failure,
              message: `Gladly answered ${status} to ${label}${failures > 0 ? ` after ${failures + 1} tries` : ''}.`,
            })
          }
          return E.left(unreachable(connection.origin, code, (error as Error).message))
        }
        const wait = backoff(connection.retryDelayMs, failures++)
        stats.retries++
        logger.debug(`${label} failed (${code}); retry ${failures}/${connection.maxRetries} in ${wait} ms`)
        await sleep(wait)
      }
    }
  }

  let skewMs = 0
  const observe = (response: Response | {statusCode?: number; headers: IncomingHttpHeaders}, startedAt: number) => {
    budget.observe({
      limit: numberHeader(response.headers, 'ratelimit-limit-second'),
      remaining: numberHeader(response.headers, 'ratelimit-remaining-second'),
      startedAt,
      rejected: response.statusCode === 429,
    })
    const serverTime = Date.parse(response.headers.date ?? '')
    if (!Number.isNaN(serverTime)) skewMs = serverTime - Date.now()
  }

  const isHandledHere = (status: number) => status === 401 || status === 403 || status === 429 || status >= 500

  /** One JSON-sized exchange; the retry loop decides what to do with 401/403/429/5xx and failures. */
  const request = (
    method: 'GET' | 'POST',
    path: string,
    options: {searchParams?: Record<string, string>; json?: unknown; headers?: Headers; deadline: number},
    ownLimit?: Budget,
  ) =>
    withRetries<GladlyResponse>(
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
    now: () => new Date(Date.now() + skewMs),
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
    download: (path, destination) => {
      let attempt = 0
      return pipe(
        withRetries<{status: number; bytes: number}>(`GET ${path}`, async (startedAt) => {
          // Each attempt writes its own file: a failed attempt's last writes may still land on disk
          // after the next one began. Only a complete body is renamed into place.
          const partial = `${destination}.${attempt++}.part`
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
      )
    },
  }
}
