import type {AppError} from '../common/index.js'

/** A setting is missing, malformed, or the settings file cannot be used. */
export interface ConfigError extends AppError {
  readonly _tag: 'ConfigError'
}
