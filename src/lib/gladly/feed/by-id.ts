import {mapOrdered} from '../../common/index.js'
import {getConversation, getConversationItems} from '../client.js'
import type {GladlyHttp} from '../http.js'
import type {CustomerDirectory, FeedEvent} from './feed.js'
import {CustomerFile} from './job-lookups.js'
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
  }
}

/** The given conversations, each read whole from the API (several in flight, paced by the shared budget). */
export function conversationsById(options: ByIdOptions, conversationIds: readonly string[]): AsyncGenerator<FeedEvent> {
  return mapOrdered(conversationIds, options.concurrency, (conversationId) => resolveById(options, conversationId))
}
