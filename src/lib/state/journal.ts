import * as t from 'io-ts'
import {join} from 'node:path'
import {appendLines, readJsonLines, removeFile} from '../common/index.js'
import {profileStateDir} from './store.js'

/**
 * What of the checkpointed job is done, appended after every delivered batch: a killed run resumes
 * the job and skips these conversations, so at most the batch in flight is sent again.
 */
export interface Journal {
  /** Done before this run began (what this run marks is only written down: it never asks twice). */
  has(conversationId: string): boolean
  markDone(conversationIds: readonly string[]): Promise<void>
  clear(): Promise<void>
  readonly size: number
}

const JournalLine = t.type({done: t.array(t.string)})

export function journalPath(stateDir: string, profile: string): string {
  return join(profileStateDir(stateDir, profile), 'checkpoint.jsonl')
}

export async function openJournal(stateDir: string, profile: string): Promise<Journal> {
  const path = journalPath(stateDir, profile)
  const done = new Set<string>()
  let written = 0
  // A line that is not {done: [ids]} is left out: its conversations are resolved again, and the ledger (or Enterpret,
  // which skips known ids) keeps them from being sent twice.
  for (const line of (await readJsonLines(path)).values)
    if (JournalLine.is(line)) for (const id of line.done) done.add(id)
  return {
    has: (conversationId) => done.has(conversationId),
    async markDone(conversationIds) {
      if (conversationIds.length === 0) return
      await appendLines(path, [JSON.stringify({done: conversationIds})])
      written += conversationIds.length
    },
    async clear() {
      await removeFile(path)
      done.clear()
      written = 0
    },
    get size() {
      return done.size + written
    },
  }
}
