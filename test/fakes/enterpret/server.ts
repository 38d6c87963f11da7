// A fake of Enterpret's Custom Webhook (POST /webhook/custom/all) and of its Users webhook
// (POST /webhook/users/custom) for end-to-end tests, the demo and the benchmark. It follows
// /work/shared/reference/enterpret-api.md §1, §1.6 and §5.2; behaviour the docs leave open is decided here and
// marked as the fake's choice.
//
// Order of checks for a request, on either webhook:
//   route (404) → api-key (401) → rate limit (429) → injected faults (socket reset, failNext, errorRate: 500)
//   → body size (413) → JSON and envelope (400) → batch limit (400) → every record or user, poisoned ids included
//   (400) → store (200).
// Each webhook has keys of its own ("User data and Account data need two different tokens"): one webhook's key is a
// 401 on the other. The rate limit sits right after authentication because limits are per key and real gateways
// throttle before they parse: a 429 costs the client nothing and unauthenticated traffic does not use a key's
// budget; each webhook has its own rolling window.
// Every request that passes the limiter counts toward it, whatever its final status.
// Injected faults come before validation so that failNext(n) means "the next n authenticated requests".
import {randomBytes} from 'node:crypto'
import {createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {setTimeout as sleep} from 'node:timers/promises'

import {
  type EnterpretRecord,
  type ErrorCode,
  type MetadataNesting,
  type MetadataType,
  validateBatch,
  type EnterpretUser,
  validateUsers,
  type ValidRecord,
  type ValidUser,
} from './validate.js'

const WEBHOOK_PATH = '/webhook/custom/all'
const USERS_WEBHOOK_PATH = '/webhook/users/custom'
export const DEFAULT_API_KEY = 'demo-key'
export const DEFAULT_USERS_API_KEY = 'fake-users-key'

/** Behaviour switches; all of them can be changed on a running fake with configure(). */
interface FakeEnterpretConfig {
  /** Accepted values of the api-key header. Default [DEFAULT_API_KEY]. */
  apiKeys?: readonly string[]
  /** Largest accepted raw body in bytes; above it 413. Default 1_000_000 (the stricter reading of "1 MB"). */
  maxBodyBytes?: number
  /** Most records per request; above it 400 ErrCodeExceededBatchLimit. Default 100. */
  maxRecords?: number
  /** Reject unknown fields in the envelope, records, conversation and messages. Default true. */
  strict?: boolean
  /** Where the metadata field map sits. Default 'nested'. */
  metadataNesting?: MetadataNesting
  /** Data mutability: a re-sent id replaces the stored record (createdAt kept). Default false: skipped. */
  mutable?: boolean
  /** Pre-Aug-2025 webhook: records with an empty message text get a 200 and are dropped. Default false. */
  legacy?: boolean
  /** A batch containing any of these ids is rejected with 400 ErrCodeInvalidFieldFormat. Default []. */
  poisonIds?: readonly string[]
  /** Requests per rolling minute before 429; 0 turns the limit off. Default 0. */
  rpm?: number
  /** Value of the Retry-After header on a 429; undefined sends none. Default undefined. */
  retryAfterSeconds?: number
  /** Probability of an injected 500 ErrCodeInternalError per request. Default 0. */
  errorRate?: number
  /** Probability that the connection is destroyed without a response. Default 0. */
  resetRate?: number
  /** Seed of the generator behind errorRate and resetRate, so runs repeat. Default 1. */
  seed?: number
  /** Delay before each webhook request is answered. Default 0. */
  latencyMs?: number
  /** Clock in epoch milliseconds, for createdAt checks, the rate window and timestamps. Default Date.now. */
  now?: () => number
  /** Called after every webhook request is answered, e.g. to print a log line. */
  onRequest?: (entry: RequestLogEntry) => void
  /** Called as a webhook request arrives, before its body is read or answered: to act while it is in flight. */
  onArrival?: (request: {readonly path: string}) => void
  /** Accepted api-keys of the Users webhook; the feedback keys are a 401 there. Default [DEFAULT_USERS_API_KEY]. */
  usersApiKeys?: readonly string[]
  /** Most users per request; above it 400 ErrCodeExceededBatchLimit. Default 15 (enterpret-api.md §1.6). */
  maxUsers?: number
  /** A Users batch containing any of these user ids is rejected with 400 ErrCodeInvalidFieldFormat. Default []. */
  poisonUserIds?: readonly string[]
  /** Users webhook requests per rolling minute before 429; 0 turns the limit off. Default: rpm. */
  usersRpm?: number
}

export interface FakeEnterpretOptions extends FakeEnterpretConfig {
  /** Default '127.0.0.1'. */
  host?: string
  /** Default 0: a free port. */
  port?: number
}

interface StoredRecord {
  record: EnterpretRecord
  /** When the id was first accepted (epoch ms); never changes. */
  receivedAt: number
  /** When the stored record last changed: receivedAt, or the last replacement in mutable mode. */
  updatedAt: number
  /** How many times the id was re-sent after the first time (skipped, or applied in mutable mode). */
  duplicates: number
}

interface StoredUser {
  /** The latest accepted version: users are keyed by id and a re-sent id updates the user. */
  user: EnterpretUser
  /** When the id was first accepted (epoch ms). */
  receivedAt: number
  /** When the latest version was accepted (epoch ms). */
  updatedAt: number
  /** How many times the id was accepted, the first time included. */
  received: number
}

interface UserStoreResult {
  created: number
  updated: number
}

interface DroppedRecord {
  id: string
  reason: string
  time: number
}

interface StoreResult {
  stored: number
  skipped: number
  replaced: number
  dropped: number
}

export interface RequestLogEntry {
  /** Arrival time, epoch ms. */
  time: number
  durationMs: number
  method: string
  path: string
  /** null when the connection was destroyed without a response (resetRate). */
  status: number | null
  code?: ErrorCode
  /** Length of the records array, when the body had one (feedback webhook). */
  recordCount: number | null
  /** Length of the users array, when the body had one (Users webhook). */
  userCount: number | null
  /** Raw body size in bytes. */
  bytes: number
  /** Whether an api-key header was sent; its value is never kept. */
  hasApiKey: boolean
  /** Request headers without api-key; other credential headers show as "[redacted]". */
  headers: Record<string, string>
  /** What happened to the records of an accepted request. */
  result?: StoreResult
  /** What happened to the users of an accepted Users webhook request. */
  userResult?: UserStoreResult
}

export interface FakeEnterpret {
  /** Base URL, e.g. http://127.0.0.1:4020: what the client takes as its Enterpret base. */
  readonly url: string
  /** url + WEBHOOK_PATH. */
  readonly webhookUrl: string
  /** url + USERS_WEBHOOK_PATH. */
  readonly usersUrl: string
  /** Stored records by id (live view). */
  readonly records: ReadonlyMap<string, StoredRecord>
  /** Stored users by id, each the latest version received (live view). */
  readonly users: ReadonlyMap<string, StoredUser>
  /** User attribute key → type, remembered across all accepted users (live view). */
  readonly userAttributeTypes: ReadonlyMap<string, MetadataType>
  /** Every webhook request in arrival order (live view); /_fake hooks are not logged. */
  readonly requests: readonly RequestLogEntry[]
  /** Records acknowledged but dropped by legacy mode (live view). */
  readonly dropped: readonly DroppedRecord[]
  /** Metadata key → type, remembered across all accepted records (live view). */
  readonly metadataTypes: ReadonlyMap<string, MetadataType>
  /** Requests per status code; "reset" counts destroyed connections. */
  countsByStatus(): Record<string, number>
  /** Changes switches on the running fake; an undefined value restores that switch's default. */
  configure(partial: FakeEnterpretConfig): void
  /** The next n authenticated, non-throttled requests get 500 ErrCodeInternalError. */
  failNext(n?: number): void
  /** Forgets all records, users, requests, metadata and attribute types and pending faults, and restores the start options. */
  reset(): void
  close(): Promise<void>
}

// usersRpm stays unresolved, so that configure({rpm}) also moves the Users webhook's limit unless usersRpm is set.
type Settings = Required<Omit<FakeEnterpretConfig, 'onRequest' | 'onArrival' | 'retryAfterSeconds' | 'usersRpm'>> &
  Pick<FakeEnterpretConfig, 'onRequest' | 'onArrival' | 'retryAfterSeconds' | 'usersRpm'>

interface Reply {
  status: number
  body: unknown
  code?: ErrorCode
  headers?: Record<string, string>
  result?: StoreResult
  userResult?: UserStoreResult
}

type Route = 'feedback' | 'users'

const ROUTES: Readonly<Record<string, Route>> = {[USERS_WEBHOOK_PATH]: 'users', [WEBHOOK_PATH]: 'feedback'}

const RESET = 'reset'
const RATE_WINDOW_MS = 60_000
const REFERENCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-api-key'])

function settingsFrom(config: FakeEnterpretConfig): Settings {
  return {
    apiKeys: config.apiKeys ?? [DEFAULT_API_KEY],
    errorRate: config.errorRate ?? 0,
    latencyMs: config.latencyMs ?? 0,
    legacy: config.legacy ?? false,
    maxBodyBytes: config.maxBodyBytes ?? 1_000_000,
    maxRecords: config.maxRecords ?? 100,
    maxUsers: config.maxUsers ?? 15,
    metadataNesting: config.metadataNesting ?? 'nested',
    mutable: config.mutable ?? false,
    now: config.now ?? Date.now,
    onRequest: config.onRequest,
    onArrival: config.onArrival,
    poisonIds: config.poisonIds ?? [],
    poisonUserIds: config.poisonUserIds ?? [],
    resetRate: config.resetRate ?? 0,
    retryAfterSeconds: config.retryAfterSeconds,
    rpm: config.rpm ?? 0,
    seed: config.seed ?? 1,
    strict: config.strict ?? true,
    usersApiKeys: config.usersApiKeys ?? [DEFAULT_USERS_API_KEY],
    usersRpm: config.usersRpm,
  }
}

// mulberry32: tiny, seedable, good enough for fault injection.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d_2b_79_f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function referenceID(): string {
  return [...randomBytes(6)].map((byte) => REFERENCE_ALPHABET[byte % REFERENCE_ALPHABET.length]).join('')
}

function errorReply(status: number, code: ErrorCode, msg: string, headers?: Record<string, string>): Reply {
  return {body: {code, msg, referenceID: referenceID()}, code, status, ...(headers ? {headers} : {})}
}

function loggedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const logged: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'api-key' || value === undefined) continue
    logged[name] = CREDENTIAL_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value
  }
  return logged
}

/** Reads the whole body so the client always gets to read our answer, but buffers at most limit bytes. */
async function readBody(request: IncomingMessage, limit: number): Promise<{bytes: number; text?: string}> {
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length
    if (bytes <= limit) chunks.push(chunk)
  }
  return bytes <= limit ? {bytes, text: Buffer.concat(chunks).toString('utf8')} : {bytes}
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.writableEnded) return
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-length': Buffer.byteLength(text),
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  })
  response.end(text)
}

export async function startFakeEnterpret(options: FakeEnterpretOptions = {}): Promise<FakeEnterpret> {
  const {host = '127.0.0.1', port = 0, ...initial} = options
  let settings = settingsFrom(initial)
  let random = seededRandom(settings.seed)
  const records = new Map<string, StoredRecord>()
  const requests: RequestLogEntry[] = []
  const dropped: DroppedRecord[] = []
  const metadataTypes = new Map<string, MetadataType>()
  const users = new Map<string, StoredUser>()
  const userAttributeTypes = new Map<string, MetadataType>()
  const admitted: Record<Route, number[]> = {feedback: [], users: []}
  let pendingFailures = 0
  const lifetime = new AbortController()

  const rpmOf = (route: Route): number => (route === 'users' ? (settings.usersRpm ?? settings.rpm) : settings.rpm)

  function underLimit(route: Route, now: number): boolean {
    const rpm = rpmOf(route)
    if (rpm <= 0) return true
    admitted[route] = admitted[route].filter((time) => time > now - RATE_WINDOW_MS)
    if (admitted[route].length >= rpm) return false
    admitted[route].push(now)
    return true
  }

  function store(valid: ValidRecord[], now: number): StoreResult {
    const result: StoreResult = {dropped: 0, replaced: 0, skipped: 0, stored: 0}
    for (const {dropReason, metadataTypes: types, record} of valid) {
      if (dropReason !== undefined) {
        dropped.push({id: record.id, reason: dropReason, time: now})
        result.dropped++
        continue
      }
      for (const [key, type] of types) metadataTypes.set(key, type)
      const existing = records.get(record.id)
      if (existing === undefined) {
        records.set(record.id, {duplicates: 0, receivedAt: now, record, updatedAt: now})
        result.stored++
      } else if (settings.mutable) {
        // The timestamp is immutable after first ingest, even when the rest is replaced.
        existing.record = {...record, createdAt: existing.record.createdAt}
        existing.updatedAt = now
        existing.duplicates++
        result.replaced++
      } else {
        existing.duplicates++
        result.skipped++
      }
    }
    return result
  }

  // Unlike feedback records, users are keyed and updated by id (enterpret-api.md §1.6): the latest version wins.
  function storeUsers(valid: ValidUser[], now: number): UserStoreResult {
    const result: UserStoreResult = {created: 0, updated: 0}
    for (const {attributeTypes, user} of valid) {
      for (const [key, type] of attributeTypes) userAttributeTypes.set(key, type)
      const existing = users.get(user.id)
      if (existing === undefined) {
        users.set(user.id, {received: 1, receivedAt: now, updatedAt: now, user})
        result.created++
      } else {
        existing.user = user
        existing.updatedAt = now
        existing.received++
        result.updated++
      }
    }
    return result
  }

  function acceptRecords(text: string, now: number, entry: RequestLogEntry): Reply {
    const batch = validateBatch(text, {
      knownTypes: metadataTypes,
      legacy: settings.legacy,
      maxRecords: settings.maxRecords,
      metadataNesting: settings.metadataNesting,
      nowSeconds: Math.floor(now / 1000),
      poisonIds: new Set(settings.poisonIds),
      strict: settings.strict,
    })
    entry.recordCount = batch.recordCount
    if (!batch.ok) return errorReply(400, batch.rejection.code, batch.rejection.msg)
    // The real success body is undocumented; clients must not depend on this one.
    return {body: {received: batch.recordCount, status: 'ok'}, result: store(batch.records, now), status: 200}
  }

  function acceptUsers(text: string, now: number, entry: RequestLogEntry): Reply {
    const batch = validateUsers(text, {
      knownTypes: userAttributeTypes,
      maxUsers: settings.maxUsers,
      nowSeconds: Math.floor(now / 1000),
      poisonIds: new Set(settings.poisonUserIds),
      strict: settings.strict,
    })
    entry.userCount = batch.userCount
    if (!batch.ok) return errorReply(400, batch.rejection.code, batch.rejection.msg)
    return {body: {received: batch.userCount, status: 'ok'}, status: 200, userResult: storeUsers(batch.users, now)}
  }

  function decide(
    request: IncomingMessage,
    path: string,
    body: {bytes: number; text?: string},
    entry: RequestLogEntry,
  ): Reply | typeof RESET {
    const route = request.method === 'POST' ? ROUTES[path] : undefined
    if (route === undefined) return errorReply(404, 'ErrCodeNotFound', `no route for ${request.method} ${path}`)
    const keys = route === 'users' ? settings.usersApiKeys : settings.apiKeys
    const key = request.headers['api-key']
    if (typeof key !== 'string' || !keys.includes(key)) {
      const why =
        typeof key === 'string'
          ? 'invalid API key'
          : request.headers.authorization === undefined
            ? 'missing "api-key" header'
            : 'missing "api-key" header (the key goes in "api-key", not in Authorization)'
      return errorReply(401, 'ErrCodeInvalidAPIKey', why)
    }
    const now = settings.now()
    if (!underLimit(route, now)) {
      const headers =
        settings.retryAfterSeconds === undefined
          ? undefined
          : {'retry-after': String(Math.ceil(settings.retryAfterSeconds))}
      return errorReply(
        429,
        'ErrCodeRateLimitExceeded',
        `rate limit of ${rpmOf(route)} requests per minute exceeded`,
        headers,
      )
    }
    if (settings.resetRate > 0 && random() < settings.resetRate) return RESET
    if (pendingFailures > 0 || (settings.errorRate > 0 && random() < settings.errorRate)) {
      pendingFailures = Math.max(0, pendingFailures - 1)
      return errorReply(500, 'ErrCodeInternalError', 'Internal server exception')
    }
    if (body.text === undefined) {
      return errorReply(
        413,
        'ErrCodePayloadTooLarge',
        `body is ${body.bytes} bytes; the limit is ${settings.maxBodyBytes}`,
      )
    }
    return route === 'users' ? acceptUsers(body.text, now, entry) : acceptRecords(body.text, now, entry)
  }

  async function handleWebhook(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const time = settings.now()
    settings.onArrival?.({path})
    const body = await readBody(request, settings.maxBodyBytes)
    if (settings.latencyMs > 0) await sleep(settings.latencyMs, undefined, {signal: lifetime.signal})
    const entry: RequestLogEntry = {
      bytes: body.bytes,
      durationMs: 0,
      hasApiKey: request.headers['api-key'] !== undefined,
      headers: loggedHeaders(request.headers),
      method: request.method ?? '',
      path,
      recordCount: null,
      status: null,
      time,
      userCount: null,
    }
    const reply = decide(request, path, body, entry)
    if (reply === RESET) {
      request.socket.destroy()
    } else {
      entry.status = reply.status
      if (reply.code !== undefined) entry.code = reply.code
      if (reply.result !== undefined) entry.result = reply.result
      if (reply.userResult !== undefined) entry.userResult = reply.userResult
      sendJson(response, reply.status, reply.body, reply.headers)
    }
    entry.durationMs = settings.now() - time
    requests.push(entry)
    settings.onRequest?.(entry)
  }

  function countsByStatus(): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const {status} of requests) {
      const key = status === null ? RESET : String(status)
      counts[key] = (counts[key] ?? 0) + 1
    }
    return counts
  }

  // Test hooks: no api-key, no faults, not logged.
  function serveHook(request: IncomingMessage, response: ServerResponse, path: string): void {
    request.resume()
    if (request.method === 'GET' && path === '/_fake/records') {
      sendJson(response, 200, {
        count: records.size,
        dropped,
        duplicates: [...records.values()].reduce((sum, stored) => sum + stored.duplicates, 0),
        metadataTypes: Object.fromEntries(metadataTypes),
        records: [...records.entries()].map(([id, stored]) => ({id, ...stored})),
      })
    } else if (request.method === 'GET' && path === '/_fake/users') {
      sendJson(response, 200, {
        attributeTypes: Object.fromEntries(userAttributeTypes),
        count: users.size,
        users: [...users.entries()].map(([id, stored]) => ({id, ...stored})),
      })
    } else if (request.method === 'GET' && path === '/_fake/requests') {
      sendJson(response, 200, {byStatus: countsByStatus(), count: requests.length, requests})
    } else {
      sendJson(response, 404, errorReply(404, 'ErrCodeNotFound', `no route for ${request.method} ${path}`).body)
    }
  }

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://fake.invalid').pathname
    if (path.startsWith('/_fake/')) {
      serveHook(request, response, path)
      return
    }
    handleWebhook(request, response, path).catch(() => {
      // Closing the fake or a client hanging up mid-request: nobody is left to answer.
      if (lifetime.signal.aborted || request.destroyed) request.socket.destroy()
      else sendJson(response, 500, errorReply(500, 'ErrCodeInternalError', 'Internal server exception').body)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`

  return {
    close: async () => {
      lifetime.abort()
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
      })
      server.closeAllConnections()
      await closed
    },
    configure(partial) {
      const next = settingsFrom({...settings, ...partial})
      if (next.seed !== settings.seed) random = seededRandom(next.seed)
      settings = next
    },
    countsByStatus,
    dropped,
    failNext(n = 1) {
      pendingFailures += n
    },
    metadataTypes,
    records,
    requests,
    reset() {
      records.clear()
      users.clear()
      requests.length = 0
      dropped.length = 0
      metadataTypes.clear()
      userAttributeTypes.clear()
      admitted.feedback = []
      admitted.users = []
      pendingFailures = 0
      settings = settingsFrom(initial)
      random = seededRandom(settings.seed)
    },
    url,
    userAttributeTypes,
    users,
    usersUrl: url + USERS_WEBHOOK_PATH,
    webhookUrl: url + WEBHOOK_PATH,
  }
}
