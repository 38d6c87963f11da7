import type {Message} from '../enterpret/schema.js'
import type {Conversation} from '../gladly/codecs.js'
import type {Lookups} from './types.js'

/*
 * Which closed conversations are sent: include/exclude lists by inbox, channel and topic (a topic stands for its
 * child topics too), and a least number of customer messages. The lists hold ids, resolved from names by the
 * pipeline against the organization's inboxes and topics before the run starts.
 */

/** Why a conversation was left out; each reason is counted apart in the run's summary. */
export type FilterReason = 'inbox' | 'channel' | 'topic' | 'customerMessages'

/** One dimension's lists: a conversation must match one of `include` (when given) and none of `exclude`. */
export interface IncludeExclude {
  readonly include?: ReadonlySet<string>
  readonly exclude?: ReadonlySet<string>
}

export interface ConversationFilter {
  /** Inbox ids. */
  readonly inboxes: IncludeExclude
  /** Channels as the record names them (`chat`, `email`, `voice`…); a conversation is in each channel it has messages in. */
  readonly channels: IncludeExclude
  /** Topic ids; a conversation's topic matches when it, or one of its parent topics, is listed. */
  readonly topics: IncludeExclude
  /** Messages of the customer (actor `user`) a conversation must have at least. */
  readonly minCustomerMessages: number
}

export interface Exclusion {
  readonly reason: FilterReason
  readonly detail: string
}

function judge(values: readonly string[], lists: IncludeExclude, what: string): string | undefined {
  const {include, exclude} = lists
  const excluded = exclude === undefined ? undefined : values.find((value) => exclude.has(value))
  if (excluded !== undefined) return `${what} ${excluded} is excluded`
  if (include !== undefined && !values.some((value) => include.has(value)))
    return values.length === 0
      ? `it has no ${what}, and only some are included`
      : `${what} ${values.join(', ')} not included`
  return undefined
}

/** The topic and its parents, nearest first (a cycle in Gladly's data ends the walk). */
function withParents(topicId: string, lookups: Lookups): string[] {
  const chain = [topicId]
  let parent = lookups.topics.get(topicId)?.parentId
  while (parent !== undefined && !chain.includes(parent)) {
    chain.push(parent)
    parent = lookups.topics.get(parent)?.parentId
  }
  return chain
}

function judgeTopics(conversation: Conversation, filter: ConversationFilter, lookups: Lookups): string | undefined {
  const {include, exclude} = filter.topics
  if (include === undefined && exclude === undefined) return undefined
  const chains = conversation.topicIds.map((id) => withParents(id, lookups))
  const excluded = exclude === undefined ? undefined : chains.find((chain) => chain.some((id) => exclude.has(id)))
  if (excluded !== undefined) return `topic ${excluded[0]} is excluded`
  if (include !== undefined && !chains.some((chain) => chain.some((id) => include.has(id))))
    return chains.length === 0
      ? 'it has no topic, and only some are included'
      : `topic ${conversation.topicIds.join(', ')} not included`
  return undefined
}

/** Inbox and topics: known before the transcript is built. */
export function excludedByContext(
  conversation: Conversation,
  filter: ConversationFilter,
  lookups: Lookups,
): Exclusion | undefined {
  const inbox = judge([conversation.inboxId], filter.inboxes, 'inbox')
  if (inbox !== undefined) return {reason: 'inbox', detail: inbox}
  const topic = judgeTopics(conversation, filter, lookups)
  return topic === undefined ? undefined : {reason: 'topic', detail: topic}
}

/** Channels and the customer's messages: known once the transcript is built. */
export function excludedByTranscript(
  channels: readonly string[],
  messages: readonly Message[],
  filter: ConversationFilter,
): Exclusion | undefined {
  const channel = judge(channels, filter.channels, 'channel')
  if (channel !== undefined) return {reason: 'channel', detail: channel}
  if (filter.minCustomerMessages > 0) {
    const fromCustomer = messages.filter((message) => message.actor === 'user').length
    if (fromCustomer < filter.minCustomerMessages)
      return {
        reason: 'customerMessages',
        detail: `${fromCustomer} customer message(s), fewer than ${filter.minCustomerMessages}`,
      }
  }
  return undefined
}
