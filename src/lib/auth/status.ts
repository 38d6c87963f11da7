import * as E from 'fp-ts/lib/Either.js'
import * as T from 'fp-ts/lib/Task.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {ExitCode, type AppError} from '../common/index.js'
import type {SecretName, SettingName, Settings, Source} from '../config/index.js'
import {requireSettings, SETTINGS} from '../config/index.js'
import type {CredentialsError} from '../credentials/index.js'
import {probeApiKey, USERS_WEBHOOK} from '../enterpret/index.js'
import {getOrganization} from '../gladly/index.js'
import type {Logger} from '../log/index.js'
import {checkConnection} from './gladly-connection.js'

const CREDENTIAL_NAMES = [
  'GLADLY_API_URL',
  'GLADLY_USERNAME',
  'GLADLY_API_TOKEN',
  'ENTERPRET_API_URL',
  'ENTERPRET_API_KEY',
  'ENTERPRET_USERS_API_KEY',
  // Shown (masked) where it comes from; only REDACT_PII=hash needs it, and no service checks it.
  'REDACT_PII_KEY',
] as const satisfies readonly SettingName[]

export interface CredentialReport {
  readonly name: (typeof CREDENTIAL_NAMES)[number]
  readonly set: boolean
  readonly source?: Source
  readonly where?: string
  /** The value as it may be shown: secrets masked, everything else in full. */
  readonly display?: string
  /** A secret that is stored but could not be read: where, and why. */
  readonly unreadable?: {readonly store: 'keychain' | 'credentials file'; readonly reason: string}
}

export interface ServiceCheck {
  readonly service: 'gladly' | 'enterpret' | 'enterpret-users'
  readonly status: 'ok' | 'failed' | 'skipped' | 'incomplete'
  readonly detail: string
  /** What this check means for the exit code: 2 for a credential missing or rejected, 1 for a service out of reach. */
  readonly exit: ExitCode
}

export interface AuthStatus {
  readonly profile: string
  readonly credentials: readonly CredentialReport[]
  readonly checks: readonly ServiceCheck[]
  /** False when a live check ran and failed, or a credential a check needs is missing. */
  readonly ok: boolean
  readonly exit: ExitCode
  /** Stored secrets that could not be read, one sentence each. */
  readonly problems: readonly string[]
}

export interface StatusOptions {
  readonly offline: boolean
  readonly userAgent: string
  readonly logger: Logger
  /** Secrets the settings could not read from their store (the command collects them as it loads the settings). */
  readonly unreadable: Partial<Record<SecretName, CredentialsError>>
}

/** Shows that a secret is there and lets people tell two apart, without revealing it. */
function maskSecret(value: string): string {
  return value.length >= 20 ? `****${value.slice(-4)}` : '****'
}

function report(
  settings: Settings,
  name: (typeof CREDENTIAL_NAMES)[number],
  unreadable: StatusOptions['unreadable'],
): CredentialReport {
  const value = settings.values[name]
  const origin = settings.origins[name]
  if (value === undefined || origin === undefined) {
    const failure = unreadable[name as SecretName]
    if (failure === undefined) return {name, set: false}
    return {
      name,
      set: false,
      unreadable: {
        store: failure._tag === 'KeychainUnavailable' ? 'keychain' : 'credentials file',
        reason: failure.message,
      },
    }
  }
  const secret = 'secret' in SETTINGS[name]
  return {
    name,
    set: true,
    source: origin.source,
    where: origin.where,
    display: secret ? maskSecret(String(value)) : String(value),
  }
}

/** The check cannot run: names what is missing, and which of it is stored but unreadable. */
function incomplete(
  service: ServiceCheck['service'],
  credentials: readonly CredentialReport[],
  needed: readonly string[],
): ServiceCheck {
  const missing = credentials.filter((credential) => needed.includes(credential.name) && !credential.set)
  const what = missing
    .map((credential) =>
      credential.unreadable === undefined ? `${credential.name} is not set` : `${credential.name} could not be read`,
    )
    .join(', ')
  return {service, status: 'incomplete', detail: `not checked: ${what}`, exit: ExitCode.usage}
}

const failed = (service: ServiceCheck['service'], error: AppError): ServiceCheck => ({
  service,
  status: 'failed',
  detail: [error.message, ...(error.suggestions ?? [])].join(' '),
  exit: error.exit,
})

const GLADLY_NAMES = ['GLADLY_API_URL', 'GLADLY_USERNAME', 'GLADLY_API_TOKEN'] as const

function checkGladly(
  settings: Settings,
  credentials: readonly CredentialReport[],
  userAgent: string,
  logger: Logger,
): T.Task<ServiceCheck> {
  return pipe(
    requireSettings(settings, GLADLY_NAMES, 'the Gladly check'),
    E.match(
      () => T.of(incomplete('gladly', credentials, GLADLY_NAMES)),
      (values) =>
        pipe(
          getOrganization(
            checkConnection(
              settings,
              {origin: values.GLADLY_API_URL, username: values.GLADLY_USERNAME, token: values.GLADLY_API_TOKEN},
              userAgent,
              logger,
            ),
          ),
          TE.match(
            (error) => failed('gladly', error),
            (organization): ServiceCheck => ({
              service: 'gladly',
              status: 'ok',
              detail: `organization "${organization.name}" (${organization.id})`,
              exit: ExitCode.ok,
            }),
          ),
        ),
    ),
  )
}

function checkEnterpret(
  settings: Settings,
  credentials: readonly CredentialReport[],
  userAgent: string,
): T.Task<ServiceCheck> {
  return pipe(
    requireSettings(settings, ['ENTERPRET_API_KEY'], 'the Enterpret check'),
    E.match(
      () => T.of(incomplete('enterpret', credentials, ['ENTERPRET_API_KEY'])),
      (values) =>
        pipe(
          probeApiKey(settings.values.ENTERPRET_API_URL, values.ENTERPRET_API_KEY, userAgent),
          TE.match(
            (error) => failed('enterpret', error),
            (): ServiceCheck => ({
              service: 'enterpret',
              status: 'ok',
              detail: 'the API key was accepted (checked with an empty batch; nothing was sent)',
              exit: ExitCode.ok,
            }),
          ),
        ),
    ),
  )
}

/** The Users webhook key is optional: without it customers are simply not sent, which is no failure. */
function checkEnterpretUsers(
  settings: Settings,
  credentials: readonly CredentialReport[],
  userAgent: string,
): T.Task<ServiceCheck> {
  const key = settings.values.ENTERPRET_USERS_API_KEY
  if (key === undefined) {
    const stored = credentials.find((credential) => credential.name === 'ENTERPRET_USERS_API_KEY')
    return T.of(
      stored?.unreadable === undefined
        ? {
            service: 'enterpret-users',
            status: 'skipped',
            detail: 'not set: customers are not sent as users',
            exit: ExitCode.ok,
          }
        : incomplete('enterpret-users', credentials, ['ENTERPRET_USERS_API_KEY']),
    )
  }
  return pipe(
    probeApiKey(settings.values.ENTERPRET_API_URL, key, userAgent, USERS_WEBHOOK),
    TE.match(
      (error) => failed('enterpret-users', error),
      (): ServiceCheck => ({
        service: 'enterpret-users',
        status: 'ok',
        detail: `the ${USERS_WEBHOOK.name} key was accepted (checked with an empty batch; nothing was sent)`,
        exit: ExitCode.ok,
      }),
    ),
  )
}

export function authStatus(settings: Settings, options: StatusOptions): T.Task<AuthStatus> {
  const credentials = CREDENTIAL_NAMES.map((name) => report(settings, name, options.unreadable))
  const problems = credentials.flatMap(({name, unreadable}) =>
    unreadable === undefined
      ? []
      : [`${name} is stored in the ${unreadable.store} but could not be read: ${unreadable.reason}`],
  )
  const skipped = (service: ServiceCheck['service']): ServiceCheck => ({
    service,
    status: 'skipped',
    detail: 'not checked (--offline)',
    exit: ExitCode.ok,
  })
  const checks: T.Task<ServiceCheck[]> = options.offline
    ? T.of([skipped('gladly'), skipped('enterpret'), skipped('enterpret-users')])
    : (T.sequenceArray([
        checkGladly(settings, credentials, options.userAgent, options.logger),
        checkEnterpret(settings, credentials, options.userAgent),
        checkEnterpretUsers(settings, credentials, options.userAgent),
      ]) as T.Task<ServiceCheck[]>)
  return pipe(
    checks,
    T.map((results) => {
      // Missing or rejected credentials (2) outrank a service out of reach (1): they need someone to act.
      const exit = Math.max(...results.map((check) => check.exit)) as ExitCode
      return {profile: settings.profile, credentials, checks: results, ok: exit === ExitCode.ok, exit, problems}
    }),
  )
}
