import type {MetadataFields, MetadataValue} from '../enterpret/schema.js'
import type {Conversation} from '../gladly/codecs.js'
import {mappedKey, namedTarget, type MetadataMapping} from './mapping.js'
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

const CUSTOMER_SLOT = '{customerId}'
const CONVERSATION_SLOT = '{conversationId}'

/**
 * The pattern of a link Gladly gave for a conversation (a report's "Conversation Link"): the link with its customer
 * and conversation ids as slots, when each appears in it exactly once. It settles the inferred pattern for the
 * conversations whose link Gladly does not give (the export jobs'); undefined when the link cannot tell it.
 */
export function conversationLinkTemplate(link: string, customerId: string, conversationId: string): string | undefined {
  const once = (id: string) => id !== '' && link.split(encodeURIComponent(id)).length === 2
  if (!once(customerId) || !once(conversationId) || customerId.includes(conversationId)) return undefined
  if (conversationId.includes(customerId)) return undefined
  return link
    .replace(encodeURIComponent(conversationId), CONVERSATION_SLOT)
    .replace(encodeURIComponent(customerId), CUSTOMER_SLOT)
}

/** A conversation's link from a learned template (see `conversationLinkTemplate`). */
export function linkFromTemplate(template: string, customerId: string, conversationId: string): string {
  return template
    .replace(CUSTOMER_SLOT, encodeURIComponent(customerId))
    .replace(CONVERSATION_SLOT, encodeURIComponent(conversationId))
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

/** The key and type of a custom attribute: `custom_<id>` without a mapping; undefined when it is dropped. */
function customAttributeTarget(
  id: string,
  lookups: Lookups,
  mapping: MetadataMapping | undefined,
): {key: string; type: MetadataType} | undefined {
  const fallback = {key: customAttributeKey(id), type: CUSTOM_ATTRIBUTE_TYPE}
  if (mapping === undefined) return fallback
  const name = lookups.customAttributes?.get(id)
  const target = namedTarget(id, name, mapping)
  if (target !== undefined) return target === 'drop' ? undefined : target
  switch (mapping.otherCustomAttributes) {
    case 'drop':
      return undefined
    case 'id':
      return fallback
    case 'name': {
      const named = slug(name?.key ?? name?.label ?? '')
      // An attribute Gladly cannot name (or whose name has no Latin letter) keeps its id.
      return named === '' ? fallback : {key: `${CUSTOM_ATTRIBUTE_PREFIX}${named}`, type: CUSTOM_ATTRIBUTE_TYPE}
    }
  }
}

/** A custom attribute's text as the type its key has; undefined when it is not one (e.g. 'n/a' for a number). */
function typedValue(type: MetadataType, text: string): string | number | boolean | undefined {
  switch (type) {
    case 's':
      return text
    case 'n': {
      const number = Number(text.replace(/,/g, ''))
      return text !== '' && Number.isFinite(number) ? number : undefined
    }
    case 'b':
      return /^(true|yes)$/i.test(text) ? true : /^(false|no)$/i.test(text) ? false : undefined
  }
}

/** Custom attribute key → its type and distinct values, in the conversation's order. */
function customAttributeValues(
  input: MetadataInput,
): Map<string, {type: MetadataType; values: Array<string | number | boolean>}> {
  const byKey = new Map<string, {type: MetadataType; values: Array<string | number | boolean>}>()
  for (const attribute of input.conversation.customAttributes) {
    const text = trimmed(attribute.value)
    // Without an id an attribute has no name to be sent under.
    if (text === undefined || attribute.id === undefined) continue
    const target = customAttributeTarget(attribute.id, input.lookups, input.mapping)
    if (target === undefined) continue
    const value = typedValue(target.type, text)
    if (value === undefined) {
      input.warnings?.push(
        `custom attribute ${attribute.id} (${target.key}) is ${JSON.stringify(text)}, not a ${TYPE_NAMES[target.type]}: left out`,
      )
      continue
    }
    const entry = byKey.get(target.key) ?? {type: target.type, values: []}
    if (!entry.values.includes(value)) entry.values.push(value)
    byKey.set(target.key, entry)
  }
  return byKey
}

const TYPE_NAMES: Record<MetadataType, string> = {s: 'string', n: 'number', b: 'boolean'}

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
  readonly mapping?: MetadataMapping
  /** Values that could not be sent as their key's type are reported here. */
  readonly warnings?: string[]
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

/** The fields that say a record was cut to fit, and how many messages it carries now (under the mapping's keys). */
export function truncationFields(messageCount: number, mapping?: MetadataMapping): MetadataFields {
  const fields: MetadataFields = {}
  const countKey = mappedKey('message_count', mapping)
  const truncatedKey = mappedKey('truncated', mapping)
  if (countKey !== undefined) fields[countKey] = typedArray('n', [messageCount])
  if (truncatedKey !== undefined) fields[truncatedKey] = typedArray('b', [true])
  return fields
}

/**
 * The metadata field map: fixed keys in table order (renamed or dropped by the mapping), then custom attributes,
 * then the mapping's constants; empty keys left out.
 */
export function buildMetadata(input: MetadataInput): MetadataFields {
  const values = metadataValues(input)
  const fields: MetadataFields = {}
  for (const [key, type] of METADATA_FIELDS) {
    const list = values[key]
    const sentAs = mappedKey(key, input.mapping)
    if (sentAs !== undefined && list !== undefined && list.length > 0) fields[sentAs] = typedArray(type, list)
  }
  for (const [key, {type, values: list}] of customAttributeValues(input)) fields[key] = typedArray(type, list)
  if (input.mapping !== undefined) Object.assign(fields, input.mapping.constants)
  return fields
}

/** Every key a mapping sends with a type known in advance (fixed keys, constants, named custom attributes). */
export function mappedKeyTypes(mapping: MetadataMapping | undefined): Map<string, MetadataType> {
  const types = new Map<string, MetadataType>()
  for (const [key, type] of METADATA_FIELDS) {
    const sentAs = mappedKey(key, mapping)
    if (sentAs !== undefined) types.set(sentAs, type)
  }
  if (mapping === undefined) return types
  for (const target of mapping.customAttributes.values()) if (target !== 'drop') types.set(target.key, target.type)
  for (const [key, value] of Object.entries(mapping.constants)) types.set(key, metadataTypeOf(value))
  return types
}

/** The type of a metadata value as sent. */
export function metadataTypeOf(value: MetadataValue): MetadataType {
  return 's' in value.array ? 's' : 'n' in value.array ? 'n' : 'b'
}
