import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {removeFile, safeFileName, writeAtomically} from '../common/index.js'
import {profileStateDir} from './store.js'

/** Payloads of records Enterpret did not take, one file per record id, next to the state index. */
export interface DeadLetterPayloads {
  put(recordId: string, payload: unknown): Promise<void>
  get(recordId: string): Promise<unknown>
  remove(recordId: string): Promise<void>
}

/** Users have a folder of their own: a user id is a customer id or an email, which could be a record id too. */
function deadLetterDir(stateDir: string, profile: string, kind: 'records' | 'users'): string {
  const dir = join(profileStateDir(stateDir, profile), 'dead-letters')
  return kind === 'users' ? join(dir, 'users') : dir
}

export function openDeadLetters(
  stateDir: string,
  profile: string,
  kind: 'records' | 'users' = 'records',
): DeadLetterPayloads {
  const file = (recordId: string) => join(deadLetterDir(stateDir, profile, kind), `${safeFileName(recordId)}.json`)
  return {
    put: (recordId, payload) => writeAtomically(file(recordId), JSON.stringify(payload)),
    async get(recordId) {
      try {
        return JSON.parse(await readFile(file(recordId), 'utf8')) as unknown
      } catch {
        return undefined
      }
    },
    remove: (recordId) => removeFile(file(recordId)),
  }
}
