// A fake Gladly REST API over node:http, answering from a GladlyDataset "as of" a controllable clock, with the
// org-wide rate limits of Gladly's docs (general and Reports API) and switchable faults (latency, 500s, resets,
// malformed and cut files, reports that are not CSV).

import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {performance} from 'node:perf_hooks'
import {
  CUSTOMER_CONVERSATIONS_CAP,
  type DatasetOptions,
  EVENTS_MAX_AGE_MS,
  EXPORT_RETENTION_MS,
  GladlyDataset,
  ITEMS_CAP,
} from './dataset.js'
import {MINUTE, parseTime, rng, type Rng, type TimeArg, toMs} from './random.js'
import {conversationExportReport, parseReportRequest} from './reports.js'
import {FakeWebhooks, WebhookInputError, type WebhookOptions} from './webhooks.js'

interface RateLimitOptions {
  perSecond: number
  /** Sent as Retry-After on 429s when set; Gladly documents none. */
  retryAfterSeconds?: number
  /** false leaves out the Ratelimit-*-Second headers (Gladly documents them): a client then learns the limit from 429s alone. */
  headers?: boolean
}

/** The Reports API's own org-wide limits, on top of the general per-second one. */
interface ReportRateLimitOptions {
  /** Requests accepted in any rolling window of `windowMs`. */
  perMinute: number
  /** Report requests in flight at once. */
  concurrent: number
  /** The rolling window, 60 s as documented; shorter lets a test see the limit lift. */
  windowMs?: number
}

export interface Credentials {
  username: string
  token: string
}

/** Behaviour switches, settable at start and live through `configure`. */
interface FaultSwitches {
  /** Added to every response; a [min, max] range is drawn per request. */
  latencyMs: number | [number, number]
  /** Fraction of accepted requests answered 500. */
  errorRate: number
  /** Fraction of accepted requests whose socket is destroyed without a response. */
  resetRate: number
  /** Unparseable lines injected at fixed positions into every conversation_items.jsonl. */
  malformedLines: number
  /** File names, or `jobId/name`, whose next download is cut off mid-body (once per job and file). */
  cutFiles: string[]
  /** Org-wide sliding 1-second window; false turns it (and its headers) off. */
  rateLimit: RateLimitOptions | false
  credentials: Credentials
  /** 10 per minute and 2 concurrent, as documented; false lifts both. 429s carry `rateLimit.retryAfterSeconds`. */
  reportRateLimit: ReportRateLimitOptions | false
  /** Rows a report holds at most: the rest of its window is dropped silently, as real exports are suspected to. */
  reportRowCap: number
  /** Time a report takes to generate, holding its concurrency slot. */
  reportLatencyMs: number
  /** The next n valid report requests within the limits answer 200 with an HTML page instead of CSV. */
  reportGarbage: number
  /** Conversations whose answers are damaged, by id: how (see `ConversationDamage`). */
  damaged: Record<string, ConversationDamage>
}

/**
 * What real Gladly answers have been seen to do to one conversation: `items-not-a-list` (GET /items is not a list),
 * `item-undecodable` (one element of GET /items is not an item), `lookup-undecodable` (GET /conversations/{id} lacks
 * its status), `lookup-other-id` (it describes another conversation), `created-before-2000` (a createdAt Enterpret
 * refuses for good, so no record can ever be made), `created-in-future` (a createdAt far ahead of every clock, so the
 * transform cannot make a record yet).
 */
type ConversationDamage =
  | 'items-not-a-list'
  | 'item-undecodable'
  | 'lookup-undecodable'
  | 'lookup-other-id'
  | 'created-before-2000'
  | 'created-in-future'

export interface FakeGladlyOptions extends Partial<FaultSwitches> {
  port?: number
  host?: string
  /** A dataset, or options for one (its `end` defaults to the clock's now). */
  dataset?: DatasetOptions | GladlyDataset
  /** Freezes the clock at this instant; without it the clock follows real time. */
  now?: TimeArg
  /** Seeds the per-request fault draws. */
  faultSeed?: number
  /** Webhook delivery: retry delays, timeout, how often new events are looked for. */
  webhooks?: WebhookOptions
}

interface FailNextFault {
  status?: number
  reset?: boolean
  times?: number
}

export interface FakeGladly {
  /** Base URL without path, e.g. http://127.0.0.1:4010 (the API lives under /api/v1). */
  url: string
  dataset: GladlyDataset
  clock: FakeClock
  stats: RequestStats
  /** The webhooks created through the Webhooks API, and every delivery made to them. */
  webhooks: FakeWebhooks
  configure(switches: Partial<FaultSwitches>): void
  /** Answers the next `times` (default 1) requests whose route key or path matches with a status or a reset. */
  failNext(match: RegExp | string, fault: FailNextFault): void
  close(): Promise<void>
}

export const DEMO_CREDENTIALS: Credentials = {username: 'api-user@example-outfitters.com', token: 'fake-gladly-token'}
const REPORT_RATE_LIMIT: ReportRateLimitOptions = {perMinute: 10, concurrent: 2}
const REPORT_ROW_CAP = 10_000
const REPORT_LATENCY_MS = 200

/** Clients compute "now − 14 days" on their own clock; this much skew is forgiven. */
const CLOCK_TOLERANCE_MS = 60_000
const CHUNK_BYTES = 64 * 1024
const JOB_STATUSES = new Set(['COMPLETED', 'FAILED', 'IN_PROGRESS', 'PENDING'])
const EVENT_ENTITIES = new Set([
  'AGENT_AVAILABILITY',
  'AGENT_STATUS',
  'CONTACT',
  'CONVERSATION',
  'CUSTOMER',
  'CUSTOMER_PROFILE',
  'PAYMENT_REQUEST',
  'TASK',
])
/** What a proxy or a login redirect answers instead of a report. */
const GARBAGE_HTML =
  '<html><head><title>Gladly</title></head><body><h1>Something went wrong</h1>' +
  '<p>Please try again later.</p></body></html>\n'

/** The instant the fake's data is "as of": real time (optionally shifted) until `set` freezes it. */
class FakeClock {
  private frozenAt: number | undefined
  private offset = 0

  constructor(now?: TimeArg) {
    if (now !== undefined) this.frozenAt = toMs(now)
  }

  nowMs(): number {
    return this.frozenAt ?? Date.now() + this.offset
  }

  now(): Date {
    return new Date(this.nowMs())
  }

  set(time: TimeArg): void {
    this.frozenAt = toMs(time)
  }

  advance(ms: number): void {
    if (this.frozenAt === undefined) this.offset += ms
    else this.frozenAt += ms
  }
}

/** Request counters plus arrival times (performance.now() ms) to check a client's pacing. */
class RequestStats {
  total = 0
  /** Requests whose socket was destroyed without a response (resetRate, failNext reset). */
  resets = 0
  /** File downloads cut off mid-body (cutFiles). */
  cuts = 0
  byRoute: Record<string, number> = {}
  byStatus: Record<number, number> = {}
  /** Data rows of each CSV report served, in response order. */
  reportRows: number[] = []
  /** The days (`startAt`, `endAt`, as asked) of each CSV report served, in response order. */
  reportDays: Array<{startAt: string; endAt: string}> = []
  /** Report requests refused by the Reports API's own limits (also counted in byStatus[429]). */
  reportsRateLimited = 0
  /** Every request as `<method> <path>`, in arrival order (to tell what overlapped what). */
  requests: string[] = []
  private acceptedArrivals: number[] = []
  private allArrivals: number[] = []

  get rateLimited(): number {
    return this.byStatus[429] ?? 0
  }

  get serverErrors(): number {
    return this.byStatus[500] ?? 0
  }

  /** Arrival times of requests the rate limiter let through (or of all requests). */
  arrivals(which: 'accepted' | 'all' = 'accepted'): readonly number[] {
    return which === 'accepted' ? this.acceptedArrivals : this.allArrivals
  }

  /** The largest number of arrivals inside any window of `windowMs`. */
  maxInAnyWindow(windowMs = 1000, which: 'accepted' | 'all' = 'accepted'): number {
    const times = this.arrivals(which)
    let max = 0
    let first = 0
    for (let last = 0; last < times.length; last++) {
      while ((times[last] as number) - (times[first] as number) >= windowMs) first++
      max = Math.max(max, last - first + 1)
    }

    return max
  }

  reset(): void {
    this.total = 0
    this.resets = 0
    this.cuts = 0
    this.byRoute = {}
    this.byStatus = {}
    this.reportRows = []
    this.reportDays = []
    this.reportsRateLimited = 0
    this.requests = []
    this.acceptedArrivals = []
    this.allArrivals = []
  }

  record(routeKey: string, arrival: number, request: string): void {
    this.requests.push(request)
    this.total++
    this.byRoute[routeKey] = (this.byRoute[routeKey] ?? 0) + 1
    this.allArrivals.push(arrival)
  }

  accept(arrival: number): void {
    this.acceptedArrivals.push(arrival)
  }

  status(code: number): void {
    this.byStatus[code] = (this.byStatus[code] ?? 0) + 1
  }
}

/** Arrival times of the requests counted in the current window; rejected requests are never added. */
class SlidingWindow {
  private times: number[] = []

  remaining(now: number, limit: number, windowMs = 1000): number {
    this.prune(now, windowMs)
    return Math.max(0, limit - this.times.length)
  }

  tryAcquire(now: number, limit: number, windowMs = 1000): boolean {
    if (this.remaining(now, limit, windowMs) === 0) return false
    this.times.push(now)
    return true
  }

  private prune(now: number, windowMs: number): void {
    let drop = 0
    while (drop < this.times.length && (this.times[drop] as number) <= now - windowMs) drop++
    if (drop > 0) this.times = this.times.slice(drop)
  }
}

interface RequestContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: string[]
  now: number
  headers: Record<string, string>
}

type Handler = (ctx: RequestContext) => Promise<void> | void

interface Route {
  method: string
  key: string
  regex: RegExp
  handler: Handler
}

class ErrorResponse extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`)
  }
}

function errors(status: number, code: string, detail: string, attr?: string): ErrorResponse {
  return new ErrorResponse(status, {errors: [{...(attr ? {attr} : {}), code, detail}]})
}

function notFound(kind: string, id: string): ErrorResponse {
  return errors(404, 'not_exist', `${kind} [${id}] does not exist`)
}

export async function startFakeGladly(options: FakeGladlyOptions = {}): Promise<FakeGladly> {
  const clock = new FakeClock(options.now)
  const dataset =
    options.dataset instanceof GladlyDataset
      ? options.dataset
      : new GladlyDataset({end: clock.nowMs(), ...options.dataset})
  const fake = new FakeGladlyServer(dataset, clock, options)
  return fake.listen(options.port ?? 0, options.host ?? '127.0.0.1')
}

class FakeGladlyServer {
  readonly stats = new RequestStats()
  private readonly switches: FaultSwitches
  private readonly window = new SlidingWindow()
  private readonly reportWindow = new SlidingWindow()
  private reportsInFlight = 0
  private readonly faults: Rng
  private readonly routes: Route[]
  private readonly hooks: Array<{match: RegExp | string; fault: FailNextFault; left: number}> = []
  private cutDone = new Set<string>()
  private readonly server: Server
  readonly webhooks: FakeWebhooks

  constructor(
    readonly dataset: GladlyDataset,
    readonly clock: FakeClock,
    options: FakeGladlyOptions,
  ) {
    this.switches = {
      latencyMs: options.latencyMs ?? 0,
      errorRate: options.errorRate ?? 0,
      resetRate: options.resetRate ?? 0,
      malformedLines: options.malformedLines ?? 0,
      cutFiles: options.cutFiles ?? [],
      rateLimit: options.rateLimit ?? {perSecond: 10},
      credentials: options.credentials ?? DEMO_CREDENTIALS,
      reportRateLimit: options.reportRateLimit ?? REPORT_RATE_LIMIT,
      reportRowCap: options.reportRowCap ?? REPORT_ROW_CAP,
      reportLatencyMs: options.reportLatencyMs ?? REPORT_LATENCY_MS,
      reportGarbage: options.reportGarbage ?? 0,
      damaged: options.damaged ?? {},
    }
    this.faults = rng(options.faultSeed ?? dataset.options.seed, 0xfa17)
    this.webhooks = new FakeWebhooks(dataset, () => clock.nowMs(), options.webhooks)
    this.routes = this.buildRoutes()
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.send(res, 500, {errors: [{code: 'internal_error', detail: String(error)}]}, {})
        else res.destroy()
      })
    })
  }

  async listen(port: number, host: string): Promise<FakeGladly> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => resolve())
    })
    const address = this.server.address() as AddressInfo
    return {
      url: `http://${host}:${address.port}`,
      dataset: this.dataset,
      clock: this.clock,
      stats: this.stats,
      webhooks: this.webhooks,
      configure: (switches) => this.configure(switches),
      failNext: (match, fault) => {
        this.hooks.push({match, fault, left: fault.times ?? 1})
      },
      close: () => this.close(),
    }
  }

  private configure(switches: Partial<FaultSwitches>): void {
    Object.assign(this.switches, switches)
    if (switches.cutFiles) this.cutDone = new Set()
  }

  private damagedConversation(id: string, conversation: object): unknown {
    switch (this.switches.damaged[id]) {
      case 'lookup-undecodable': {
        const {status: _status, ...rest} = conversation as {status: unknown}
        return rest
      }

      case 'lookup-other-id': {
        return {...conversation, id: `${id}-other`}
      }

      case 'created-before-2000': {
        return {...conversation, createdAt: '1999-12-31T23:00:00Z'}
      }

      case 'created-in-future': {
        return {...conversation, createdAt: '2999-01-01T00:00:00Z'}
      }

      default: {
        return conversation
      }
    }
  }

  private damagedItems(id: string, items: readonly object[]): unknown {
    switch (this.switches.damaged[id]) {
      case 'items-not-a-list': {
        return {items: 'unavailable'}
      }

      case 'item-undecodable': {
        return [{id: 'broken-item', timestamp: 'yesterday'}, ...items]
      }

      default: {
        return items
      }
    }
  }

  private async close(): Promise<void> {
    this.webhooks.close()
    const closed = new Promise<void>((resolve) => {
      this.server.close(() => resolve())
    })
    this.server.closeAllConnections()
    await closed
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrival = performance.now()
    const url = new URL(req.url ?? '/', 'http://fake.invalid')
    const method = req.method ?? 'GET'
    const matched = this.match(method, url.pathname)
    const routeKey = matched ? matched.route.key : `${method} (unmatched)`
    this.stats.record(routeKey, arrival, `${method} ${url.pathname}`)
    res.on('finish', () => this.stats.status(res.statusCode))

    const limit = this.switches.rateLimit
    // A real server's Date is its own clock: clients that measure their skew from it see the fake's time.
    const headers: Record<string, string> = {Date: new Date(this.clock.now()).toUTCString()}
    const setRateHeaders = (): void => {
      if (!limit || limit.headers === false) return
      headers['Ratelimit-Limit-Second'] = String(limit.perSecond)
      headers['Ratelimit-Remaining-Second'] = String(this.window.remaining(arrival, limit.perSecond))
    }

    // An unauthenticated request cannot be attributed to an org, so it does not count against its limit.
    if (!this.authorized(req)) {
      setRateHeaders()
      await this.delay()
      this.send(res, 401, {errors: [{code: 'unauthorized', detail: 'missing or invalid API credentials'}]}, headers)
      return
    }

    if (limit && !this.window.tryAcquire(arrival, limit.perSecond)) {
      setRateHeaders()
      if (limit.retryAfterSeconds !== undefined) headers['Retry-After'] = String(limit.retryAfterSeconds)
      await this.delay()
      this.send(res, 429, {errors: [{code: 'rate_limited', detail: 'rate limit reached, retry later'}]}, headers)
      return
    }

    this.stats.accept(arrival)
    setRateHeaders()
    const hook = this.takeHook(routeKey, url.pathname)
    const resetRoll = this.faults()
    const errorRoll = this.faults()
    await this.delay()
    if (hook?.reset || (!hook && resetRoll < this.switches.resetRate)) {
      this.stats.resets++
      req.socket.destroy()
      return
    }

    if (hook?.status !== undefined || (!hook && errorRoll < this.switches.errorRate)) {
      const status = hook?.status ?? 500
      this.send(
        res,
        status,
        {
          errors: [
            {
              code: status === 429 ? 'rate_limited' : 'internal_error',
              detail: status === 429 ? 'rate limit reached, retry later' : 'internal server error',
            },
          ],
        },
        headers,
      )
      return
    }

    if (!matched) {
      this.send(res, 404, {errors: [{code: 'not_exist', detail: `no route for ${method} ${url.pathname}`}]}, headers)
      return
    }

    try {
      await matched.route.handler({req, res, url, params: matched.params, now: this.clock.nowMs(), headers})
    } catch (error) {
      if (!(error instanceof ErrorResponse)) throw error
      this.send(res, error.status, error.body, {...headers, ...error.headers})
    }
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? ''
    const [scheme, encoded] = header.split(' ')
    if (scheme?.toLowerCase() !== 'basic' || !encoded) return false
    const decoded = Buffer.from(encoded, 'base64').toString('utf8')
    const {username, token} = this.switches.credentials
    return decoded === `${username}:${token}`
  }

  private takeHook(routeKey: string, path: string): FailNextFault | undefined {
    const index = this.hooks.findIndex(({match}) =>
      typeof match === 'string' ? match === routeKey || match === path : match.test(routeKey) || match.test(path),
    )
    const hook = this.hooks[index]
    if (!hook) return undefined
    if (--hook.left <= 0) this.hooks.splice(index, 1)
    return hook.fault
  }

  private async delay(): Promise<void> {
    const latency = this.switches.latencyMs
    const ms = Array.isArray(latency) ? latency[0] + this.faults() * (latency[1] - latency[0]) : latency
    if (ms > 0) await sleep(ms)
  }

  private match(method: string, path: string): {route: Route; params: string[]} | undefined {
    for (const route of this.routes) {
      const found = route.method === method ? route.regex.exec(path) : null
      if (found) return {route, params: found.slice(1).map((part) => decodeURIComponent(part))}
    }

    return undefined
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    sendText(res, status, JSON.stringify(body), {...headers, 'Content-Type': 'application/json'})
  }

  private buildRoutes(): Route[] {
    const d = this.dataset
    const json = (ctx: RequestContext, body: unknown, extra: Record<string, string> = {}): void =>
      this.send(ctx.res, 200, body, {...ctx.headers, ...extra})
    const param = (ctx: RequestContext, n: number): string => ctx.params[n] ?? ''
    const table: Array<[string, Handler]> = [
      ['/api/v1/organization', (ctx) => json(ctx, d.organization())],
      ['/api/v1/agents', (ctx) => json(ctx, d.agents())],
      ['/api/v1/agents/:id', (ctx) => json(ctx, d.agent(param(ctx, 0)) ?? throwing(notFound('agent', param(ctx, 0))))],
      ['/api/v1/topics', (ctx) => json(ctx, d.topics())],
      ['/api/v1/topics/:id', (ctx) => json(ctx, d.topic(param(ctx, 0)) ?? throwing(notFound('topic', param(ctx, 0))))],
      ['/api/v1/inboxes', (ctx) => json(ctx, d.inboxes())],
      [
        '/api/v1/custom-attributes/:id',
        (ctx) => json(ctx, d.customAttribute(param(ctx, 0)) ?? throwing(notFound('custom attribute', param(ctx, 0)))),
      ],
      ['/api/v1/inboxes/:id', (ctx) => json(ctx, d.inbox(param(ctx, 0)) ?? throwing(notFound('inbox', param(ctx, 0))))],
      ['/api/v1/export/schedules', (ctx) => json(ctx, d.schedules(ctx.now))],
      ['/api/v1/export/jobs', (ctx) => json(ctx, this.listJobs(ctx))],
      [
        '/api/v1/export/jobs/:id',
        (ctx) => json(ctx, d.job(param(ctx, 0), ctx.now) ?? throwing(notFound('job', param(ctx, 0)))),
      ],
      ['/api/v1/export/jobs/:id/files/:name', (ctx) => this.file(ctx, param(ctx, 0), param(ctx, 1))],
      [
        '/api/v1/conversations/:id',
        (ctx) =>
          json(
            ctx,
            this.damagedConversation(
              param(ctx, 0),
              d.conversation(param(ctx, 0), ctx.now) ?? throwing(notFound('conversation', param(ctx, 0))),
            ),
          ),
      ],
      [
        '/api/v1/conversations/:id/items',
        (ctx) => {
          const sessionId = ctx.url.searchParams.get('sessionId') ?? undefined
          const items = d.items(param(ctx, 0), ctx.now, sessionId) ?? throwing(notFound('conversation', param(ctx, 0)))
          json(ctx, this.damagedItems(param(ctx, 0), items.slice(0, ITEMS_CAP)), {
            'Gladly-Limited-Data': String(items.length > ITEMS_CAP),
          })
        },
      ],
      [
        '/api/v1/customers/:id/conversations',
        (ctx) => {
          const found =
            d.customerConversations(param(ctx, 0), ctx.now) ?? throwing(notFound('customer profile', param(ctx, 0)))
          if ('kind' in found) throw moved(param(ctx, 0), found.newId)
          json(ctx, found.slice(0, CUSTOMER_CONVERSATIONS_CAP), {
            'Gladly-Limited-Data': String(found.length > CUSTOMER_CONVERSATIONS_CAP),
          })
        },
      ],
      [
        '/api/v1/conversation-items/:id',
        (ctx) => {
          const found = d.item(param(ctx, 0), ctx.now) ?? throwing(notFound('conversation item', param(ctx, 0)))
          if (found.kind === 'unsupported') {
            throw errors(
              400,
              'invalid',
              `Conversation item with id [${found.id}] exists but is not supported by the API.`,
            )
          }

          json(ctx, found.item)
        },
      ],
      ['/api/v1/customer-profiles', (ctx) => json(ctx, this.findCustomers(ctx))],
      [
        '/api/v1/customer-profiles/:id',
        (ctx) => {
          const found = d.customer(param(ctx, 0), ctx.now)
          // Gladly's documented 404 example has `errors` as an object, not an array.
          if (!found) {
            throw new ErrorResponse(404, {
              errors: {code: 'not_exist', detail: `customer profile [${param(ctx, 0)}] does not exist`},
            })
          }

          if (found.kind === 'moved') throw moved(found.oldId, found.newId)
          json(ctx, found.profile)
        },
      ],
      ['/api/v1/events', (ctx) => this.events(ctx)],
      ['POST /api/v1/reports', (ctx) => this.report(ctx)],
      ['/api/v1/webhooks', (ctx) => json(ctx, this.webhooks.list())],
      ['POST /api/v1/webhooks', (ctx) => this.createWebhook(ctx)],
      [
        '/api/v1/webhooks/:id',
        (ctx) => json(ctx, this.webhooks.get(param(ctx, 0)) ?? throwing(notFound('webhook', param(ctx, 0)))),
      ],
      ['PATCH /api/v1/webhooks/:id', (ctx) => this.updateWebhook(ctx)],
      [
        'DELETE /api/v1/webhooks/:id',
        (ctx) => {
          const outcome = this.webhooks.delete(param(ctx, 0))
          if (outcome === 'missing') throw notFound('webhook', param(ctx, 0))
          if (outcome === 'enabled') throw errors(400, 'invalid', 'webhook must be disabled to be deleted')
          sendText(ctx.res, 204, '', ctx.headers)
        },
      ],
    ]
    return table.map(([route, handler]) => {
      const [method, pattern] = route.includes(' ') ? (route.split(' ') as [string, string]) : ['GET', route]
      return {
        method,
        key: `${method} ${pattern}`,
        regex: new RegExp(`^${pattern.replaceAll(/:\w+/g, '([^/]+)')}/?$`),
        handler,
      }
    })
  }

  private async createWebhook(ctx: RequestContext): Promise<void> {
    const id = await this.webhookChange(ctx, (body) => this.webhooks.create(body))
    sendText(ctx.res, 201, '', {...ctx.headers, Location: `/api/v1/webhooks/${id}`})
  }

  private async updateWebhook(ctx: RequestContext): Promise<void> {
    const found = await this.webhookChange(ctx, (body) => this.webhooks.update(ctx.params[0] ?? '', body))
    if (!found) throw notFound('webhook', ctx.params[0] ?? '')
    sendText(ctx.res, 204, '', ctx.headers)
  }

  private async webhookChange<A>(ctx: RequestContext, change: (body: unknown) => Promise<A>): Promise<A> {
    let body: unknown
    try {
      body = JSON.parse(await readBody(ctx.req))
    } catch {
      throw errors(400, 'invalid', 'the request body must be JSON')
    }
    try {
      return await change(body)
    } catch (error) {
      if (error instanceof WebhookInputError) throw errors(400, 'invalid', error.message)
      throw error
    }
  }

  /** POST /api/v1/reports: the Reports API's limits, then validation, generation time, and the CSV (or garbage). */
  private async report(ctx: RequestContext): Promise<void> {
    const body = await readBody(ctx.req)
    const limit = this.switches.reportRateLimit
    if (limit) {
      const busy = this.reportsInFlight >= limit.concurrent
      if (busy || !this.reportWindow.tryAcquire(performance.now(), limit.perMinute, limit.windowMs ?? MINUTE)) {
        this.stats.reportsRateLimited++
        const retryAfter = this.switches.rateLimit ? this.switches.rateLimit.retryAfterSeconds : undefined
        throw new ErrorResponse(
          429,
          {
            errors: [
              {
                code: 'rate_limited',
                detail: busy
                  ? `at most ${limit.concurrent} report requests may run at once`
                  : `at most ${limit.perMinute} report requests per minute`,
              },
            ],
          },
          retryAfter === undefined ? {} : {'Retry-After': String(retryAfter)},
        )
      }
    }

    this.reportsInFlight++
    try {
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        throw errors(400, 'invalid', 'the request body must be JSON')
      }

      const request = parseReportRequest(parsed, this.dataset)
      if (Array.isArray(request)) throw new ErrorResponse(400, {errors: request})
      await sleep(this.switches.reportLatencyMs)
      if (this.switches.reportGarbage > 0) {
        this.switches.reportGarbage--
        sendText(ctx.res, 200, GARBAGE_HTML, {...ctx.headers, 'Content-Type': 'text/html'})
        return
      }

      const report = conversationExportReport(this.dataset, request, ctx.now, this.switches.reportRowCap)
      this.stats.reportRows.push(report.rows)
      this.stats.reportDays.push({startAt: request.startAt, endAt: request.endAt})
      sendText(ctx.res, 200, report.csv, {
        ...ctx.headers,
        'Content-Type': 'text/csv',
        'Content-Disposition': `attachment; filename=${report.filename}`,
      })
    } finally {
      this.reportsInFlight--
    }
  }

  private listJobs(ctx: RequestContext): unknown[] {
    const query = ctx.url.searchParams
    const status = query.get('status')
    if (status !== null && !JOB_STATUSES.has(status)) {
      throw errors(400, 'invalid', 'status must be one of PENDING, IN_PROGRESS, COMPLETED, FAILED', 'status')
    }

    const startAt = timeParam(query.get('startAt'), 'startAt') ?? ctx.now - EXPORT_RETENTION_MS
    const endAt = timeParam(query.get('endAt'), 'endAt') ?? ctx.now
    if (startAt < ctx.now - EXPORT_RETENTION_MS - CLOCK_TOLERANCE_MS) {
      throw errors(400, 'invalid', 'startAt cannot be more than 14 days ago', 'startAt')
    }

    if (endAt > ctx.now + CLOCK_TOLERANCE_MS) throw errors(400, 'invalid', 'endAt cannot be in the future', 'endAt')
    if (endAt < startAt) throw errors(400, 'invalid', 'endAt cannot be before startAt', 'endAt')
    return (
      this.dataset
        .jobs(ctx.now)
        .filter((job) => {
          const updated = Date.parse(job.updatedAt)
          return updated >= startAt && updated <= endAt && (status === null || job.status === status)
        })
        // Gladly documents no order: hand jobs out in id order, which is unrelated to time, so clients must sort.
        .sort((a, b) => (a.id < b.id ? -1 : 1))
    )
  }

  private findCustomers(ctx: RequestContext): unknown[] {
    const query = ctx.url.searchParams
    const given = ['email', 'phoneNumber', 'externalCustomerId'].filter((name) => query.has(name))
    if (given.length === 0) throw errors(400, 'blank', 'one of emailAddress, phoneNumber must be present')
    if (given.length > 1) {
      throw errors(400, 'invalid', 'only one of email, phoneNumber or externalCustomerId may be given')
    }

    const name = given[0] as 'email' | 'externalCustomerId' | 'phoneNumber'
    return this.dataset.findCustomers({[name]: query.get(name) ?? ''}, ctx.now)
  }

  private async file(ctx: RequestContext, jobId: string, name: string): Promise<void> {
    const lines = this.dataset.jobFile(jobId, name, ctx.now)
    if (!lines) throw errors(404, 'not_exist', `file [${name}] of job [${jobId}] does not exist`)
    const key = `${jobId}/${name}`
    const cut = !this.cutDone.has(key) && this.switches.cutFiles.some((entry) => entry === name || entry === key)
    if (cut) {
      this.cutDone.add(key)
      this.stats.cuts++
    }

    const malformed = name === 'conversation_items.jsonl' ? this.switches.malformedLines : 0
    await streamLines(ctx.res, ctx.headers, 'application/x-ndjson', withMalformed(lines, malformed), cut)
  }

  private async events(ctx: RequestContext): Promise<void> {
    const query = ctx.url.searchParams
    const rawStart = query.get('startAt')
    if (rawStart === null) throw errors(400, 'blank', 'startAt is required', 'startAt')
    const startAt = timeParam(rawStart, 'startAt') as number
    if (startAt < ctx.now - EVENTS_MAX_AGE_MS - CLOCK_TOLERANCE_MS) {
      throw errors(400, 'invalid', 'startAt must be within the last 24 hours', 'startAt')
    }

    const endAt = timeParam(query.get('endAt'), 'endAt') ?? ctx.now
    if (endAt <= startAt) throw errors(400, 'invalid', 'endAt must occur after startAt', 'startAt')
    const entities = query
      .getAll('entities')
      .flatMap((value) => value.split(','))
      .filter(Boolean)
    if (entities.length === 0) throw errors(400, 'blank', 'at least one entities value must be present', 'entities')
    const unknown = entities.find((entity) => !EVENT_ENTITIES.has(entity))
    if (unknown) throw errors(400, 'invalid', `unknown entity type [${unknown}]`, 'entities')
    const events = this.dataset.events(startAt, endAt, entities, ctx.now)
    await streamLines(
      ctx.res,
      ctx.headers,
      'application/x-jsonlines',
      events.map((event) => JSON.stringify(event)),
      false,
    )
  }
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, {...headers, 'Content-Length': Buffer.byteLength(text)})
  res.end(text)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms)
  })
}

function throwing(error: ErrorResponse): never {
  throw error
}

function moved(oldId: string, newId: string): ErrorResponse {
  return new ErrorResponse(
    301,
    {errors: [{attr: 'customerId', code: 'moved', detail: 'customer id has changed', meta: {old: oldId, new: newId}}]},
    {Location: `/api/v1/customer-profiles/${encodeURIComponent(newId)}`},
  )
}

function timeParam(value: null | string, attr: string): number | undefined {
  if (value === null) return undefined
  const ms = parseTime(value)
  if (ms === undefined) throw errors(400, 'invalid', `${attr} must be an ISO 8601 date`, attr)
  return ms
}

/** Injects `count` unparseable lines after lines 2, 7, 12, …, and any left over at the end. */
function* withMalformed(lines: Iterable<string>, count: number): Generator<string> {
  let injected = 0
  let index = 0
  for (const line of lines) {
    yield line
    if (injected < count && index === 2 + injected * 5) yield `{"id":"broken-${injected++}`
    index++
  }

  while (injected < count) yield `{"id":"broken-${injected++}`
}

/**
 * Streams lines with backpressure in ~64 KB chunks. A cut sends two whole lines and half of the next, then
 * destroys the socket, so the client sees a truncated body.
 */
async function streamLines(
  res: ServerResponse,
  headers: Record<string, string>,
  contentType: string,
  lines: Iterable<string>,
  cut: boolean,
): Promise<void> {
  res.writeHead(200, {...headers, 'Content-Type': contentType})
  let chunk = ''
  let written = 0
  for (const line of lines) {
    if (res.destroyed) return
    if (cut && written === 2) {
      res.write(chunk + line.slice(0, Math.ceil(line.length / 2)), () => res.destroy())
      return
    }

    chunk += `${line}\n`
    written++
    if (chunk.length >= CHUNK_BYTES) {
      const flushed = res.write(chunk)
      chunk = ''
      if (!flushed) await drained(res)
    }
  }

  if (cut) {
    res.write(chunk.slice(0, Math.max(0, chunk.length - 2)), () => res.destroy())
    return
  }

  res.end(chunk)
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }

    res.on('drain', done)
    res.on('close', done)
  })
}
