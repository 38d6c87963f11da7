import type {Conversation} from '../gladly/index.js'
import type {Run} from './context.js'

/**
 * With BACKFILL_CUSTOM_ATTRIBUTES=auto and nothing known yet (a profile's first import backfills before any export job
 * is read), the backfill reads this many conversations whole to see whether the organization uses custom attributes.
 */
const PROBE_CONVERSATIONS = 20

/** Remembers, in the state, that this profile's conversations carry custom attributes. */
export function noteCustomAttributes(run: Run, conversation: Conversation): void {
  if (conversation.customAttributes.length === 0 || run.state.current.customAttributesSeen === true) return
  run.state.current = {...run.state.current, customAttributesSeen: true}
}

/** Whether the backfill must read a conversation whole (GET /conversations/{id}) for its custom attributes. */
export function customAttributesWanted(run: Run): () => boolean {
  let probed = 0
  return () => {
    switch (run.options.settings.values.BACKFILL_CUSTOM_ATTRIBUTES) {
      case 'yes':
        return true
      case 'no':
        return false
      case 'auto':
        return run.state.current.customAttributesSeen === true || probed++ < PROBE_CONVERSATIONS
    }
  }
}
