import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type {AppError} from '../common/index.js'
import {writeProfile, type SecretName, type Settings} from '../config/index.js'
import {removeSecrets} from '../credentials/index.js'

export interface LogoutResult {
  readonly profile: string
  readonly removed: readonly SecretName[]
}

/** Removes the profile's stored secrets; its URL and username stay, so logging in again is quick. */
export function logout(settings: Settings): TE.TaskEither<AppError, LogoutResult> {
  const held = settings.stored.secrets ?? {}
  return pipe(
    removeSecrets(settings.paths, settings.profile, held),
    TE.chainEitherKW((removed) => {
      const {secrets: _dropped, ...rest} = settings.stored
      return pipe(
        writeProfile(settings.paths, settings.profile, Object.keys(rest).length === 0 ? undefined : rest),
        E.map((): LogoutResult => ({profile: settings.profile, removed})),
      )
    }),
  )
}
