import {expect} from 'chai'
import nock from 'nock'
import {
  createSink,
  requestBody,
  UNAVAILABLE_AFTER_BATCHES,
  WEBHOOK_PATH,
  type BatchOutcome,
  type ConversationRecord,
  type EnterpretFatal,
  type SinkOptions,
} from '../../src/lib/enterpret/index.js'
import {silentLogger} from '../../src/lib/log/index.js'
import {until, virtualClock} from '../helpers/virtual-clock.js'
import {conversationRecord, ids} from './records.js'

const BASE = 'https://api.enterpret.test'
const KEY = 'enterpret-unit-test-key-0001'
const USER_AGENT = 'gladly-enterpret/test'

function sinkWith(options: Partial<SinkOptions> = {}) {
  return createSink<ConversationRecord>({
    baseUrl: BASE,
    apiKey: KEY,
    userAgent: USER_AGENT,
    maxRecordsPerRequest: 20,
    maxBodyBytes: 1_000_000,
    // 2 ms apart: pacing stays out of the way unless a test is about it.
    maxRequestsPerMinute: 30_000,
    maxRetries: 3,
    retryDelayMs: 5,
    logger: silentLogger(),
    ...options,
  })
}

const batchOf = (count: number, prefix = 'r'): ConversationRecord[] =>
  ids(count, prefix).map((id) => conversationRecord(id))

// nock 14 only delivers an Error instance as a request error; a plain object hangs the request.
function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), {code})
}

function idsIn(body: unknown): string[] {
  const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as {records: {id: string}[]}
  return parsed.records.map((record) => record.id)
}

async function right(
  task: () => Promise<{_tag: 'Left'; left: EnterpretFatal} | {_tag: 'Right'; right: BatchOutcome<ConversationRecord>}>,
): Promise<BatchOutcome<ConversationRecord>> {
  const result = await task()
  if (result._tag === 'Left') throw new Error(`expected an outcome, got ${result.left.message}`)
  return result.right
}

async function left(
  task: () => Promise<{_tag: 'Left'; left: EnterpretFatal} | {_tag: 'Right'; right: BatchOutcome<ConversationRecord>}>,
): Promise<EnterpretFatal> {
  const result = await task()
  if (result._tag === 'Right') throw new Error('expected a fatal error')
  return result.left
}

const gaps = (times: readonly number[]) => times.slice(1).map((time, index) => time - (times[index] as number))

describe('Enterpret sink', () => {
  before(() => nock.disableNetConnect())
  after(() => nock.enableNetConnect())
  afterEach(() => nock.cleanAll())

  describe('requests', () => {
    it('posts the exact body with the api-key header and never an Authorization header', async () => {
      const records = batchOf(3)
      let received: unknown
      const scope = nock(BASE, {
        reqheaders: {'api-key': KEY, 'content-type': 'application/json', 'user-agent': USER_AGENT},
        badheaders: ['authorization'],
      })
        .post(WEBHOOK_PATH)
        .reply(200, async (request: Request) => {
          received = await request.text()
          // The success body is undocumented: the sink must not depend on it.
          return 'OK, not JSON'
        })
      const sink = sinkWith()
      const outcome = await right(sink.send(records))
      expect(typeof received === 'string' ? received : JSON.stringify(received)).to.equal(requestBody(records))
      expect(outcome).to.deep.equal({delivered: ['r0', 'r1', 'r2'], failed: []})
      expect(sink.stats).to.deep.equal({requests: 1, rateLimited: 0, retries: 0, delivered: 3, failed: 0})
      scope.done()
    })

    it('sends nothing for an empty batch', async () => {
      expect(await right(sinkWith().send([]))).to.deep.equal({delivered: [], failed: []})
    })

    it('cuts a batch over the configured limits before sending it', async () => {
      const sizes: number[] = []
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(3)
        .reply(200, async (request: Request) => {
          sizes.push(idsIn(await request.text()).length)
          return {}
        })
      const outcome = await right(sinkWith({maxRecordsPerRequest: 2}).send(batchOf(5)))
      expect(outcome.delivered).to.have.members(ids(5))
      expect(sizes.sort()).to.deep.equal([1, 2, 2])
      scope.done()
    })
  })

  describe('rate limits and retries', () => {
    it('backs off after a 429 without Retry-After, pausing every batch, then delivers', async () => {
      const clock = virtualClock()
      const arrivals: number[] = []
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .reply(() => {
          arrivals.push(clock.now())
          return [429, {msg: 'rate limit exceeded', code: 'ErrCodeRateLimitExceeded', referenceID: 'RL0001'}]
        })
        .post(WEBHOOK_PATH)
        .twice()
        .reply(() => {
          arrivals.push(clock.now())
          return [200, {}]
        })
      const sink = sinkWith({clock})
      const first = right(sink.send(batchOf(2)))
      // Another batch comes once the first has its 429: the limit is the key's, so it waits too.
      await until(() => sink.stats.rateLimited === 1)
      const [outcome, other] = await Promise.all([first, right(sink.send(batchOf(1, 'b')))])
      expect(outcome.delivered).to.deep.equal(['r0', 'r1'])
      expect(other.delivered).to.deep.equal(['b0'])
      expect(sink.stats).to.include({requests: 3, rateLimited: 1, retries: 0})
      // A second, ± the jitter.
      const [limited, ...later] = arrivals as [number, ...number[]]
      for (const time of later) expect(time - limited).to.be.within(750, 1300)
      scope.done()
    })

    /** The virtual ms between a 429 with this Retry-After and the batch's next try, which is delivered. */
    async function waitAfter(retryAfter: string): Promise<number> {
      const clock = virtualClock({start: Date.parse('2026-03-02T10:00:00Z')})
      const arrivals: number[] = []
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .reply(() => {
          arrivals.push(clock.now())
          return [429, '', {'Retry-After': retryAfter}]
        })
        .post(WEBHOOK_PATH)
        .reply(() => {
          arrivals.push(clock.now())
          return [200, {}]
        })
      const sink = sinkWith({clock})
      expect((await right(sink.send(batchOf(1)))).delivered).to.deep.equal(['r0'])
      expect(sink.stats.rateLimited).to.equal(1)
      scope.done()
      return gaps(arrivals)[0] as number
    }

    it('waits as long as Retry-After says', async () => {
      expect(await waitAfter('2')).to.be.within(2000, 2100)
      expect(await waitAfter('Mon, 02 Mar 2026 10:00:30 GMT')).to.be.within(30_000, 30_100)
    })

    it('caps a Retry-After of more than five minutes', async () => {
      expect(await waitAfter('Tue, 03 Mar 2026 10:00:00 GMT')).to.be.within(300_000, 300_100)
    })

    it('gives 429s more patience than MAX_RETRIES before failing the records', async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(9)
        .reply(429, {msg: 'slow down', code: 'ErrCodeRateLimitExceeded', referenceID: 'RL0002'}, {'Retry-After': '0'})
      const sink = sinkWith({maxRetries: 1})
      const outcome = await right(sink.send(batchOf(2)))
      expect(outcome.delivered).to.deep.equal([])
      expect(outcome.failed).to.have.length(2)
      expect(outcome.failed[0]).to.include({status: 429, code: 'ErrCodeRateLimitExceeded', attempts: 9})
      expect(outcome.failed[0]?.reason).to.include('after 9 tries')
      expect(sink.stats).to.include({requests: 9, rateLimited: 9, failed: 2})
      scope.done()
    })

    it('retries 5xx, resets and timeouts, then delivers', async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .reply(500, {msg: 'Internal server exception', code: 'ErrCodeInternalError', referenceID: '8B5OQA'})
        .post(WEBHOOK_PATH)
        .reply(503, '<html>Service Unavailable</html>')
        .post(WEBHOOK_PATH)
        .replyWithError(networkError('ECONNRESET', 'socket hang up'))
        .post(WEBHOOK_PATH)
        .replyWithError(networkError('ETIMEDOUT', 'Timeout awaiting response for 60000ms'))
        .post(WEBHOOK_PATH)
        .reply(200, {})
      const sink = sinkWith({maxRetries: 4})
      expect((await right(sink.send(batchOf(3)))).delivered).to.deep.equal(['r0', 'r1', 'r2'])
      expect(sink.stats).to.deep.equal({requests: 5, rateLimited: 0, retries: 4, delivered: 3, failed: 0})
      scope.done()
    })

    it('returns the records as failed once the retries are spent, with Enterpret’s reason', async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(3)
        .reply(500, {msg: 'Internal server exception', code: 'ErrCodeInternalError', referenceID: '8B5OQA'})
      const sink = sinkWith({maxRetries: 2})
      const records = batchOf(3)
      const outcome = await right(sink.send(records))
      expect(outcome.delivered).to.deep.equal([])
      expect(outcome.failed.map((failed) => failed.record)).to.deep.equal(records)
      for (const failed of outcome.failed) {
        expect(failed).to.include({status: 500, code: 'ErrCodeInternalError', attempts: 3})
        expect(failed.reason).to.equal(
          'Not delivered: HTTP 500 ErrCodeInternalError: Internal server exception (referenceID 8B5OQA) after 3 tries',
        )
      }
      expect(sink.stats).to.include({requests: 3, retries: 2, delivered: 0, failed: 3})
      scope.done()
    })

    it('does not retry an error that retrying cannot fix', async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .replyWithError(networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND api.enterpret.test'))
      const sink = sinkWith()
      const outcome = await right(sink.send(batchOf(1)))
      expect(outcome.failed[0]).to.include({code: 'ENOTFOUND', attempts: 1})
      expect(outcome.failed[0]?.reason).to.equal(
        'Not delivered: ENOTFOUND: getaddrinfo ENOTFOUND api.enterpret.test after 1 try',
      )
      expect(sink.stats).to.include({requests: 1, retries: 0})
      scope.done()
    })
  })

  describe('413 and 400', () => {
    it('splits a batch Enterpret finds too large until the pieces fit', async () => {
      const sizes: number[] = []
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(7)
        .reply(async (request: Request) => {
          const count = idsIn(await request.text()).length
          sizes.push(count)
          return count > 2
            ? [413, {msg: 'payload too large', code: 'ErrCodePayloadTooLarge', referenceID: 'PL0001'}]
            : [200, {}]
        })
      const sink = sinkWith()
      const outcome = await right(sink.send(batchOf(8)))
      expect(outcome.delivered).to.have.members(ids(8))
      expect(outcome.failed).to.deep.equal([])
      expect(sizes.sort()).to.deep.equal([2, 2, 2, 2, 4, 4, 8])
      scope.done()
    })

    it('fails a single record that is still too large on its own', async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .reply(413, {msg: 'body is 2000000 bytes', code: 'ErrCodePayloadTooLarge', referenceID: 'PL0002'})
      const outcome = await right(sinkWith().send(batchOf(1)))
      expect(outcome.failed[0]).to.include({status: 413, code: 'ErrCodePayloadTooLarge', attempts: 1})
      expect(outcome.failed[0]?.reason).to.equal(
        'Too large for Enterpret even alone: HTTP 413 ErrCodePayloadTooLarge: body is 2000000 bytes (referenceID PL0002)',
      )
      scope.done()
    })

    /** A webhook that rejects, as a whole, any batch holding one of the bad ids. */
    function rejecting(bad: readonly string[]) {
      const requests: string[][] = []
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(Number.MAX_SAFE_INTEGER)
        .reply(async (request: Request) => {
          const sent = idsIn(await request.text())
          requests.push(sent)
          const culprit = sent.find((id) => bad.includes(id))
          return culprit === undefined
            ? [200, {}]
            : [
                400,
                {
                  msg: `records[0].metadata: field "x" mixes types (${culprit})`,
                  code: 'ErrCodeInvalidFieldFormat',
                  referenceID: `REF-${culprit}`,
                },
              ]
        })
      return {requests, scope}
    }

    it('bisects a 400 to isolate one bad record and delivers the other seven', async () => {
      const {requests} = rejecting(['r5'])
      const sink = sinkWith()
      const outcome = await right(sink.send(batchOf(8)))
      expect(outcome.delivered).to.have.members(ids(8).filter((id) => id !== 'r5'))
      expect(outcome.failed).to.have.length(1)
      const [failed] = outcome.failed
      expect(failed?.record.id).to.equal('r5')
      // Carried by the batch of 8, then 4, 2 and alone.
      expect(failed).to.include({status: 400, code: 'ErrCodeInvalidFieldFormat', attempts: 4})
      expect(failed?.reason).to.equal(
        'Rejected by Enterpret: HTTP 400 ErrCodeInvalidFieldFormat: records[0].metadata: field "x" mixes types (r5) (referenceID REF-r5)',
      )
      expect(requests).to.have.length(7)
      expect(sink.stats).to.include({requests: 7, delivered: 7, failed: 1})
    })

    it('bisects a 400 to isolate two bad records among eight', async () => {
      const {requests} = rejecting(['r1', 'r6'])
      const outcome = await right(sinkWith().send(batchOf(8)))
      expect(outcome.delivered).to.have.members(['r0', 'r2', 'r3', 'r4', 'r5', 'r7'])
      expect(outcome.failed.map((failed) => failed.record.id)).to.have.members(['r1', 'r6'])
      expect(outcome.failed.map((failed) => failed.code)).to.deep.equal([
        'ErrCodeInvalidFieldFormat',
        'ErrCodeInvalidFieldFormat',
      ])
      expect(requests).to.have.length(11)
    })

    it('reads an error body that is not JSON, or absent', async () => {
      const scope = nock(BASE).post(WEBHOOK_PATH).reply(400, '<h1>Bad Request</h1>').post(WEBHOOK_PATH).reply(400)
      const sink = sinkWith()
      const [first, second] = await Promise.all([right(sink.send(batchOf(1, 'a'))), right(sink.send(batchOf(1, 'b')))])
      const reasons = [...(first?.failed ?? []), ...(second?.failed ?? [])].map((failed) => failed.reason)
      expect(reasons).to.have.members([
        'Rejected by Enterpret: HTTP 400: <h1>Bad Request</h1>',
        'Rejected by Enterpret: HTTP 400',
      ])
      scope.done()
    })
  })

  describe('fatal errors', () => {
    it('stops on 401 with an actionable message that never shows the key', async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .reply(401, {msg: `invalid API key ${KEY}`, code: 'ErrCodeInvalidAPIKey', referenceID: 'AU0001'})
      const sink = sinkWith()
      const error = await left(sink.send(batchOf(4)))
      expect(error).to.include({_tag: 'EnterpretAuthError', status: 401, exit: 2})
      expect(error.message).to.equal('Enterpret at api.enterpret.test rejected the API key (401 ErrCodeInvalidAPIKey).')
      expect(error.suggestions?.join(' ')).to.include('ENTERPRET_API_KEY')
      expect(JSON.stringify(error)).not.to.include(KEY)
      expect(sink.stats.requests).to.equal(1)
      scope.done()
    })

    it('stops on 403, pointing at the kind of integration the key belongs to', async () => {
      const scope = nock(BASE).post(WEBHOOK_PATH).reply(403)
      const error = await left(sinkWith().send(batchOf(1)))
      expect(error).to.include({_tag: 'EnterpretAuthError', status: 403})
      expect(error.suggestions?.join(' ')).to.include('Feedback webhook integration')
      scope.done()
    })

    it(`stops after ${UNAVAILABLE_AFTER_BATCHES} batches in a row that get no usable answer`, async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(6)
        .reply(503, {msg: 'Internal server exception', code: 'ErrCodeInternalError', referenceID: 'DN0001'})
      const sink = sinkWith({maxRetries: 1})
      expect((await right(sink.send(batchOf(2, 'a')))).failed).to.have.length(2)
      expect((await right(sink.send(batchOf(2, 'b')))).failed).to.have.length(2)
      const error = await left(sink.send(batchOf(2, 'c')))
      expect(error).to.include({_tag: 'EnterpretUnavailable', batches: 3, exit: 1})
      expect(error.message)
        .to.include('api.enterpret.test failed 3 batches in a row')
        .and.include('HTTP 503 ErrCodeInternalError')
      // The third batch is neither delivered nor failed: the caller keeps it for the next run.
      expect(sink.stats).to.include({failed: 4, delivered: 0})
      scope.done()
    })

    it('resets the count when a batch gets through', async () => {
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(4)
        .reply(502)
        .post(WEBHOOK_PATH)
        .reply(200, {})
        .post(WEBHOOK_PATH)
        .times(4)
        .reply(502)
      const sink = sinkWith({maxRetries: 1})
      for (const prefix of ['a', 'b', 'c', 'd', 'e'])
        expect((await sink.send(batchOf(1, prefix))())._tag).to.equal('Right')
      expect(sink.stats).to.include({delivered: 1, failed: 4})
      scope.done()
    })
  })

  describe('pacing', () => {
    /** When each of `count` batches, sent together, reached Enterpret, whose replies take `replyMs`; and when all were done. */
    async function paced(count: number, perMinute: number, replyMs = 0) {
      const clock = virtualClock()
      const starts: number[] = []
      const scope = nock(BASE)
        .post(WEBHOOK_PATH)
        .times(count)
        // Not .delay(): nock 15's delay on a POST makes got 16 report ECONNRESET. A reply that takes replyMs.
        .reply(async () => {
          starts.push(clock.now())
          await clock.sleep(replyMs)
          return [200, {}]
        })
      const sink = sinkWith({maxRequestsPerMinute: perMinute, clock})
      const outcomes = await Promise.all(ids(count, 'p').map((id) => right(sink.send([conversationRecord(id)]))))
      expect(outcomes.flatMap((outcome) => outcome.delivered)).to.have.length(count)
      scope.done()
      return {starts, end: clock.now()}
    }

    it('spaces request starts to the per-minute limit without waiting for responses', async () => {
      const {starts, end} = await paced(4, 120, 1500)
      // 120 a minute: one every 500 ms (and the limiter's 3% of slack), seen where the replies land.
      for (const gap of gaps(starts)) expect(gap).to.be.within(500, 1000)
      // Four starts 500 ms apart plus one 1.5 s response: in flight together, not one after another.
      expect(end).to.be.below(4000)
    })

    it('never starts more than the per-minute limit in any rolling minute', async () => {
      const {starts} = await paced(13, 6)
      const inAnyMinute = Math.max(
        ...starts.map((start) => starts.filter((other) => other >= start && other <= start + 60_000).length),
      )
      expect(inAnyMinute).to.equal(6)
    })
  })
})
