import {mapOrdered} from '../../common/index.js'
import {getConversation, getConversationItems} from '../client.js'
import type {GladlyHttp} from '../http.js'
import {reportConversations, type ReportSource, type ReportWindow} from '../reports.js'
import type {CustomerDirectory, FeedEvent} from './feed.js'
import {CustomerFile} from './job-lookups.js'

export interface BackfillOptions {
  readonly http: GladlyHttp
  readonly reports: ReportSource
  readonly window: ReportWindow
  readonly directory: CustomerDirectory
  readonly isDone: (conversationId: string) => boolean
  readonly sentClosedAt: (conversationId: string) => string | undefined
  readonly resendUpdated: boolean
  readonly concurrency: number
  readonly onWarning: (message: string) => void
}

/** A conversation older than the export jobs: all of it comes from the API, items included. */
async function resolve(options: BackfillOptions, conversationId: string): Promise<FeedEvent> {
  if (options.isDone(conversationId)) return {_tag: 'Skipped', conversationId, reason: 'done before an interruption'}
  const sentClosedAt = options.sentClosedAt(conversationId)
  if (sentClosedAt !== undefined && !options.resendUpdated) return {_tag: 'Skipped', conversationId, reason: 'already sent'}
  const lookup = await getConversation(options.http, conversationId)()
  if (lookup._tag === 'Left') return {_tag: 'Failed', conversationId, error: lookup.left}
  if (lookup.right._tag === 'Vanished') return {_tag: 'Vanished', conversationId}
  const {conversation} = lookup.right
  // Still open: the export jobs will show it closing, and it is fetched whole then.
  if (conversation.status !== 'CLOSED') return {_tag: 'Skipped', conversationId, reason: 'still open'}
  if (sentClosedAt !== undefined && sentClosedAt === conversation.closedAt) return {_tag: 'Skipped', conversationId, reason: 'unchanged since sent'}
  const page = await getConversationItems(options.http, conversationId)()
  if (page._tag === 'Left') return {_tag: 'Failed', conversationId, error: page.left}
  if (page.right === undefined) return {_tag: 'Vanished', conversationId}
  const customer = await options.directory.find(conversation.customerId, CustomerFile.none)
  return {_tag: 'Closed', conversation, items: page.right.items, customer, itemsTruncated: page.right.limited, fetchedItems: true}
}

/**
 * The conversations of one backfill window, from Gladly's conversation report: each closed one with
 * its whole transcript (GET /conversations/{id} and /items), the rest accounted for.
 */
export async function* backfillFeed(options: BackfillOptions): AsyncGenerator<FeedEvent> {
  for await (const part of reportConversations(options.reports, options.window)) {
    if (part._tag === 'Left') {
      yield {_tag: 'Failed', conversationId: '', error: part.left}
      return
    }
    if (part.right.possiblyCut) {
      options.onWarning(`Gladly's conversation report for ${part.right.window.startDay} returned ${part.right.conversationIds.length} rows, at its row limit, for a single inbox and day: conversations beyond the limit may be missing.`)
    }
    yield* mapOrdered(part.right.conversationIds, options.concurrency, (conversationId) => resolve(options, conversationId))
  }
}
