import * as E from 'fp-ts/lib/Either.js'
import {ExitCode, type AppError} from '../common/index.js'
import type {Settings} from '../config/index.js'
import {registerSecret} from '../log/index.js'
import {createRedactor, type Redactor} from '../transform/index.js'

/*
 * What shapes the records of a run (issue 17): the settings joined into the pure transform's configuration.
 */

const shapingError = (message: string, suggestions?: string[]): AppError => ({
  _tag: 'ConfigError',
  exit: ExitCode.usage,
  message,
  ...(suggestions === undefined ? {} : {suggestions}),
})

/** REDACT_PII's redactor, or none when it is off; `hash` without REDACT_PII_KEY is a configuration error. */
export function redactorOf(settings: Settings): E.Either<AppError, Redactor | undefined> {
  const {REDACT_PII: mode, REDACT_PII_KEY: key, REDACT_PII_FIELDS: fields} = settings.values
  if (mode === 'off') return E.right(undefined)
  if (mode === 'hash' && key === undefined) {
    return E.left(
      shapingError('REDACT_PII=hash needs REDACT_PII_KEY, the key its tokens are made with; it is not set.', [
        'Set REDACT_PII_KEY in the environment or a .env file (chmod 600), or use REDACT_PII=mask.',
      ]),
    )
  }
  registerSecret(key)
  return E.right(createRedactor({mode, ...(key === undefined ? {} : {key}), fields: fields ?? [], patterns: []}))
}
