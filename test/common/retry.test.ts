import {expect} from 'chai'
import * as E from 'fp-ts/lib/Either.js'
import {
  backoff,
  createRateLimiter,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  retryAfterMs,
  withRetries,
  type Attempt,
  type RateLimiter,
  type RequestStats,
  type Tries,
} from '../../src/lib/common/index.js'
import {virtualClock} from '../helpers/virtual-clock.js'

const NOW = Date.parse('2026-03-02T10:00:00Z')

describe('retry policy', () => {
  describe('Retry-After', () => {
    const after = (value: string) => retryAfterMs({'retry-after': value}, NOW)

    it('reads seconds', () => {
      expect(after('2')).to.equal(2000)
      expect(after('0')).to.equal(0)
      expect(after('1.5')).to.equal(1500)
    })

    it('reads an HTTP date, from the clock’s now', () => {
      expect(after('Mon, 02 Mar 2026 10:00:30 GMT')).to.equal(30_000)
      expect(after('Mon, 02 Mar 2026 09:59:00 GMT'), 'a date already past').to.equal(0)
    })

    it('caps a huge wait, as seconds or as a date', () => {
      expect(after('86400')).to.equal(MAX_RETRY_AFTER_MS)
      expect(after('Tue, 03 Mar 2026 10:00:00 GMT')).to.equal(MAX_RETRY_AFTER_MS)
      expect(MAX_RETRY_AFTER_MS).to.equal(300_000)
    })

    it('ignores a missing or unreadable header', () => {
      expect(retryAfterMs({}, NOW)).to.equal(undefined)
      expect(after('soon')).to.equal(undefined)
      expect(after('-5')).to.equal(0)
    })
  })

  describe('backoff', () => {
    it('doubles from the base, within 25% either side', () => {
      for (let retry = 0; retry < 6; retry++) {
        const ceiling = 100 * 2 ** retry
        const waits = Array.from({length: 200}, () => backoff(100, retry))
        expect(Math.min(...waits), `retry ${retry}`).to.be.at.least(0.75 * ceiling)
        expect(Math.max(...waits), `retry ${retry}`).to.be.at.most(1.25 * ceiling)
        // Jittered: callers that failed together do not come back together.
        expect(new Set(waits).size).to.be.above(10)
      }
    })

    it('is capped however many retries came before', () => {
      const waits = Array.from({length: 200}, () => backoff(1000, 40))
      expect(Math.min(...waits)).to.be.at.least(0.75 * MAX_BACKOFF_MS)
      expect(Math.max(...waits)).to.be.at.most(1.25 * MAX_BACKOFF_MS)
    })
  })

  describe('the retry loop', () => {
    type Reply = 'ok' | 'fatal' | '429' | '503' | 'refused' | {retryAfter: string}
    type Result = E.Either<string, string>

    /** An attempt that reads scripted replies; the last reply repeats. */
    function scripted(replies: readonly Reply[], starts: number[] = []) {
      return async (startedAt: number, attempt: number): Promise<Attempt<string, string>> => {
        starts.push(startedAt)
        const reply = replies[Math.min(attempt, replies.length) - 1] as Reply
        const giveUp = (tries: Tries): Result => E.left(`gave up: ${JSON.stringify(tries)}`)
        if (reply === 'ok') return {kind: 'final', result: E.right(`ok on try ${attempt}`)}
        if (reply === 'fatal') return {kind: 'final', result: E.left('fatal')}
        if (reply === '429') return {kind: 'rateLimited', headers: {}, giveUp}
        if (typeof reply === 'object') return {kind: 'rateLimited', headers: {'retry-after': reply.retryAfter}, giveUp}
        return {kind: 'failed', retryable: reply === '503', reason: reply, giveUp}
      }
    }

    function setUp(options: {maxRetries?: number; retryDelayMs?: number} = {}) {
      const clock = virtualClock({settleMs: 0})
      const stats: RequestStats = {requests: 0, rateLimited: 0, retries: 0}
      const logged: string[] = []
      const policy = {
        api: 'Test',
        maxRetries: options.maxRetries ?? 2,
        retryDelayMs: options.retryDelayMs ?? 100,
        clock,
        stats,
        debug: (message: string) => logged.push(message),
      }
      const limiter = createRateLimiter(1000, clock)
      const run = (
        replies: readonly Reply[],
        starts?: number[],
        limiters: RateLimiter[] = [limiter],
        pauses = limiter,
      ) => withRetries(policy, {label: 'GET /thing', limiters, pauses, attempt: scripted(replies, starts)})()
      return {clock, stats, logged, limiter, run}
    }

    it('returns a final answer or error at once', async () => {
      const {run, stats} = setUp()
      expect(await run(['ok'])).to.deep.equal(E.right('ok on try 1'))
      expect(await run(['fatal'])).to.deep.equal(E.left('fatal'))
      expect(stats).to.deep.equal({requests: 2, rateLimited: 0, retries: 0})
    })

    it('retries failures with a growing backoff on the clock, then gives up after maxRetries', async () => {
      const {run, stats, logged} = setUp({maxRetries: 2, retryDelayMs: 100})
      const starts: number[] = []
      expect(await run(['503'], starts)).to.deep.equal(E.left('gave up: {"attempts":3,"failures":3,"rateLimits":0}'))
      expect(stats).to.deep.equal({requests: 3, rateLimited: 0, retries: 2})
      const [first, second, third] = starts as [number, number, number]
      expect(second - first).to.be.within(75, 125)
      expect(third - second).to.be.within(150, 250)
      expect(logged[0]).to.match(/^GET \/thing failed \(503\); retry 1\/2 in \d+ ms$/)
    })

    it('gives up at once on a failure retrying cannot fix', async () => {
      const {run, stats} = setUp()
      expect(await run(['refused'])).to.deep.equal(E.left('gave up: {"attempts":1,"failures":1,"rateLimits":0}'))
      expect(stats).to.deep.equal({requests: 1, rateLimited: 0, retries: 0})
    })

    it('gives 429s at least 8 retries, whatever maxRetries says, then gives up', async () => {
      const {run, stats} = setUp({maxRetries: 1})
      expect(await run(['429'])).to.deep.equal(E.left('gave up: {"attempts":9,"failures":0,"rateLimits":9}'))
      expect(stats).to.deep.equal({requests: 9, rateLimited: 9, retries: 0})
    })

    it('gives 429s maxRetries retries when it is more than 8', async () => {
      const {run, stats} = setUp({maxRetries: 10})
      expect((await run(['429']))._tag).to.equal('Left')
      expect(stats.requests).to.equal(11)
    })

    it('keeps the 429s’ budget apart from the failures’', async () => {
      const {run} = setUp({maxRetries: 2})
      // Two failures spend every failure retry: 8 429s after them are still retried, and so on.
      const replies: Reply[] = ['503', '503', ...Array<Reply>(8).fill('429'), 'ok']
      expect(await run(replies)).to.deep.equal(E.right('ok on try 11'))
      // 8 429s spend theirs: the failures still have two retries, and a third failure ends it.
      const after429s: Reply[] = [...Array<Reply>(8).fill('429'), '503', '503', '503']
      expect(await run(after429s)).to.deep.equal(E.left('gave up: {"attempts":11,"failures":3,"rateLimits":8}'))
    })

    it('pauses for Retry-After, and for a backoff of at least a second without it', async () => {
      const {run, logged} = setUp({retryDelayMs: 5})
      const starts: number[] = []
      expect((await run([{retryAfter: '3'}, 'ok'], starts))._tag).to.equal('Right')
      expect((starts[1] as number) - (starts[0] as number)).to.equal(3000)
      expect(logged[0]).to.equal('Test rate limit on GET /thing; pausing all requests for 3000 ms')

      const later: number[] = []
      expect((await run(['429', 'ok'], later))._tag).to.equal('Right')
      expect((later[1] as number) - (later[0] as number)).to.be.within(750, 1250)
    })

    it('pauses every caller of the limiter a 429 belongs to, and only those', async () => {
      const {clock, run, limiter} = setUp()
      const own = createRateLimiter(1000, clock)
      const limited: number[] = []
      const sameLimit: number[] = []
      const otherLimit: number[] = []
      // An endpoint with a limit of its own waits for it and for the shared one; its 429 pauses its own.
      const endpoint = run([{retryAfter: '10'}, 'ok'], limited, [own, limiter], own)
      await clock.sleep(1)
      const [, , other] = await Promise.all([
        endpoint,
        run(['ok'], sameLimit, [own, limiter], own),
        run(['ok'], otherLimit),
      ])
      expect(other._tag).to.equal('Right')
      expect(sameLimit[0], 'a caller under the same limit').to.be.at.least((limited[0] as number) + 10_000)
      expect(otherLimit[0], 'a caller under the shared limit only').to.be.below(100)
    })
  })
})
