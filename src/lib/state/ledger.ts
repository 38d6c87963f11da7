import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {KeyedLog, rewriteKeeping} from './keyed-log.js'
import {profileStateDir} from './store.js'

/**
 * Conversations already delivered, with the closedAt they were sent with. Enterpret would skip a
 * re-sent id anyway; the ledger saves the Gladly request, and tells a conversation that was reopened
 * and closed again (--resend-updated) from one that was not.
 */
export interface Ledger {
  closedAtOf(conversationId: string): string | undefined
  record(entries: ReadonlyArray<{readonly conversationId: string; readonly closedAt: string}>): Promise<void>
}

interface Entry {
  readonly id: string
  readonly closedAt: string
}

function entryOf(text: string): Entry | undefined {
  try {
    const value = JSON.parse(text) as Partial<Entry> | null
    return typeof value?.id === 'string' && typeof value.closedAt === 'string'
      ? {id: value.id, closedAt: value.closedAt}
      : undefined
  } catch {
    return undefined
  }
}

const ledgerPath = (stateDir: string, profile: string) => join(profileStateDir(stateDir, profile), 'sent.jsonl')

const asEntries = (entries: ReadonlyArray<{readonly conversationId: string; readonly closedAt: string}>): Entry[] =>
  entries.map(({conversationId, closedAt}) => ({id: conversationId, closedAt}))

export async function openLedger(stateDir: string, profile: string): Promise<Ledger> {
  const file = await KeyedLog.open(ledgerPath(stateDir, profile), entryOf, true)
  return {
    closedAtOf: (conversationId) => file.get(conversationId)?.closedAt,
    async record(entries) {
      file.append(asEntries(entries))
    },
  }
}

/** A dry run's ledger: it remembers what this run would have sent, in memory only, so the state stays as it was. */
export async function readOnlyLedger(stateDir: string, profile: string): Promise<Ledger> {
  const file = await KeyedLog.open(ledgerPath(stateDir, profile), entryOf, false)
  const wouldSend = new Map<string, string>()
  return {
    closedAtOf: (conversationId) => wouldSend.get(conversationId) ?? file.get(conversationId)?.closedAt,
    async record(entries) {
      for (const {id, closedAt} of asEntries(entries)) wouldSend.set(id, closedAt)
    },
  }
}

/**
 * Forgets the conversations closed from `to` on, so that they are sent again rather than skipped as
 * sent (state reset --to).
 */
export async function forgetSentSince(stateDir: string, profile: string, to: Date): Promise<void> {
  const path = ledgerPath(stateDir, profile)
  if (!existsSync(path)) return
  await rewriteKeeping(path, (text) => {
    const entry = entryOf(text)
    return entry !== undefined && Date.parse(entry.closedAt) < to.getTime()
  })
}
