import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {ExitCode, type AppError} from '../common/index.js'
import type {Logger} from '../log/index.js'
import {authorized, type WebhookAuth} from './auth.js'
import type {WatchMetrics} from './metrics.js'
import type {DurableQueue} from './queue.js'

/** Gladly's payloads carry ids only (gladly-openapi.yml, "Payloads"): anything this large is not one of them. */
const MAX_BODY_BYTES = 64 * 1024
// Gladly gives up on a delivery after 15 s; a client that trickles its request slower than this is cut off.
const REQUEST_TIMEOUT_MS = 10_000
// One line per minute at most about refused requests: a scanner must not flood the log.
const REFUSAL_LOG_EVERY_MS = 60_000
const CONVERSATION_CLOSED = 'CONVERSATION/CLOSED'

const EventEnvelope = t.type({type: t.string})
const ClosedEvent = t.intersection([
  t.type({content: t.type({conversationId: t.string})}),
  t.partial({id: t.string, timestamp: t.string}),
])

export interface HealthReport {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, string>>
}

export interface ListenerOptions {
  readonly host: string
  readonly port: number
  /** The webhook's path; without it (no webhook credentials set) the webhook is off and only the probes answer. */
  readonly path?: string
  readonly auth: WebhookAuth
  readonly tls?: {readonly cert: Buffer; readonly key: Buffer}
  readonly queue: DurableQueue
  readonly metrics: WatchMetrics
  readonly health: () => HealthReport
  readonly logger: Logger
  readonly now: () => Date
}

export interface Listener {
  /** Where it listens, e.g. http://127.0.0.1:8080 (the port chosen when 0 was asked). */
  readonly url: string
  close(): Promise<void>
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers})
  res.end(text)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw new Refusal(413, 'the body is too large')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new Refusal(413, 'the body is too large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function parseEvent(body: string): {type: string; value: unknown} {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw new Refusal(400, 'the body is not JSON')
  }
  if (!EventEnvelope.is(value)) throw new Refusal(400, 'the body is not a Gladly event (no type)')
  return {type: value.type, value}
}

/** Left when the address cannot be listened on (in use, not this machine's) or the TLS files are not a key pair. */
export async function startListener(options: ListenerOptions): Promise<E.Either<AppError, Listener>> {
  const {queue, metrics, logger} = options
  let lastRefusalLog = 0
  const noteRefusal = (req: IncomingMessage, path: string, status: number, reason: string) => {
    metrics.refused(status)
    const now = Date.now()
    if (now - lastRefusalLog < REFUSAL_LOG_EVERY_MS) return
    lastRefusalLog = now
    logger.warn(
      `Refused ${req.method ?? 'a request'} ${path.slice(0, 200)} from ${req.socket.remoteAddress ?? 'an unknown address'}: ${status}, ${reason}.`,
    )
  }

  const webhook = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') throw new Refusal(405, 'only POST is accepted here', {Allow: 'POST'})
    if (!authorized(req.headers, options.auth)) {
      req.resume()
      throw new Refusal(401, 'the credentials are missing or wrong', {
        ...(options.auth.basic ? {'WWW-Authenticate': 'Basic realm="gladly-enterpret"'} : {}),
      })
    }
    const event = parseEvent(await readBody(req))
    metrics.received(event.type)
    if (event.type === CONVERSATION_CLOSED) {
      if (!ClosedEvent.is(event.value))
        throw new Refusal(400, 'a CONVERSATION/CLOSED event without content.conversationId')
      const {content, id, timestamp} = event.value
      await queue.add({
        conversationId: content.conversationId,
        via: 'webhook',
        receivedAt: options.now().toISOString(),
        ...(id === undefined ? {} : {eventId: id}),
        ...(timestamp === undefined ? {} : {closedAt: timestamp}),
      })
    }
    // PING must get a 200; other event types are acknowledged and not used.
    send(res, 200, {ok: true})
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://listener').pathname
    try {
      if (options.path !== undefined && path === options.path) return await webhook(req, res)
      if (req.method === 'GET' && path === '/healthz') {
        const report = options.health()
        return send(res, report.ready ? 200 : 503, {
          status: report.ready ? 'ready' : 'not ready',
          checks: report.checks,
        })
      }
      if (req.method === 'GET' && path === '/metrics') {
        const body = await metrics.render()
        res.writeHead(200, {'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(body)})
        return res.end(body)
      }
      throw new Refusal(404, 'no such path')
    } catch (error) {
      if (error instanceof Refusal) {
        noteRefusal(req, path, error.status, error.message)
        if (error.status === 413) res.setHeader('Connection', 'close')
        return send(res, error.status, {error: error.message}, error.headers)
      }
      // The queue could not be written (a full disk): Gladly retries later, nothing was acknowledged.
      logger.error(`A webhook request could not be handled: ${(error as Error).message}`)
      metrics.refused(503)
      return send(res, 503, {error: 'the event could not be stored; retry later'})
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res)
  let server: Server
  try {
    server = options.tls
      ? createHttpsServer({cert: options.tls.cert, key: options.tls.key}, listener)
      : createHttpServer(listener)
    server.requestTimeout = REQUEST_TIMEOUT_MS
    server.headersTimeout = REQUEST_TIMEOUT_MS
    await listen(server, options.port, options.host)
  } catch (error) {
    return E.left(listenProblem(error as NodeJS.ErrnoException, options))
  }
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return E.right({
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      }),
  })
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function listenProblem(error: NodeJS.ErrnoException, options: ListenerOptions): AppError {
  const {code, message} = error
  // No system error code: the TLS files were read but are not a certificate and its key.
  if (options.tls && code === undefined)
    return {
      _tag: 'WatchListenError',
      exit: ExitCode.usage,
      message: `WATCH_TLS_CERT and WATCH_TLS_KEY are not a usable certificate and key: ${message}.`,
    }
  return {
    _tag: 'WatchListenError',
    // Taken by another process or a privileged port: this machine's business; an address it does not have: a setting.
    exit: code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? ExitCode.usage : ExitCode.failure,
    message: `watch cannot listen on ${options.host}:${options.port} (WATCH_LISTEN): ${message}.`,
    ...(code === 'EADDRINUSE'
      ? {suggestions: ['Another process uses that port: stop it, or give watch another one (--listen).']}
      : {}),
  }
}
