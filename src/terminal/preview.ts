import {Writable} from 'node:stream'
import {escapeControls} from '../lib/log/index.js'

interface PreviewRecord {
  readonly id: string
  readonly createdAt: number
  readonly conversation: {readonly msgs: ReadonlyArray<{readonly actor: string; readonly text: string}>}
  readonly metadata: Record<string, unknown>
}

interface PreviewUser {
  readonly id: string
  readonly createdAt: number
  readonly attributes: Record<string, {readonly array?: Record<string, unknown[]>} | undefined>
}

// Enough of each transcript to see what Enterpret would get, few enough lines to scan a run of them.
const SHOWN_MESSAGES = 3
const SHOWN_CHARACTERS = 100

function channelsOf(record: PreviewRecord): string {
  const inner = record.metadata.metadata
  const fields = (
    typeof inner === 'object' && inner !== null && !('array' in inner) ? inner : record.metadata
  ) as Record<string, {array?: {s?: string[]}} | undefined>
  return fields.channel?.array?.s?.join(', ') || 'no channel'
}

const instant = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z')

/** One user of the Users webhook on one line: id, when created, and its attributes. */
function describeUser(user: PreviewUser): string {
  const attributes = Object.entries(user.attributes).map(
    ([key, value]) => `${key}=${Object.values(value?.array ?? {})[0]?.join('|') ?? ''}`,
  )
  return `${escapeControls(`user ${user.id} · created ${instant(user.createdAt)} · ${attributes.join(', ')}`)}\n`
}

/** One record as a person reads it: id, channel, size, when, and the first messages on one line each. */
export function describeRecord(record: PreviewRecord): string {
  const {msgs} = record.conversation
  const created = instant(record.createdAt)
  const lines = [`${record.id} · ${channelsOf(record)} · ${msgs.length} message(s) · created ${created}`]
  for (const message of msgs.slice(0, SHOWN_MESSAGES)) {
    const text = escapeControls(message.text.replace(/\s+/g, ' ').trim())
    lines.push(
      `  ${message.actor.padEnd(5)} ${text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}…` : text}`,
    )
  }
  if (msgs.length > SHOWN_MESSAGES) lines.push(`  … ${msgs.length - SHOWN_MESSAGES} more`)
  return `${lines.join('\n')}\n`
}

/**
 * Where a dry run's payloads go when stdout is a terminal: each request body (one JSON line) shown record by record
 * (and user by user)
 * instead of as raw JSON. Piped or written with --output, the payloads stay the exact NDJSON.
 */
export function previewStream(print: (text: string) => void): Writable {
  let pending = ''
  const show = (line: string) => {
    if (line.trim() === '') return
    const body = JSON.parse(line) as {records?: PreviewRecord[]; users?: PreviewUser[]}
    for (const record of body.records ?? []) print(describeRecord(record))
    for (const user of body.users ?? []) print(describeUser(user))
  }
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (pending + chunk.toString('utf8')).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) show(line)
      done()
    },
    final(done) {
      show(pending)
      done()
    },
  })
}
