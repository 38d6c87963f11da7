// Generation of one conversation's full timeline (items + status changes) from (seed, index). A plan is the
// conversation's whole life; dataset.ts decides what of it is visible "as of" a given instant.

import {
  fill,
  AUTO_REPLY,
  QUICK_REPLY_OPTIONS,
  QUICK_REPLY_PROMPT,
  SIDEKICK_GREETING,
  ACTIVITY_TITLES,
  THEMES,
  type Theme,
} from './text.js'
import {
  formatInstant,
  formatMs,
  hash32,
  HOUR,
  MINUTE,
  quantize,
  type FractionDigits,
  type IdCodec,
  type Instant,
  type Rng,
  SECOND,
} from './random.js'
import type {Attachment, ConversationStatus, ItemContent, Party} from './types.js'

export type Channel =
  | 'CHAT'
  | 'CUSTOM'
  | 'EMAIL'
  | 'FACEBOOK'
  | 'INSTAGRAM'
  | 'PHONE'
  | 'SMS'
  | 'TWITTER'
  | 'VOICE_AI'
  | 'VOICEMAIL'
  | 'WHATSAPP'

export interface CustomerFacts {
  firstName: string
  name: string
  email: string
  phone: string
  facebookUserId: string
  order: string
}

export interface AgentFacts {
  id: string
  firstName: string
  email: string
}

/** What a plan needs from the org around it; implemented by the dataset. */
export interface GenerationContext {
  seed: number
  ids: IdCodec
  domain: string
  supportEmail: string
  companyNumber: string
  facebookPageId: string
  apiUserId: string
  ruleId: string
  customer(index: number): CustomerFacts
  agent(index: number): AgentFacts
  themeTopicId(theme: number): string
  extraTopicId(random: Rng): string
  customAttributeIds: {order: string; carrier: string}
  /** Regular conversations carry custom attributes (some of them); false: none does. */
  withCustomAttributes: boolean
}

export interface PlannedItem {
  ordinal: number
  id: string
  at: Instant
  /** Timeline-only items (e.g. API-created customer activity) have no conversationId. */
  timelineOnly: boolean
  /** Copies moved in by a merge exist only from that instant on. */
  appearsAtMs?: number
  sessionId?: string
  /** A customer party has no id until rendered, because a merge can change it. */
  initiator: Party
  omitInitiator?: boolean
  responder?: Party
  content: ItemContent
}

interface StatusChange {
  at: Instant
  status: ConversationStatus
}

export interface ConversationPlan {
  index: number
  id: string
  customer: number
  agent?: number
  assignedAtMs?: number
  inbox: number
  createdAt: Instant
  firstMs: number
  lastMs: number
  statuses: StatusChange[]
  items: PlannedItem[]
  customAttributes: Array<{id: string; value: string}>
  vanishAtMs?: number
}

type StatusEffect = 'close' | 'customer' | 'reopen' | 'reply'

export interface ItemBody {
  initiator: Party
  /** Rendered without `initiator`, as real export lines sometimes are (the spec does not require it). */
  omitInitiator?: boolean
  responder?: Party
  content: ItemContent
  sessionId?: string
}

export interface Draft {
  build(at: Instant, itemId: string, ordinal: number): ItemBody
  timelineOnly?: boolean
  effect?: StatusEffect
  /** Follows the previous item within seconds (auto-replies, bot answers, the status change after a goodbye). */
  soon?: boolean
}

function soon(draft: Draft): Draft {
  return {...draft, soon: true}
}

const ASYNC_CHANNELS: ReadonlySet<Channel> = new Set([
  'CUSTOM',
  'EMAIL',
  'FACEBOOK',
  'INSTAGRAM',
  'SMS',
  'TWITTER',
  'WHATSAPP',
])

export const INBOX_BY_CHANNEL: Record<Channel, number> = {
  CHAT: 1,
  CUSTOM: 3,
  EMAIL: 0,
  FACEBOOK: 3,
  INSTAGRAM: 3,
  PHONE: 2,
  SMS: 4,
  TWITTER: 3,
  VOICE_AI: 2,
  VOICEMAIL: 2,
  WHATSAPP: 4,
}

export const CUSTOMER: Party = {type: 'CUSTOMER'}
export const SIDEKICK: Party = {id: 'SIDEKICK_V2', type: 'SYSTEM'}

/** Builds item drafts in the voice of one conversation (its customer, agent, theme and channel). */
export class Writer {
  readonly customerFacts: CustomerFacts
  readonly agentFacts?: AgentFacts
  readonly theme: Theme
  private chatSession: string
  private sessionCount = 0
  private readonly voiceSession: string

  constructor(
    readonly ctx: GenerationContext,
    readonly index: number,
    customer: number,
    agent: number | undefined,
    themeIndex: number,
    readonly random: Rng,
  ) {
    this.customerFacts = ctx.customer(customer)
    this.agentFacts = agent === undefined ? undefined : ctx.agent(agent)
    this.theme = THEMES[themeIndex % THEMES.length] as Theme
    this.chatSession = this.newSession()
    this.voiceSession = ctx.ids.encode('voice-session', index)
  }

  get agentParty(): Party {
    if (!this.agentFacts) throw new Error(`conversation ${this.index} has no agent`)
    return {id: this.agentFacts.id, type: 'AGENT'}
  }

  text(template: string): string {
    return fill(template, {
      agent: this.agentFacts?.firstName ?? 'the team',
      name: this.customerFacts.firstName,
      order: this.customerFacts.order,
    })
  }

  pickText(templates: readonly string[]): string {
    return this.text(this.random.pick(templates))
  }

  newSession(): string {
    this.chatSession = this.ctx.ids.encode('session', this.index, this.sessionCount++)
    return this.chatSession
  }

  attachments(ordinal: number, count = 1): Attachment[] {
    return Array.from({length: count}, (_, n) => ({
      id: this.ctx.ids.encode('attachment', this.index, ordinal * 10 + n),
      contentType: n % 2 === 0 ? 'image/png' : 'application/pdf',
      filename: n % 2 === 0 ? `photo-${n + 1}.png` : `receipt-${n + 1}.pdf`,
      fileSize: 2048 + (hash32(this.ctx.seed, this.index, ordinal, n) % 900_000),
    }))
  }

  chat(
    party: Party,
    content: string,
    options: {
      messageType?: 'QUICK_REPLY_REQUEST' | 'QUICK_REPLY_RESPONSE' | 'TEXT'
      omitMessageType?: boolean
      omitInitiator?: boolean
      messageData?: Record<string, unknown>
      withAttachment?: boolean
    } = {},
  ): Draft {
    const sessionId = this.chatSession
    return {
      build: (_at, _id, ordinal) => ({
        initiator: party,
        ...(options.omitInitiator ? {omitInitiator: true} : {}),
        content: {
          type: 'CHAT_MESSAGE',
          sessionId,
          content,
          ...(options.omitMessageType ? {} : {messageType: options.messageType ?? 'TEXT'}),
          ...(options.messageData ? {messageData: options.messageData} : {}),
          ...(options.withAttachment ? {attachments: this.attachments(ordinal)} : {}),
        },
      }),
      effect: effectOf(party, false),
    }
  }

  /** A QuickReply request and the customer's answer, which refers to the request's item id. */
  quickReply(): Draft[] {
    const options = QUICK_REPLY_OPTIONS.map((option) => ({...option}))
    const selected = this.random.pick(options)
    let requestId = ''
    const request = this.chat(SIDEKICK, QUICK_REPLY_PROMPT, {
      messageType: 'QUICK_REPLY_REQUEST',
      messageData: {options},
    })
    const sessionId = this.chatSession
    return [
      {
        ...request,
        soon: true,
        build: (at, id, ordinal) => {
          requestId = id
          return request.build(at, id, ordinal)
        },
      },
      {
        soon: true,
        build: () => ({
          initiator: CUSTOMER,
          content: {
            type: 'CHAT_MESSAGE',
            sessionId,
            content: selected.label,
            messageType: 'QUICK_REPLY_RESPONSE',
            messageData: {quickReplyRequest: {options}, selectedOptionId: selected.id, requestMessageId: requestId},
          },
        }),
        effect: 'customer',
      },
    ]
  }

  email(
    party: Party,
    content: string,
    options: {
      from?: string
      subject?: string
      /** Real exports carry emails without a subject, though the spec requires one. */
      omitSubject?: boolean
      cc?: string[]
      bcc?: string[]
      withAttachment?: boolean
    } = {},
  ): Draft {
    const fromCustomer = party.type === 'CUSTOMER'
    const subject =
      options.subject ?? (fromCustomer ? this.text(this.theme.subject) : `Re: ${this.text(this.theme.subject)}`)
    const from =
      options.from ??
      (fromCustomer
        ? this.customerFacts.email
        : party.type === 'AGENT' && this.agentFacts
          ? this.agentFacts.email
          : this.ctx.supportEmail)
    const to = fromCustomer ? [this.ctx.supportEmail] : [this.customerFacts.email.toLowerCase()]
    return {
      build: (_at, _id, ordinal) => ({
        initiator: party,
        content: {
          type: 'EMAIL',
          from,
          to,
          ...(options.cc ? {cc: options.cc} : {}),
          ...(options.bcc ? {bcc: options.bcc} : {}),
          ...(options.omitSubject ? {} : {subject}),
          content,
          ...(options.withAttachment ? {attachments: this.attachments(ordinal, 2)} : {}),
        },
      }),
      effect: effectOf(party, true),
    }
  }

  sms(party: Party, content: string): Draft {
    const fromCustomer = party.type === 'CUSTOMER'
    return {
      build: () => ({
        initiator: party,
        content: {
          type: 'SMS',
          from: fromCustomer ? this.customerFacts.phone : this.ctx.companyNumber,
          to: fromCustomer ? this.ctx.companyNumber : this.customerFacts.phone,
          content,
        },
      }),
      effect: effectOf(party, true),
    }
  }

  social(
    channel: 'CUSTOM' | 'FACEBOOK' | 'INSTAGRAM' | 'TWITTER' | 'WHATSAPP',
    party: Party,
    content: string,
    withAttachment = false,
  ): Draft {
    return {
      build: (_at, _id, ordinal) => {
        const attachments = withAttachment ? {attachments: this.attachments(ordinal)} : {}
        switch (channel) {
          case 'FACEBOOK': {
            return {
              initiator: party,
              content: {
                type: 'FACEBOOK_MESSAGE',
                pageId: this.ctx.facebookPageId,
                userId: this.customerFacts.facebookUserId,
                content,
                ...attachments,
              },
            }
          }

          case 'CUSTOM': {
            return this.customChannelBody(
              party,
              withAttachment
                ? {
                    type: 'FILES',
                    content: {
                      files: [{url: `https://files.example.com/${ordinal}.png`, fileName: 'photo.png'}],
                      caption: content,
                    },
                  }
                : {type: 'TEXT', content: {text: content}},
            )
          }

          default: {
            const type = {INSTAGRAM: 'INSTAGRAM_DIRECT', TWITTER: 'TWITTER', WHATSAPP: 'WHATSAPP'}[channel]
            return {initiator: party, content: {type, content, ...attachments}}
          }
        }
      },
      effect: effectOf(party, true),
    }
  }

  /** A custom channel message as the older spec copy describes it: `content.type` TEXT or FILES, text one level down. */
  private customChannelBody(
    party: Party,
    message: {type: 'TEXT' | 'FILES'; content: Record<string, unknown>},
  ): ItemBody {
    const fromCustomer = party.type === 'CUSTOMER'
    return {
      initiator: party,
      content: {
        ...message,
        customChannelId: this.ctx.ids.encode('channel', 0),
        sessionId: this.chatSession,
        companyAddress: 'support@in-app',
        customerAddress: this.customerFacts.email,
        status: {value: fromCustomer ? 'DELIVERED' : 'READ'},
      },
    }
  }

  /** A content type this importer does not know, as Gladly may add without notice. */
  futureType(party: Party, content: string): Draft {
    return {
      build: () => ({initiator: party, content: {type: 'APPLE_BUSINESS_CHAT', content}}),
      effect: effectOf(party, true),
    }
  }

  phoneCall(
    direction: 'inbound' | 'outbound',
    options: {
      summary?: 'FAILED' | 'PENDING' | 'READY'
      durationAsString?: boolean
      /** Real calls have come with a negative duration; the spec states no sign. */
      negativeDuration?: boolean
      recording?: 'AVAILABLE' | 'DELETED' | 'ERROR'
      missed?: boolean
    } = {},
  ): Draft {
    const inbound = direction === 'inbound'
    const agent = this.agentParty
    const ringMs = this.random.int(4, 25) * SECOND + this.random.int(0, 999)
    const talkMs = this.random.int(60, 900) * SECOND + this.random.int(0, 999)
    const recording = options.missed ? undefined : (options.recording ?? 'AVAILABLE')
    return {
      build: (at, id) => {
        const answeredMs = at.ms + ringMs
        const completedMs = options.missed ? at.ms + ringMs + 20 * SECOND : answeredMs + talkMs
        const duration = Math.round((completedMs - answeredMs) / 1000)
        return {
          initiator: inbound ? CUSTOMER : agent,
          responder: inbound ? agent : CUSTOMER,
          content: {
            type: 'PHONE_CALL',
            from: inbound ? this.customerFacts.phone : this.ctx.companyNumber,
            to: inbound ? this.ctx.companyNumber : this.customerFacts.phone,
            startedAt: formatInstant(at),
            ...(options.missed ? {} : {answeredAt: formatMs(answeredMs)}),
            completedAt: formatMs(completedMs),
            ...(recording ? {recordingStatus: recording} : {}),
            ...(recording === 'AVAILABLE'
              ? {
                  recordingUrl: `/api/v1/conversation-items/${id}/media/recording`,
                  recordingDuration: options.negativeDuration
                    ? -duration
                    : options.durationAsString
                      ? String(duration)
                      : duration,
                }
              : {}),
            ...this.summary(options.summary),
          },
        }
      },
    }
  }

  voicemail(options: {summary?: 'READY'} = {}): Draft {
    const seconds = this.random.int(8, 90)
    return {
      build: (at, id) => ({
        initiator: CUSTOMER,
        content: {
          type: 'VOICEMAIL',
          startedAt: formatInstant(at),
          recordingUrl: `/api/v1/conversation-items/${id}/media/recording`,
          recordingStatus: 'AVAILABLE',
          recordingDuration: seconds,
          ...this.summary(options.summary),
        },
      }),
      effect: 'customer',
    }
  }

  voiceAi(party: Party, body: string, status?: 'INTERRUPTED' | 'PLAYED'): Draft {
    return {
      build: () => ({
        initiator: party,
        sessionId: this.voiceSession,
        content: {
          type: 'VOICE_AI_MESSAGE',
          customerNumber: this.customerFacts.phone,
          companyNumber: this.ctx.companyNumber,
          body,
          ...(status ? {status} : {}),
        },
      }),
    }
  }

  note(body: string, withAttachment = false): Draft {
    return {
      build: (_at, _id, ordinal) => ({
        initiator: this.agentFacts ? this.agentParty : {id: this.ctx.apiUserId, type: 'API'},
        content: {type: 'CONVERSATION_NOTE', body, ...(withAttachment ? {attachments: this.attachments(ordinal)} : {})},
      }),
    }
  }

  topicChange(added: string[], removed: string[] = []): Draft {
    return {
      build: () => ({
        initiator: this.agentFacts ? this.agentParty : {id: this.ctx.ruleId, type: 'AUTOMATION'},
        content: {
          type: 'TOPIC_CHANGE',
          ...(added.length > 0 ? {addedTopicIds: added} : {}),
          ...(removed.length > 0 ? {removedTopicIds: removed} : {}),
        },
      }),
    }
  }

  statusChange(status: 'CLOSED' | 'OPEN', party: Party): Draft {
    return {
      build: () => ({initiator: party, content: {type: 'CONVERSATION_STATUS_CHANGE', status}}),
      effect: status === 'CLOSED' ? 'close' : 'reopen',
    }
  }

  activity(timelineOnly: boolean, withOccurredAt = true): Draft {
    const template = this.random.pick(ACTIVITY_TITLES)
    const expand = this.random.chance(0.3)
    return {
      build: (at) => ({
        initiator: {id: this.ctx.apiUserId, type: 'API'},
        content: {
          type: 'CUSTOMER_ACTIVITY',
          activityType: template.activityType,
          title: this.text(template.title),
          body: this.text(template.body),
          sourceName: 'Storefront',
          link: {url: `https://shop.${this.ctx.domain}/orders/${this.customerFacts.order}`, text: 'View order'},
          expandByDefault: expand,
          ...(withOccurredAt ? {occurredAt: formatMs(at.ms - 5 * MINUTE)} : {}),
          receivedAt: formatMs(at.ms),
        },
      }),
      timelineOnly,
    }
  }

  /** A message in the conversation's channel; phone and voicemail conversations follow up by SMS. */
  message(channel: Channel, party: Party, content: string): Draft {
    switch (channel) {
      case 'CHAT': {
        return this.chat(party, content)
      }

      case 'VOICE_AI': {
        return party.type === 'AGENT'
          ? this.sms(party, content)
          : this.voiceAi(party, content, party.type === 'SYSTEM' ? 'PLAYED' : undefined)
      }

      case 'EMAIL': {
        return this.email(party, content)
      }

      case 'CUSTOM':
      case 'FACEBOOK':
      case 'INSTAGRAM':
      case 'TWITTER':
      case 'WHATSAPP': {
        return this.social(channel, party, content)
      }

      default: {
        return this.sms(party, content)
      }
    }
  }

  private summary(status: 'FAILED' | 'PENDING' | 'READY' | undefined): Record<string, unknown> {
    if (!status) return {}
    return {recordingSummary: status === 'READY' ? {status, summary: this.theme.summary, language: 'en'} : {status}}
  }
}

function effectOf(party: Party, async: boolean): StatusEffect | undefined {
  if (party.type === 'CUSTOMER') return 'customer'
  return async && party.type === 'AGENT' ? 'reply' : undefined
}

export interface PlanMeta {
  index: number
  customer: number
  agent?: number
  inbox: number
  createdAtMs: number
  customAttributes: Array<{id: string; value: string}>
  vanishAtMs?: number
}

/**
 * A draft placed at a time. `digits` forces the timestamp's fraction width; `exactAt` keeps a timestamp as is
 * (items moved by a merge); `ordinal` pins the item id.
 */
export interface Placed {
  draft: Draft
  ms: number
  digits?: FractionDigits
  exactAt?: Instant
  appearsAtMs?: number
  ordinal?: number
}

/** Turns placed drafts into a plan: quantized timestamps, ids, the status timeline and the assignment time. */
export function finalize(ctx: GenerationContext, meta: PlanMeta, placed: Placed[], random: Rng): ConversationPlan {
  const createdAt = quantize(meta.createdAtMs, random)
  const items: PlannedItem[] = []
  const statuses: StatusChange[] = [{at: createdAt, status: 'OPEN'}]
  let current: ConversationStatus = 'OPEN'
  let assignedAtMs: number | undefined
  let nextOrdinal = 0
  for (const entry of placed) {
    const at = entry.exactAt ?? quantize(entry.ms, random, entry.digits)
    const ordinal = entry.ordinal ?? nextOrdinal++
    const id = ctx.ids.encode('item', meta.index, ordinal)
    const body = entry.draft.build(at, id, ordinal)
    items.push({
      ordinal,
      id,
      at,
      timelineOnly: entry.draft.timelineOnly ?? false,
      ...(entry.appearsAtMs === undefined ? {} : {appearsAtMs: entry.appearsAtMs}),
      ...body,
    })
    const next = nextStatus(current, entry.draft.effect)
    if (next !== current && entry.appearsAtMs === undefined) {
      statuses.push({at, status: next})
      current = next
    }

    if (assignedAtMs === undefined && meta.agent !== undefined && body.initiator.type === 'AGENT') {
      assignedAtMs = Math.max(createdAt.ms, at.ms - 30 * SECOND)
    }
  }

  items.sort((a, b) => a.at.ms - b.at.ms || a.at.ns - b.at.ns || a.ordinal - b.ordinal)
  return {
    index: meta.index,
    id: ctx.ids.encode('conversation', meta.index),
    customer: meta.customer,
    ...(meta.agent === undefined ? {} : {agent: meta.agent}),
    ...(assignedAtMs === undefined ? {} : {assignedAtMs}),
    inbox: meta.inbox,
    createdAt,
    firstMs: Math.min(createdAt.ms, items[0]?.at.ms ?? createdAt.ms),
    lastMs: Math.max(createdAt.ms, items.at(-1)?.at.ms ?? createdAt.ms),
    statuses,
    items,
    customAttributes: meta.customAttributes,
    ...(meta.vanishAtMs === undefined ? {} : {vanishAtMs: meta.vanishAtMs}),
  }
}

function nextStatus(current: ConversationStatus, effect: StatusEffect | undefined): ConversationStatus {
  switch (effect) {
    case 'close': {
      return 'CLOSED'
    }

    case 'reopen': {
      return 'OPEN'
    }

    case 'reply': {
      return current === 'OPEN' ? 'WAITING' : current
    }

    case 'customer': {
      return current === 'WAITING' ? 'OPEN' : current
    }

    default: {
      return current
    }
  }
}

/** Per-step reserve in `spread`: a `soon` draft follows within 30 s, so neighbours never collide. */
const STEP_RESERVE_MS = 40 * SECOND

/**
 * Places drafts in [fromMs, toMs] (given toMs − fromMs ≥ drafts × STEP_RESERVE_MS), the first at fromMs: `soon`
 * drafts 3–30 s after their predecessor, the others at sorted random offsets. Neighbours are ≥ 3 s apart, which
 * keeps them ordered through `quantize`.
 */
function spread(random: Rng, drafts: Draft[], fromMs: number, toMs: number): Placed[] {
  const room = Math.max(0, toMs - fromMs - drafts.length * STEP_RESERVE_MS)
  const anchors = drafts.filter((draft, k) => k === 0 || !draft.soon).length
  const offsets = Array.from({length: anchors}, (_, j) => (j === 0 ? 0 : random())).sort((a, b) => a - b)
  let anchor = 0
  let previous = fromMs
  return drafts.map((draft, k) => {
    previous =
      k > 0 && draft.soon
        ? previous + random.int(3, 30) * SECOND
        : fromMs + Math.floor((offsets[anchor++] ?? 0) * room) + k * STEP_RESERVE_MS
    return {draft, ms: previous}
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Regular conversations

const CHANNEL_WEIGHTS: Array<[Channel, number]> = [
  ['CHAT', 28],
  ['EMAIL', 25],
  ['SMS', 9],
  ['PHONE', 10],
  ['VOICEMAIL', 3],
  ['FACEBOOK', 4],
  ['INSTAGRAM', 4],
  ['WHATSAPP', 5],
  ['TWITTER', 2],
  ['VOICE_AI', 6],
  ['CUSTOM', 4],
]
const CHANNEL_TOTAL = CHANNEL_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0)

export interface RegularHeader {
  index: number
  createdAtMs: number
  mainSpanMs: number
  reopenGapMs: number
  reopenSpanMs: number
  channel: Channel
  customer: number
  agent?: number
  theme: number
  steps: number
  closes: boolean
  reopens: boolean
  timelineOnly: boolean
}

/** Upper bound of a regular conversation's life, so a window's candidates are an index range. */
export const MAX_REGULAR_SPAN_MS = 3 * 24 * HOUR

/** Everything needed to place a regular conversation in time, drawn without generating its items. */
export function regularHeader(
  random: Rng,
  index: number,
  createdAtMs: number,
  customer: number,
  agentCount: number,
  avgItems: number,
): RegularHeader {
  let roll = random() * CHANNEL_TOTAL
  let channel: Channel = 'CHAT'
  for (const [candidate, weight] of CHANNEL_WEIGHTS) {
    roll -= weight
    if (roll < 0) {
      channel = candidate
      break
    }
  }

  const steps = Math.max(3, random.int(3, Math.max(3, 2 * avgItems - 3)))
  const botOnly = (channel === 'CHAT' || channel === 'VOICE_AI') && random.chance(0.1)
  const closes = !random.chance(0.04)
  const reopens = closes && !botOnly && random.chance(0.1)
  const sync = !ASYNC_CHANNELS.has(channel)
  const minSpan = (steps + 12) * STEP_RESERVE_MS
  const mainSpanMs = Math.max(minSpan, sync ? random.int(4, 45) * MINUTE : random.int(2 * 60, 40 * 60) * MINUTE)
  return {
    index,
    createdAtMs,
    mainSpanMs,
    channel,
    customer,
    steps,
    closes,
    reopens,
    reopenGapMs: random.int(2 * 60, 20 * 60) * MINUTE,
    reopenSpanMs: Math.max(minSpan, random.int(10, 6 * 60) * MINUTE),
    ...(botOnly ? {} : {agent: 1 + random.int(0, agentCount - 2)}),
    theme: random.int(0, THEMES.length - 1),
    timelineOnly: random.chance(0.1),
  }
}

export function regularLastMs(h: RegularHeader): number {
  const span = h.reopens ? h.mainSpanMs + h.reopenGapMs + h.reopenSpanMs : h.mainSpanMs
  return h.createdAtMs + SECOND + span + 2 * SECOND
}

export function regularPlan(ctx: GenerationContext, h: RegularHeader, random: Rng): ConversationPlan {
  const w = new Writer(ctx, h.index, h.customer, h.agent, h.theme, random)
  const agent = h.agent === undefined ? undefined : w.agentParty
  const automation: Party = {id: ctx.ruleId, type: 'AUTOMATION'}
  const main: Draft[] = [...opening(w, h.channel, agent)]
  const reopen: Draft[] = []

  if (agent && random.chance(0.8)) {
    const extra = random.chance(0.2) ? [ctx.extraTopicId(random)] : []
    main.push(w.topicChange([ctx.themeTopicId(h.theme), ...extra]))
  }

  const closing: Draft[] = []
  if (h.closes) {
    if (agent) closing.push(w.message(h.channel, agent, w.pickText(w.theme.closers)))
    closing.push(soon(w.statusChange('CLOSED', agent && random.chance(0.85) ? agent : automation)))
  }

  const target = h.steps - (h.reopens ? 4 : 0) - (h.timelineOnly ? 1 : 0)
  let extrasLeft = {
    note: random.chance(0.3),
    activity: random.chance(0.1),
    thirdParty: h.channel === 'EMAIL' && random.chance(0.2),
  }
  while (main.length + closing.length < target) {
    if (agent) {
      main.push(w.message(h.channel, agent, w.pickText(w.theme.replies)))
      if (extrasLeft.note) main.push(w.note(w.pickText(w.theme.notes)))
      if (extrasLeft.activity) main.push(w.activity(false))
      if (extrasLeft.thirdParty) {
        main.push(
          w.email(
            {type: random.chance(0.5) ? 'INTERNAL' : 'EXTERNAL'},
            'Confirming the shipment details from our side, see below.',
            {from: random.chance(0.5) ? `warehouse@${ctx.domain}` : 'claims@carrier-logistics.com'},
          ),
        )
      }

      extrasLeft = {note: false, activity: false, thirdParty: false}
    } else {
      main.push(w.message(h.channel, SIDEKICK, w.pickText(w.theme.replies)))
    }

    if (main.length + closing.length < target) main.push(w.message(h.channel, CUSTOMER, w.pickText(w.theme.followUps)))
  }

  main.push(...closing)
  if (h.timelineOnly) main.splice(random.int(1, main.length), 0, w.activity(true, random.chance(0.5)))

  if (h.reopens && agent) {
    if (h.channel === 'CHAT') w.newSession()
    reopen.push(
      w.message(h.channel, CUSTOMER, 'Sorry, one more thing about this: ' + w.pickText(w.theme.followUps)),
      soon(w.statusChange('OPEN', CUSTOMER)),
      w.message(h.channel, agent, w.pickText(w.theme.replies)),
      soon(w.statusChange('CLOSED', agent)),
    )
  }

  const start = h.createdAtMs + SECOND
  const reopenStart = start + h.mainSpanMs + h.reopenGapMs
  const placed = [
    ...spread(random, main, start, start + h.mainSpanMs),
    ...spread(random, reopen, reopenStart, reopenStart + h.reopenSpanMs),
  ]
  const drawn = random.chance(0.4)
    ? [
        {id: ctx.customAttributeIds.order, value: w.customerFacts.order},
        ...(random.chance(0.4)
          ? [{id: ctx.customAttributeIds.carrier, value: random.pick(['UPS', 'FedEx', 'USPS'])}]
          : []),
      ]
    : []
  const customAttributes = ctx.withCustomAttributes ? drawn : []
  return finalize(
    ctx,
    {
      index: h.index,
      customer: h.customer,
      ...(h.agent === undefined ? {} : {agent: h.agent}),
      inbox: INBOX_BY_CHANNEL[h.channel],
      createdAtMs: h.createdAtMs,
      customAttributes,
    },
    placed,
    random,
  )
}

function opening(w: Writer, channel: Channel, agent: Party | undefined): Draft[] {
  const random = w.random
  const opener = w.pickText(w.theme.openers)
  switch (channel) {
    case 'CHAT': {
      const drafts = [w.chat(CUSTOMER, opener, {omitMessageType: random.chance(0.1)})]
      if (random.chance(0.5) || !agent) drafts.push(soon(w.chat(SIDEKICK, w.text(SIDEKICK_GREETING))))
      if (random.chance(0.25)) drafts.push(...w.quickReply())
      return drafts
    }

    case 'EMAIL': {
      const drafts = [w.email(CUSTOMER, opener, {withAttachment: random.chance(0.15)})]
      if (random.chance(0.3)) {
        drafts.push(soon(w.email({id: w.ctx.ruleId, type: 'AUTOMATION'}, AUTO_REPLY, {from: w.ctx.supportEmail})))
      }

      return drafts
    }

    case 'PHONE': {
      if (!agent) return [w.sms(CUSTOMER, opener)]
      return [
        w.phoneCall('inbound', {
          summary: random.chance(0.4) ? 'READY' : random.chance(0.1) ? 'PENDING' : undefined,
          durationAsString: random.chance(0.15),
          recording: random.chance(0.1) ? 'DELETED' : 'AVAILABLE',
        }),
      ]
    }

    case 'VOICEMAIL': {
      const drafts = [w.voicemail(random.chance(0.5) ? {summary: 'READY'} : {})]
      if (agent) drafts.push(w.phoneCall('outbound', {missed: random.chance(0.3)}))
      return drafts
    }

    case 'VOICE_AI': {
      const drafts = [
        w.voiceAi(SIDEKICK, 'Thanks for calling. How can I help you today?', 'PLAYED'),
        soon(w.voiceAi(CUSTOMER, opener)),
        soon(
          w.voiceAi(
            SIDEKICK,
            'I can help with that. Let me look up your account.',
            random.chance(0.3) ? 'INTERRUPTED' : 'PLAYED',
          ),
        ),
      ]
      if (agent) drafts.push(soon(w.phoneCall('inbound', {summary: random.chance(0.5) ? 'READY' : undefined})))
      return drafts
    }

    default: {
      return [w.message(channel, CUSTOMER, opener)]
    }
  }
}
