// Hand-placed conversations that give every dataset its edge cases. Their times are laid out relative to the
// dataset's end (E) so that each case holds at E whatever the size of the dataset; see SpecialLayout.

import {
  CUSTOMER,
  type ConversationPlan,
  type Draft,
  finalize,
  type GenerationContext,
  INBOX_BY_CHANNEL,
  type Placed,
  SIDEKICK,
  Writer,
} from './conversations.js'
import {DAY, type FractionDigits, HOUR, labelHash, MINUTE, rng, SECOND} from './random.js'
import {AUTO_REPLY, SIDEKICK_GREETING} from './text.js'
import type {Party} from './types.js'

export const BIG_CUSTOMER_HISTORY = 105

/** Conversation slots after the regular ones; slot SLOT.bigCustomerHistory + j is the j-th old conversation. */
export const SLOT = {
  showcase: 0,
  preHistory: 1,
  bigConversation: 2,
  reopened: 3,
  mergeMoved: 4,
  mergeVanished: 5,
  mergeDestination: 6,
  openAtEnd: 7,
  waitingAtEnd: 8,
  bigCustomerRecent: 9,
  bigCustomerHistory: 10,
} as const
export const SPECIAL_SLOTS = SLOT.bigCustomerHistory + BIG_CUSTOMER_HISTORY

/** Customer slots after the regular customers. */
export const CUSTOMER_SLOT = {
  showcase: 0,
  preHistory: 1,
  bigConversation: 2,
  reopened: 3,
  mergeOld: 4,
  mergeNew: 5,
  openAtEnd: 6,
  waitingAtEnd: 7,
  bigCustomer: 8,
} as const
export const SPECIAL_CUSTOMERS = 9

export interface SpecialLayout {
  endMs: number
  windowMs: number
  /** startAt of the oldest export job still listed at E. */
  oldestListedStartMs: number
  vanishedCreatedMs: number
  mergeAtMs: number
  bigConversationItems: number
  firstIndex: number
  firstCustomer: number
  agentCount: number
}

export function alignDown(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit
}

/** The merge happens two hours after the export window holding the vanished conversation's last item has ended. */
export function mergeTimes(endMs: number, windowMs: number): {vanishedCreatedMs: number; mergeAtMs: number} {
  const vanishedCreatedMs = alignDown(endMs - 3 * DAY, windowMs) + HOUR
  return {
    vanishedCreatedMs,
    mergeAtMs: alignDown(vanishedCreatedMs + 5 * HOUR + MINUTE, windowMs) + windowMs + 2 * HOUR,
  }
}

/** The customer slot owning each conversation slot; every slot from bigCustomerRecent on is the big customer's. */
const SLOT_CUSTOMERS: readonly number[] = [
  CUSTOMER_SLOT.showcase,
  CUSTOMER_SLOT.preHistory,
  CUSTOMER_SLOT.bigConversation,
  CUSTOMER_SLOT.reopened,
  CUSTOMER_SLOT.mergeOld,
  CUSTOMER_SLOT.mergeOld,
  CUSTOMER_SLOT.mergeNew,
  CUSTOMER_SLOT.openAtEnd,
  CUSTOMER_SLOT.waitingAtEnd,
]

export function specialSlotCustomer(slot: number): number {
  return SLOT_CUSTOMERS[slot] ?? CUSTOMER_SLOT.bigCustomer
}

interface Script {
  createdAtMs: number
  channel: keyof typeof INBOX_BY_CHANNEL
  placed: Placed[]
  vanishAtMs?: number
}

export function specialPlan(ctx: GenerationContext, layout: SpecialLayout, slot: number): ConversationPlan {
  const random = rng(ctx.seed, labelHash('special'), slot)
  const agent = 1 + (slot % (layout.agentCount - 1))
  const customer = layout.firstCustomer + specialSlotCustomer(slot)
  const w = new Writer(ctx, layout.firstIndex + slot, customer, agent, slot, random)
  const script = scriptFor(ctx, layout, slot, w)
  return finalize(
    ctx,
    {
      index: layout.firstIndex + slot,
      customer,
      agent,
      inbox: INBOX_BY_CHANNEL[script.channel],
      createdAtMs: script.createdAtMs,
      customAttributes: [{id: ctx.customAttributeIds.order, value: w.customerFacts.order}],
      ...(script.vanishAtMs === undefined ? {} : {vanishAtMs: script.vanishAtMs}),
    },
    script.placed,
    random,
  )
}

/** Drafts at explicit offsets (ms) from `startMs`. */
function at(startMs: number, steps: Array<[number, Draft]>): Placed[] {
  return steps.map(([offset, draft]) => ({draft, ms: startMs + offset}))
}

function scriptFor(ctx: GenerationContext, layout: SpecialLayout, slot: number, w: Writer): Script {
  const E = layout.endMs
  const W = layout.windowMs
  const agent = w.agentParty
  const automation: Party = {id: ctx.ruleId, type: 'AUTOMATION'}
  const t = w.theme
  switch (slot) {
    case SLOT.showcase: {
      // Every content type, initiator type and timestamp width, 20 minutes apart.
      const start = alignDown(E - 2 * DAY, HOUR) + 2 * HOUR
      const extraTopic = ctx.extraTopicId(w.random)
      const drafts: Draft[] = [
        // Commas, quotes and line breaks: a report's First Message column has to be quoted for this one.
        w.chat(CUSTOMER, `${w.pickText(t.openers)}\n\nP.S. The tracking page only says "Label created", nothing else.`),
        w.chat(SIDEKICK, w.text(SIDEKICK_GREETING), {omitMessageType: true}),
        ...w.quickReply(),
        w.chat(agent, w.pickText(t.replies), {withAttachment: true}),
        w.topicChange([ctx.themeTopicId(slot), extraTopic]),
        w.topicChange([], [extraTopic]),
        w.email(CUSTOMER, w.pickText(t.followUps), {withAttachment: true}),
        w.email(automation, AUTO_REPLY, {from: ctx.supportEmail}),
        w.email(agent, w.pickText(t.replies), {cc: [`billing@${ctx.domain}`], bcc: [`supervisor@${ctx.domain}`]}),
        w.email({type: 'INTERNAL'}, 'Warehouse here: the parcel was handed to the carrier on Friday.', {
          from: `warehouse@${ctx.domain}`,
        }),
        w.email({type: 'EXTERNAL'}, 'Carrier claims desk: we opened claim 55-1234 for this parcel.', {
          from: 'claims@carrier-logistics.com',
        }),
        w.sms(CUSTOMER, 'Any update? Sorry, I am on my phone now.'),
        w.sms(agent, w.pickText(t.replies)),
        w.phoneCall('inbound', {summary: 'READY'}),
        w.phoneCall('outbound', {durationAsString: true}),
        w.phoneCall('inbound', {missed: true}),
        w.voicemail({summary: 'READY'}),
        w.social('FACEBOOK', CUSTOMER, 'Messaging you here as well, hope that is fine.'),
        w.social('FACEBOOK', agent, w.pickText(t.replies)),
        w.social('INSTAGRAM', CUSTOMER, 'Here is a picture of the label.', true),
        w.social('WHATSAPP', CUSTOMER, 'Hi, same issue as my email.'),
        w.social('WHATSAPP', agent, w.pickText(t.replies)),
        w.social('TWITTER', CUSTOMER, '@shop still waiting on my order…'),
        w.voiceAi(SIDEKICK, 'Thanks for calling. How can I help you today?', 'PLAYED'),
        w.voiceAi(CUSTOMER, w.pickText(t.followUps)),
        w.voiceAi(SIDEKICK, 'Let me transfer you to an agent.', 'INTERRUPTED'),
        w.note('<p>VIP customer: offered <b>free express shipping</b>.</p>', true),
        w.activity(false, true),
        w.activity(true, false),
        w.social('CUSTOM', CUSTOMER, 'Sent from the in-app messenger: thanks for the help!'),
        w.social('CUSTOM', CUSTOMER, 'The label, as a photo.', true),
        w.futureType(CUSTOMER, 'Sent from a channel Gladly added later.'),
        // Real payloads are looser than the spec's required lists.
        w.chat(CUSTOMER, 'One more question, typed before the agent answered.', {omitInitiator: true}),
        w.email(CUSTOMER, 'Forwarding the receipt, no subject line this time.', {omitSubject: true}),
        w.phoneCall('inbound', {summary: 'READY', negativeDuration: true}),
        w.chat(agent, w.pickText(t.closers)),
        w.statusChange('CLOSED', agent),
      ]
      const widths: FractionDigits[] = [0, 2, 3, 6, 9]
      return {
        createdAtMs: start - SECOND,
        channel: 'CHAT',
        placed: drafts.map((draft, k) => ({
          draft,
          ms: start + k * 20 * MINUTE + w.random.int(0, 59_999),
          digits: widths[k % widths.length],
        })),
      }
    }

    case SLOT.preHistory: {
      // Begins 20 h before the oldest listed job: its first items are only reachable through /items.
      const A = layout.oldestListedStartMs
      return {
        createdAtMs: A - 20 * HOUR - SECOND,
        channel: 'EMAIL',
        placed: at(A, [
          [-20 * HOUR, w.email(CUSTOMER, w.pickText(t.openers))],
          [-16 * HOUR, w.email(agent, w.pickText(t.replies))],
          [-6 * HOUR, w.email(CUSTOMER, w.pickText(t.followUps))],
          [-5 * HOUR, w.note(w.pickText(t.notes))],
          [-2 * HOUR, w.email(agent, w.pickText(t.replies))],
          [HOUR, w.email(CUSTOMER, w.pickText(t.followUps))],
          [2 * HOUR, w.email(agent, w.pickText(t.closers))],
          [2 * HOUR + 5 * MINUTE, w.statusChange('CLOSED', agent)],
        ]),
      }
    }

    case SLOT.bigConversation: {
      const start = alignDown(E - 10 * DAY, HOUR) + HOUR
      const count = layout.bigConversationItems
      const gap = Math.floor((30 * HOUR) / count)
      const drafts: Draft[] = [w.chat(CUSTOMER, w.pickText(t.openers)), w.topicChange([ctx.themeTopicId(slot)])]
      for (let k = 2; drafts.length < count - 1; k++) {
        if (k % 100 === 0) w.newSession()
        drafts.push(bigConversationStep(w, k, agent))
      }

      drafts.push(w.statusChange('CLOSED', agent))
      return {
        createdAtMs: start - SECOND,
        channel: 'CHAT',
        placed: drafts.map((draft, k) => ({draft, ms: start + k * gap})),
      }
    }

    case SLOT.reopened: {
      // Closed in one export window, reopened and closed again in a later one.
      const start = alignDown(E - 6 * DAY, W) + 2 * HOUR
      return {
        createdAtMs: start - SECOND,
        channel: 'SMS',
        placed: at(start, [
          [0, w.sms(CUSTOMER, w.pickText(t.openers))],
          [HOUR, w.sms(agent, w.pickText(t.replies))],
          [3 * HOUR, w.sms(CUSTOMER, w.pickText(t.followUps))],
          [4 * HOUR, w.sms(agent, w.pickText(t.closers))],
          [4 * HOUR + 2 * MINUTE, w.statusChange('CLOSED', agent)],
          [W + 6 * HOUR, w.sms(CUSTOMER, 'Sorry, it happened again with my next order.')],
          [W + 6 * HOUR + 5 * SECOND, w.statusChange('OPEN', CUSTOMER)],
          [W + 8 * HOUR, w.sms(agent, w.pickText(t.replies))],
          [W + 9 * HOUR, w.statusChange('CLOSED', agent)],
        ]),
      }
    }

    case SLOT.mergeMoved: {
      // Belongs to the customer that is later merged away: its customerId changes at the merge.
      const start = alignDown(E - 11 * DAY, HOUR) + 3 * HOUR
      return {
        createdAtMs: start - SECOND,
        channel: 'EMAIL',
        placed: at(start, [
          [0, w.email(CUSTOMER, w.pickText(t.openers))],
          [2 * HOUR, w.email(agent, w.pickText(t.replies))],
          [5 * HOUR, w.email(CUSTOMER, w.pickText(t.followUps))],
          [8 * HOUR, w.email(agent, w.pickText(t.closers))],
          [8 * HOUR + 5 * MINUTE, w.statusChange('CLOSED', agent)],
        ]),
      }
    }

    case SLOT.mergeVanished: {
      // Still OPEN when its customer is merged into one with another open conversation: its id is deleted.
      const start = layout.vanishedCreatedMs
      return {
        createdAtMs: start - SECOND,
        channel: 'CHAT',
        vanishAtMs: layout.mergeAtMs,
        placed: at(start, [
          [0, w.chat(CUSTOMER, w.pickText(t.openers))],
          [20 * SECOND, w.chat(SIDEKICK, w.text(SIDEKICK_GREETING))],
          [30 * MINUTE, w.chat(agent, w.pickText(t.replies))],
          [2 * HOUR, w.chat(CUSTOMER, w.pickText(t.followUps))],
          [4 * HOUR, w.chat(agent, w.pickText(t.replies))],
          [5 * HOUR, w.chat(CUSTOMER, 'I will also write from my other email address.')],
        ]),
      }
    }

    case SLOT.mergeDestination: {
      // Receives the vanished conversation's items (new ids, same timestamps) at the merge.
      const start = layout.vanishedCreatedMs + 30 * MINUTE
      const vanished = specialPlan(ctx, layout, SLOT.mergeVanished)
      const moved: Placed[] = vanished.items
        .filter((item) => !item.timelineOnly)
        .map((item, k) => ({
          draft: {
            build: () => ({
              initiator: item.initiator,
              ...(item.responder ? {responder: item.responder} : {}),
              content: item.content,
              ...(item.sessionId ? {sessionId: item.sessionId} : {}),
            }),
          },
          ms: item.at.ms,
          exactAt: item.at,
          appearsAtMs: layout.mergeAtMs,
          ordinal: 100_000 + k,
        }))
      const merge = layout.mergeAtMs
      return {
        createdAtMs: start - SECOND,
        channel: 'EMAIL',
        placed: [
          ...at(start, [
            [0, w.email(CUSTOMER, w.pickText(t.openers))],
            [HOUR, w.email(agent, w.pickText(t.replies))],
            [3 * HOUR, w.email(CUSTOMER, w.pickText(t.followUps))],
          ]),
          ...moved,
          ...at(merge, [
            [10 * MINUTE, w.note('Merged the duplicate customer profile into this one.')],
            [HOUR, w.email(agent, w.pickText(t.closers))],
            [3 * HOUR, w.statusChange('CLOSED', agent)],
          ]),
        ],
      }
    }

    case SLOT.openAtEnd: {
      // OPEN and unassigned at E; an agent answers an hour later and closes it at E + 2 h.
      const start = E - 3 * HOUR
      return {
        createdAtMs: start - SECOND,
        channel: 'CHAT',
        placed: at(start, [
          [0, w.chat(CUSTOMER, w.pickText(t.openers))],
          [15 * SECOND, w.chat(SIDEKICK, w.text(SIDEKICK_GREETING))],
          [HOUR, w.chat(CUSTOMER, 'Hello? Is anyone there?')],
          [4 * HOUR, w.chat(agent, w.pickText(t.replies))],
          [4 * HOUR + 30 * MINUTE, w.chat(CUSTOMER, w.pickText(t.followUps))],
          [4 * HOUR + 50 * MINUTE, w.chat(agent, w.pickText(t.closers))],
          [5 * HOUR, w.statusChange('CLOSED', agent)],
        ]),
      }
    }

    case SLOT.waitingAtEnd: {
      // WAITING for the customer at E; the customer answers at E + 3 h and it closes at E + 5 h.
      const start = E - 5 * HOUR
      return {
        createdAtMs: start - SECOND,
        channel: 'EMAIL',
        placed: at(start, [
          [0, w.email(CUSTOMER, w.pickText(t.openers))],
          [HOUR, w.email(agent, w.pickText(t.replies))],
          [8 * HOUR, w.email(CUSTOMER, w.pickText(t.followUps))],
          [9 * HOUR + 30 * MINUTE, w.email(agent, w.pickText(t.closers))],
          [10 * HOUR, w.statusChange('CLOSED', agent)],
        ]),
      }
    }

    case SLOT.bigCustomerRecent: {
      const start = alignDown(E - 4 * DAY, HOUR) + 5 * HOUR
      return {
        createdAtMs: start - SECOND,
        channel: 'CHAT',
        placed: at(start, [
          [0, w.chat(CUSTOMER, w.pickText(t.openers))],
          [5 * MINUTE, w.chat(agent, w.pickText(t.replies))],
          [10 * MINUTE, w.chat(CUSTOMER, w.pickText(t.followUps))],
          [15 * MINUTE, w.chat(agent, w.pickText(t.closers))],
          [16 * MINUTE, w.statusChange('CLOSED', agent)],
        ]),
      }
    }

    default: {
      // The big customer's history: one conversation a week, all older than any listed export job.
      const j = slot - SLOT.bigCustomerHistory
      const start = alignDown(E - 16 * DAY, HOUR) + 10 * HOUR - j * 7 * DAY
      return {
        createdAtMs: start - SECOND,
        channel: 'EMAIL',
        placed: at(start, [
          [0, w.email(CUSTOMER, w.pickText(t.openers))],
          [HOUR, w.email(agent, w.pickText(t.closers))],
          [HOUR + 5 * MINUTE, w.statusChange('CLOSED', agent)],
        ]),
      }
    }
  }
}

function bigConversationStep(w: Writer, k: number, agent: Party): Draft {
  const t = w.theme
  switch (k % 10) {
    case 0:
    case 2:
    case 4: {
      return w.chat(CUSTOMER, `${w.pickText(t.followUps)} (#${k})`)
    }

    case 6: {
      return w.email(CUSTOMER, w.pickText(t.followUps))
    }

    case 7: {
      return w.email(agent, w.pickText(t.replies))
    }

    case 8: {
      return w.sms(CUSTOMER, w.pickText(t.followUps))
    }

    case 9: {
      return w.note(`${w.pickText(t.notes)} (#${k})`)
    }

    default: {
      return w.chat(agent, w.pickText(t.replies))
    }
  }
}
