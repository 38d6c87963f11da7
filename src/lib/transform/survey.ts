import {checkOrDecode} from '../common/index.js'
import {MIN_CREATED_AT, ReviewRecord, wrapMetadata, type MetadataFields} from '../enterpret/schema.js'
import type {ConversationItem} from '../gladly/codecs.js'
import {parseTimestamp} from '../gladly/time.js'
import {DEFAULT_RECORD_ID_PREFIX, mappedKey} from './mapping.js'
import type {RedactionCounts} from './pii.js'
import {cleanText, stripHtml} from './text.js'
import type {CustomerSummary, TransformOptions} from './types.js'

/*
 * Survey results (Stella, SimpleSat and other partners post them to the customer's timeline as CUSTOMER_ACTIVITY
 * items with activityType SURVEY, outside any conversation) → one single-text Enterpret record each.
 */

/**
 * INFERRED: Gladly gives a survey result as a title and a free-text body, not as questions and answers, so it is
 * sent as Enterpret's single-text record type (REVIEW), not SURVEY (which needs surveyResponse.responses[]).
 */
const SURVEY_RECORD_TYPE = 'REVIEW' as const

/**
 * INFERRED: a survey is about the customer's conversation that closed last within this many days before it (the
 * partners survey after a conversation closes); none then, and the record links to the customer alone.
 */
export const SURVEY_LINK_DAYS = 7

export interface SurveyInput {
  readonly item: ConversationItem
  readonly customer?: CustomerSummary
  /** The conversation it is about: the customer's last one closed within SURVEY_LINK_DAYS before it. */
  readonly conversationId?: string
}

type SurveyResult =
  | {readonly _tag: 'Record'; readonly record: ReviewRecord; readonly redactions: RedactionCounts}
  | {readonly _tag: 'NoText' | 'Invalid'; readonly reason: string}

const s = (values: readonly string[]) => ({array: {s: [...values]}})

/** The survey's record id: its own namespace next to the conversations'. */
function surveyRecordId(itemId: string, prefix = DEFAULT_RECORD_ID_PREFIX): string {
  return `${prefix}survey_${itemId}`
}

/** When the survey was answered, in whole epoch seconds: occurredAt, else receivedAt, else the item's timestamp. */
function answeredAt(item: ConversationItem): string {
  const content = item.content as {occurredAt?: string; receivedAt?: string}
  return content.occurredAt ?? content.receivedAt ?? item.timestamp
}

/** One survey result → one single-text record, with the same metadata keys (and mapping) as the conversations'. */
export function toSurveyRecord(input: SurveyInput, options: TransformOptions): SurveyResult {
  const {item, customer} = input
  const content = item.content as {title?: string; body?: string; sourceName?: string; link?: {url?: string}}
  const title = cleanText(content.title ?? '')
  const body = cleanText(stripHtml(content.body ?? ''))
  const redactions: RedactionCounts = {}
  const raw = [title, body].filter((part) => part !== '').join('\n\n')
  if (raw === '') return {_tag: 'NoText', reason: `survey item ${item.id} has neither a title nor a body`}
  const text = options.redactor === undefined ? raw : options.redactor.text(raw, redactions)

  const when = answeredAt(item)
  const parsed = parseTimestamp(when)
  if (parsed === undefined) return {_tag: 'Invalid', reason: `survey item ${item.id} has timestamp ${when}`}
  const nowSeconds = Math.floor(options.now.getTime() / 1000)
  const createdAt = Math.min(Math.floor(parsed.epochMillis / 1000), nowSeconds)
  if (createdAt < MIN_CREATED_AT) return {_tag: 'Invalid', reason: `survey item ${item.id} is from before 2000`}

  // The keys conversations share (customer, conversation) go through the mapping, so they join the same way.
  const fields: MetadataFields = {}
  const put = (key: string, values: readonly string[]) => {
    const sentAs = mappedKey(key, options.mapping)
    const kept = values.map((value) => value.trim()).filter((value) => value !== '')
    if (sentAs !== undefined && kept.length > 0) fields[sentAs] = s(kept)
  }
  put('channel', ['survey'])
  put('gladly_customer_id', [item.customerId])
  put('customer_name', customer?.name === undefined ? [] : [customer.name])
  put('customer_email', customer?.emails ?? [])
  put('gladly_conversation_id', input.conversationId === undefined ? [] : [input.conversationId])
  put('created_at', [when])
  fields['gladly_item_id'] = s([item.id])
  if (content.sourceName !== undefined && content.sourceName.trim() !== '')
    fields['survey_source'] = s([content.sourceName])
  if (content.link?.url !== undefined) fields['survey_url'] = s([content.link.url])
  if (options.mapping !== undefined) Object.assign(fields, options.mapping.constants)
  const metadata = options.redactor === undefined ? fields : options.redactor.metadata(fields, redactions)

  const record = {
    id: surveyRecordId(item.id, options.recordIdPrefix),
    fileID: options.fileId,
    type: SURVEY_RECORD_TYPE,
    createdAt,
    text,
    metadata: wrapMetadata(metadata, options.metadataNesting),
  }
  const checked = checkOrDecode(ReviewRecord, record, `survey record ${record.id}`)
  return checked._tag === 'Left'
    ? {_tag: 'Invalid', reason: checked.left.message}
    : {_tag: 'Record', record: checked.right, redactions}
}
