import {join} from 'node:path'
import {appendLines, readJsonLines, writeAtomically} from '../common/index.js'
import {profileStateDir} from './store.js'

/**
 * Conversations already delivered, with the closedAt they were sent with. Enterpret would skip a
 * re-sent id anyway; the ledger saves the Gladly request, and tells a conversation that was reopened
 * and closed again (--resend-updated) from one that was not.
 */
export interface Ledger {
  closedAtOf(conversationId: string): string | undefined
  record(entries: ReadonlyArray<{readonly conversationId: string; readonly closedAt: string}>): Promise<void>
  readonly size: number
}

interface Entry {
  readonly id: string
  readonly closedAt: string
}

const isEntry = (value: unknown): value is Entry => typeof value === 'object' && value !== null && typeof (value as Entry).id === 'string' && typeof (value as Entry).closedAt === 'string'

// Re-sends append a second line for the same id; rewrite the file once the repeats dominate it.
const COMPACT_WHEN_LINES_PER_ENTRY = 2

export async function openLedger(stateDir: string, profile: string): Promise<Ledger> {
  const path = join(profileStateDir(stateDir, profile), 'sent.jsonl')
  const lines = (await readJsonLines(path)).filter(isEntry)
  const sent = new Map<string, string>()
  for (const entry of lines) sent.set(entry.id, entry.closedAt)
  if (lines.length > COMPACT_WHEN_LINES_PER_ENTRY * sent.size && sent.size > 0) {
    await writeAtomically(path, [...sent].map(([id, closedAt]) => `${JSON.stringify({id, closedAt})}\n`).join(''))
  }
  return {
    closedAtOf: (conversationId) => sent.get(conversationId),
    async record(entries) {
      await appendLines(path, entries.map(({conversationId, closedAt}) => JSON.stringify({id: conversationId, closedAt})))
      for (const {conversationId, closedAt} of entries) sent.set(conversationId, closedAt)
    },
    get size() {
      return sent.size
    },
  }
}

/** A dry run's ledger: it remembers what this run would have sent, in memory only, so the state stays as it was. */
export async function readOnlyLedger(stateDir: string, profile: string): Promise<Ledger> {
  const lines = (await readJsonLines(join(profileStateDir(stateDir, profile), 'sent.jsonl'))).filter(isEntry)
  const sent = new Map(lines.map((entry) => [entry.id, entry.closedAt]))
  return {
    closedAtOf: (conversationId) => sent.get(conversationId),
    async record(entries) {
      for (const {conversationId, closedAt} of entries) sent.set(conversationId, closedAt)
    },
    get size() {
      return sent.size
    },
  }
}
