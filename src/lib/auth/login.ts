import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {ExitCode, type AppError} from '../common/index.js'
import {
  normalizeGladlyUrl,
  requireSettings,
  settingsFilePath,
  writeProfile,
  type SecretBackend,
  type SecretName,
  type Settings,
  type StoredProfile,
} from '../config/index.js'
import {keychainReady, removeSecrets, storeSecrets} from '../credentials/index.js'
import {FEEDBACK_WEBHOOK, probeApiKey, USERS_WEBHOOK, type Webhook} from '../enterpret/index.js'
import {getOrganization} from '../gladly/index.js'
import {registerSecret, type Logger} from '../log/index.js'
import {checkConnection} from './gladly-connection.js'

/** Where the secrets go: a store of ours, or nowhere (every run reads them from the environment or a .env file). */
type SecretStorage = SecretBackend | 'environment'

/** Answers a person gets to give before login gives up. */
const TRIES = 3

/** How login asks the person at the terminal; scripts have none, and give every value up front. */
export interface LoginPrompts {
  /** There is no keychain (`problem` says why): where the secrets go instead. Asked before anything else. */
  chooseStorage(problem: string): Promise<'file' | 'environment'>
  /** A Gladly account setting; `current` (the last answer, or the setting) is the default. */
  ask(name: 'GLADLY_API_URL' | 'GLADLY_USERNAME', current: string | undefined): Promise<string>
  /**
   * A secret, masked. An empty answer skips an optional one, or keeps the value set in `current` (where the
   * secret is already set) when there is one.
   */
  askSecret(
    name: (typeof LOGIN_SECRETS)[number],
    options: {readonly optional: boolean; readonly current?: string},
  ): Promise<string>
  /** The last answers failed: why, before they are asked again. */
  retry(problem: AppError, triesLeft: number): void
}

export interface LoginInput {
  /** Loaded without stored secrets: a secret found in them is one from the environment or .env. */
  readonly settings: Settings
  /** --insecure-storage: the file, keychain or not. */
  readonly insecure: boolean
  /** Secrets read from stdin (--with-token, --with-enterpret-key, --with-users-key). */
  readonly piped: Partial<Record<SecretName, string>>
  readonly prompts?: LoginPrompts
  readonly userAgent: string
  readonly logger: Logger
}

export interface LoginResult {
  readonly profile: string
  readonly gladly: {
    readonly url: string
    readonly username: string
    readonly organization: {readonly id: string; readonly name: string}
  }
  /** `key`, `usersKey`: not `apiKey`, which output redaction blanks by its name. */
  readonly enterpret: {readonly url: string; readonly key: KeyOutcome; readonly usersKey: KeyOutcome}
  readonly storage: SecretStorage
  /** Secrets that were checked and not stored, and are not set yet where the runs will look for them. */
  readonly setInEnvironment: readonly SecretName[]
  readonly settingsFile: string
}

/** What became of an Enterpret key: given and checked (then stored, or left in the environment), kept from before, or none. */
type KeyOutcome = 'stored' | 'kept' | 'environment' | 'not set'

interface GladlyAccount {
  readonly url: string
  readonly username: string
  readonly token: string
}

interface Verified {
  readonly storage: SecretStorage
  readonly account: GladlyAccount
  readonly organization: {readonly id: string; readonly name: string}
  readonly enterpretKey: string | undefined
  readonly usersKey: string | undefined
}

const usage = (message: string, suggestions?: string[]): AppError => ({
  _tag: 'ConfigError',
  exit: ExitCode.usage,
  message,
  suggestions,
})
const noToken = () =>
  usage('No Gladly API token was given.', [
    'Pipe it on stdin with --with-token, set GLADLY_API_TOKEN, or run this command on a terminal to be asked for it.',
  ])

function answer<A>(question: () => Promise<A>): TE.TaskEither<AppError, A> {
  return TE.tryCatch(question, (error): AppError => ({
    _tag: 'LoginStopped',
    exit: ExitCode.failure,
    message: `auth login stopped at a prompt (${(error as Error).message}); nothing was stored.`,
  }))
}

/** A secret set in the environment or .env (the settings were loaded without stored secrets), unless one was piped. */
function fromEnvironment(input: LoginInput, name: SecretName): {value: string; where: string} | undefined {
  const value = input.settings.values[name]
  const where = input.settings.origins[name]?.where
  return input.piped[name] === undefined && value !== undefined && where !== undefined ? {value, where} : undefined
}

/** A script must give everything up front: what is missing is said before the keychain is even tried. */
function scriptGaveEnough(input: LoginInput): E.Either<AppError, void> {
  if (input.prompts !== undefined) return E.right(undefined)
  if (input.piped.GLADLY_API_TOKEN === undefined && fromEnvironment(input, 'GLADLY_API_TOKEN') === undefined)
    return E.left(noToken())
  return pipe(
    requireSettings(input.settings, ['GLADLY_API_URL', 'GLADLY_USERNAME'], 'auth login'),
    E.map(() => undefined),
  )
}

/**
 * What would need a store: secrets piped in, and at a terminal those not in the environment (they will be typed).
 * Not the optional Users webhook key at a terminal: a setup whose other secrets all come from the environment is not
 * made to choose a store for it; it is read from the environment like the rest.
 */
/**
 * The secrets login asks for at a terminal and stores; REDACT_PII_KEY is only ever piped in (--with-redaction-key),
 * watch's webhook secrets come from the environment or .env.
 */
export const LOGIN_SECRETS = [
  'GLADLY_API_TOKEN',
  'ENTERPRET_API_KEY',
  'ENTERPRET_USERS_API_KEY',
] as const satisfies readonly SecretName[]

/** What would need a store: secrets piped in, and at a terminal those not in the environment (they will be typed). */
function secretsToKeep(input: LoginInput): SecretName[] {
  return [
    ...LOGIN_SECRETS.filter(
      (name) =>
        input.piped[name] !== undefined ||
        (input.prompts !== undefined &&
          name !== USERS_WEBHOOK.keySetting &&
          fromEnvironment(input, name) === undefined),
    ),
    // Never asked for: only a piped one is stored.
    ...(input.piped.REDACT_PII_KEY === undefined ? [] : (['REDACT_PII_KEY'] as const)),
  ]
}

const inWords = (names: readonly string[]): string => new Intl.ListFormat('en').format(names)

/**
 * Decided before anything is asked, so that nobody types four answers to learn there is nowhere to keep them.
 * Without a keychain, secrets that all come from the environment need no store at all; otherwise the person
 * chooses, and a script is told its ways around it.
 */

function decideStorage(input: LoginInput): TE.TaskEither<AppError, SecretStorage> {
  if (input.insecure) return TE.right('file')
  const {prompts, logger} = input
  return pipe(
    keychainReady(input.settings.profile),
    TE.map((): SecretStorage => 'keychain'),
    TE.orElse((unavailable) => {
      const inEnvironment = LOGIN_SECRETS.filter((name) => fromEnvironment(input, name) !== undefined)
      if (secretsToKeep(input).length === 0) {
        logger.info(
          `${unavailable.message} ${inWords(inEnvironment)} come${inEnvironment.length === 1 ? 's' : ''} from the environment: checked here, and read from there on every run; nothing secret is stored.`,
        )
        return TE.right<AppError, SecretStorage>('environment')
      }
      if (prompts === undefined) return TE.left<AppError, SecretStorage>(unavailable)
      return answer(() => prompts.chooseStorage(unavailable.message))
    }),
  )
}

/** The token is checked as soon as it is given; at a terminal, a failure asks again (the last answers as defaults). */
function verifyGladly(
  input: LoginInput,
  storage: SecretStorage,
): TE.TaskEither<AppError, Pick<Verified, 'account' | 'organization'>> {
  const {settings, prompts} = input
  const environmentToken = fromEnvironment(input, 'GLADLY_API_TOKEN')
  const asked = (name: 'GLADLY_API_URL' | 'GLADLY_USERNAME') =>
    prompts !== undefined && settings.origins[name]?.source !== 'flag'
  // In a script, the token given; at a terminal with nowhere to store it, the environment's: the runs will use that one.
  const fixedToken =
    prompts === undefined
      ? (input.piped.GLADLY_API_TOKEN ?? environmentToken?.value)
      : storage === 'environment'
        ? environmentToken?.value
        : undefined
  const token = (): TE.TaskEither<AppError, string> => {
    if (fixedToken !== undefined) return TE.right(fixedToken)
    if (prompts === undefined) return TE.left(noToken())
    return pipe(
      answer(() => prompts.askSecret('GLADLY_API_TOKEN', {optional: false, current: environmentToken?.where})),
      TE.map((typed) => typed || (environmentToken?.value ?? '')),
    )
  }
  const setting = (
    name: 'GLADLY_API_URL' | 'GLADLY_USERNAME',
    previous: string | undefined,
  ): TE.TaskEither<AppError, string> =>
    prompts !== undefined && asked(name)
      ? pipe(
          answer(() => prompts.ask(name, previous ?? settings.values[name])),
          TE.chainEitherK((text) =>
            name === 'GLADLY_API_URL'
              ? E.mapLeft((problem: string) => usage(`GLADLY_API_URL ${problem}, got '${text}'.`))(
                  normalizeGladlyUrl(text),
                )
              : E.right(text.trim()),
          ),
        )
      : TE.fromEither(
          pipe(
            requireSettings(settings, [name], 'auth login'),
            E.map((values) => values[name]),
          ),
        )

  const attempt = (
    triesLeft: number,
    previous: Partial<GladlyAccount>,
  ): TE.TaskEither<AppError, Pick<Verified, 'account' | 'organization'>> =>
    pipe(
      TE.Do,
      TE.bind('url', () => setting('GLADLY_API_URL', previous.url)),
      TE.bind('username', () => setting('GLADLY_USERNAME', previous.username)),
      TE.bind('token', () => token()),
      TE.chain((account) =>
        pipe(
          TE.fromIO(() => registerSecret(account.token)),
          TE.chain(() =>
            getOrganization(
              checkConnection(
                settings,
                {origin: account.url, username: account.username, token: account.token},
                input.userAgent,
                input.logger,
              ),
            ),
          ),
          TE.map((organization) => ({account, organization: {id: organization.id, name: organization.name}})),
          TE.orElse((problem) => {
            const again =
              prompts !== undefined &&
              triesLeft > 1 &&
              (fixedToken === undefined || asked('GLADLY_API_URL') || asked('GLADLY_USERNAME'))
            if (!again) return TE.left<AppError, Pick<Verified, 'account' | 'organization'>>(problem)
            prompts.retry(problem, triesLeft - 1)
            return attempt(triesLeft - 1, account)
          }),
        ),
      ),
    )
  return attempt(TRIES, {})
}

/**
 * A webhook's key, if there is one, is probed (an empty batch) before anything is stored; a rejected one is asked
 * again. Both keys are optional: an empty answer skips one.
 */
function verifyWebhookKey(
  input: LoginInput,
  storage: SecretStorage,
  webhook: Webhook,
): TE.TaskEither<AppError, string | undefined> {
  const {settings, prompts} = input
  const url = settings.values.ENTERPRET_API_URL
  const name = webhook.keySetting
  const environmentKey = fromEnvironment(input, name)
  const probe = (key: string) =>
    pipe(
      probeApiKey(url, key, input.userAgent, webhook),
      TE.map(() => key),
    )
  const given = input.piped[name] ?? environmentKey?.value
  // With nowhere to store keys, one already in the environment is not asked; nor is the Users key when every other
  // secret comes from there (the person was not asked where secrets go, so the environment holds it or nothing).
  const readFromEnvironment =
    storage === 'environment' &&
    (environmentKey !== undefined || (webhook === USERS_WEBHOOK && secretsToKeep(input).length === 0))
  if (prompts === undefined || readFromEnvironment) return given === undefined ? TE.right(undefined) : probe(given)

  const attempt = (triesLeft: number): TE.TaskEither<AppError, string | undefined> =>
    pipe(
      answer(() => prompts.askSecret(name, {optional: true, current: environmentKey?.where})),
      TE.chain((typed) => {
        const key = typed || environmentKey?.value
        if (key === undefined) return TE.right(undefined)
        return pipe(
          probe(key),
          TE.orElse((problem) => {
            // Only a rejected key is worth typing again; a wrong address or a network problem is not the key's.
            if (problem._tag !== 'EnterpretAuthError' || triesLeft <= 1)
              return TE.left<AppError, string | undefined>(problem)
            prompts.retry(problem, triesLeft - 1)
            return attempt(triesLeft - 1)
          }),
        )
      }),
    )
  return attempt(TRIES)
}

/** Secrets in the chosen store (removed from the other one, so a profile never has two copies), the rest in settings.json. */
function save(input: LoginInput, verified: Verified): TE.TaskEither<AppError, LoginResult> {
  const {settings} = input
  const {storage, account, organization, enterpretKey, usersKey} = verified
  const secrets: Partial<Record<SecretName, string>> = {GLADLY_API_TOKEN: account.token}
  if (enterpretKey !== undefined) secrets.ENTERPRET_API_KEY = enterpretKey
  if (usersKey !== undefined) secrets.ENTERPRET_USERS_API_KEY = usersKey
  // Nothing to check it against: stored as given.
  if (input.piped.REDACT_PII_KEY !== undefined) secrets.REDACT_PII_KEY = input.piped.REDACT_PII_KEY
  const names = Object.keys(secrets) as SecretName[]
  const stored: TE.TaskEither<AppError, Partial<Record<SecretName, SecretBackend>>> = storage === 'environment'
    ? TE.right(settings.stored.secrets ?? {})
    : pipe(
        storeSecrets(settings.paths, settings.profile, secrets, storage),
        TE.chain(() => {
          const elsewhere = Object.fromEntries(
            names.flatMap((name) =>
              settings.stored.secrets?.[name] !== undefined && settings.stored.secrets[name] !== storage
                ? [[name, settings.stored.secrets[name]]]
                : [],
            ),
          )
          return removeSecrets(settings.paths, settings.profile, elsewhere)
        }),
        TE.map(() => ({...settings.stored.secrets, ...Object.fromEntries(names.map((name) => [name, storage]))})),
      )
  return pipe(
    stored,
    TE.chainEitherKW((held) => {
      const record: StoredProfile = {
        ...settings.stored,
        GLADLY_API_URL: account.url,
        GLADLY_USERNAME: account.username,
        secrets: held,
      }
      const enterpretOrigin = settings.origins.ENTERPRET_API_URL
      if (enterpretOrigin !== undefined && enterpretOrigin.source !== 'default' && enterpretOrigin.source !== 'profile')
        record.ENTERPRET_API_URL = settings.values.ENTERPRET_API_URL
      const outcome = (name: SecretName): KeyOutcome =>
        secrets[name] === undefined
          ? held[name] !== undefined
            ? 'kept'
            : 'not set'
          : storage === 'environment'
            ? 'environment'
            : 'stored'
      return pipe(
        writeProfile(settings.paths, settings.profile, record),
        E.map((): LoginResult => ({
          profile: settings.profile,
          gladly: {url: account.url, username: account.username, organization},
          enterpret: {
            url: record.ENTERPRET_API_URL ?? settings.values.ENTERPRET_API_URL,
            key: outcome('ENTERPRET_API_KEY'),
            usersKey: outcome('ENTERPRET_USERS_API_KEY'),
          },
          storage,
          setInEnvironment:
            storage === 'environment'
              ? names.filter((name) => fromEnvironment(input, name)?.value !== secrets[name])
              : [],
          settingsFile: settingsFilePath(settings.paths),
        })),
      )
    }),
  )
}

/**
 * `auth login`, in the order a person meets it: where the secrets will go (before any question), then the
 * Gladly account, checked at once, then the Enterpret feedback key and the Users webhook key, each probed; only
 * then is anything stored. At a terminal
 * a failed check asks again, a few times; a script gets the first failure with its exit code.
 */
export function login(input: LoginInput): TE.TaskEither<AppError, LoginResult> {
  for (const value of Object.values(input.piped)) registerSecret(value)
  return pipe(
    TE.fromEither(scriptGaveEnough(input)),
    TE.chain(() => decideStorage(input)),
    TE.bindTo('storage'),
    TE.bind('gladly', ({storage}) => verifyGladly(input, storage)),
    TE.bind('enterpretKey', ({storage}) => verifyWebhookKey(input, storage, FEEDBACK_WEBHOOK)),
    TE.bind('usersKey', ({storage}) => verifyWebhookKey(input, storage, USERS_WEBHOOK)),
    TE.chain(({storage, gladly, enterpretKey, usersKey}) => save(input, {storage, ...gladly, enterpretKey, usersKey})),
  )
}
