import Conf from 'conf'
import * as E from 'fp-ts/lib/Either.js'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {decode, ExitCode, localFileProblem} from '../common/index.js'
import type {StateError} from './errors.js'
import {EMPTY_STATE, STATE_SCHEMA_VERSION, StateV1, type State} from './schema.js'

export function profileStateDir(stateDir: string, profile: string): string {
  return join(stateDir, profile)
}

export interface StateStore {
  readonly path: string
  readonly exists: () => boolean
  /** The stored state, or the empty state when there is none yet. Never writes. */
  readonly read: () => E.Either<StateError, State>
  /** Replaces the stored state atomically (conf writes a temporary file and renames it). */
  readonly write: (state: State) => E.Either<StateError, void>
}

function stateError(message: string, suggestions?: string[]): StateError {
  return {_tag: 'StateError', exit: ExitCode.failure, message, suggestions}
}

function unreadable(path: string, problem: string): StateError {
  return stateError(`The state file ${path} is unreadable (${problem}). It was left untouched; nothing was imported.`, [
    `Restore it from a backup, or move it aside and run gladly-enterpret state reset --to <date of the last good import> to start again from that date.`,
  ])
}

export function openStateStore(stateDir: string, profile: string): StateStore {
  const dir = profileStateDir(stateDir, profile)
  const path = join(dir, 'state.json')
  let conf: Conf<State> | undefined
  const open = (): Conf<State> =>
    (conf ??= new Conf<State>({
      cwd: dir,
      configName: 'state',
      accessPropertiesByDotNotation: false,
      configFileMode: 0o600,
    }))

  const read = (): E.Either<StateError, State> => {
    if (!existsSync(path)) return E.right(EMPTY_STATE)
    let raw: unknown
    try {
      raw = open().store
    } catch (error) {
      return E.left(unreadable(path, error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message))
    }
    const version = (raw as {schemaVersion?: unknown}).schemaVersion
    if (typeof version === 'number' && version > STATE_SCHEMA_VERSION) {
      return E.left(
        stateError(
          `The state file ${path} was written by a newer gladly-enterpret (schema ${version}, this one reads ${STATE_SCHEMA_VERSION}).`,
          ['Upgrade gladly-enterpret.'],
        ),
      )
    }
    const decoded = decode(StateV1, raw, 'state')
    return decoded._tag === 'Left' ? E.left(unreadable(path, decoded.left.message)) : E.right(decoded.right)
  }

  const write = (state: State): E.Either<StateError, void> => {
    try {
      open().store = state
      return E.right(undefined)
    } catch (error) {
      return E.left(
        stateError(localFileProblem(error) ?? `Could not write the state file ${path}: ${(error as Error).message}`),
      )
    }
  }

  return {path, exists: () => existsSync(path), read, write}
}
