import {ExitCode, type AppError} from '../common/index.js'
import {FEEDBACK_WEBHOOK, type Webhook} from './webhooks.js'

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

export function enterpretAuthError(
  status: 401 | 403,
  host: string,
  code: string | undefined,
  webhook: Webhook = FEEDBACK_WEBHOOK,
): EnterpretAuthError {
  const answer = code === undefined ? `${status}` : `${status} ${code}`
  const key = webhook === FEEDBACK_WEBHOOK ? 'the API key' : `the ${webhook.name} key (${webhook.keySetting})`
  if (status === 401) {
    return {
      _tag: 'EnterpretAuthError',
      status,
      exit: ExitCode.usage,
      message: `Enterpret at ${host} rejected ${key} (${answer}).`,
      suggestions: [webhook.keyHint],
    }
  }
  return {
    _tag: 'EnterpretAuthError',
    status,
    exit: ExitCode.usage,
    message: `Enterpret at ${host} accepted ${key} but refused to take ${webhook.envelope} with it (${answer}).`,
    suggestions: [`Feedback, User and Account integrations each have a key of their own: ${webhook.keyHint}`],
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
