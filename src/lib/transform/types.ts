import type {ConversationRecord, MetadataNesting} from '../enterpret/schema.js'
import type {Agent, Conversation, ConversationItem, Inbox, Topic} from '../gladly/codecs.js'
import type {CustomerSummary} from '../gladly/index.js'
import type {ConversationFilter, FilterReason} from './filter.js'
import type {CustomAttributeName, MetadataMapping} from './mapping.js'
import type {RedactionCounts, Redactor} from './pii.js'

export type {CustomerSummary}

/** The reference lists ids are resolved against. */
export interface Lookups {
  readonly agents: ReadonlyMap<string, Agent>
  readonly topics: ReadonlyMap<string, Topic>
  readonly inboxes: ReadonlyMap<string, Inbox>
  /** Custom attribute names by id (GET /custom-attributes/{id}), for a mapping that keys them by name. */
  readonly customAttributes?: ReadonlyMap<string, CustomAttributeName>
}

export interface TransformInput {
  readonly conversation: Conversation
  /** Any order; may hold the same item twice (the first one wins). */
  readonly items: readonly ConversationItem[]
  readonly customer?: CustomerSummary
  readonly lookups: Lookups
  /** Base of the Gladly web app, e.g. https://acme.gladly.com (for the link back) */
  readonly gladlyAppUrl: string
  /** Gladly's own link to the conversation (a report's "Conversation Link"): used instead of the inferred one. */
  readonly conversationLink?: string
  /** true when Gladly cut the item list (Gladly-Limited-Data) */
  readonly itemsTruncated?: boolean
}

export interface TransformOptions {
  readonly fileId: string
  readonly includeNotes: boolean
  readonly metadataNesting: MetadataNesting
  /** Longest JSON size in bytes one record may have (the webhook body limit minus the envelope) */
  readonly maxRecordBytes: number
  /** For the createdAt-not-in-the-future check */
  readonly now: Date
  /** REDACT_PII: applied to message text and the chosen metadata fields, before the size bound. */
  readonly redactor?: Redactor
  /** Which conversations are sent (inbox, channel, topic, customer messages); without one, all are. */
  readonly filter?: ConversationFilter
  /** The mapping file's metadata rules; without one, the fixed keys and `custom_<id>`. */
  readonly mapping?: MetadataMapping
  /** Record ids are this prefix and the conversation id (default `gladly_`). */
  readonly recordIdPrefix?: string
}

export type TransformResult =
  | {
      readonly _tag: 'Record'
      readonly record: ConversationRecord
      /** Messages in the record, the omission marker of a truncated record included. */
      readonly messageCount: number
      readonly channels: readonly string[]
      readonly warnings: readonly string[]
      readonly unknownContentTypes: readonly string[]
      /** Values redacted, by kind (empty without redaction). */
      readonly redactions: RedactionCounts
    }
  /** Left out by the filters: counted by reason, never sent. */
  | {readonly _tag: 'Filtered'; readonly reason: FilterReason; readonly detail: string}
  /** Nothing customer-visible to send: not an error, counted and skipped. */
  | {readonly _tag: 'NoMessages'; readonly reason: string}
  /** The record cannot be built or fails the ConversationRecord codec: the caller quarantines the conversation. */
  | {readonly _tag: 'Invalid'; readonly reason: string}
  /**
   * The conversation can never become a record Enterpret accepts, however often it is fetched (created before 2000,
   * metadata too large for any record): reported once and skipped for good.
   */
  | {readonly _tag: 'Unsendable'; readonly reason: string}
