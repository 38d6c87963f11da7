import Conf from 'conf'
import {left, right, type Either} from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {join} from 'node:path'
import {decode, ExitCode} from '../common/index.js'
import type {ConfigError} from './errors.js'
import type {Paths} from './paths.js'
import {SECRET_NAMES, STORABLE_NAMES, type SecretName, type StorableName} from './settings.js'

export const SecretBackend = t.keyof({keychain: null, file: null}, 'keychain or file')
export type SecretBackend = t.TypeOf<typeof SecretBackend>

const storedValues = Object.fromEntries(STORABLE_NAMES.map((name) => [name, t.string])) as Record<
  StorableName,
  t.StringC
>
const secretBackends = Object.fromEntries(SECRET_NAMES.map((name) => [name, SecretBackend])) as Record<
  SecretName,
  typeof SecretBackend
>

/** One profile's stored settings. Secrets are never here: only which backend holds each one. */
export const StoredProfile = t.intersection([t.partial(storedValues), t.partial({secrets: t.partial(secretBackends)})])
export type StoredProfile = t.TypeOf<typeof StoredProfile>

const SettingsFile = t.partial({profiles: t.record(t.string, StoredProfile)})
type SettingsFile = t.TypeOf<typeof SettingsFile>

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function settingsFilePath(paths: Paths): string {
  return join(paths.configDir, 'settings.json')
}

function open(paths: Paths): Conf<SettingsFile> {
  return new Conf<SettingsFile>({
    cwd: paths.configDir,
    configName: 'settings',
    accessPropertiesByDotNotation: false,
    configFileMode: 0o600,
  })
}

function corrupt(file: string, problem: string): ConfigError {
  return {
    _tag: 'ConfigError',
    exit: ExitCode.usage,
    message: `The settings file ${file} is unreadable (${problem}); it was left as it is.`,
    suggestions: [`Fix or delete ${file}, then run gladly-enterpret auth login again.`],
  }
}

function readFile(paths: Paths): Either<ConfigError, {conf: Conf<SettingsFile>; content: SettingsFile}> {
  const file = settingsFilePath(paths)
  let conf: Conf<SettingsFile>
  try {
    conf = open(paths)
  } catch (error) {
    return left(corrupt(file, error instanceof SyntaxError ? 'not valid JSON' : String((error as Error).message)))
  }
  const decoded = decode(SettingsFile, conf.store, 'settings')
  return decoded._tag === 'Left' ? left(corrupt(file, decoded.left.message)) : right({conf, content: decoded.right})
}

export function readProfile(paths: Paths, profile: string): Either<ConfigError, StoredProfile> {
  const file = readFile(paths)
  if (file._tag === 'Left') return file
  return right(file.right.content.profiles?.[profile] ?? {})
}

/** Replaces one profile's record (written atomically by conf); `undefined` removes the profile. */
export function writeProfile(
  paths: Paths,
  profile: string,
  record: StoredProfile | undefined,
): Either<ConfigError, void> {
  const file = readFile(paths)
  if (file._tag === 'Left') return file
  const profiles = {...file.right.content.profiles}
  if (record === undefined) delete profiles[profile]
  else profiles[profile] = record
  try {
    file.right.conf.set('profiles', profiles)
    return right(undefined)
  } catch (error) {
    return left({
      _tag: 'ConfigError',
      exit: ExitCode.failure,
      message: `Could not write ${settingsFilePath(paths)}: ${(error as Error).message}`,
    })
  }
}
