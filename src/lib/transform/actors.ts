import type {Actor} from '../enterpret/schema.js'
import {COMMUNICATOR_TYPES, isKnownValue} from '../gladly/codecs.js'

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
export const UNKNOWN_INITIATOR_ACTOR: Actor = 'bot'

export function actorOf(initiatorType: string): Actor {
  return isKnownValue(COMMUNICATOR_TYPES, initiatorType) ? ACTOR_BY_INITIATOR[initiatorType] : UNKNOWN_INITIATOR_ACTOR
}
