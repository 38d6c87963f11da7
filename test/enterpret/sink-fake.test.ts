import {expect} from 'chai'
import {
  createBatcher,
  createSink,
  type ConversationRecord,
  type Sink,
  type SinkOptions,
} from '../../src/lib/enterpret/index.js'
import {silentLogger} from '../../src/lib/log/index.js'
import {DEFAULT_API_KEY, startFakeEnterpret, type FakeEnterpret} from '../fakes/enterpret/index.js'
import {conversationRecord, ids} from './records.js'

// Against the fake webhook over real HTTP: no nock here, so the local server is reachable.
describe('Enterpret sink against the fake webhook', () => {
  let fake: FakeEnterpret

  const sinkFor = (options: Partial<SinkOptions> = {}): Sink<ConversationRecord> =>
    createSink<ConversationRecord>({
      baseUrl: fake.url,
      apiKey: DEFAULT_API_KEY,
      userAgent: 'gladly-enterpret/test',
      maxRecordsPerRequest: 20,
      maxBodyBytes: 200_000,
      maxRequestsPerMinute: 30_000,
      maxRetries: 3,
      retryDelayMs: 10,
      logger: silentLogger(),
      ...options,
    })

  before(async () => {
    fake = await startFakeEnterpret({poisonIds: ['c3']})
  })
  afterEach(() => fake.reset())
  after(() => fake.close())

  it('isolates a poisoned record and stores all the others', async () => {
    const records = ids(8, 'c').map((id) => conversationRecord(id))
    const sink = sinkFor()
    const result = await sink.send(records)()
    if (result._tag === 'Left') throw new Error(result.left.message)
    expect(result.right.delivered).to.have.members(ids(8, 'c').filter((id) => id !== 'c3'))
    expect(result.right.failed.map((failed) => failed.record.id)).to.deep.equal(['c3'])
    expect(result.right.failed[0]).to.include({status: 400, code: 'ErrCodeInvalidFieldFormat'})
    expect(result.right.failed[0]?.reason).to.match(/poisoned id\) \(referenceID [A-Z0-9]{6}\)$/)
    expect([...fake.records.keys()].sort()).to.deep.equal(ids(8, 'c').filter((id) => id !== 'c3'))
    expect(fake.requests.every((request) => request.hasApiKey && request.headers.authorization === undefined)).to.equal(
      true,
    )
  })

  it('survives a burst of 500s, and splits when the server’s byte limit is lower than ours', async () => {
    fake.configure({maxBodyBytes: 2000})
    const records = ids(10, 'b').map((id) => conversationRecord(id, 'x'.repeat(300)))
    const batcher = createBatcher<ConversationRecord>({maxRecords: 20, maxBodyBytes: 200_000})
    const batches = [...records.flatMap((record) => batcher.add(record).batches), ...batcher.flush()]
    expect(batches).to.have.length(1)
    fake.failNext(2)
    const sink = sinkFor()
    const result = await sink.send(batches[0]?.records ?? [])()
    if (result._tag === 'Left') throw new Error(result.left.message)
    expect(result.right.failed).to.deep.equal([])
    expect(fake.records.size).to.equal(10)
    expect(sink.stats).to.include({retries: 2, delivered: 10, failed: 0})
    expect(fake.countsByStatus()).to.include({500: 2, 413: 3})
  })
})
