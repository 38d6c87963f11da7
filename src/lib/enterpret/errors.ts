import {ExitCode, type AppError} from '../common/index.js'

/** Stops the run: retrying cannot help (bad API key) or the service is persistently down. */
export type EnterpretFatal = EnterpretAuthError | EnterpretUnavailable

export interface EnterpretAuthError extends AppError {
  readonly _tag: 'EnterpretAuthError'
  readonly status: 401 | 403
}

export interface EnterpretUnavailable extends AppError {
  readonly _tag: 'EnterpretUnavailable'
  /** How many batches in a row got no usable answer. */
  readonly batches: number
  /** Why the last of them failed, e.g. "HTTP 503 ErrCodeInternalError after 6 tries". */
  readonly lastReason: string
}

const KEY_HINT =
  "ENTERPRET_API_KEY must be the key shown at the top of the Enterpret Feedback webhook integration's page (Integrations › Webhook); store a new one with `gladly-enterpret auth login`."

export function enterpretAuthError(status: 401 | 403, host: string, code: string | undefined): EnterpretAuthError {
  const answer = code === undefined ? `${status}` : `${status} ${code}`
  if (status === 401) {
    return {
      _tag: 'EnterpretAuthError',
      status,
      exit: ExitCode.usage,
      message: `Enterpret at ${host} rejected the API key (${answer}).`,
      suggestions: [KEY_HINT],
    }
  }
  return {
    _tag: 'EnterpretAuthError',
    status,
    exit: ExitCode.usage,
    message: `Enterpret at ${host} accepted the API key but refused to take records with it (${answer}).`,
    suggestions: [`User and Account integrations have keys of their own: ${KEY_HINT}`],
  }
}

export function enterpretUnavailable(host: string, batches: number, lastReason: string): EnterpretUnavailable {
  return {
    _tag: 'EnterpretUnavailable',
    batches,
    lastReason,
    exit: ExitCode.failure,
    message: `Enterpret at ${host} failed ${batches} batches in a row (last: ${lastReason}); stopping instead of dead-lettering every record.`,
    suggestions: [
      'Run the import again later: re-sending is safe, because Enterpret skips ids it already has.',
      'If it persists, check ENTERPRET_API_URL and give Enterpret support the referenceID from the log.',
    ],
  }
}
