import type {Message} from '../enterpret/schema.js'

/*
 * Fitting an oversized conversation into the byte budget of one record. All sizes are UTF-8 bytes of the JSON
 * that is sent: the messages of `conversation.msgs` are the array's elements, with one comma between two of them.
 */

/** Marks where a text was cut; part of the text, so readers of the transcript see it. */
export const CUT_MARK = ' … [cut to fit Enterpret’s size limit]'

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value))
}

/** The message standing for the middle of a conversation that was left out. */
export function omissionMarker(omitted: number): Message {
  const messages = omitted === 1 ? '1 message' : `${omitted} messages`
  return {actor: 'bot', text: `[… ${messages} omitted to fit Enterpret’s size limit …]`}
}

// A high surrogate at the end of a cut would leave half a character.
function prefix(text: string, length: number): string {
  const code = text.charCodeAt(length - 1)
  return code >= 0xd8_00 && code <= 0xdb_ff ? text.slice(0, length - 1) : text.slice(0, length)
}

/**
 * The message with its text cut (and marked) so that its JSON takes at most `maxBytes`; undefined when even
 * the mark alone does not fit. Binary search on the text length: JSON escapes and UTF-8 make bytes and
 * characters differ, so each candidate is measured as it will be sent.
 */
export function cutMessage(message: Message, maxBytes: number): Message | undefined {
  const candidate = (length: number): Message => ({
    actor: message.actor,
    text: `${prefix(message.text, length).trimEnd()}${CUT_MARK}`.trim(),
  })
  if (jsonBytes(candidate(0)) > maxBytes) return undefined
  let fits = 0
  // Every UTF-16 unit takes at least one byte of JSON, so no prefix longer than maxBytes can fit.
  let tooLong = Math.min(message.text.length, maxBytes + 1)
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2)
    if (jsonBytes(candidate(middle)) <= maxBytes) fits = middle
    else tooLong = middle
  }
  return candidate(fits)
}

export interface Fitted {
  readonly msgs: readonly Message[]
  /** Messages left out of the middle (0 when cutting long texts was enough). */
  readonly omitted: number
  /** Messages whose text was cut. */
  readonly cut: number
}

function arrayBytes(sizes: readonly number[]): number {
  return sizes.reduce((sum, size) => sum + size, 0) + Math.max(0, sizes.length - 1)
}

/**
 * Makes the messages fit in `budget` bytes (the array's elements and commas), keeping the first and the last:
 *
 * 1. Any text too long for half of the room left next to an omission marker is cut, so the first and the
 *    last message can always both be kept.
 * 2. If the messages still do not fit, messages are kept from both ends, alternately, while they fit; the
 *    middle is replaced by one `bot` message saying how many were left out.
 *
 * Undefined when the budget is too small for even that.
 */
export function fitMessages(messages: readonly Message[], budget: number): Fitted | undefined {
  // The marker is sized for the largest count it could show; a smaller count only has fewer digits.
  const room = budget - jsonBytes(omissionMarker(messages.length))
  // Each kept message costs its bytes and one comma.
  const maxMessageBytes = Math.floor(room / 2) - 1
  const capped: Message[] = []
  for (const message of messages) {
    const fitting = jsonBytes(message) <= maxMessageBytes ? message : cutMessage(message, maxMessageBytes)
    if (fitting === undefined) return undefined
    capped.push(fitting)
  }
  const cut = capped.filter((message, index) => message !== messages[index]).length
  const sizes = capped.map(jsonBytes)
  if (arrayBytes(sizes) <= budget) return {msgs: capped, omitted: 0, cut}

  const cost = (index: number) => (sizes[index] ?? 0) + 1
  let front = 1
  let back = capped.length - 2
  let used = cost(0) + cost(capped.length - 1)
  let fromFront = true
  while (front <= back) {
    const next = (fromFront ? [front, back] : [back, front]).find((index) => used + cost(index) <= room)
    if (next === undefined) break
    used += cost(next)
    if (next === front) front++
    else back--
    fromFront = !fromFront
  }
  const omitted = back - front + 1
  return {msgs: [...capped.slice(0, front), omissionMarker(omitted), ...capped.slice(back + 1)], omitted, cut}
}
