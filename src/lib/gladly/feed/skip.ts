import type {Conversation} from '../codecs.js'

/** What the core knows of a conversation before Gladly is asked: the rules every feed applies the same way. */
export interface SkipRules {
  /** Handled by an interrupted run of the same unit. */
  readonly isDone: (conversationId: string) => boolean
  /** The closedAt a conversation was sent with, if it was. */
  readonly sentClosedAt: (conversationId: string) => string | undefined
  /** Send again conversations reopened and closed since they were sent. */
  readonly resendUpdated: boolean
}

export type SkipReason = 'done before an interruption' | 'already sent' | 'unchanged since sent'

/** Before the lookup: done before an interruption, or sent and not to be sent again. */
export function skipBeforeLookup(rules: SkipRules, conversationId: string): SkipReason | undefined {
  if (rules.isDone(conversationId)) return 'done before an interruption'
  if (rules.sentClosedAt(conversationId) !== undefined && !rules.resendUpdated) return 'already sent'
  return undefined
}

/** After the lookup: sent, and not closed again since (so `--resend-updated` has nothing new to send). */
export function skipUnchanged(rules: SkipRules, conversation: Conversation): SkipReason | undefined {
  const sentClosedAt = rules.sentClosedAt(conversation.id)
  return sentClosedAt !== undefined && sentClosedAt === conversation.closedAt ? 'unchanged since sent' : undefined
}
