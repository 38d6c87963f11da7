import type {Actor, Message} from '../enterpret/schema.js'
import {
  isUnknownContent,
  type ChatMessageContent,
  type ConversationItem,
  type CustomChannelFilesContent,
  type CustomChannelTextContent,
  type EmailContent,
  type KnownContent,
  type KnownContentType,
  type RecordingSummary,
  type UnknownContent,
} from '../gladly/codecs.js'
import {parseTimestamp, type ParsedTimestamp} from '../gladly/time.js'
import {speakerOf} from './actors.js'
import {cleanText, stripHtml, threadSubject} from './text.js'

/*
 * Conversation items → the customer-visible messages of one conversation, in time order.
 */

/** The channel each communication item counts for; other item types are not communications. */
const CHANNEL_BY_CONTENT_TYPE: {readonly [K in KnownContentType]?: string} = {
  CHAT_MESSAGE: 'chat',
  EMAIL: 'email',
  SMS: 'sms',
  PHONE_CALL: 'voice',
  VOICEMAIL: 'voicemail',
  FACEBOOK_MESSAGE: 'facebook',
  INSTAGRAM_DIRECT: 'instagram',
  WHATSAPP: 'whatsapp',
  TWITTER: 'twitter',
  VOICE_AI_MESSAGE: 'voice_ai',
  // Gladly gives no endpoint to name a custom channel by its id: all of them count as one.
  TEXT: 'custom_channel',
  FILES: 'custom_channel',
}

/** Every channel a record can name, for settings that list channels. */
export const CHANNELS: readonly string[] = [...new Set(Object.values(CHANNEL_BY_CONTENT_TYPE))]

export interface Transcript {
  readonly _tag: 'Transcript'
  readonly messages: readonly Message[]
  /** Distinct channels in order of first appearance. */
  readonly channels: readonly string[]
  /** Distinct content types this importer does not model, in order of first appearance. */
  readonly unknownContentTypes: readonly string[]
  /** Distinct content types of the items, to explain a conversation without messages. */
  readonly contentTypes: readonly string[]
  /** Items dropped because an earlier one had the same id. */
  readonly duplicates: number
}

/** An item whose timestamp cannot be parsed: its place in the conversation is unknown. */
export interface BadTimestamp {
  readonly _tag: 'BadTimestamp'
  readonly itemId: string
  readonly timestamp: string
}

interface Timeline {
  readonly _tag: 'Timeline'
  readonly ordered: readonly ConversationItem[]
  readonly duplicates: number
}

interface Timed {
  readonly item: ConversationItem
  readonly at: ParsedTimestamp
}

function compareTimed(a: Timed, b: Timed): number {
  return a.at.epochMillis - b.at.epochMillis || a.at.subMilliNanos - b.at.subMilliNanos
}

/**
 * The items without repeated ids (the first one wins), in time order to the nanosecond; ties keep the input
 * order (Array.prototype.sort is stable). Each timestamp is parsed once, not once per comparison: this orders
 * exactly as `compareTimestamps` would, at a fraction of the cost on conversations of a thousand items.
 */
function inTimeOrder(items: readonly ConversationItem[]): Timeline | BadTimestamp {
  const seen = new Set<string>()
  const timed: Timed[] = []
  for (const item of items) {
    if (seen.has(item.id)) continue
    seen.add(item.id)
    const at = parseTimestamp(item.timestamp)
    if (at === undefined) return {_tag: 'BadTimestamp', itemId: item.id, timestamp: item.timestamp}
    timed.push({item, at})
  }
  timed.sort(compareTimed)
  return {_tag: 'Timeline', ordered: timed.map(({item}) => item), duplicates: items.length - timed.length}
}

/** A cleaned text, or undefined when nothing is left of it. */
function nonEmpty(raw: string | undefined): string | undefined {
  const text = raw === undefined ? '' : cleanText(raw)
  return text === '' ? undefined : text
}

function labelled(label: string, raw: string | undefined): string | undefined {
  const text = nonEmpty(raw)
  return text === undefined ? undefined : `${label}: ${text}`
}

function quickReplyRequestText(content: ChatMessageContent): string | undefined {
  const labels = (content.messageData?.options ?? [])
    .map((option) => option.label.trim())
    .filter((label) => label !== '')
  const options = labels.length === 0 ? undefined : `[Options: ${labels.join(' | ')}]`
  return [nonEmpty(content.content), options].filter((part) => part !== undefined).join(' ') || undefined
}

function quickReplyResponseText(content: ChatMessageContent): string | undefined {
  const data = content.messageData
  const selected = data?.quickReplyRequest?.options?.find((option) => option.id === data.selectedOptionId)
  return nonEmpty(selected?.label) ?? nonEmpty(content.content)
}

function chatText(content: ChatMessageContent): string | undefined {
  switch (content.messageType) {
    case 'QUICK_REPLY_REQUEST':
      return quickReplyRequestText(content)
    case 'QUICK_REPLY_RESPONSE':
      return quickReplyResponseText(content)
    default:
      return nonEmpty(content.content)
  }
}

/**
 * Email texts of one conversation, fed in time order. A thread repeats its subject on every reply, so the
 * subject is written only on the first email and then whenever it changes, compared without `Re:`/`Fwd:`/`Fw:`
 * prefixes, case or spacing differences: "Re: Order 12" after "Order 12" is the same thread, "Refund" is not.
 */
function emailTexts(): (content: EmailContent) => string | undefined {
  let previousSubject: string | undefined
  return (content) => {
    // An email without a subject neither shows one nor ends the thread's: its reply still counts as the same thread.
    if (content.subject === undefined) return nonEmpty(content.content)
    const subject = threadSubject(content.subject)
    const showSubject = subject !== '' && subject !== previousSubject
    previousSubject = subject
    const parts = [showSubject ? nonEmpty(content.subject) : undefined, nonEmpty(content.content)]
    return parts.filter((part) => part !== undefined).join('\n\n') || undefined
  }
}

/** Gladly's own summary of a recording, once it is ready. */
function summaryText(label: string, summary: RecordingSummary | undefined): string | undefined {
  return summary?.status === 'READY' ? labelled(label, summary.summary) : undefined
}

/** A custom channel's text, or the caption of its files (files alone say nothing, like other channels' attachments). */
function customChannelText(content: CustomChannelTextContent | CustomChannelFilesContent): string | undefined {
  return content.type === 'TEXT' ? nonEmpty(content.content?.text) : nonEmpty(content.content?.caption)
}

/** A content type added after this importer: kept when it carries a text in `content` or `body`. */
function unknownContentText(content: UnknownContent): string | undefined {
  const text = (value: unknown) => (typeof value === 'string' ? nonEmpty(value) : undefined)
  return text(content['content']) ?? text(content['body'])
}

interface Said {
  readonly text: string
  /** Set when the speaker is not the initiator's mapping. */
  readonly actor?: Actor
}

/**
 * What a known item says in the transcript, if anything. Call and voicemail summaries stand for the call, so
 * they are attributed to whoever placed it, like the other items.
 */
function knownContentSays(
  content: KnownContent,
  includeNotes: boolean,
  emailText: (content: EmailContent) => string | undefined,
): Said | undefined {
  const said = (text: string | undefined, actor?: Actor): Said | undefined =>
    text === undefined ? undefined : {text, actor}
  switch (content.type) {
    case 'CHAT_MESSAGE':
      return said(chatText(content))
    case 'EMAIL':
      return said(emailText(content))
    case 'SMS':
    case 'FACEBOOK_MESSAGE':
    case 'INSTAGRAM_DIRECT':
    case 'WHATSAPP':
    case 'TWITTER':
      return said(nonEmpty(content.content))
    case 'VOICE_AI_MESSAGE':
      return said(nonEmpty(content.body))
    case 'TEXT':
    case 'FILES':
      return said(customChannelText(content))
    case 'PHONE_CALL':
      return said(summaryText('Call summary', content.recordingSummary))
    case 'VOICEMAIL':
      return said(summaryText('Voicemail summary', content.recordingSummary))
    case 'CONVERSATION_NOTE':
      // Notes are internal: sent only on request, and always as the company's words.
      return includeNotes
        ? said(labelled('Internal note', content.body === undefined ? undefined : stripHtml(content.body)), 'agent')
        : undefined
    case 'CUSTOMER_ACTIVITY':
    case 'TOPIC_CHANGE':
    case 'CONVERSATION_STATUS_CHANGE':
    case 'TASK':
      return undefined
    default: {
      const unhandled: never = content
      return unhandled
    }
  }
}

/**
 * The conversation's transcript: items de-duplicated by id, put in time order, and turned into messages.
 * Items that say nothing a customer saw (status changes, activities, empty texts, notes unless included)
 * give no message; communication items count for the channels even when they give none (a call without
 * summary). An unknown content type counts as a channel only when it gives a message.
 */
export function buildTranscript(
  items: readonly ConversationItem[],
  includeNotes: boolean,
  customerEmails: readonly string[] = [],
): Transcript | BadTimestamp {
  const timeline = inTimeOrder(items)
  if (timeline._tag === 'BadTimestamp') return timeline
  const messages: Message[] = []
  // Sets keep insertion order: first appearance.
  const channels = new Set<string>()
  const unknownContentTypes = new Set<string>()
  const contentTypes = new Set<string>()
  const emailText = emailTexts()
  for (const item of timeline.ordered) {
    const {content} = item
    contentTypes.add(content.type)
    let said: Said | undefined
    if (isUnknownContent(content)) {
      unknownContentTypes.add(content.type)
      const text = unknownContentText(content)
      if (text !== undefined) channels.add(content.type.toLowerCase())
      said = text === undefined ? undefined : {text}
    } else {
      const channel = CHANNEL_BY_CONTENT_TYPE[content.type]
      if (channel !== undefined) channels.add(channel)
      said = knownContentSays(content, includeNotes, emailText)
    }
    if (said !== undefined) messages.push({actor: said.actor ?? speakerOf(item, customerEmails), text: said.text})
  }
  return {
    _tag: 'Transcript',
    messages,
    channels: [...channels],
    unknownContentTypes: [...unknownContentTypes],
    contentTypes: [...contentTypes],
    duplicates: timeline.duplicates,
  }
}
