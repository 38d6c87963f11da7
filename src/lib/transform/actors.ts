import type {Actor} from '../enterpret/schema.js'
import {COMMUNICATOR_TYPES, isKnownValue, isUnknownContent, type ConversationItem} from '../gladly/codecs.js'

/**
 * Who speaks, in Enterpret's words, for each Gladly initiator type. INTERNAL and EXTERNAL are third-party
 * email participants: INTERNAL writes from the organization's own domain, so it speaks for the company
 * (`agent`); EXTERNAL writes from another domain, an outside voice like the customer's (`user`).
 */
export const ACTOR_BY_INITIATOR: {readonly [K in (typeof COMMUNICATOR_TYPES)[number]]: Actor} = {
  CUSTOMER: 'user',
  AGENT: 'agent',
  SYSTEM: 'bot',
  AUTOMATION: 'bot',
  API: 'bot',
  INTERNAL: 'agent',
  EXTERNAL: 'user',
}

/** An initiator type Gladly adds later is taken for a machine: it is neither the customer nor a known person. */
const UNKNOWN_INITIATOR_ACTOR: Actor = 'bot'

function actorOf(initiatorType: string): Actor {
  return isKnownValue(COMMUNICATOR_TYPES, initiatorType) ? ACTOR_BY_INITIATOR[initiatorType] : UNKNOWN_INITIATOR_ACTOR
}

/**
 * Who speaks in an item, the one rule for every item. With an initiator type: its mapping above. Without one (the
 * spec makes `initiator` optional, and real exports have such items): an email is the customer's when it comes from
 * one of the customer's addresses or when those are unknown, the company's when it comes from another address;
 * any other item is the customer's, since Gladly records the company's own side (agents, rules, AI, API) with an
 * initiator.
 */
export function speakerOf(item: ConversationItem, customerEmails: readonly string[]): Actor {
  const type = item.initiator?.type
  if (type !== undefined) return actorOf(type)
  const {content} = item
  if (!isUnknownContent(content) && content.type === 'EMAIL' && customerEmails.length > 0) {
    const from = normalizedAddress(content.from)
    return customerEmails.some((email) => normalizedAddress(email) === from) ? 'user' : 'agent'
  }
  return 'user'
}

// `Name <a@b.c>` and `A@B.C` are the same address as `a@b.c`.
function normalizedAddress(address: string): string {
  const bracketed = /<([^>]*)>/.exec(address)
  return (bracketed?.[1] ?? address).trim().toLowerCase()
}
