import {createBudget, createGladlyHttp, type GladlyConnection, type GladlyHttp} from '../../src/lib/gladly/index.js'
import {silentLogger} from '../../src/lib/log/index.js'

/** A Gladly client for unit tests: one quick retry, no pacing to speak of, nothing logged; any field overridable. */
export function testGladlyHttp(origin: string, overrides: Partial<GladlyConnection> = {}): GladlyHttp {
  return createGladlyHttp({
    origin,
    username: 'api@acme.com',
    token: 'fake-token-for-tests',
    userAgent: 'gladly-enterpret/test',
    maxRetries: 1,
    retryDelayMs: 5,
    budget: createBudget(1000, overrides.clock),
    logger: silentLogger(),
    stats: {requests: 0, rateLimited: 0, retries: 0},
    ...overrides,
  })
}
