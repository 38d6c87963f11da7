import type {Settings} from '../config/index.js'
import {createBudget, createGladlyHttp, type GladlyHttp} from '../gladly/index.js'
import type {Logger} from '../log/index.js'

/** A Gladly connection for a one-off check: its own small budget, few retries. */
export function checkConnection(
  settings: Settings,
  credentials: {origin: string; username: string; token: string},
  userAgent: string,
  logger: Logger,
): GladlyHttp {
  return createGladlyHttp({
    ...credentials,
    userAgent,
    maxRetries: Math.min(settings.values.MAX_RETRIES, 2),
    retryDelayMs: settings.values.RETRY_DELAY,
    budget: createBudget(settings.values.GLADLY_MAX_RPS),
    logger,
    stats: {requests: 0, rateLimited: 0, retries: 0},
  })
}
