import {mapOrdered} from '../../common/index.js'
import {getConversation, getConversationItems} from '../client.js'
import type {Conversation} from '../codecs.js'
import type {GladlyHttp} from '../http.js'
import type {ReportRow} from '../reports.js'
import type {CustomerDirectory, FeedEvent} from './feed.js'
import {CustomerFile} from './job-lookups.js'
import {conversationOfRow, withTopicsOfItems, type RowReading, type RowUse} from './report-row.js'
import {skipBeforeLookup, skipUnchanged, type SkipRules} from './skip.js'

type TopicsUnsure = Extract<RowReading, {_tag: 'TopicsUnsure'}>

export interface ByIdOptions extends SkipRules {
  readonly http: GladlyHttp
  readonly directory: CustomerDirectory
  readonly concurrency: number
}

/** GET /conversations/{id}: the conversation when it is closed, else the event that accounts for it. */
async function lookUpClosed(options: ByIdOptions, conversationId: string): Promise<Conversation | FeedEvent> {
  const lookup = await getConversation(options.http, conversationId)()
  if (lookup._tag === 'Left') return {_tag: 'Failed', conversationId, error: lookup.left}
  if (lookup.right._tag === 'Vanished') return {_tag: 'Vanished', conversationId}
  const {conversation} = lookup.right
  return conversation.status === 'CLOSED' ? conversation : {_tag: 'Skipped', conversationId, reason: 'still open'}
}

const isEvent = (found: Conversation | FeedEvent): found is FeedEvent => '_tag' in found

/**
 * A conversation known only by its id: all of it comes from the API, items included. One still open is
 * left to the export jobs, which show it closing; with no local history of it, it is fetched whole then.
 */
async function resolveById(options: ByIdOptions, conversationId: string): Promise<FeedEvent> {
  const skipped = skipBeforeLookup(options, conversationId)
  if (skipped !== undefined) return {_tag: 'Skipped', conversationId, reason: skipped}
  const found = await lookUpClosed(options, conversationId)
  return isEvent(found) ? found : closedWithItems(options, found)
}

/**
 * A closed conversation whose metadata is known: its items (the one request it needs), and its customer. Where its
 * topics are not (`topicsUnsure`), the items tell them, or else the conversation is asked for after all.
 */
async function closedWithItems(
  options: ByIdOptions,
  known: Conversation,
  from?: {readonly row: ReportRow; readonly use: RowUse; readonly topicsUnsure?: TopicsUnsure},
): Promise<FeedEvent> {
  const conversationId = known.id
  const unchanged = skipUnchanged(options, known)
  if (unchanged !== undefined) return {_tag: 'Skipped', conversationId, reason: unchanged}
  const page = await getConversationItems(options.http, conversationId)()
  if (page._tag === 'Left') return {_tag: 'Failed', conversationId, error: page.left}
  if (page.right === undefined) return {_tag: 'Vanished', conversationId}
  let conversation = known
  if (from?.topicsUnsure !== undefined) {
    const settled = page.right.limited ? undefined : withTopicsOfItems(from.topicsUnsure, page.right.items, from.use)
    const found = settled ?? (await lookUpClosed(options, conversationId))
    if (isEvent(found)) return found
    conversation = found
  }
  const customer = await options.directory.find(conversation.customerId, CustomerFile.none)
  const link = from?.row.link
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
  const reading = conversationOfRow(row, use)
  if (reading._tag === 'Lookup') {
    const event = await resolveById(options, row.conversationId)
    return event._tag === 'Closed' && row.link !== undefined ? {...event, link: row.link} : event
  }
  return closedWithItems(options, reading.conversation, {
    row,
    use,
    ...(reading._tag === 'TopicsUnsure' ? {topicsUnsure: reading} : {}),
  })
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
