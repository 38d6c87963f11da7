import * as T from 'fp-ts/lib/Task.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type {SettingName, Settings, Source} from '../config/index.js'
import {SETTINGS} from '../config/index.js'
import {probeApiKey} from '../enterpret/index.js'
import {getOrganization} from '../gladly/index.js'
import type {Logger} from '../log/index.js'
import {checkConnection} from './gladly-connection.js'

const CREDENTIAL_NAMES = [
  'GLADLY_API_URL',
  'GLADLY_USERNAME',
  'GLADLY_API_TOKEN',
  'ENTERPRET_API_URL',
  'ENTERPRET_API_KEY',
] as const satisfies readonly SettingName[]

export interface CredentialReport {
  readonly name: (typeof CREDENTIAL_NAMES)[number]
  readonly set: boolean
  readonly source?: Source
  readonly where?: string
  /** The value as it may be shown: secrets masked, everything else in full. */
  readonly display?: string
}

export interface ServiceCheck {
  readonly service: 'gladly' | 'enterpret'
  readonly status: 'ok' | 'failed' | 'skipped' | 'incomplete'
  readonly detail: string
}

export interface AuthStatus {
  readonly profile: string
  readonly credentials: readonly CredentialReport[]
  readonly checks: readonly ServiceCheck[]
  /** False when a live check ran and failed, or a credential a check needs is missing. */
  readonly ok: boolean
}

/** Shows that a secret is there and lets people tell two apart, without revealing it. */
function maskSecret(value: string): string {
  return value.length >= 20 ? `****${value.slice(-4)}` : '****'
}

function report(settings: Settings, name: (typeof CREDENTIAL_NAMES)[number]): CredentialReport {
  const value = settings.values[name]
  const origin = settings.origins[name]
  if (value === undefined || origin === undefined) return {name, set: false}
  const secret = 'secret' in SETTINGS[name]
  return {
    name,
    set: true,
    source: origin.source,
    where: origin.where,
    display: secret ? maskSecret(String(value)) : String(value),
  }
}

function checkGladly(settings: Settings, userAgent: string, logger: Logger): T.Task<ServiceCheck> {
  const {GLADLY_API_URL: origin, GLADLY_USERNAME: username, GLADLY_API_TOKEN: token} = settings.values
  if (origin === undefined || username === undefined || token === undefined) {
    return T.of({
      service: 'gladly',
      status: 'incomplete',
      detail: 'GLADLY_API_URL, GLADLY_USERNAME and GLADLY_API_TOKEN are all needed',
    })
  }
  return pipe(
    getOrganization(checkConnection(settings, {origin, username, token}, userAgent, logger)),
    TE.match(
      (error): ServiceCheck => ({
        service: 'gladly',
        status: 'failed',
        detail: [error.message, ...(error.suggestions ?? [])].join(' '),
      }),
      (organization): ServiceCheck => ({
        service: 'gladly',
        status: 'ok',
        detail: `organization "${organization.name}" (${organization.id})`,
      }),
    ),
  )
}

function checkEnterpret(settings: Settings, userAgent: string): T.Task<ServiceCheck> {
  const key = settings.values.ENTERPRET_API_KEY
  if (key === undefined)
    return T.of({service: 'enterpret', status: 'incomplete', detail: 'ENTERPRET_API_KEY is needed'})
  return pipe(
    probeApiKey(settings.values.ENTERPRET_API_URL, key, userAgent),
    TE.match(
      (error): ServiceCheck => ({service: 'enterpret', status: 'failed', detail: error.message}),
      (verdict): ServiceCheck =>
        verdict === 'accepted'
          ? {
              service: 'enterpret',
              status: 'ok',
              detail: 'the API key was accepted (checked with an empty batch; nothing was sent)',
            }
          : {
              service: 'enterpret',
              status: 'failed',
              detail:
                'Enterpret rejected the API key (401): copy it again from the webhook integration page in Enterpret',
            },
    ),
  )
}

export function authStatus(
  settings: Settings,
  options: {readonly offline: boolean; readonly userAgent: string; readonly logger: Logger},
): T.Task<AuthStatus> {
  const credentials = CREDENTIAL_NAMES.map((name) => report(settings, name))
  const skipped = (service: ServiceCheck['service']): ServiceCheck => ({
    service,
    status: 'skipped',
    detail: 'not checked (--offline)',
  })
  const checks: T.Task<ServiceCheck[]> = options.offline
    ? T.of([skipped('gladly'), skipped('enterpret')])
    : (T.sequenceArray([
        checkGladly(settings, options.userAgent, options.logger),
        checkEnterpret(settings, options.userAgent),
      ]) as T.Task<ServiceCheck[]>)
  return pipe(
    checks,
    T.map((results) => ({
      profile: settings.profile,
      credentials,
      checks: results,
      ok: options.offline || results.every((check) => check.status === 'ok'),
    })),
  )
}
