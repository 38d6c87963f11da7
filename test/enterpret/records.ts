import type {ConversationRecord} from '../../src/lib/enterpret/index.js'

/** A record the fake Enterpret accepts; `text` pads the first message to make it larger. */
export function conversationRecord(id: string, text = 'My order never arrived.'): ConversationRecord {
  return {
    id,
    fileID: 'gladly',
    type: 'CONVERSATION',
    createdAt: 1_717_000_000,
    conversation: {
      msgs: [
        {actor: 'user', text},
        {actor: 'agent', text: 'Refunded.'},
      ],
    },
    metadata: {metadata: {channel: {array: {s: ['CHAT']}}}},
  }
}

export const ids = (count: number, prefix = 'r'): string[] =>
  Array.from({length: count}, (_, index) => `${prefix}${index}`)
