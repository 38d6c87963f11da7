import * as TE from 'fp-ts/lib/TaskEither.js'
import got from 'got'
import {ExitCode, type AppError} from '../common/index.js'
import {registerSecret} from '../log/index.js'

export const WEBHOOK_PATH = '/webhook/custom/all'

export type KeyCheck = 'accepted' | 'rejected'

/**
 * Enterpret has no read-only endpoint to check a key. An empty batch is the closest thing: the key
 * is checked before the body, so a bad key is a 401 and a good one gets a 400 for the empty
 * `records` — and nothing is ingested either way. (Inferred from the reference's check order.)
 */
export function probeApiKey(baseUrl: string, apiKey: string, userAgent: string): TE.TaskEither<AppError, KeyCheck> {
  registerSecret(apiKey)
  return TE.tryCatch(
    async () => {
      const response = await got.post(`${baseUrl}${WEBHOOK_PATH}`, {
        headers: {'api-key': apiKey, 'user-agent': userAgent},
        json: {records: []},
        throwHttpErrors: false,
        retry: {limit: 1},
        timeout: {request: 20_000},
      })
      if (response.statusCode === 401 || response.statusCode === 403) return 'rejected' as const
      if (response.statusCode >= 500) throw new Error(`Enterpret answered ${response.statusCode}`)
      return 'accepted' as const
    },
    (error): AppError => ({
      _tag: 'EnterpretUnreachable',
      exit: ExitCode.failure,
      message: `Enterpret at ${baseUrl} could not be reached: ${(error as Error).message}`,
    }),
  )
}
