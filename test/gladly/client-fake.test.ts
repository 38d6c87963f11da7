import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {RequestStats} from '../../src/lib/common/index.js'
import {
  createBudget,
  createGladlyHttp,
  downloadJob,
  getConversation,
  getConversationItems,
  getCustomAttribute,
  getCustomerProfile,
  listCompletedJobs,
  type GladlyHttp,
} from '../../src/lib/gladly/index.js'
import {silentLogger} from '../../src/lib/log/index.js'
import {DEMO_CREDENTIALS, startFakeGladly, type ExportJob, type FakeGladly} from '../fakes/gladly/index.js'

describe('Gladly client against the fake Gladly', function () {
  this.timeout(30_000)
  let fake: FakeGladly
  let http: GladlyHttp
  let stats: RequestStats
  let dir: string

  before(async () => {
    fake = await startFakeGladly({dataset: {seed: 3, conversations: 20, days: 4}, rateLimit: false})
  })
  after(() => fake.close())
  beforeEach(() => {
    stats = {requests: 0, rateLimited: 0, retries: 0}
    http = createGladlyHttp({
      origin: fake.url,
      username: DEMO_CREDENTIALS.username,
      token: DEMO_CREDENTIALS.token,
      userAgent: 'test',
      maxRetries: 3,
      retryDelayMs: 5,
      budget: createBudget(1000),
      logger: silentLogger(),
      stats,
    })
    dir = mkdtempSync(join(tmpdir(), 'ge-client-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  const right = async <A>(
    task: () => Promise<{_tag: 'Left'; left: {message: string}} | {_tag: 'Right'; right: A}>,
  ): Promise<A> => {
    const result = await task()
    if (result._tag === 'Left') throw new Error(result.left.message)
    return result.right
  }

  it('lists only completed jobs, oldest first by updatedAt, all of them usable', async () => {
    const {jobs, unusable} = await right(
      listCompletedJobs(http, {startAt: new Date(Date.now() - 13 * 24 * 3600 * 1000)}),
    )
    expect(unusable).to.deep.equal([])
    expect(jobs.length).to.be.greaterThan(3)
    expect(jobs.every((job) => job.status === 'COMPLETED')).to.equal(true)
    const updated = jobs.map((job) => Date.parse(job.updatedAt))
    expect(updated).to.deep.equal([...updated].sort((a, b) => a - b))
  })

  it("names a conversation's custom attribute (getCustomAttribute), and a 404 as one Gladly no longer has", async () => {
    const withAttribute = fake.dataset
      .closedConversationIds(fake.clock.now())
      .map((id) => fake.dataset.conversation(id, fake.clock.now()))
      .find((conversation) => (conversation?.customAttributes.length ?? 0) > 0)
    const id = withAttribute?.customAttributes[0]?.id ?? expect.fail('the dataset has custom attributes')
    expect(await right(getCustomAttribute(http, id))).to.deep.include({id, key: 'orderNumber', label: 'Order Number'})
    expect(await right(getCustomAttribute(http, 'no-such-attribute'))).to.equal(undefined)
  })

  it('sets aside a listed job without its window, with a line saying what it lacks', async () => {
    const {dataset} = fake
    const listed = dataset.jobs.bind(dataset)
    const spoilt = listed(fake.clock.now())
      .filter((job) => job.status === 'COMPLETED')
      .at(-1)
    if (spoilt === undefined) return expect.fail('the fake lists completed jobs')
    // The spec marks no job field required, so Gladly may list one without its window.
    const withoutStart = ({parameters: {startAt: _startAt, ...parameters}, ...job}: ExportJob) =>
      ({...job, parameters}) as unknown as ExportJob
    dataset.jobs = (now) => listed(now).map((job) => (job.id === spoilt.id ? withoutStart(job) : job))
    try {
      const {jobs, unusable} = await right(
        listCompletedJobs(http, {startAt: new Date(Date.now() - 13 * 24 * 3600 * 1000)}),
      )
      expect(jobs.length).to.be.greaterThan(3)
      expect(jobs.map((job) => job.id)).not.to.include(spoilt.id)
      expect(unusable).to.have.length(1)
      expect(unusable[0]).to.include(
        `export job (${spoilt.id}) without parameters.startAt: it cannot be read and is skipped.`,
      )
    } finally {
      dataset.jobs = listed
    }
  })

  it('follows a merged customer to the surviving profile (301 with meta.new)', async () => {
    const {oldCustomerId, newCustomerId} = fake.dataset.edgeCases.merge!
    const found = await right(getCustomerProfile(http, oldCustomerId))
    expect(found).to.deep.include({_tag: 'Found', mergedFrom: oldCustomerId})
    expect(found._tag === 'Found' && found.customer.id).to.equal(newCustomerId)
  })

  it('reports a conversation merged away as vanished (404)', async () => {
    const {vanishedConversationId} = fake.dataset.edgeCases.merge!
    expect(await right(getConversation(http, vanishedConversationId))).to.deep.equal({_tag: 'Vanished'})
  })

  it('reads the 1,000-item cap from Gladly-Limited-Data', async () => {
    const page = await right(getConversationItems(http, fake.dataset.edgeCases.bigConversationId!))
    expect(page?.items.length).to.equal(1000)
    expect(page?.limited).to.equal(true)
    const small = await right(getConversationItems(http, fake.dataset.edgeCases.showcaseConversationId!))
    expect(small?.limited).to.equal(false)
  })

  it('downloads a file again when Gladly cuts it mid-stream', async () => {
    const job = (await right(listCompletedJobs(http, {startAt: new Date(Date.now() - 13 * 24 * 3600 * 1000)}))).jobs.at(
      -1,
    )
    fake.configure({cutFiles: ['conversation_items.jsonl']})
    try {
      const files = await right(downloadJob(http, job!, dir))
      const lines = readFileSync(files!.get('conversation_items.jsonl')!, 'utf8').trim().split('\n')
      expect(lines.length).to.be.greaterThan(10)
      for (const line of lines) expect(() => JSON.parse(line), line.slice(0, 200)).not.to.throw()
      expect(fake.stats.cuts).to.be.greaterThan(0)
      expect(stats.retries).to.be.greaterThan(0)
    } finally {
      fake.configure({cutFiles: []})
    }
  })
})
