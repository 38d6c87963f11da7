import {isLeft} from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'

import {Timestamp} from './time.js'

/*
 * io-ts codecs for the Gladly data the importer reads (REST responses and export-file lines).
 *
 * Tolerance policy:
 * - Extra fields are kept, never an error: Gladly adds fields without a new API version.
 * - Enum values are open: Gladly's versioning policy counts new enum values as compatible changes, so an enum field
 *   accepts any string; its type lists the known values (`OpenEnum`) so code can switch on them.
 * - Fields the spec marks required are required, except where the spec's own examples or real payloads omit them
 *   (each such exception says so); every other field is optional, and an optional field sent as `null` is absent.
 * - `content.type` is dispatched by value: a known type is decoded strictly by its own codec (bad fields fail), and
 *   only a type missing from `KNOWN_CONTENT_TYPES` becomes `UnknownContent`.
 */

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** A known value, or any other string Gladly may add later. */
export type OpenEnum<K extends string> = K | (string & Record<never, never>)

function openEnum<const K extends string>(known: readonly K[]): t.Type<OpenEnum<K>, string, unknown> {
  const isString = (u: unknown): u is OpenEnum<K> => typeof u === 'string'
  return new t.Type<OpenEnum<K>, string, unknown>(
    `string such as ${known.join(' | ')}`,
    isString,
    (u, c) => (isString(u) ? t.success(u) : t.failure(u, c)),
    t.identity,
  )
}

/** Whether an open-enum value is one of the known ones. */
export function isKnownValue<K extends string>(known: readonly K[], value: string): value is K {
  return (known as readonly string[]).includes(value)
}

function isRecord(u: unknown): u is Record<string, unknown> {
  return typeof u === 'object' && u !== null && !Array.isArray(u)
}

// Delegates in the caller's own context entry: io-ts adds a numbered entry per union/intersection member, and
// decode() hides those only under a union or intersection, so paths stay `content.from`, not `content[0].from`.
function validateAs<A>(codec: t.Decoder<unknown, A>, u: unknown, c: t.Context): t.Validation<A> {
  const last = c[c.length - 1]
  return codec.validate(u, last === undefined ? c : [...c.slice(0, -1), {...last, type: codec}])
}

// `null` where a field is optional means "not there": real payloads send both. `is` still refuses null, so that a
// value holding one is decoded (and the null dropped) rather than passed through as it is.
function absentIfNull<C extends t.Mixed>(codec: C): C {
  return new t.Type<t.TypeOf<C>, t.OutputOf<C>, unknown>(
    codec.name,
    codec.is,
    (u, c) => (u === null ? t.success(undefined) : codec.validate(u, c)),
    codec.encode,
  ) as unknown as C
}

function optional<O extends t.Props>(props: O, name?: string): t.PartialC<O> {
  const wrapped = Object.fromEntries(Object.entries(props).map(([key, codec]) => [key, absentIfNull(codec)])) as O
  return t.partial(wrapped, name)
}

function struct<R extends t.Props, O extends t.Props>(name: string, required: R, optionalProps: O) {
  return t.intersection([t.type(required), optional(optionalProps)], name)
}

// An absent array decodes to [] so callers need not tell "none" from "not sent"; a fresh array each time.
function arrayOrEmpty<C extends t.Mixed>(item: C) {
  const array = t.array(item)
  return new t.Type<Array<t.TypeOf<C>>, Array<t.OutputOf<C>>, unknown>(
    array.name,
    array.is,
    (u, c) => (u === undefined || u === null ? t.success([]) : array.validate(u, c)),
    array.encode,
  )
}

const DECIMAL = /^[-+]?\d+(?:\.\d+)?$/

function isSeconds(u: unknown): u is number {
  return typeof u === 'number' && Number.isFinite(u)
}

/**
 * Seconds as a number; the spec's own example sends `recordingDuration: "100"`, so a numeric string is accepted. The
 * spec states no sign, and real calls have come with negative durations: any finite number is kept as sent.
 */
export const DurationSeconds = new t.Type<number, number, unknown>(
  'seconds as a number or numeric string',
  isSeconds,
  (u, c) => {
    if (isSeconds(u)) return t.success(u)
    return typeof u === 'string' && DECIMAL.test(u.trim()) ? t.success(Number(u)) : t.failure(u, c)
  },
  t.identity,
)

// ---------------------------------------------------------------------------------------------------------------
// Organization, agents, topics, inboxes

export const Organization = struct(
  'Organization',
  {id: t.string, name: t.string},
  {loginDomain: t.string, timezone: t.string, gladlyUrl: t.string},
)
export type Organization = t.TypeOf<typeof Organization>

export const Agent = struct('Agent', {id: t.string}, {name: t.string, emailAddress: t.string})
export type Agent = t.TypeOf<typeof Agent>
export const AgentList = t.array(Agent, 'AgentList')
export type AgentList = t.TypeOf<typeof AgentList>

export const Topic = struct('Topic', {id: t.string, name: t.string}, {disabled: t.boolean, parentId: t.string})
export type Topic = t.TypeOf<typeof Topic>
export const TopicList = t.array(Topic, 'TopicList')
export type TopicList = t.TypeOf<typeof TopicList>

export const Inbox = struct('Inbox', {id: t.string, name: t.string}, {disabled: t.boolean})
export type Inbox = t.TypeOf<typeof Inbox>
export const InboxList = t.array(Inbox, 'InboxList')
export type InboxList = t.TypeOf<typeof InboxList>

// ---------------------------------------------------------------------------------------------------------------
// Export API

const EXPORT_JOB_STATUSES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED'] as const
const ExportJobStatus = openEnum(EXPORT_JOB_STATUSES)
type ExportJobStatus = t.TypeOf<typeof ExportJobStatus>

const ExportType = openEnum(['CONVERSATIONS'])

const ExportSchedule = struct(
  'ExportSchedule',
  {id: t.string, frequency: openEnum(['HOURLY', 'DAILY']), nextStartAt: Timestamp},
  {type: ExportType, updatedAt: Timestamp},
)
type ExportSchedule = t.TypeOf<typeof ExportSchedule>
export const ExportScheduleList = t.array(ExportSchedule, 'ExportScheduleList')
export type ExportScheduleList = t.TypeOf<typeof ExportScheduleList>

/**
 * An export job as listed. The spec marks none of its fields required, so none is: a job that lacks what the
 * importer needs (id, status, updatedAt, its window) is set aside with a warning where jobs are listed
 * (`usableJob`), not a reason to fail the whole list.
 */
export const ExportJobListing = optional(
  {
    id: t.string,
    status: ExportJobStatus,
    /** When the job last changed; the jobs list filters on it. */
    updatedAt: Timestamp,
    /** The exported window. */
    parameters: optional({type: ExportType, startAt: Timestamp, endAt: Timestamp}, 'ExportJobParameters'),
    /** File names for `GET /export/jobs/{id}/files/{name}`; the spec defaults it to [] (jobs not yet COMPLETED). */
    files: t.array(t.string),
    scheduleId: t.string,
  },
  'ExportJob',
)
export type ExportJobListing = t.TypeOf<typeof ExportJobListing>
export const ExportJobList = t.array(ExportJobListing, 'ExportJobList')
export type ExportJobList = t.TypeOf<typeof ExportJobList>

/** A job with everything an import needs of it. */
export interface ExportJob {
  readonly id: string
  readonly status: ExportJobStatus
  readonly updatedAt: string
  readonly parameters: {readonly type?: string; readonly startAt: string; readonly endAt: string}
  readonly files: readonly string[]
  readonly scheduleId?: string
}

/** The listing as an `ExportJob`, or what it lacks. */
export function usableJob(
  listing: ExportJobListing,
):
  | {readonly _tag: 'Usable'; readonly job: ExportJob}
  | {readonly _tag: 'Unusable'; readonly missing: readonly string[]} {
  const {id, status, updatedAt, parameters} = listing
  const startAt = parameters?.startAt
  const endAt = parameters?.endAt
  if (
    id === undefined ||
    status === undefined ||
    updatedAt === undefined ||
    startAt === undefined ||
    endAt === undefined
  ) {
    const missing = [
      id === undefined && 'id',
      status === undefined && 'status',
      updatedAt === undefined && 'updatedAt',
      startAt === undefined && 'parameters.startAt',
      endAt === undefined && 'parameters.endAt',
    ]
    return {_tag: 'Unusable', missing: missing.filter((field): field is string => field !== false)}
  }
  return {
    _tag: 'Usable',
    job: {...listing, id, status, updatedAt, parameters: {...parameters, startAt, endAt}, files: listing.files ?? []},
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conversations

const CONVERSATION_STATUSES = ['OPEN', 'WAITING', 'CLOSED'] as const
const ConversationStatus = openEnum(CONVERSATION_STATUSES)
type ConversationStatus = t.TypeOf<typeof ConversationStatus>

// The spec marks neither field required: an attribute without an id cannot be named and is left out of the record.
const ConversationCustomAttribute = optional({id: t.string, value: t.string}, 'ConversationCustomAttribute')
type ConversationCustomAttribute = t.TypeOf<typeof ConversationCustomAttribute>

/** GET /custom-attributes/{id} (getCustomAttribute): the spec requires none of its fields. */
export const CustomAttribute = optional(
  {id: t.string, key: t.string, label: t.string, deactivated: t.boolean},
  'CustomAttribute',
)
export type CustomAttribute = t.TypeOf<typeof CustomAttribute>

export const Conversation = struct(
  'Conversation',
  {
    id: t.string,
    customerId: t.string,
    createdAt: Timestamp,
    inboxId: t.string,
    status: ConversationStatus,
    topicIds: arrayOrEmpty(t.string),
    customAttributes: arrayOrEmpty(ConversationCustomAttribute),
  },
  {
    /** Only present while the conversation is CLOSED. */
    closedAt: Timestamp,
    agentId: t.string,
  },
)
export type Conversation = t.TypeOf<typeof Conversation>
export const ConversationList = t.array(Conversation, 'ConversationList')
export type ConversationList = t.TypeOf<typeof ConversationList>

// ---------------------------------------------------------------------------------------------------------------
// Customers

const CustomerEmail = struct('CustomerEmail', {original: t.string}, {normalized: t.string, primary: t.boolean})
type CustomerEmail = t.TypeOf<typeof CustomerEmail>

const CustomerPhone = struct(
  'CustomerPhone',
  {original: t.string},
  {
    /** E.164. */
    normalized: t.string,
    extension: t.string,
    regionCode: t.string,
    primary: t.boolean,
    smsPreference: openEnum(['ON', 'OFF', 'FORBIDDEN']),
    // Real responses carry "" as well as the documented values.
    type: openEnum(['HOME', 'MOBILE', 'OFFICE']),
  },
)
type CustomerPhone = t.TypeOf<typeof CustomerPhone>

const ExternalCustomerIds = t.record(t.string, t.string, 'ExternalCustomerIds')

/** `GET /customer-profiles/{id}`: every field but `id` may be absent. */
/** The spec requires no field of a profile; its id is the one asked for where the answer leaves it out. */
export const CustomerProfile = optional(
  {
    id: t.string,
    name: t.string,
    image: t.string,
    address: t.string,
    emails: t.array(CustomerEmail),
    phones: t.array(CustomerPhone),
    /** Lookup adaptors installed before 2021-05-12. */
    externalCustomerId: t.string,
    /** Lookup adaptors installed after 2021-05-12. */
    externalCustomerIds: ExternalCustomerIds,
    /** Free-form, shaped by the organization's profile definition. */
    customAttributes: t.UnknownRecord,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  'CustomerProfile',
)
export type CustomerProfile = t.TypeOf<typeof CustomerProfile>
export const CustomerProfileList = t.array(CustomerProfile, 'CustomerProfileList')
export type CustomerProfileList = t.TypeOf<typeof CustomerProfileList>

/** A `customers.jsonl` line: flatter than the API profile, with plain string lists and no timestamps. */
/** A line of `customers.jsonl`: the spec's line schema requires nothing and even leaves `id` out. */
export const ExportCustomer = optional(
  {
    id: t.string,
    name: t.string,
    address: t.string,
    emailAddresses: t.array(t.string),
    /** E.164. */
    phoneNumbers: t.array(t.string),
    externalCustomerId: t.string,
    externalCustomerIds: ExternalCustomerIds,
  },
  'ExportCustomer',
)
export type ExportCustomer = t.TypeOf<typeof ExportCustomer>

/** A `customers.jsonl` line the importer can use: conversations refer to customers by id, so one without is refused. */
export const KeyedExportCustomer = t.intersection([ExportCustomer, t.type({id: t.string})], 'ExportCustomer')
export type KeyedExportCustomer = t.TypeOf<typeof KeyedExportCustomer>

function primaryFirst<A extends {primary?: boolean}>(entries: readonly A[]): A[] {
  return [...entries].sort((a, b) => Number(b.primary === true) - Number(a.primary === true))
}

/** The customer's email addresses as entered (the form `customers.jsonl` uses), the primary one first. */
export function customerEmails(customer: CustomerProfile | ExportCustomer): string[] {
  if ('emailAddresses' in customer) return customer.emailAddresses ?? []
  if ('emails' in customer) return primaryFirst(customer.emails ?? []).map((email) => email.original)
  return []
}

/** The customer's phone numbers, E.164 where Gladly normalized them (as in `customers.jsonl`), primary first. */
export function customerPhones(customer: CustomerProfile | ExportCustomer): string[] {
  if ('phoneNumbers' in customer) return customer.phoneNumbers ?? []
  if ('phones' in customer) {
    return primaryFirst(customer.phones ?? []).map((phone) => phone.normalized ?? phone.original)
  }
  return []
}

/** The customer's name, or undefined when absent or blank. */
export function customerName(customer: CustomerProfile | ExportCustomer): string | undefined {
  const name = customer.name?.trim()
  return name === undefined || name === '' ? undefined : name
}

// ---------------------------------------------------------------------------------------------------------------
// Conversation item content, one codec per `content.type`

const Attachment = optional(
  {id: t.string, contentType: t.string, filename: t.string, /** bytes */ fileSize: t.number},
  'Attachment',
)
type Attachment = t.TypeOf<typeof Attachment>
const Attachments = t.array(Attachment)

const QuickReplyOption = t.type({id: t.string, label: t.string}, 'QuickReplyOption')
type QuickReplyOption = t.TypeOf<typeof QuickReplyOption>

const CHAT_MESSAGE_TYPES = ['TEXT', 'QUICK_REPLY_REQUEST', 'QUICK_REPLY_RESPONSE'] as const

export const ChatMessageContent = struct(
  'ChatMessageContent',
  {type: t.literal('CHAT_MESSAGE'), sessionId: t.string, content: t.string},
  {
    // Required by the spec, yet absent from its examples (and so from real data, presumably): treat absent as TEXT.
    messageType: openEnum(CHAT_MESSAGE_TYPES),
    messageData: optional(
      {
        /** QUICK_REPLY_REQUEST: the options offered. */
        options: t.array(QuickReplyOption),
        /** QUICK_REPLY_RESPONSE: the request answered, the choice, and the request's item id. */
        quickReplyRequest: optional({options: t.array(QuickReplyOption)}),
        selectedOptionId: t.string,
        requestMessageId: t.string,
      },
      'ChatMessageData',
    ),
    attachments: Attachments,
  },
)
export type ChatMessageContent = t.TypeOf<typeof ChatMessageContent>

export const EmailContent = struct(
  'EmailContent',
  {
    type: t.literal('EMAIL'),
    from: t.string,
    to: t.array(t.string),
    /** Plain text; the API offers no HTML body on read. */
    content: t.string,
  },
  {
    // Required by the spec, yet real exports carry emails without one.
    subject: t.string,
    cc: t.array(t.string),
    bcc: t.array(t.string),
    attachments: Attachments,
  },
)
export type EmailContent = t.TypeOf<typeof EmailContent>

const SmsContent = struct(
  'SmsContent',
  {type: t.literal('SMS'), /** E.164 */ from: t.string, /** E.164 */ to: t.string, content: t.string},
  {attachments: Attachments},
)
type SmsContent = t.TypeOf<typeof SmsContent>

export const RecordingSummary = struct(
  'RecordingSummary',
  {status: openEnum(['FAILED', 'READY', 'PENDING', 'REDACTED'])},
  {summary: t.string, language: t.string},
)
export type RecordingSummary = t.TypeOf<typeof RecordingSummary>

const callDetails = {
  answeredAt: Timestamp,
  completedAt: Timestamp,
  recordingStatus: openEnum(['AVAILABLE', 'DELETED', 'ERROR']),
  /** Relative: `/api/v1/conversation-items/{id}/media/recording`, only when AVAILABLE. */
  recordingUrl: t.string,
  recordingDuration: DurationSeconds,
  recordingSummary: RecordingSummary,
}

const PhoneCallContent = struct(
  'PhoneCallContent',
  {type: t.literal('PHONE_CALL'), /** E.164 */ from: t.string, /** E.164 */ to: t.string, startedAt: Timestamp},
  callDetails,
)
type PhoneCallContent = t.TypeOf<typeof PhoneCallContent>

const VoicemailContent = struct(
  'VoicemailContent',
  {type: t.literal('VOICEMAIL')},
  {from: t.string, to: t.string, startedAt: Timestamp, ...callDetails},
)
type VoicemailContent = t.TypeOf<typeof VoicemailContent>

const FacebookMessageContent = struct(
  'FacebookMessageContent',
  {type: t.literal('FACEBOOK_MESSAGE'), pageId: t.string, userId: t.string, content: t.string},
  {attachments: Attachments},
)
type FacebookMessageContent = t.TypeOf<typeof FacebookMessageContent>

const InstagramDirectContent = struct(
  'InstagramDirectContent',
  {type: t.literal('INSTAGRAM_DIRECT'), content: t.string},
  {attachments: Attachments},
)
type InstagramDirectContent = t.TypeOf<typeof InstagramDirectContent>

const WhatsAppContent = struct(
  'WhatsAppContent',
  {type: t.literal('WHATSAPP'), content: t.string},
  {attachments: Attachments},
)
type WhatsAppContent = t.TypeOf<typeof WhatsAppContent>

/** The channel was decommissioned on 2023-04-20; old items remain readable. */
const TwitterContent = t.type({type: t.literal('TWITTER'), content: t.string}, 'TwitterContent')
type TwitterContent = t.TypeOf<typeof TwitterContent>

const ConversationNoteContent = struct(
  'ConversationNoteContent',
  {type: t.literal('CONVERSATION_NOTE')},
  {/** Plain text or rich-content HTML. */ body: t.string, attachments: Attachments},
)
type ConversationNoteContent = t.TypeOf<typeof ConversationNoteContent>

const CustomerActivityContent = struct(
  'CustomerActivityContent',
  {type: t.literal('CUSTOMER_ACTIVITY'), activityType: openEnum(['EMAIL', 'ISSUE', 'SMS', 'SURVEY'])},
  {
    title: t.string,
    /** Plain text or rich-content HTML. */
    body: t.string,
    sourceName: t.string,
    link: optional({url: t.string, text: t.string}, 'ActivityLink'),
    expandByDefault: t.boolean,
    /** Omitted when the creator did not set it; the timeline then uses receivedAt. */
    occurredAt: Timestamp,
    receivedAt: Timestamp,
  },
)
type CustomerActivityContent = t.TypeOf<typeof CustomerActivityContent>

const TopicChangeContent = struct(
  'TopicChangeContent',
  {type: t.literal('TOPIC_CHANGE')},
  {addedTopicIds: t.array(t.string), removedTopicIds: t.array(t.string)},
)
type TopicChangeContent = t.TypeOf<typeof TopicChangeContent>

// The spec requires only `type` here; the status is kept optional rather than failing the item.
const ConversationStatusChangeContent = struct(
  'ConversationStatusChangeContent',
  {type: t.literal('CONVERSATION_STATUS_CHANGE')},
  {status: ConversationStatus},
)
type ConversationStatusChangeContent = t.TypeOf<typeof ConversationStatusChangeContent>

/** A spoken message in a voice-AI session; the item's `sessionId` names the session. */
const VoiceAiMessageContent = struct(
  'VoiceAiMessageContent',
  {type: t.literal('VOICE_AI_MESSAGE'), /** E.164 */ companyNumber: t.string, body: t.string},
  {/** E.164 */ customerNumber: t.string, status: openEnum(['PLAYED', 'INTERRUPTED'])},
)
type VoiceAiMessageContent = t.TypeOf<typeof VoiceAiMessageContent>

/** Deprecated by Gladly (tasks have their own API now); old timeline items may still carry it. */
const TaskContent = struct(
  'TaskContent',
  {type: t.literal('TASK')},
  {
    body: t.string,
    dueAt: Timestamp,
    assignee: optional({inboxId: t.string, agentId: t.string}, 'TaskAssignee'),
    attachments: Attachments,
  },
)
type TaskContent = t.TypeOf<typeof TaskContent>

/** A file of a custom-channel message; the url is Gladly's, valid for a while. */
const CustomChannelFile = optional({url: t.string, fileName: t.string}, 'CustomChannelFile')
type CustomChannelFile = t.TypeOf<typeof CustomChannelFile>

const customChannelFields = {
  customChannelId: t.string,
  companyAddress: t.string,
  customerAddress: t.string,
  sessionId: t.string,
  groupId: t.string,
  groupName: t.string,
  status: optional(
    {value: openEnum(['SENDING', 'SENT', 'ACCEPTED', 'DELIVERED', 'READ', 'FAILED']), details: t.string},
    'CustomChannelStatus',
  ),
}

/**
 * A message of a custom channel (an organization's own messaging integration). Its `content.type` is `TEXT` or
 * `FILES`, not a `CUSTOM_CHANNEL_*` value (the older spec copy's "Custom Channel Message"); the text is one level
 * down, in `content.content`. Nothing is marked required there, so only `type` is.
 */
export const CustomChannelTextContent = struct(
  'CustomChannelTextContent',
  {type: t.literal('TEXT')},
  {...customChannelFields, content: optional({text: t.string}, 'CustomChannelText')},
)
export type CustomChannelTextContent = t.TypeOf<typeof CustomChannelTextContent>

export const CustomChannelFilesContent = struct(
  'CustomChannelFilesContent',
  {type: t.literal('FILES')},
  {
    ...customChannelFields,
    content: optional({files: t.array(CustomChannelFile), caption: t.string}, 'CustomChannelFiles'),
  },
)
export type CustomChannelFilesContent = t.TypeOf<typeof CustomChannelFilesContent>

// Types each codec against its key, so a key and the literal `type` its codec decodes cannot drift apart.
function byContentType<M extends {[K in keyof M]: t.Decoder<unknown, {type: K}>}>(codecs: M): M {
  return codecs
}

const CONTENT_CODECS = byContentType({
  CHAT_MESSAGE: ChatMessageContent,
  EMAIL: EmailContent,
  SMS: SmsContent,
  PHONE_CALL: PhoneCallContent,
  VOICEMAIL: VoicemailContent,
  FACEBOOK_MESSAGE: FacebookMessageContent,
  INSTAGRAM_DIRECT: InstagramDirectContent,
  WHATSAPP: WhatsAppContent,
  TWITTER: TwitterContent,
  CONVERSATION_NOTE: ConversationNoteContent,
  CUSTOMER_ACTIVITY: CustomerActivityContent,
  TOPIC_CHANGE: TopicChangeContent,
  CONVERSATION_STATUS_CHANGE: ConversationStatusChangeContent,
  VOICE_AI_MESSAGE: VoiceAiMessageContent,
  TASK: TaskContent,
  TEXT: CustomChannelTextContent,
  FILES: CustomChannelFilesContent,
})

export type KnownContentType = keyof typeof CONTENT_CODECS
export type KnownContent = t.TypeOf<(typeof CONTENT_CODECS)[KnownContentType]>

export const KNOWN_CONTENT_TYPES = Object.keys(CONTENT_CODECS) as readonly KnownContentType[]

interface UnknownContentTypeBrand {
  readonly UnknownContentType: unique symbol
}
/**
 * A `content.type` this importer does not model. Branded so that after `isUnknownContent(c)` is ruled out,
 * `c.type` is a discriminant over the known variants (a plain `string` would swallow every literal).
 */
type UnknownContentType = t.Branded<string, UnknownContentTypeBrand>

/** Content of a type Gladly added after this importer was written: everything it sent, unchecked. */
export interface UnknownContent {
  type: UnknownContentType
  [key: string]: unknown
}

export type ConversationItemContent = KnownContent | UnknownContent

type ContentDecoder = t.Decoder<unknown, KnownContent> & {is: t.Is<KnownContent>}
const CODEC_BY_TYPE: ReadonlyMap<string, ContentDecoder> = new Map(Object.entries(CONTENT_CODECS))

export function isUnknownContent(content: ConversationItemContent): content is UnknownContent {
  return !CODEC_BY_TYPE.has(content.type)
}

/**
 * Picks the codec by `content.type` with one map lookup (an io-ts union would try up to 17 codecs per item, and
 * report all their errors).
 */
export const ConversationItemContent = new t.Type<ConversationItemContent, ConversationItemContent, unknown>(
  'ConversationItemContent',
  (u): u is ConversationItemContent =>
    isRecord(u) && typeof u['type'] === 'string' && (CODEC_BY_TYPE.get(u['type'])?.is(u) ?? true),
  (u, c) => {
    if (!isRecord(u)) return t.failure(u, c)
    const type = u['type']
    if (typeof type !== 'string') return t.failure(type, t.appendContext(c, 'type', t.string, type))
    const codec = CODEC_BY_TYPE.get(type)
    return codec === undefined ? t.success(u as UnknownContent) : validateAs(codec, u, c)
  },
  t.identity,
)

// ---------------------------------------------------------------------------------------------------------------
// Conversation items

export const COMMUNICATOR_TYPES = ['AGENT', 'API', 'AUTOMATION', 'CUSTOMER', 'INTERNAL', 'EXTERNAL', 'SYSTEM'] as const
const CommunicatorType = openEnum(COMMUNICATOR_TYPES)
type CommunicatorType = t.TypeOf<typeof CommunicatorType>

/**
 * Who initiated or answered an item. `id` is an agent id for AGENT, a customer id for CUSTOMER, `SIDEKICK_V2` for
 * Gladly AI (type SYSTEM). The spec requires neither field, and real items come without an initiator at all: what
 * such a message becomes is decided in one place, the transform's `speakerOf`.
 */
const Communicator = optional({type: CommunicatorType, id: t.string}, 'Communicator')
type Communicator = t.TypeOf<typeof Communicator>

/** An item of `GET /conversation-items/{id}`, `GET /conversations/{id}/items` and `conversation_items.jsonl`. */
export const ConversationItem = struct(
  'ConversationItem',
  {
    id: t.string,
    customerId: t.string,
    timestamp: Timestamp,
    content: ConversationItemContent,
  },
  {
    /** Absent for timeline items created through the API outside any conversation. */
    conversationId: t.string,
    /** Chat or voice-AI session. */
    sessionId: t.string,
    initiator: Communicator,
    responder: Communicator,
  },
)
export type ConversationItem = t.TypeOf<typeof ConversationItem>
export const ConversationItemList = t.array(ConversationItem, 'ConversationItemList')
export type ConversationItemList = t.TypeOf<typeof ConversationItemList>

// ---------------------------------------------------------------------------------------------------------------
// Error bodies

const GladlyApiError = t.partial(
  {attr: t.string, code: t.string, detail: t.string, meta: t.UnknownRecord},
  'GladlyApiError',
)
type GladlyApiError = t.TypeOf<typeof GladlyApiError>

export interface GladlyErrorBody {
  errors: GladlyApiError[]
}

const GladlyApiErrorList = t.array(GladlyApiError)

/**
 * An error response body, normalised to `{errors: [...]}`. `errors` is documented as an array, but the spec's
 * examples also show one object (404s) and a bare array without `errors` (deleteJob): all three are accepted.
 */
export const GladlyErrorBody = new t.Type<GladlyErrorBody, GladlyErrorBody, unknown>(
  'Gladly error body',
  (u): u is GladlyErrorBody => isRecord(u) && GladlyApiErrorList.is(u['errors']),
  (u, c) => {
    if (Array.isArray(u)) {
      const errors = validateAs(GladlyApiErrorList, u, c)
      return isLeft(errors) ? errors : t.success({errors: errors.right})
    }
    if (!isRecord(u)) return t.failure(u, c)
    const raw = u['errors']
    if (Array.isArray(raw)) {
      const errors = GladlyApiErrorList.validate(raw, t.appendContext(c, 'errors', GladlyApiErrorList, raw))
      return isLeft(errors) ? errors : t.success({...u, errors: errors.right})
    }
    const error = GladlyApiError.validate(raw, t.appendContext(c, 'errors', GladlyApiError, raw))
    return isLeft(error) ? error : t.success({...u, errors: [error.right]})
  },
  t.identity,
)

export const MovedCustomer = struct('MovedCustomer', {newCustomerId: t.string}, {oldCustomerId: t.string})
export type MovedCustomer = t.TypeOf<typeof MovedCustomer>

/**
 * The 301 body of a merged customer, e.g. `{"errors":[{"code":"moved","meta":{"old":"…","new":"…"}}]}`, reduced to
 * the ids. Fails unless some error carries `meta.new`.
 */
export const MovedCustomerBody = new t.Type<MovedCustomer, MovedCustomer, unknown>(
  'moved-customer error body (errors[].meta.new)',
  MovedCustomer.is,
  (u, c) => {
    const body = GladlyErrorBody.validate(u, c)
    if (isLeft(body)) return body
    for (const error of body.right.errors) {
      const newId = error.meta?.['new']
      const oldId = error.meta?.['old']
      if (typeof newId !== 'string') continue
      return t.success(
        typeof oldId === 'string' ? {newCustomerId: newId, oldCustomerId: oldId} : {newCustomerId: newId},
      )
    }
    return t.failure(u, c)
  },
  t.identity,
)
