import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type {AppError} from '../common/index.js'
import {
  requireSettings,
  settingsFilePath,
  writeProfile,
  type SecretBackend,
  type SecretName,
  type Settings,
  type StoredProfile,
} from '../config/index.js'
import {removeSecrets, storeSecrets} from '../credentials/index.js'
import {getOrganization} from '../gladly/index.js'
import {registerSecret, type Logger} from '../log/index.js'
import {checkConnection} from './gladly-connection.js'

export interface LoginInput {
  readonly settings: Settings
  readonly gladlyToken: string
  readonly enterpretKey?: string
  readonly storage: SecretBackend
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
  readonly enterpret: {readonly url: string; readonly apiKey: 'stored' | 'kept' | 'not set'}
  readonly storage: SecretBackend
  readonly settingsFile: string
}

/**
 * Verifies the Gladly credentials live, and only then stores them: secrets in the chosen backend
 * (removed from the other one, so a profile never has two copies), the rest in settings.json.
 */
export function login(input: LoginInput): TE.TaskEither<AppError, LoginResult> {
  const {settings, storage} = input
  registerSecret(input.gladlyToken)
  registerSecret(input.enterpretKey)
  return pipe(
    TE.fromEither(requireSettings(settings, ['GLADLY_API_URL', 'GLADLY_USERNAME'], 'auth login')),
    TE.bindTo('values'),
    TE.bindW('organization', ({values}) =>
      getOrganization(
        checkConnection(
          settings,
          {origin: values.GLADLY_API_URL, username: values.GLADLY_USERNAME, token: input.gladlyToken},
          input.userAgent,
          input.logger,
        ),
      ),
    ),
    TE.bindW('secrets', () => {
      const secrets: Partial<Record<SecretName, string>> = {GLADLY_API_TOKEN: input.gladlyToken}
      if (input.enterpretKey !== undefined) secrets.ENTERPRET_API_KEY = input.enterpretKey
      return pipe(
        storeSecrets(settings.paths, settings.profile, secrets, storage),
        TE.map(() => secrets),
      )
    }),
    TE.chainFirstW(({secrets}) => {
      const elsewhere = Object.fromEntries(
        Object.keys(secrets)
          .filter(
            (name) =>
              settings.stored.secrets?.[name as SecretName] !== undefined &&
              settings.stored.secrets?.[name as SecretName] !== storage,
          )
          .map((name) => [name, settings.stored.secrets?.[name as SecretName]]),
      ) as Partial<Record<SecretName, SecretBackend>>
      return removeSecrets(settings.paths, settings.profile, elsewhere)
    }),
    TE.chainEitherKW(({values, organization, secrets}) => {
      const held = {
        ...settings.stored.secrets,
        ...Object.fromEntries(Object.keys(secrets).map((name) => [name, storage])),
      }
      const record: StoredProfile = {
        ...settings.stored,
        GLADLY_API_URL: values.GLADLY_API_URL,
        GLADLY_USERNAME: values.GLADLY_USERNAME,
        secrets: held,
      }
      const enterpretOrigin = settings.origins.ENTERPRET_API_URL
      if (enterpretOrigin !== undefined && enterpretOrigin.source !== 'default' && enterpretOrigin.source !== 'profile')
        record.ENTERPRET_API_URL = settings.values.ENTERPRET_API_URL
      return pipe(
        writeProfile(settings.paths, settings.profile, record),
        E.map((): LoginResult => ({
          profile: settings.profile,
          gladly: {
            url: values.GLADLY_API_URL,
            username: values.GLADLY_USERNAME,
            organization: {id: organization.id, name: organization.name},
          },
          enterpret: {
            url: record.ENTERPRET_API_URL ?? settings.values.ENTERPRET_API_URL,
            apiKey:
              input.enterpretKey !== undefined ? 'stored' : held.ENTERPRET_API_KEY !== undefined ? 'kept' : 'not set',
          },
          storage,
          settingsFile: settingsFilePath(settings.paths),
        })),
      )
    }),
  )
}
