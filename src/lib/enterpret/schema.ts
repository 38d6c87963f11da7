import * as t from 'io-ts'

/*
 * The Custom Webhook's record, as far as this tool sends it (enterpret-api.md §1.3): one CONVERSATION
 * per Gladly conversation. New webhooks validate strictly, so only documented fields are sent.
 */

export type Actor = 'user' | 'agent' | 'bot'

// Enterpret rejects createdAt before 2000-01-01 (epoch seconds).
export const MIN_CREATED_AT = 946_684_800

const NonEmptyText = t.refinement(t.string, (text) => text.trim() !== '', 'non-empty text')
const EpochSeconds = t.refinement(
  t.number,
  (n) => Number.isInteger(n) && n >= MIN_CREATED_AT,
  'whole epoch seconds since 2000',
)

export const Message = t.exact(
  t.type({actor: t.keyof({user: null, agent: null, bot: null}, 'user, agent or bot'), text: NonEmptyText}),
  'Message',
)
export type Message = t.TypeOf<typeof Message>

/** One metadata field: an array of exactly one of strings, numbers or booleans (`s`, `n`, `b`). */
export const MetadataValue = t.union(
  [
    t.exact(t.type({array: t.exact(t.type({s: t.array(t.string)}))})),
    t.exact(t.type({array: t.exact(t.type({n: t.array(t.number)}))})),
    t.exact(t.type({array: t.exact(t.type({b: t.array(t.boolean)}))})),
  ],
  'a typed array {array: {s|n|b: [...]}}',
)
export type MetadataValue = t.TypeOf<typeof MetadataValue>
export const MetadataFields = t.record(t.string, MetadataValue, 'MetadataFields')
export type MetadataFields = t.TypeOf<typeof MetadataFields>

export type MetadataNesting = 'nested' | 'flat'

/**
 * The reference is unsure whether the field map sits at `metadata` or at `metadata.metadata`; this is
 * the one place that decides (ENTERPRET_METADATA_NESTING).
 */
export function wrapMetadata(
  fields: MetadataFields,
  nesting: MetadataNesting,
): {metadata: MetadataFields} | MetadataFields {
  return nesting === 'nested' ? {metadata: fields} : fields
}

export const ConversationRecord = t.exact(
  t.type({
    id: NonEmptyText,
    fileID: NonEmptyText,
    type: t.literal('CONVERSATION'),
    createdAt: EpochSeconds,
    conversation: t.exact(
      t.type({msgs: t.refinement(t.array(Message), (msgs) => msgs.length > 0, 'at least one message')}),
    ),
    metadata: t.union([t.exact(t.type({metadata: MetadataFields})), MetadataFields]),
  }),
  'ConversationRecord',
)
export type ConversationRecord = t.TypeOf<typeof ConversationRecord>

/**
 * A user of the Users webhook (enterpret-api.md §1.6): a unique id, when the user was created (epoch seconds) and
 * key-value attributes, typed as record metadata is, so that each key keeps one type.
 */
export const UserRecord = t.exact(
  t.type({id: NonEmptyText, createdAt: EpochSeconds, attributes: MetadataFields}),
  'UserRecord',
)
export type UserRecord = t.TypeOf<typeof UserRecord>

/**
 * A single-text feedback record (`REVIEW`, enterpret-api.md §2): a survey result Gladly's timeline holds outside any
 * conversation. See SURVEY_RECORD_TYPE in src/lib/transform/survey.ts.
 */
export const ReviewRecord = t.exact(
  t.type({
    id: NonEmptyText,
    fileID: NonEmptyText,
    type: t.literal('REVIEW'),
    createdAt: EpochSeconds,
    text: NonEmptyText,
    metadata: t.union([t.exact(t.type({metadata: MetadataFields})), MetadataFields]),
  }),
  'ReviewRecord',
)
export type ReviewRecord = t.TypeOf<typeof ReviewRecord>

/** Every record this tool sends. */
export type EnterpretRecord = ConversationRecord | ReviewRecord
