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

function deadLetterDir(stateDir: string, profile: string): string {
  return join(profileStateDir(stateDir, profile), 'dead-letters')
}

export function openDeadLetters(stateDir: string, profile: string): DeadLetterPayloads {
  const file = (recordId: string) => join(deadLetterDir(stateDir, profile), `${safeFileName(recordId)}.json`)
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
