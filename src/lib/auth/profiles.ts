import * as E from 'fp-ts/lib/Either.js'
import {LOGIN_SECRETS} from './login.js'
import {pipe} from 'fp-ts/lib/function.js'
import {readdirSync} from 'node:fs'
import {resolve} from 'node:path'
import type {AppError} from '../common/index.js'
import {
  PROFILE_NAME,
  readProfiles,
  SECRET_NAMES,
  settingsFilePath,
  type Paths,
  type SecretName,
  type StoredProfile,
} from '../config/index.js'
import {credentialsFilePath, KEYCHAIN_SERVICE, keychainAccount} from '../credentials/index.js'
import {openStateStore, profileStateDir} from '../state/index.js'

/** Where one stored secret is, as settings.json records it; the secret itself is never read. */
export type SecretLocation =
  | {readonly store: 'keychain'; readonly service: string; readonly account: string}
  | {readonly store: 'file'; readonly file: string}

interface ProfileEntry {
  readonly name: string
  /** The profile this command line selects (--profile, GLADLY_ENTERPRET_PROFILE, .env, or default). */
  readonly current: boolean
  /** Its stored settings (never a secret), in settings.json; empty when nothing is stored. */
  readonly settings: Omit<StoredProfile, 'secrets'>
  /** Each secret auth login stored, and where; null when none is (the environment or a .env may give it). */
  readonly secrets: {readonly [N in SecretName]?: SecretLocation | null}
  readonly state: {readonly dir: string; readonly file: string; readonly exists: boolean}
}

export interface ProfileList {
  readonly settingsFile: string
  readonly current: string
  readonly profiles: readonly ProfileEntry[]
}

/** Folders of the state folder that hold a profile's state (not the logs, which XDG puts in there too). */
function profilesWithState(paths: Paths): string[] {
  let entries
  try {
    entries = readdirSync(paths.stateDir, {withFileTypes: true})
  } catch {
    return []
  }
  return entries
    .filter((entry) => entry.isDirectory() && PROFILE_NAME.test(entry.name))
    .map((entry) => entry.name)
    .filter((name) => resolve(profileStateDir(paths.stateDir, name)) !== resolve(paths.logDir))
}

function secretLocation(paths: Paths, profile: string, name: SecretName, stored: StoredProfile): SecretLocation | null {
  switch (stored.secrets?.[name]) {
    case 'keychain':
      return {store: 'keychain', service: KEYCHAIN_SERVICE, account: keychainAccount(profile, name)}
    case 'file':
      return {store: 'file', file: credentialsFilePath(paths)}
    default:
      return null
  }
}

/**
 * Every profile that has stored settings or state, and the current one, by name: where each one's settings,
 * secrets and state are. Reads settings.json and lists the state folder; never touches the keychain. The secrets
 * auth login keeps are always listed; others (watch's webhook secrets) only where a profile stores them.
 */
export function listProfiles(paths: Paths, current: string): E.Either<AppError, ProfileList> {
  return pipe(
    readProfiles(paths),
    E.map((stored) => {
      const names = [...new Set([...Object.keys(stored), ...profilesWithState(paths), current])].sort()
      const profiles = names.map((name): ProfileEntry => {
        const {secrets: _where, ...settings} = stored[name] ?? {}
        const state = openStateStore(paths.stateDir, name)
        return {
          name,
          current: name === current,
          settings,
          secrets: Object.fromEntries(
            SECRET_NAMES.filter(
              (secret) =>
                (LOGIN_SECRETS as readonly string[]).includes(secret) || stored[name]?.secrets?.[secret] !== undefined,
            ).map((secret) => [secret, secretLocation(paths, name, secret, stored[name] ?? {})]),
          ) as ProfileEntry['secrets'],
          state: {dir: profileStateDir(paths.stateDir, name), file: state.path, exists: state.exists()},
        }
      })
      return {settingsFile: settingsFilePath(paths), current, profiles}
    }),
  )
}
