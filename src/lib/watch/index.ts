// watch: a long-running process that sends each conversation to Enterpret minutes after it closes. Gladly's
// webhooks (and its Events API, to fill their gaps) say which conversations closed; a durable on-disk queue keeps
// them until the import's core (pipeline) has delivered them under the profile's state lock.
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {ExitCode, type AppError, type RequestStats} from '../common/index.js'
import type {Settings} from '../config/index.js'
import {createBudget, createGladlyHttp, type Budget} from '../gladly/index.js'
import type {Logger} from '../log/index.js'
import {openWatchSession, type WatchSession} from '../pipeline/index.js'
import {acquireLock, profileStateDir, type LockHeld} from '../state/index.js'
import {usage, webhookAuth} from './auth.js'
import {startListener, type HealthReport} from './listener.js'
import {createWatchMetrics, type WatchMetrics} from './metrics.js'
import {pollEvents} from './poller.js'
import {openQueue, type DurableQueue} from './queue.js'

export {setupWebhook, type WebhookSetup} from './setup.js'

export interface WatchOptions {
  readonly settings: Settings
  readonly logger: Logger
  readonly userAgent: string
  /** Aborted on SIGTERM/SIGINT: the listener closes, the batch in flight is delivered, the queue stays on disk. */
  readonly signal: AbortSignal
  readonly includeNotes: boolean
  readonly now?: () => Date
}

export interface WatchSummary {
  readonly conversationsSent: number
  /** Acknowledged and not delivered yet: kept on disk for the next start. */
  readonly queued: number
}

/** Conversations delivered under one hold of the state's lock: an import waiting for it waits seconds, not minutes. */
const DELIVERY_BATCH = 50
/** Between two holds while more waits, so that an import polling for the lock gets it. */
const YIELD_MS = 500
/** How often to try again while an import holds the state's lock. */
const LOCK_RETRY_MS = 2000
const FIRST_BACKOFF_MS = 1000
const MAX_BACKOFF_MS = 5 * 60_000
/** A session (Gladly's agents, topics and inboxes, the customers seen) is opened again after this long. */
const SESSION_MAX_AGE_MS = 60 * 60_000

async function tlsFiles(settings: Settings): Promise<E.Either<AppError, {cert: Buffer; key: Buffer} | undefined>> {
  const {WATCH_TLS_CERT: certPath, WATCH_TLS_KEY: keyPath} = settings.values
  if (certPath === undefined && keyPath === undefined) return E.right(undefined)
  if (certPath === undefined || keyPath === undefined)
    return E.left(usage('WATCH_TLS_CERT and WATCH_TLS_KEY go together: set both to serve HTTPS, or neither.'))
  try {
    return E.right({cert: await readFile(certPath), key: await readFile(keyPath)})
  } catch (error) {
    return E.left(usage(`The TLS certificate or key could not be read: ${(error as Error).message}.`))
  }
}

function hostAndPort(listen: string): {host: string; port: number} {
  const at = listen.lastIndexOf(':')
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1')
  return {host: host === '' ? '0.0.0.0' : host, port: Number(listen.slice(at + 1))}
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done)
  })

/** What /healthz reports: each part's last known condition. */
class Health {
  private readonly checks: Record<string, string> = {gladly: 'not checked yet', enterpret: 'not checked yet'}

  constructor(private readonly queue: DurableQueue) {}

  ok(): void {
    this.checks.gladly = 'ok'
    this.checks.enterpret = 'ok'
  }

  failed(error: Pick<AppError, '_tag' | 'message'>): void {
    const part = error._tag.startsWith('Enterpret') ? 'enterpret' : 'gladly'
    this.checks[part] = error.message
  }

  gladlyOk(): void {
    this.checks.gladly = 'ok'
  }

  report(): HealthReport {
    const queue = this.queue.problem ?? `ok (${this.queue.depth} waiting)`
    const checks: Record<string, string> = {queue, ...this.checks}
    return {ready: this.queue.problem === undefined && checks.gladly === 'ok' && checks.enterpret === 'ok', checks}
  }
}

interface Context {
  readonly options: WatchOptions
  readonly queue: DurableQueue
  readonly metrics: WatchMetrics
  readonly health: Health
  readonly now: () => Date
  /** Gladly's request budget, shared by the deliveries and the Events API poller. */
  readonly budget: Budget
  /** The poller's Gladly requests (its 429s are counted with the deliveries'). */
  readonly pollerStats: RequestStats
}

/** One session of the core: connections checked, lookups read. Left when Gladly or Enterpret refuses or is down. */
async function openSession(ctx: Context): Promise<E.Either<AppError, WatchSession>> {
  const {options} = ctx
  const opened = await openWatchSession({
    settings: options.settings,
    logger: options.logger,
    userAgent: options.userAgent,
    runId: randomBytes(4).toString('hex'),
    selection: {mode: 'incremental'},
    includeNotes: options.includeNotes,
    resendUpdated: false,
    signal: options.signal,
    now: ctx.now,
    budget: ctx.budget,
    onDelivered: (conversations) => ctx.metrics.delivered(conversations, ctx.now()),
  })()
  if (opened._tag === 'Left') {
    ctx.health.failed(opened.left)
    return opened
  }
  const session = opened.right
  ctx.health.ok()
  ctx.metrics.followCore(() => ({
    gladlyRateLimited: session.tally.gladly.rateLimited + ctx.pollerStats.rateLimited,
    enterpretRateLimited: session.enterpretStats().rateLimited,
    quarantined: session.tally.summary.conversations.quarantined,
    deadLettered: session.tally.summary.conversations.failed,
  }))
  return opened
}

/** Delivers what the queue holds, batch by batch, until stopped; backs off while Gladly or Enterpret is down. */
async function deliverQueued(ctx: Context, first: WatchSession | undefined): Promise<number> {
  const {options, queue, metrics, health} = ctx
  const {logger, signal} = options
  let session: WatchSession | undefined = first
  let openedAt = Date.now()
  let sent = 0
  let backoffMs = FIRST_BACKOFF_MS
  let waitingForImport = false
  const backOff = async (error: AppError) => {
    metrics.failed('delivery')
    health.failed(error)
    logger.error(
      `${error.message} The ${queue.depth} queued conversation(s) stay queued; trying again in ${Math.round(backoffMs / 1000)} s.`,
    )
    session = undefined
    await sleep(backoffMs, signal)
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS)
  }
  while (!signal.aborted) {
    await queue.waitForWork(signal)
    if (signal.aborted) break
    const batch = queue.peek(DELIVERY_BATCH)
    if (batch.length === 0) {
      await sleep(20, signal)
      continue
    }
    if (session !== undefined && Date.now() - openedAt > SESSION_MAX_AGE_MS) session = undefined
    if (session === undefined) {
      const opened = await openSession(ctx)
      if (opened._tag === 'Left') {
        await backOff(opened.left)
        continue
      }
      session = opened.right
      openedAt = Date.now()
    }
    const before = session.tally.summary.conversations.sent
    const ids = batch.map((entry) => entry.conversationId)
    const delivered = await session.deliver(ids, 'watch')
    if (delivered._tag === 'Left') {
      const holder = (delivered.left as Partial<LockHeld>).holder
      if (delivered.left._tag === 'LockHeld' && holder !== undefined) {
        if (!waitingForImport)
          logger.info(
            `An ${holder.command} holds the profile's state (pid ${holder.pid} on ${holder.host}); watch delivers the ${queue.depth} queued conversation(s) once it is done.`,
          )
        waitingForImport = true
        await sleep(LOCK_RETRY_MS, signal)
        continue
      }
      await backOff(delivered.left)
      continue
    }
    waitingForImport = false
    backoffMs = FIRST_BACKOFF_MS
    health.ok()
    sent += session.tally.summary.conversations.sent - before
    // Stopped by a signal midway: what was delivered is in the ledger; the rest is asked again at the next start.
    if (delivered.right === 'stopped') break
    await queue.markDone(ids)
    if (queue.depth > 0) await sleep(YIELD_MS, signal)
  }
  return sent
}

/** The Events API poller, on its own connection to Gladly within the same request budget. */
function pollEventsApi(ctx: Context): Promise<void> {
  const {settings, logger, userAgent, signal} = ctx.options
  const values = settings.values
  const http = createGladlyHttp({
    origin: values.GLADLY_API_URL ?? '',
    username: values.GLADLY_USERNAME ?? '',
    token: values.GLADLY_API_TOKEN ?? '',
    userAgent,
    maxRetries: values.MAX_RETRIES,
    retryDelayMs: values.RETRY_DELAY,
    budget: ctx.budget,
    logger,
    stats: ctx.pollerStats,
  })
  return pollEvents({
    http,
    queue: ctx.queue,
    metrics: ctx.metrics,
    logger,
    cursorPath: join(profileStateDir(settings.paths.stateDir, settings.profile), 'watch', 'events-cursor.json'),
    intervalMs: values.WATCH_POLL_SECONDS * 1000,
    signal,
    sleep,
    onFailure: (message) => ctx.health.failed({_tag: 'Gladly', message}),
    onSuccess: () => ctx.health.gladlyOk(),
  })
}

export function runWatch(options: WatchOptions): TE.TaskEither<AppError, WatchSummary> {
  const {settings, logger} = options
  const now = options.now ?? (() => new Date())
  return async () => {
    const auth = webhookAuth(settings)
    if (auth._tag === 'Left') return auth
    const webhookOn = auth.right.basic !== undefined || auth.right.header !== undefined
    if (!webhookOn && settings.values.WATCH_POLL_SECONDS === 0)
      return E.left(
        usage('watch has nothing to watch: no webhook credentials are set and WATCH_POLL_SECONDS is 0.', [
          'Set WATCH_WEBHOOK_USERNAME and WATCH_WEBHOOK_PASSWORD (or WATCH_WEBHOOK_HEADER and WATCH_WEBHOOK_TOKEN), or a WATCH_POLL_SECONDS above 0.',
        ]),
      )
    const tls = await tlsFiles(settings)
    if (tls._tag === 'Left') return tls
    const lock = acquireLock(settings.paths.stateDir, settings.profile, {command: 'watch', file: 'watch.lock'})
    if (lock._tag === 'Left') return lock
    const queue = await openQueue(
      join(profileStateDir(settings.paths.stateDir, settings.profile), 'watch', 'queue.jsonl'),
    )
    try {
      const metrics = createWatchMetrics(() => queue.depth)
      const budget = createBudget(settings.values.GLADLY_MAX_RPS)
      const pollerStats: RequestStats = {requests: 0, rateLimited: 0, retries: 0}
      const ctx: Context = {options, queue, metrics, health: new Health(queue), now, budget, pollerStats}
      // Credentials and addresses are checked before anything listens: a wrong one exits 2 at once. A service that is
      // down is not: watch listens (events are queued) and delivers once it is back.
      const first = await openSession(ctx)
      if (first._tag === 'Left' && first.left.exit === ExitCode.usage) return first
      if (first._tag === 'Left')
        logger.error(`${first.left.message} watch listens anyway and delivers once it can; trying again with back-off.`)
      if (queue.depth > 0)
        logger.info(`${queue.depth} conversation(s) queued before the last stop are delivered first.`)
      const listening = await startListener({
        ...hostAndPort(settings.values.WATCH_LISTEN),
        ...(webhookOn ? {path: settings.values.WATCH_WEBHOOK_PATH} : {}),
        auth: auth.right,
        ...(tls.right ? {tls: tls.right} : {}),
        queue,
        metrics,
        health: () => ctx.health.report(),
        logger,
        now,
      })
      if (listening._tag === 'Left') return listening
      const listener = listening.right
      logger.info(
        webhookOn
          ? `Listening for Gladly webhooks at ${listener.url}${settings.values.WATCH_WEBHOOK_PATH} (and /healthz, /metrics).`
          : `No webhook credentials are set: the webhook path is off; /healthz and /metrics at ${listener.url}.`,
      )
      const [sent] = await Promise.all([
        deliverQueued(ctx, first._tag === 'Right' ? first.right : undefined),
        settings.values.WATCH_POLL_SECONDS > 0 ? pollEventsApi(ctx) : Promise.resolve(),
      ])
      await listener.close()
      logger.info(`watch stopped: ${sent} conversation(s) sent; ${queue.depth} queued for the next start.`)
      return E.right({conversationsSent: sent, queued: queue.depth})
    } catch (error) {
      return E.left({_tag: 'WatchError', exit: ExitCode.failure, message: `watch stopped: ${(error as Error).message}`})
    } finally {
      await queue.close()
      lock.right.release()
    }
  }
}
