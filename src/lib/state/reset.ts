import {readdir, rm} from 'node:fs/promises'
import {join} from 'node:path'
import {journalPath} from './journal.js'
import {forgetSentSince} from './ledger.js'
import {forgetSentUsers} from './users.js'
import type {State} from './schema.js'
import {profileStateDir} from './store.js'

/**
 * Moves the watermark to `to`: jobs updated at or after it will be imported again, jobs before it are
 * skipped. Dead letters and quarantined conversations stay: they are still owed.
 */
export function moveWatermark(state: State, to: Date): State {
  const instant = to.toISOString()
  return {
    ...state,
    watermark: {updatedAt: instant, jobIds: []},
    processedJobs: state.processedJobs.filter((job) => Date.parse(job.updatedAt) < to.getTime()),
    checkpoint: null,
  }
}

/**
 * The files that go with a moved watermark: the unfinished job's journal, the ledger entries of conversations
 * closed from `to` on, so that they are sent again rather than skipped as sent, and which users were sent, so that
 * the customers of those conversations go again with them (Enterpret updates a user it has).
 */
export async function forgetSince(stateDir: string, profile: string, to: Date): Promise<void> {
  await rm(journalPath(stateDir, profile), {force: true})
  await forgetSentSince(stateDir, profile, to)
  await forgetSentUsers(stateDir, profile)
}

/** Everything the profile remembers, except a lock someone may hold. */
export async function forgetEverything(stateDir: string, profile: string): Promise<void> {
  const dir = profileStateDir(stateDir, profile)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return
  }
  for (const name of names) if (name !== 'import.lock') await rm(join(dir, name), {recursive: true, force: true})
}
