import {checkOrDecode} from '../common/index.js'
import {
  ConversationRecord,
  MIN_CREATED_AT,
  type EnterpretRecord,
  wrapMetadata,
  type Message,
  type MetadataFields,
} from '../enterpret/schema.js'
import {parseTimestamp} from '../gladly/time.js'
import {excludedByContext, excludedByTranscript} from './filter.js'
import {DEFAULT_RECORD_ID_PREFIX, type MetadataMapping} from './mapping.js'
import {buildTranscript, type Transcript} from './messages.js'
import {buildMetadata, truncationFields} from './metadata.js'
import type {RedactionCounts, Redactor} from './pii.js'
import {fitMessages, jsonBytes} from './truncate.js'
import type {TransformInput, TransformOptions, TransformResult} from './types.js'

/** The Enterpret record id of a Gladly conversation: stable, namespaced, 29 characters for Gladly's ids. */
export function recordId(conversationId: string, prefix = DEFAULT_RECORD_ID_PREFIX): string {
  return `${prefix}${conversationId}`
}

type CreatedAt =
  {readonly _tag: 'Ok'; readonly seconds: number} | {readonly _tag: 'Invalid' | 'Unsendable'; readonly reason: string}

/**
 * How far ahead of this machine's clock a createdAt may be and still be the clocks' disagreement: it is then sent
 * as now (Enterpret refuses the future). Further ahead, the timestamp itself is wrong.
 */
const MAX_CLOCK_SKEW_SECONDS = 300

/** Whole epoch seconds (rounded down), within what Enterpret accepts: from 2000-01-01 to now. */
export function createdAtSeconds(createdAt: string, now: Date): CreatedAt {
  const parsed = parseTimestamp(createdAt)
  if (parsed === undefined)
    return {_tag: 'Invalid', reason: `createdAt ${JSON.stringify(createdAt)} is not an RFC 3339 timestamp`}
  const seconds = Math.floor(parsed.epochMillis / 1000)
  if (seconds < MIN_CREATED_AT)
    return {_tag: 'Unsendable', reason: `createdAt ${createdAt} is before 2000-01-01, which Enterpret rejects`}
  const nowSeconds = Math.floor(now.getTime() / 1000)
  if (seconds > nowSeconds + MAX_CLOCK_SKEW_SECONDS) {
    return {
      _tag: 'Invalid',
      reason: `createdAt ${createdAt} is in the future (now is ${now.toISOString()}), which Enterpret rejects`,
    }
  }
  return {_tag: 'Ok', seconds: Math.min(seconds, nowSeconds)}
}

function noMessagesReason(itemCount: number, transcript: Transcript): string {
  if (itemCount === 0) return 'the conversation has no items'
  const items = itemCount === 1 ? '1 item' : `${itemCount} items`
  return `no customer-visible message among its ${items} (${transcript.contentTypes.join(', ')})`
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

// No character takes more than 6 bytes of JSON (\u0001); a value's punctuation is within this much per string.
const MAX_JSON_BYTES_PER_CHAR = 6
const MAX_JSON_OVERHEAD_PER_STRING = 8

/**
 * An upper bound on the record's JSON size from its string lengths: nearly every record is far below
 * the limit, and proving it is much cheaper than serializing it.
 */
function surelyFits(value: unknown, maxBytes: number): boolean {
  let bound = 0
  const visit = (node: unknown): void => {
    if (typeof node === 'string') bound += node.length * MAX_JSON_BYTES_PER_CHAR + MAX_JSON_OVERHEAD_PER_STRING
    else if (Array.isArray(node)) for (const entry of node) visit(entry)
    else if (typeof node === 'object' && node !== null) {
      // for…in, not Object.entries: no array per object (a record is plain data, nothing inherited).
      for (const key in node) {
        bound += key.length * MAX_JSON_BYTES_PER_CHAR + MAX_JSON_OVERHEAD_PER_STRING
        visit((node as Record<string, unknown>)[key])
      }
    } else bound += MAX_JSON_OVERHEAD_PER_STRING * 3
  }
  visit(value)
  return bound <= maxBytes
}

/**
 * One Gladly conversation → one Enterpret CONVERSATION record: its customer-visible messages in time order,
 * its context as typed metadata, cut down to `maxRecordBytes` if need be, and checked against the codec.
 */
export function toEnterpretRecord(input: TransformInput, options: TransformOptions): TransformResult {
  const {conversation} = input
  const {filter} = options
  const byContext = filter === undefined ? undefined : excludedByContext(conversation, filter, input.lookups)
  if (byContext !== undefined) return {_tag: 'Filtered', ...byContext}
  const transcript = buildTranscript(input.items, options.includeNotes, input.customer?.emails)
  if (transcript._tag === 'BadTimestamp') {
    return {
      _tag: 'Invalid',
      reason: `item ${transcript.itemId} has timestamp ${JSON.stringify(transcript.timestamp)}, which is not RFC 3339`,
    }
  }
  if (transcript.messages.length === 0)
    return {_tag: 'NoMessages', reason: noMessagesReason(input.items.length, transcript)}
  const byTranscript =
    filter === undefined ? undefined : excludedByTranscript(transcript.channels, transcript.messages, filter)
  if (byTranscript !== undefined) return {_tag: 'Filtered', ...byTranscript}
  const createdAt = createdAtSeconds(conversation.createdAt, options.now)
  if (createdAt._tag !== 'Ok') return createdAt

  const id = recordId(conversation.id, options.recordIdPrefix)
  const {customer, lookups, gladlyAppUrl, conversationLink} = input
  const {redactor} = options
  const redactions: RedactionCounts = {}
  // Redacted once, before the size bound: a cut never splits a value the redactor would have found.
  const messages =
    redactor === undefined ? transcript.messages : redactMessages(transcript.messages, redactor, redactions)
  const warnings: string[] = []
  // Only the first build counts what it redacts and warns of: the others build the same fields again.
  const metadata = (messageCount: number, truncated: boolean, counts?: RedactionCounts): MetadataFields => {
    const fields = buildMetadata({
      conversation,
      customer,
      lookups,
      gladlyAppUrl,
      conversationLink,
      channels: transcript.channels,
      messageCount,
      truncated,
      ...(options.mapping === undefined ? {} : {mapping: options.mapping}),
      ...(counts === undefined ? {} : {warnings}),
    })
    return redactor === undefined ? fields : redactor.metadata(fields, counts ?? {})
  }
  const assemble = (
    msgs: readonly Message[],
    messageCount: number,
    truncated: boolean,
    counts?: RedactionCounts,
  ): ConversationRecord => ({
    id,
    fileID: options.fileId,
    type: 'CONVERSATION',
    createdAt: createdAt.seconds,
    conversation: {msgs: [...msgs]},
    metadata: wrapMetadata(metadata(messageCount, truncated, counts), options.metadataNesting),
  })

  if (transcript.duplicates > 0)
    warnings.push(`${plural(transcript.duplicates, 'item')} repeated with the same id ignored`)
  if (input.itemsTruncated === true)
    warnings.push('Gladly returned only part of the items (Gladly-Limited-Data): the record is marked truncated')

  let record = assemble(messages, messages.length, input.itemsTruncated === true, redactions)
  const fullBytes = surelyFits(record, options.maxRecordBytes) ? 0 : jsonBytes(record)
  if (fullBytes > options.maxRecordBytes) {
    // Sized with the largest count and the flag set, so the final record can only be smaller.
    const budget = options.maxRecordBytes - jsonBytes(assemble([], messages.length, true))
    const fitted = fitMessages(messages, budget)
    if (fitted === undefined) {
      return {
        _tag: 'Unsendable',
        reason: `the record is ${fullBytes} bytes and cannot be cut to ${options.maxRecordBytes}: its metadata alone leaves too little room for messages`,
      }
    }
    record = assemble(fitted.msgs, fitted.msgs.length, true)
    const bytes = jsonBytes(record)
    if (bytes > options.maxRecordBytes)
      return {
        _tag: 'Invalid',
        reason: `the record is still ${bytes} bytes after truncation, over ${options.maxRecordBytes}`,
      }
    warnings.push(
      `the record was ${fullBytes} bytes, over ${options.maxRecordBytes}: ${plural(fitted.omitted, 'message')} of ${messages.length} omitted and ${plural(fitted.cut, 'text')} cut`,
    )
  }

  // Built here from documented fields only: a check suffices, no stripping copy.
  const checked = checkOrDecode(ConversationRecord, record, `record ${id}`)
  if (checked._tag === 'Left') return {_tag: 'Invalid', reason: checked.left.message}
  return {
    _tag: 'Record',
    record: checked.right,
    messageCount: checked.right.conversation.msgs.length,
    channels: transcript.channels,
    warnings,
    unknownContentTypes: transcript.unknownContentTypes,
    redactions,
  }
}

function redactMessages(messages: readonly Message[], redactor: Redactor, counts: RedactionCounts): Message[] {
  return messages.map((message) => ({...message, text: redactor.text(message.text, counts)}))
}

/**
 * A record made earlier (a dead letter), redacted as the transform redacts now. Redaction is idempotent, so a record
 * already redacted comes back the same.
 */
export function redactRecord<R extends EnterpretRecord>(record: R, redactor: Redactor): R {
  const counts: RedactionCounts = {}
  const {fields, rewrap} = metadataOf(record)
  const metadata = rewrap(redactor.metadata(fields, counts))
  return record.type === 'REVIEW'
    ? {...record, text: redactor.text(record.text, counts), metadata}
    : {...record, conversation: {msgs: redactMessages(record.conversation.msgs, redactor, counts)}, metadata}
}

/** The field map of a record's metadata, and the same metadata with other fields, at the same nesting. */
function metadataOf(record: Pick<ConversationRecord, 'metadata'>): {
  fields: MetadataFields
  rewrap: (fields: MetadataFields) => ConversationRecord['metadata']
} {
  const {metadata} = record
  const nested =
    Object.keys(metadata).length === 1 &&
    'metadata' in metadata &&
    typeof metadata.metadata === 'object' &&
    !('array' in metadata.metadata)
  return nested
    ? {fields: (metadata as {metadata: MetadataFields}).metadata, rewrap: (fields) => ({metadata: fields})}
    : {fields: metadata as MetadataFields, rewrap: (fields) => fields}
}

/** The metadata field map of a record, whichever its nesting. */
export function recordMetadataFields(record: ConversationRecord): MetadataFields {
  return metadataOf(record).fields
}

/**
 * A record Enterpret refused as too large even alone, cut to `maxRecordBytes` by the transform's own rule (the
 * first and last messages kept, the middle left out, long texts cut; see fitMessages) and marked truncated. The
 * omission marker of an earlier cut counts as one message. Undefined when even that does not fit.
 */
export function recutRecord(
  record: ConversationRecord,
  maxRecordBytes: number,
  mapping?: MetadataMapping,
): ConversationRecord | undefined {
  const {fields, rewrap} = metadataOf(record)
  const messages = record.conversation.msgs
  const withMessages = (msgs: readonly Message[], count: number): ConversationRecord => ({
    ...record,
    conversation: {msgs: [...msgs]},
    metadata: rewrap({...fields, ...truncationFields(count, mapping)}),
  })
  // Sized with the largest count, so the final record can only be smaller.
  const fitted = fitMessages(messages, maxRecordBytes - jsonBytes(withMessages([], messages.length)))
  if (fitted === undefined) return undefined
  const recut = withMessages(fitted.msgs, fitted.msgs.length)
  return jsonBytes(recut) <= maxRecordBytes ? recut : undefined
}
