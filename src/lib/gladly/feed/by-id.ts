import {mapOrdered} from '../../common/index.js'
import {getConversation, getConversationItems} from '../client.js'
import type {GladlyHttp} from '../http.js'
import type {CustomerDirectory, FeedEvent} from './feed.js'
import {CustomerFile} from './job-lookups.js'

export interface ByIdOptions {
  readonly http: GladlyHttp
  readonly directory: CustomerDirectory
  readonly isDone: (conversationId: string) => boolean
  readonly sentClosedAt: (conversationId: string) => string | undefined
  readonly resendUpdated: boolean
  readonly concurrency: number
}

/**
 * A conversation known only by its id: all of it comes from the API, items included. One still open is
 * left to the export jobs, which show it closing; with no local history of it, it is fetched whole then.
 */
export async function resolveById(options: ByIdOptions, conversationId: string): Promise<FeedEvent> {
  if (options.isDone(conversationId)) return {_tag: 'Skipped', conversationId, reason: 'done before an interruption'}
  const sentClosedAt = options.sentClosedAt(conversationId)
  if (sentClosedAt !== undefined && !options.resendUpdated) return {_tag: 'Skipped', conversationId, reason: 'already sent'}
  const lookup = await getConversation(options.http, conversationId)()
  if (lookup._tag === 'Left') return {_tag: 'Failed', conversationId, error: lookup.left}
  if (lookup.right._tag === 'Vanished') return {_tag: 'Vanished', conversationId}
  const {conversation} = lookup.right
  if (conversation.status !== 'CLOSED') return {_tag: 'Skipped', conversationId, reason: 'still open'}
  if (sentClosedAt !== undefined && sentClosedAt === conversation.closedAt) return {_tag: 'Skipped', conversationId, reason: 'unchanged since sent'}
  const page = await getConversationItems(options.http, conversationId)()
  if (page._tag === 'Left') return {_tag: 'Failed', conversationId, error: page.left}
  if (page.right === undefined) return {_tag: 'Vanished', conversationId}
  const customer = await options.directory.find(conversation.customerId, CustomerFile.none)
  return {_tag: 'Closed', conversation, items: page.right.items, unreadable: page.right.unreadable, customer, itemsTruncated: page.right.limited, fetchedItems: true}
}

/** The given conversations, each read whole from the API (several in flight, paced by the shared budget). */
export function conversationsById(options: ByIdOptions, conversationIds: readonly string[]): AsyncGenerator<FeedEvent> {
  return mapOrdered(conversationIds, options.concurrency, (conversationId) => resolveById(options, conversationId))
}
