import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import got from 'got'
import {ExitCode, type AppError} from '../common/index.js'
import {registerSecret} from '../log/index.js'
import {enterpretAuthError} from './errors.js'
import {FEEDBACK_WEBHOOK, requestBody, type Webhook} from './webhooks.js'

export const WEBHOOK_PATH = FEEDBACK_WEBHOOK.path

// What a webhook that took the key answers an empty batch: 400 for the empty array (or 2xx from a lenient
// one); 413 and 429 come after the key check too.
const KEY_TAKEN = (status: number) =>
  (status >= 200 && status < 300) || status === 400 || status === 413 || status === 429

const unreachable = (baseUrl: string, problem: string): AppError => ({
  _tag: 'EnterpretUnreachable',
  exit: ExitCode.failure,
  message: `Enterpret at ${baseUrl} could not be reached: ${problem}`,
})

/**
 * Checks the Enterpret address and key without sending a record. Enterpret has no read-only endpoint for
 * it; an empty batch is the closest thing: the key is checked before the body, so a bad key is a 401 and
 * a good one gets a 400 for the empty `records`, and nothing is ingested either way (inferred from the
 * reference's check order). Anything else means ENTERPRET_API_URL is not the webhook's address.
 */
export function probeApiKey(
  baseUrl: string,
  apiKey: string,
  userAgent: string,
  webhook: Webhook = FEEDBACK_WEBHOOK,
): TE.TaskEither<AppError, void> {
  registerSecret(apiKey)
  return pipe(
    TE.tryCatch(
      () =>
        got.post(`${baseUrl}${webhook.path}`, {
          headers: {'api-key': apiKey, 'user-agent': userAgent, 'content-type': 'application/json'},
          body: requestBody([], webhook.envelope),
          throwHttpErrors: false,
          retry: {limit: 1},
          timeout: {request: 20_000},
        }),
      (error) => unreachable(baseUrl, (error as Error).message),
    ),
    TE.chainEitherK(({statusCode: status}) => {
      if (status === 401 || status === 403)
        return E.left(enterpretAuthError(status, new URL(baseUrl).host, undefined, webhook))
      if (status >= 500) return E.left(unreachable(baseUrl, `it answered ${status}`))
      if (KEY_TAKEN(status)) return E.right(undefined)
      return E.left<AppError>({
        _tag: 'EnterpretWrongUrl',
        exit: ExitCode.usage,
        message: `There is no Enterpret ${webhook.name} at ${baseUrl} (${status} on ${webhook.path}).`,
        suggestions: [
          'Check ENTERPRET_API_URL: it is https://api.enterpret.com unless Enterpret gave you another address, without /webhook/… at the end.',
        ],
      })
    }),
  )
}
