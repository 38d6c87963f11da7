import {mapOrdered} from '../../common/index.js'
import {getConversation, getConversationItems} from '../client.js'
import type {Conversation} from '../codecs.js'
import type {GladlyHttp} from '../http.js'
import type {ReportRow} from '../reports.js'
import type {CustomerDirectory, FeedEvent} from './feed.js'
import {CustomerFile} from './job-lookups.js'
import {conversationOfRow, type RowUse} from './report-row.js'
import {skipBeforeLookup, skipUnchanged, type SkipRules} from './skip.js'

export interface ByIdOptions extends SkipRules {
  readonly http: GladlyHttp
  readonly directory: CustomerDirectory
  readonly concurrency: number
}

/**
 * A conversation known only by its id: all of it comes from the API, items included. One still open is
 * left to the export jobs, which show it closing; with no local history of it, it is fetched whole then.
 */
async function resolveById(options: ByIdOptions, conversationId: string): Promise<FeedEvent> {
  const skipped = skipBeforeLookup(options, conversationId)
  if (skipped !== undefined) return {_tag: 'Skipped', conversationId, reason: skipped}
  const lookup = await getConversation(options.http, conversationId)()
  if (lookup._tag === 'Left') return {_tag: 'Failed', conversationId, error: lookup.left}
  if (lookup.right._tag === 'Vanished') return {_tag: 'Vanished', conversationId}
  const {conversation} = lookup.right
  if (conversation.status !== 'CLOSED') return {_tag: 'Skipped', conversationId, reason: 'still open'}
  return closedWithItems(options, conversation)
}

/** A closed conversation whose metadata is known: its items (the one request it needs), and its customer. */
async function closedWithItems(options: ByIdOptions, conversation: Conversation, link?: string): Promise<FeedEvent> {
  const conversationId = conversation.id
  const unchanged = skipUnchanged(options, conversation)
  if (unchanged !== undefined) return {_tag: 'Skipped', conversationId, reason: unchanged}
  const page = await getConversationItems(options.http, conversationId)()
  if (page._tag === 'Left') return {_tag: 'Failed', conversationId, error: page.left}
  if (page.right === undefined) return {_tag: 'Vanished', conversationId}
  const customer = await options.directory.find(conversation.customerId, CustomerFile.none)
  return {
    _tag: 'Closed',
    conversation,
    items: page.right.items,
    unreadable: page.right.unreadable,
    customer,
    itemsTruncated: page.right.limited,
    fetchedItems: true,
    ...(link === undefined ? {} : {link}),
  }
}

/**
 * A conversation of a report: its row stands for `GET /conversations/{id}` where it can (see `conversationOfRow`),
 * so a closed one costs only its items; otherwise it is read whole, as by id.
 */
async function resolveFromRow(options: ByIdOptions, use: RowUse, row: ReportRow): Promise<FeedEvent> {
  const skipped = skipBeforeLookup(options, row.conversationId)
  if (skipped !== undefined) return {_tag: 'Skipped', conversationId: row.conversationId, reason: skipped}
  const conversation = conversationOfRow(row, use)
  if (conversation === undefined) {
    const event = await resolveById(options, row.conversationId)
    return event._tag === 'Closed' && row.link !== undefined ? {...event, link: row.link} : event
  }
  return closedWithItems(options, conversation, row.link)
}

/** The given conversations, each read whole from the API (several in flight, paced by the shared budget). */
export async function* conversationsById(
  options: ByIdOptions,
  conversationIds: readonly string[],
): AsyncGenerator<FeedEvent> {
  yield {_tag: 'Planned', conversations: conversationIds.length}
  yield* mapOrdered(conversationIds, options.concurrency, (conversationId) => resolveById(options, conversationId))
}

/** The conversations of report rows, each from its row and items where the row serves, else whole from the API. */
export async function* conversationsOfRows(
  options: ByIdOptions,
  use: RowUse,
  rows: readonly ReportRow[],
): AsyncGenerator<FeedEvent> {
  yield {_tag: 'Planned', conversations: rows.length}
  yield* mapOrdered(rows, options.concurrency, (row) => resolveFromRow(options, use, row))
}
