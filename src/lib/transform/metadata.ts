import type {MetadataFields, MetadataValue} from '../enterpret/schema.js'
import type {Conversation} from '../gladly/codecs.js'
import type {CustomerSummary, Lookups} from './types.js'

/*
 * The record's metadata. Enterpret gives each metadata key one type, for good (mixing types is rejected),
 * so the type of every key is fixed here, once; the values of a key can only be built as that type.
 */

export type MetadataType = 's' | 'n' | 'b'

/** Every fixed metadata key and its type: `s` strings, `n` numbers, `b` booleans. Never change a type. */
export const METADATA_FIELD_TYPES = {
  channel: 's',
  tags: 's',
  topic_ids: 's',
  agent_id: 's',
  agent_name: 's',
  agent_email: 's',
  inbox_id: 's',
  inbox_name: 's',
  status: 's',
  created_at: 's',
  closed_at: 's',
  message_count: 'n',
  gladly_conversation_id: 's',
  gladly_customer_id: 's',
  customer_name: 's',
  customer_email: 's',
  gladly_url: 's',
  truncated: 'b',
} as const satisfies Record<string, MetadataType>

/** Conversation custom attributes get one key each, `custom_<slug>`, always strings (Gladly sends strings). */
export const CUSTOM_ATTRIBUTE_PREFIX = 'custom_'
export const CUSTOM_ATTRIBUTE_TYPE: MetadataType = 's'

type MetadataKey = keyof typeof METADATA_FIELD_TYPES

type ElementOf<T extends MetadataType> = T extends 's' ? string : T extends 'n' ? number : boolean

/** The values of the fixed keys, each typed by the table. */
type MetadataValues = {readonly [K in MetadataKey]?: ReadonlyArray<ElementOf<(typeof METADATA_FIELD_TYPES)[K]>>}

/**
 * INFERRED, not documented: Gladly publishes no URL pattern for a conversation in its web app. This is the
 * customer-timeline route the app appears to use; verify it on a live organization before relying on it.
 */
function inferredConversationPath(customerId: string, conversationId: string): string {
  return `/#/customer/${encodeURIComponent(customerId)}/conversation/${encodeURIComponent(conversationId)}`
}

/** The link back to the conversation in Gladly's web app (pattern inferred, see above). */
export function conversationLink(gladlyAppUrl: string, customerId: string, conversationId: string): string {
  return `${gladlyAppUrl.replace(/\/+$/, '')}${inferredConversationPath(customerId, conversationId)}`
}

const CAMEL_HUMP = /([a-z0-9])([A-Z])/g
const DIACRITICS = /[\u0300-\u036f]/g
const NON_ALPHANUMERIC_RUNS = /[^a-z0-9]+/g
const EDGE_UNDERSCORES = /^_|_$/g
const MAX_SLUG_LENGTH = 64

/**
 * snake_case of a name: camelCase humps split, accents dropped, lower-cased, every run of other characters
 * one `_`, no `_` at either end, at most 64 characters. `Order Number`, `orderNumber` and `order-number` all
 * give `order_number`; a name of no Latin letters or digits gives ''.
 */
export function slug(name: string, splitCamelCase = true): string {
  const words = splitCamelCase ? name.replace(CAMEL_HUMP, '$1_$2') : name
  const snake = words
    .normalize('NFKD')
    .replace(DIACRITICS, '')
    .toLowerCase()
    .replace(NON_ALPHANUMERIC_RUNS, '_')
    .replace(EDGE_UNDERSCORES, '')
  return snake.slice(0, MAX_SLUG_LENGTH).replace(EDGE_UNDERSCORES, '')
}

/**
 * The metadata key of a custom attribute: `custom_` + the slug of its id (Gladly has no list of attributes to name
 * them by). The id is opaque and mixed-case, so its humps are not split (that would only make it longer).
 */
export function customAttributeKey(id: string): string {
  return `${CUSTOM_ATTRIBUTE_PREFIX}${slug(id, false)}`
}

/** The value trimmed, or undefined when nothing is left of it. */
function trimmed(value: string | undefined): string | undefined {
  const text = value?.trim()
  return text === '' ? undefined : text
}

/** The distinct values, trimmed, without empty ones. */
function present(values: ReadonlyArray<string | undefined>): string[] {
  const kept = new Set<string>()
  for (const value of values) {
    const text = trimmed(value)
    if (text !== undefined) kept.add(text)
  }
  return [...kept]
}

/** The value trimmed, as a list of one, or an empty list. */
function one(value: string | undefined): string[] {
  const text = trimmed(value)
  return text === undefined ? [] : [text]
}

/** `custom_*` key → its distinct values, in the conversation's order. */
function customAttributeValues(conversation: Conversation): Map<string, string[]> {
  const byKey = new Map<string, string[]>()
  for (const attribute of conversation.customAttributes) {
    const value = trimmed(attribute.value)
    // Without an id an attribute has no name to be sent under.
    if (value === undefined || attribute.id === undefined) continue
    const key = customAttributeKey(attribute.id)
    const values = byKey.get(key) ?? []
    if (!values.includes(value)) values.push(value)
    byKey.set(key, values)
  }
  return byKey
}

export interface MetadataInput {
  readonly conversation: Conversation
  readonly customer?: CustomerSummary
  readonly lookups: Lookups
  readonly gladlyAppUrl: string
  /** Gladly's own link, where known: it wins over the inferred pattern. */
  readonly conversationLink?: string | undefined
  readonly channels: readonly string[]
  readonly messageCount: number
  readonly truncated: boolean
}

/** The values of the fixed keys for one conversation; a key without a value is left out. */
function metadataValues(input: MetadataInput): MetadataValues {
  const {conversation, customer, lookups} = input
  const agent = conversation.agentId === undefined ? undefined : lookups.agents.get(conversation.agentId)
  const inbox = lookups.inboxes.get(conversation.inboxId)
  const topicIds = present(conversation.topicIds)
  return {
    channel: input.channels,
    tags: present(topicIds.map((id) => lookups.topics.get(id)?.name)),
    topic_ids: topicIds,
    agent_id: one(conversation.agentId),
    agent_name: one(agent?.name),
    agent_email: one(agent?.emailAddress),
    inbox_id: one(conversation.inboxId),
    inbox_name: one(inbox?.name),
    status: one(conversation.status),
    created_at: [conversation.createdAt],
    closed_at: one(conversation.closedAt),
    message_count: [input.messageCount],
    gladly_conversation_id: [conversation.id],
    gladly_customer_id: [conversation.customerId],
    customer_name: one(customer?.name),
    customer_email: present(customer?.emails ?? []),
    gladly_url: [
      input.conversationLink ?? conversationLink(input.gladlyAppUrl, conversation.customerId, conversation.id),
    ],
    truncated: input.truncated ? [true] : [],
  }
}

const METADATA_FIELDS = Object.entries(METADATA_FIELD_TYPES) as ReadonlyArray<[MetadataKey, MetadataType]>

// The one place a value meets its type: MetadataValues ties each key's elements to the table's type.
export function typedArray(type: MetadataType, values: ReadonlyArray<string | number | boolean>): MetadataValue {
  switch (type) {
    case 's':
      return {array: {s: [...values] as string[]}}
    case 'n':
      return {array: {n: [...values] as number[]}}
    case 'b':
      return {array: {b: [...values] as boolean[]}}
  }
}

/** The fields that say a record was cut to fit, and how many messages it carries now. */
export function truncationFields(messageCount: number): MetadataFields {
  return {message_count: typedArray('n', [messageCount]), truncated: typedArray('b', [true])}
}

/** The metadata field map: fixed keys in table order, then custom attributes; empty keys left out. */
export function buildMetadata(input: MetadataInput): MetadataFields {
  const values = metadataValues(input)
  const fields: MetadataFields = {}
  for (const [key, type] of METADATA_FIELDS) {
    const list = values[key]
    if (list !== undefined && list.length > 0) fields[key] = typedArray(type, list)
  }
  for (const [key, list] of customAttributeValues(input.conversation)) {
    fields[key] = typedArray(CUSTOM_ATTRIBUTE_TYPE, list)
  }
  return fields
}
