import {parse as parseDotenv} from 'dotenv'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {ExitCode, type AppError} from '../common/index.js'
import type {ConfigError} from './errors.js'
import {resolvePaths, type Paths} from './paths.js'
import {PROFILE_NAME, readProfile, settingsFilePath, type SecretBackend, type StoredProfile} from './profile-store.js'
import {
  SECRET_NAMES,
  SETTING_NAMES,
  SETTINGS,
  type SecretName,
  type SettingName,
  type SettingValue,
  type Source,
} from './settings.js'
import {unknownVariableWarnings} from './unknown.js'

/** Where one value came from: the layer, and a phrase that finishes "BATCH_SIZE from …". */
interface Origin {
  readonly source: Source
  readonly where: string
}

type WithDefault = {[N in SettingName]: (typeof SETTINGS)[N] extends {default: string} ? N : never}[SettingName]
type SettingValues = {readonly [N in WithDefault]: SettingValue<N>} & {
  readonly [N in Exclude<SettingName, WithDefault>]?: SettingValue<N>
}

export interface Settings {
  readonly profile: string
  readonly paths: Paths
  readonly values: SettingValues
  readonly origins: {readonly [N in SettingName]?: Origin}
  /** The profile as stored, for the auth commands. */
  readonly stored: StoredProfile
  /** What the person should hear about these settings once per command (unknown variables). */
  readonly warnings: readonly string[]
}

export type SecretReader = (
  name: SecretName,
  backend: SecretBackend,
  profile: string,
  paths: Paths,
) => TE.TaskEither<AppError, string | undefined>

export interface LoadOptions {
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  /** Values from command flags, by setting name. Secrets are never accepted here. */
  readonly flags?: {readonly [N in SettingName]?: string | number}
  readonly flagNames?: {readonly [N in SettingName]?: string}
  readonly envFile?: string
  readonly profile?: string
  /** Reads a stored secret; without one, stored secrets are left unread (commands that need none). */
  readonly readSecret?: SecretReader
}

interface Candidate {
  readonly raw: string
  readonly origin: Origin
}

const configError = (message: string, suggestions?: string[]): ConfigError => ({
  _tag: 'ConfigError',
  exit: ExitCode.usage,
  message,
  suggestions,
})

function readEnvFile(
  cwd: string,
  explicit: string | undefined,
): E.Either<ConfigError, {values: Record<string, string>; path?: string}> {
  const path = resolve(cwd, explicit ?? '.env')
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (explicit === undefined && code === 'ENOENT') return E.right({values: {}})
    return E.left(
      configError(`Cannot read the .env file ${path} (${code ?? (error as Error).message}).`, [
        'Check the path given to --dotenv-file.',
      ]),
    )
  }
  return E.right({values: parseDotenv(text), path})
}

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== ''

function chooseProfile(options: LoadOptions, dotenv: Record<string, string>): E.Either<ConfigError, string> {
  const candidates: [string | undefined, string][] = [
    [options.profile, '--profile'],
    [options.env.GLADLY_ENTERPRET_PROFILE, 'GLADLY_ENTERPRET_PROFILE'],
    [dotenv.GLADLY_ENTERPRET_PROFILE, 'GLADLY_ENTERPRET_PROFILE in .env'],
  ]
  const chosen = candidates.find(([value]) => present(value))
  if (chosen === undefined) return E.right('default')
  const [name, where] = chosen as [string, string]
  return PROFILE_NAME.test(name.trim())
    ? E.right(name.trim())
    : E.left(
        configError(`Profile name from ${where} must be letters, digits, '.', '_' or '-' (at most 64), got '${name}'.`),
      )
}

/** The highest-precedence value of each setting: flag › environment › .env › stored profile › default. */
function collectCandidates(
  options: LoadOptions,
  dotenv: {values: Record<string, string>; path?: string},
  stored: StoredProfile,
  profile: string,
  paths: Paths,
) {
  const candidates = new Map<SettingName, Candidate>()
  for (const name of SETTING_NAMES) {
    const spec = SETTINGS[name]
    const flag = options.flags?.[name]
    const storedValue = (stored as Record<string, unknown>)[name]
    const layers: [unknown, Origin][] = [
      [flag === undefined ? undefined : String(flag), {source: 'flag', where: options.flagNames?.[name] ?? 'a flag'}],
      [options.env[name], {source: 'env', where: 'the environment'}],
      [dotenv.values[name], {source: '.env', where: dotenv.path ?? '.env'}],
      [storedValue, {source: 'profile', where: `profile '${profile}' (${settingsFilePath(paths)})`}],
      ['default' in spec ? spec.default : undefined, {source: 'default', where: 'the default'}],
    ]
    const hit = layers.find(([value]) => typeof value === 'string' && present(value))
    if (hit) candidates.set(name, {raw: hit[0] as string, origin: hit[1]})
  }
  return candidates
}

function readStoredSecrets(
  options: LoadOptions,
  candidates: Map<SettingName, Candidate>,
  stored: StoredProfile,
  profile: string,
  paths: Paths,
) {
  const reader = options.readSecret
  const wanted = SECRET_NAMES.filter((name) => !candidates.has(name) && stored.secrets?.[name] !== undefined)
  if (reader === undefined || wanted.length === 0) return TE.right(candidates)
  return pipe(
    wanted,
    TE.traverseSeqArray((name) => {
      const backend = stored.secrets?.[name] as SecretBackend
      return pipe(
        reader(name, backend, profile, paths),
        TE.map((value) => ({name, value, backend})),
      )
    }),
    TE.map((found) => {
      for (const {name, value, backend} of found) {
        if (present(value))
          candidates.set(name, {
            raw: value,
            origin: {
              source: backend,
              where: backend === 'keychain' ? 'the system keychain' : 'the insecure credentials file',
            },
          })
      }
      return candidates
    }),
  )
}

function describeRaw(name: SettingName, raw: string): string {
  return 'secret' in SETTINGS[name] ? `a value of ${raw.length} characters` : `'${raw}'`
}

function decodeAll(
  candidates: Map<SettingName, Candidate>,
): E.Either<ConfigError, {values: SettingValues; origins: Settings['origins']}> {
  const values: Record<string, unknown> = {}
  const origins: Record<string, Origin> = {}
  for (const [name, candidate] of candidates) {
    const codec = SETTINGS[name].codec as import('io-ts').Type<unknown, string, unknown>
    const decoded = codec.decode(candidate.raw)
    if (decoded._tag === 'Left') {
      // A codec with a more specific complaint than its name (the Gladly URL) passes it as the message.
      const problem = decoded.left[0]?.message ?? `must be ${codec.name}`
      return E.left(
        configError(`${name} from ${candidate.origin.where} ${problem}, got ${describeRaw(name, candidate.raw)}.`),
      )
    }
    values[name] = decoded.right
    origins[name] = candidate.origin
  }
  return E.right({values: Object.freeze(values) as SettingValues, origins: Object.freeze(origins)})
}

/**
 * Resolves every setting through its layers into one frozen, typed object. A bad value fails with a
 * message that names the variable, the problem and where the value came from.
 */
export function loadSettings(options: LoadOptions): TE.TaskEither<AppError, Settings> {
  return pipe(
    TE.fromEither(readEnvFile(options.cwd, options.envFile)),
    TE.bindTo('dotenv'),
    TE.bindW('profile', ({dotenv}) => TE.fromEither(chooseProfile(options, dotenv.values))),
    TE.bindW('paths', () => TE.right(resolvePaths(options.env))),
    TE.bindW('stored', ({paths, profile}) => TE.fromEither(readProfile(paths, profile))),
    TE.bindW('candidates', ({dotenv, stored, profile, paths}) =>
      readStoredSecrets(options, collectCandidates(options, dotenv, stored, profile, paths), stored, profile, paths),
    ),
    TE.chainW(({candidates, profile, paths, stored, dotenv}) =>
      pipe(
        TE.fromEither(decodeAll(candidates)),
        TE.map(({values, origins}): Settings => {
          const warnings = unknownVariableWarnings([
            [options.env, 'the environment'],
            [dotenv.values, dotenv.path ?? '.env'],
          ])
          return Object.freeze({profile, paths, values, origins, stored, warnings})
        }),
      ),
    ),
  )
}

/** Fails with one actionable message when any of `names` has no value. */
export function requireSettings<N extends SettingName>(
  settings: Settings,
  names: readonly N[],
  purpose: string,
): E.Either<ConfigError, {readonly [K in N]: SettingValue<K>}> {
  const missing = names.filter((name) => settings.values[name] === undefined)
  if (missing.length === 0) return E.right(settings.values as {readonly [K in N]: SettingValue<K>})
  const list = missing.join(', ')
  return E.left(
    configError(
      `${list} ${missing.length === 1 ? 'is' : 'are'} not set, and ${purpose} needs ${missing.length === 1 ? 'it' : 'them'}.`,
      [
        `Run gladly-enterpret auth login${settings.profile === 'default' ? '' : ` --profile ${settings.profile}`}, or set ${list} in the environment or a .env file.`,
      ],
    ),
  )
}
