import * as t from 'io-ts'
import {readFile} from 'node:fs/promises'
import {displayInstant, writeAtomically} from '../common/index.js'
import {
  EVENTS_RETENTION_MS,
  EVENTS_SETTLE_MS,
  getOrganization,
  listConversationEvents,
  type GladlyHttp,
} from '../gladly/index.js'
import type {Logger} from '../log/index.js'
import type {WatchMetrics} from './metrics.js'
import type {DurableQueue} from './queue.js'

/** A window read at once: a poller that fell behind catches up an hour at a time (and the answer stays small). */
const MAX_WINDOW_MS = 60 * 60_000
/** Where a poller that never ran starts: what closed in the last hour, in case the webhook missed it. */
const FIRST_LOOK_BACK_MS = 60 * 60_000
/** A cursor this far behind is warned about: at 24 h, Gladly no longer has its events. */
const WARN_BEHIND_MS = 12 * 60 * 60_000
const WARN_EVERY_MS = 60 * 60_000
/** Stay this far inside Gladly's 24 h: a startAt right at the edge would be refused by the time it arrives. */
const RETENTION_MARGIN_MS = 10 * 60_000

const Cursor = t.type({until: t.string})

export interface PollerDeps {
  readonly http: GladlyHttp
  readonly queue: DurableQueue
  readonly metrics: WatchMetrics
  readonly logger: Logger
  /** `watch/events-cursor.json`: the end of the last window whose closes are all queued. */
  readonly cursorPath: string
  readonly intervalMs: number
  readonly signal: AbortSignal
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>
  /** A poll failed as a whole (Gladly down): the next one reads the same window again. */
  readonly onFailure: (message: string) => void
  readonly onSuccess: () => void
}

async function readCursor(path: string): Promise<Date | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, 'utf8'))
    const at = Cursor.is(value) ? Date.parse(value.until) : Number.NaN
    return Number.isNaN(at) ? undefined : new Date(at)
  } catch {
    return undefined
  }
}

const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`

/**
 * Reads Gladly's Events API every `intervalMs` from a cursor kept on disk, and queues every conversation it says
 * closed (the queue keeps one entry per conversation, and the ledger keeps one the webhook already delivered from
 * being sent again). It fills what the webhook missed: down, deactivated after Gladly's retries, never configured.
 */
export async function pollEvents(deps: PollerDeps): Promise<void> {
  const {http, queue, metrics, logger, signal} = deps
  let cursor = await readCursor(deps.cursorPath)
  let warnedAt = 0
  // Windows are judged by Gladly's clock, which its first answer tells (a failure here shows again in the first poll).
  await getOrganization(http)()
  while (!signal.aborted) {
    const gladlyNow = http.now().getTime()
    const settled = gladlyNow - EVENTS_SETTLE_MS
    const oldest = gladlyNow - EVENTS_RETENTION_MS + RETENTION_MARGIN_MS
    let startAt = cursor?.getTime() ?? settled - FIRST_LOOK_BACK_MS
    if (startAt < oldest) {
      logger.warn(
        `The Events API cursor (${displayInstant(new Date(startAt).toISOString())}) is older than the 24 hours Gladly keeps events: watch cannot see what closed between then and ${displayInstant(new Date(oldest).toISOString())}. The next import sends it from the export jobs.`,
      )
      startAt = oldest
    } else if (settled - startAt > WARN_BEHIND_MS && Date.now() - warnedAt > WARN_EVERY_MS) {
      warnedAt = Date.now()
      logger.warn(
        `The Events API cursor is ${hours(settled - startAt)} behind; Gladly keeps events 24 hours, so watch loses what is older unless it catches up (the import, from the export jobs, still sends it).`,
      )
    }
    const endAt = Math.min(settled, startAt + MAX_WINDOW_MS)
    if (endAt > startAt) {
      const read = await listConversationEvents(http, {startAt: new Date(startAt), endAt: new Date(endAt)})()
      if (read._tag === 'Left') {
        metrics.failed('poll')
        deps.onFailure(read.left.message)
        logger.error(`The Events API could not be read: ${read.left.message} The same window is read again next time.`)
        await deps.sleep(deps.intervalMs, signal)
        continue
      }
      const {closed, types, unreadable} = read.right
      for (const [type, count] of types) for (let i = 0; i < count; i++) metrics.received(type, 'events')
      if (unreadable > 0)
        logger.warn(`${unreadable} line(s) of Gladly's Events API answer were not conversation events; left out.`)
      for (const event of closed)
        await queue.add({
          conversationId: event.conversationId,
          via: 'events',
          receivedAt: new Date().toISOString(),
          eventId: event.eventId,
          closedAt: event.at,
        })
      cursor = new Date(endAt)
      await writeAtomically(deps.cursorPath, JSON.stringify({until: cursor.toISOString()}))
      deps.onSuccess()
      if (closed.length > 0)
        logger.debug(`Events API: ${closed.length} closed conversation(s) up to ${cursor.toISOString()}.`)
    }
    // Behind: the next window at once; caught up: wait for the interval.
    if (endAt < settled) continue
    await deps.sleep(deps.intervalMs, signal)
  }
}
