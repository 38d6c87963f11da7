import {expect} from 'chai'
import type * as t from 'io-ts'
import {readFileSync} from 'node:fs'

import {decode} from '../../src/lib/common/decode.js'
import type {ConversationRecord, Message, MetadataFields} from '../../src/lib/enterpret/schema.js'
import type {Conversation, ConversationItem, ConversationItemContent} from '../../src/lib/gladly/codecs.js'
import {
  toEnterpretRecord,
  type Lookups,
  type TransformInput,
  type TransformOptions,
  type TransformResult,
} from '../../src/lib/transform/index.js'

const GLADLY_FIXTURES = new URL('../fixtures/gladly/', import.meta.url)

/** A JSON fixture of Gladly's spec examples (see test/fixtures/gladly/README.md). */
export function gladlyFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, GLADLY_FIXTURES), 'utf8'))
}

/** Decodes a fixture with the importer's own codec, as the pipeline would. */
export function decoded<A, O>(codec: t.Type<A, O, unknown>, value: unknown): A {
  const result = decode(codec, value, codec.name)
  if (result._tag === 'Left') throw new Error(result.left.message)
  return result.right
}

export const CONVERSATION_ID = 'HXRqKC5GSV-jAlq0-sxYTA'
export const CUSTOMER_ID = 'o2sg-TMTSD2rTwMuxzewbA'
export const AGENT_ID = 'WmeA3Y51Q5ayCAaZ1AotIA'
export const NOW = new Date('2024-06-01T00:00:00Z')

export function conversation(overrides: Partial<Conversation> = {}): Conversation {
  return {
    id: CONVERSATION_ID,
    customerId: CUSTOMER_ID,
    createdAt: '2019-07-01T11:46:40.5Z',
    inboxId: 'vZgCEQlDR6aQz_0HeWZ9_Q',
    status: 'CLOSED',
    closedAt: '2019-07-02T09:00:00Z',
    topicIds: [],
    customAttributes: [],
    ...overrides,
  }
}

let itemCounter = 0

/** An item of the conversation; ids are unique unless given, timestamps one second apart unless given. */
export function item(
  content: ConversationItemContent | Record<string, unknown>,
  overrides: Partial<ConversationItem> = {},
): ConversationItem {
  itemCounter++
  return {
    id: `item-${itemCounter}`,
    conversationId: CONVERSATION_ID,
    customerId: CUSTOMER_ID,
    timestamp: new Date(Date.UTC(2019, 6, 1, 12) + itemCounter * 1000).toISOString(),
    initiator: {id: CUSTOMER_ID, type: 'CUSTOMER'},
    content: content as ConversationItemContent,
    ...overrides,
  }
}

export const chat = (text: string, overrides: Partial<ConversationItem> = {}) =>
  item({type: 'CHAT_MESSAGE', sessionId: 's1', content: text}, overrides)

export const byAgent: Partial<ConversationItem> = {initiator: {id: AGENT_ID, type: 'AGENT'}}

export function emptyLookups(): Lookups {
  return {agents: new Map(), topics: new Map(), inboxes: new Map()}
}

export function options(overrides: Partial<TransformOptions> = {}): TransformOptions {
  return {
    fileId: 'gladly',
    includeNotes: false,
    metadataNesting: 'nested',
    maxRecordBytes: 200_000,
    now: NOW,
    ...overrides,
  }
}

export function input(items: readonly ConversationItem[], overrides: Partial<TransformInput> = {}): TransformInput {
  return {
    conversation: conversation(),
    items,
    lookups: emptyLookups(),
    gladlyAppUrl: 'https://acme.gladly.com',
    ...overrides,
  }
}

export type RecordResult = Extract<TransformResult, {_tag: 'Record'}>

/** The Record result, failing the test with the reason otherwise. */
export function expectRecord(result: TransformResult): RecordResult {
  if (result._tag !== 'Record') expect.fail(`expected a Record, got ${result._tag}: ${result.reason}`)
  return result
}

export function transform(
  items: readonly ConversationItem[],
  inputOverrides: Partial<TransformInput> = {},
  optionOverrides: Partial<TransformOptions> = {},
): RecordResult {
  return expectRecord(toEnterpretRecord(input(items, inputOverrides), options(optionOverrides)))
}

export function msgs(items: readonly ConversationItem[], optionOverrides: Partial<TransformOptions> = {}): Message[] {
  return transform(items, {}, optionOverrides).record.conversation.msgs
}

export function texts(items: readonly ConversationItem[], optionOverrides: Partial<TransformOptions> = {}): string[] {
  return msgs(items, optionOverrides).map((message) => message.text)
}

/** The field map of a record, whichever the nesting. */
export function fieldsOf(record: ConversationRecord): MetadataFields {
  const metadata = record.metadata as Record<string, unknown>
  const inner = metadata['metadata']
  return (typeof inner === 'object' && inner !== null && !('array' in inner) ? inner : metadata) as MetadataFields
}

/** A small deterministic PRNG (mulberry32), so the property-style loops are reproducible. */
export function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d_2b_79_f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
