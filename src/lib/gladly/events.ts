import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import {ExitCode} from '../common/index.js'
import type {GladlyError} from './errors.js'
import type {GladlyHttp} from './http.js'

/** Gladly keeps events this long: `startAt` must be within the last 24 hours (GET /api/v1/events). */
export const EVENTS_RETENTION_MS = 24 * 60 * 60 * 1000
/** "Events are up to 15 seconds behind real-time": a window is read only once it is this far in the past. */
export const EVENTS_SETTLE_MS = 20_000

const EventLine = t.type({id: t.string, type: t.string, timestamp: t.string})
const ClosedContent = t.type({content: t.type({conversationId: t.string})})

export interface ConversationEvents {
  /** CONVERSATION/CLOSED events, in Gladly's (time) order. */
  readonly closed: ReadonlyArray<{readonly eventId: string; readonly conversationId: string; readonly at: string}>
  /** Every event of the window, by type. */
  readonly types: ReadonlyMap<string, number>
  /** Lines that were not events (each left out). */
  readonly unreadable: number
}

/** `GET /events?entities=CONVERSATION&startAt&endAt`: the conversation events of a window, from its JSON lines. */
export function listConversationEvents(
  http: GladlyHttp,
  window: {readonly startAt: Date; readonly endAt: Date},
): TE.TaskEither<GladlyError, ConversationEvents> {
  const label = '/events'
  return pipe(
    http.get(label, {
      entities: 'CONVERSATION',
      startAt: window.startAt.toISOString(),
      endAt: window.endAt.toISOString(),
    }),
    TE.chainEitherK((response) => {
      if (response.status !== 200)
        return E.left<GladlyError>({
          _tag: 'GladlyHttpError',
          status: response.status,
          path: label,
          exit: ExitCode.failure,
          message: `Gladly answered ${response.status} to GET ${label}: ${response.body.slice(0, 300)}`,
        })
      const closed: Array<{eventId: string; conversationId: string; at: string}> = []
      const types = new Map<string, number>()
      let unreadable = 0
      for (const line of response.body.split('\n')) {
        if (line.trim() === '') continue
        let value: unknown
        try {
          value = JSON.parse(line)
        } catch {
          unreadable++
          continue
        }
        if (!EventLine.is(value)) {
          unreadable++
          continue
        }
        types.set(value.type, (types.get(value.type) ?? 0) + 1)
        if (value.type !== 'CONVERSATION/CLOSED') continue
        if (ClosedContent.is(value))
          closed.push({eventId: value.id, conversationId: value.content.conversationId, at: value.timestamp})
        else unreadable++
      }
      return E.right({closed, types, unreadable})
    }),
  )
}
