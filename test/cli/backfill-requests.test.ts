import {expect} from 'chai'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, deliveredMessages, expectedMessages, startFakes, type Fakes} from '../helpers/e2e.js'

type Metadata = Record<string, {array: {s?: string[]}}>
const metadataOf = (record: unknown): Metadata => (record as {metadata: {metadata: Metadata}}).metadata.metadata

describe('backfill requests: the report row is the conversation, customers once each', function () {
  this.timeout(300_000)
  let fakes: Fakes
  let sandbox: Sandbox
  let startDate: string

  beforeEach(async () => {
    sandbox = createSandbox()
    const fakeNow = new Date(Date.now() - DAY_MS)
    startDate = new Date(fakeNow.getTime() - 59 * DAY_MS).toISOString().slice(0, 10)
    fakes = await startFakes({
      now: fakeNow,
      dataset: {
        seed: 23,
        conversations: 150,
        days: 60,
        edgeCases: false,
        customAttributes: false,
        conversationsPerCustomer: 3,
      },
      reportRateLimit: {perMinute: 600, concurrent: 2},
      reportLatencyMs: 20,
      latencyMs: 2,
    })
  })
  afterEach(async () => {
    await fakes.close()
    sandbox.cleanup()
  })

  const env = (extra: Record<string, string> = {}) =>
    fakes.env({GLADLY_REPORTS_PER_MINUTE: '600', BATCH_SIZE: '20', ...extra})
  const routes = () => fakes.gladly.stats.byRoute as Record<string, number>
  /** Conversations older than the export jobs: only the backfill reads them. */
  function historyOnly(): string[] {
    const now = fakes.gladly.clock.now()
    const exported = new Set(fakes.gladly.dataset.exportedConversationIds(now))
    const closed = new Set(fakes.gladly.dataset.closedConversationIds(now))
    return [...fakes.enterpret.records.keys()]
      .map((id) => id.slice('gladly_'.length))
      .filter((id) => closed.has(id) && !exported.has(id))
  }

  it('reads a closed conversation of the report with its items only, and each customer once', async () => {
    const result = await sandbox.run(['import', '--start-date', startDate, '--json'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(result)
    expect(summary.backfill).to.include({from: startDate, done: true})
    for (const stored of fakes.enterpret.records.values()) expect(stored.duplicates).to.equal(0)
    const history = historyOnly()
    expect(history.length).to.be.greaterThan(60)
    const now = fakes.gladly.clock.now()
    for (const id of history.slice(0, 30))
      expect(deliveredMessages(fakes.enterpret, id), id).to.deep.equal(expectedMessages(fakes.gladly, id))

    // The lookups left: the export jobs' (one per conversation they touched), the first 20 the backfill reads whole to
    // see whether custom attributes are in use, and rows that cannot stand for their conversation (not CLOSED). A topic
    // whose name another topic shares is told by the conversation's topic changes, in the items read anyway.
    const {dataset} = fakes.gladly
    const exportTouched = dataset.exportedConversationIds(now).length
    const names = dataset.topics().map((topic) => topic.name)
    const shared = new Set(
      dataset
        .topics()
        .filter((topic) => names.indexOf(topic.name) !== names.lastIndexOf(topic.name))
        .map((topic) => topic.id),
    )
    const reported = dataset.conversationsCreatedBetween(Date.parse(`${startDate}T00:00:00Z`), now, now)
    const notClosed = reported.filter((id) => dataset.conversation(id, now)?.status !== 'CLOSED')
    const sharingAName = history.filter((id) =>
      dataset.conversation(id, now)?.topicIds.some((topic) => shared.has(topic)),
    )
    expect(sharingAName.length, 'history conversations with a topic whose name another shares').to.be.greaterThan(5)
    expect(routes()['GET /api/v1/conversations/:id'] ?? 0).to.be.at.most(exportTouched + 20 + notClosed.length)
    expect(routes()['GET /api/v1/conversations/:id/items']).to.be.at.least(history.length)
    for (const id of sharingAName)
      expect(metadataOf(fakes.enterpret.records.get(`gladly_${id}`)?.record)['topic_ids']?.array.s, id).to.have.members(
        dataset.conversation(id, now)?.topicIds ?? [],
      )

    // Each customer of the history at most once, whichever number of conversations it has.
    const customers = new Set(history.map((id) => fakes.gladly.dataset.conversation(id, now)?.customerId))
    expect(customers.size).to.be.below(history.length / 2)
    expect(routes()['GET /api/v1/customer-profiles/:id'] ?? 0).to.be.at.most(customers.size)
    expect(summary.users.profileRequests).to.equal(routes()['GET /api/v1/customer-profiles/:id'] ?? 0)

    // The record still names its customer, and links to the conversation as the report does.
    const sample = history[0] as string
    const conversation = fakes.gladly.dataset.conversation(sample, now)
    const customer = fakes.gladly.dataset.customer(conversation?.customerId ?? '', now)
    const metadata = metadataOf(fakes.enterpret.records.get(`gladly_${sample}`)?.record)
    expect(metadata['gladly_url']?.array.s).to.deep.equal([
      `${fakes.gladly.dataset.organization().gladlyUrl}/agent/customer/${conversation?.customerId}/conversation/${sample}`,
    ])
    // A conversation only the export jobs read (created after the backfill's last day) links as the report's rows do.
    const afterBackfill = Date.parse(`${summary.backfill.to}T00:00:00Z`) + DAY_MS
    const exportedOnly = dataset
      .exportedConversationIds(now)
      .map((id) => dataset.conversation(id, now))
      .find(
        (found) =>
          found !== undefined &&
          Date.parse(found.createdAt) >= afterBackfill &&
          fakes.enterpret.records.has(`gladly_${found.id}`),
      )
    expect(exportedOnly, 'a conversation of the export jobs only').to.not.equal(undefined)
    expect(
      metadataOf(fakes.enterpret.records.get(`gladly_${exportedOnly?.id}`)?.record)['gladly_url']?.array.s,
    ).to.deep.equal([
      `${fakes.gladly.dataset.organization().gladlyUrl}/agent/customer/${exportedOnly?.customerId}/conversation/${exportedOnly?.id}`,
    ])
    expect(metadata['customer_name']?.array.s).to.deep.equal([
      customer?.kind === 'found' ? customer.profile.name : 'no profile',
    ])
    expect(metadata['topic_ids']?.array.s).to.deep.equal(
      conversation?.topicIds.length ? conversation.topicIds : undefined,
    )
  })

  it('reads a quiet history in fewer, longer windows, each report asked for while the window before is read', async () => {
    const result = await sandbox.run(['import', '--start-date', startDate, '--json'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    const summary = parseJson<RunSummary>(result)
    const days = Math.round((Date.parse(summary.backfill.to ?? '') - Date.parse(startDate)) / DAY_MS) + 1
    // A week first; then, at a few conversations a day, as long a window as allowed (28 days).
    expect(summary.backfill.windows).to.equal(1 + Math.ceil((days - 7) / 28))
    const {requests} = fakes.gladly.stats
    const reportsAt = requests.flatMap((request, index) => (request === 'POST /api/v1/reports' ? [index] : []))
    expect(reportsAt).to.have.length(summary.backfill.windows)
    const firstWeek = new Set(
      fakes.gladly.dataset.conversationsCreatedBetween(
        Date.parse(`${startDate}T00:00:00Z`),
        Date.parse(`${startDate}T00:00:00Z`) + 7 * DAY_MS,
        fakes.gladly.clock.now(),
      ),
    )
    const firstWeekItems = requests.flatMap((request, index) => {
      const id = /^GET \/api\/v1\/conversations\/([^/]+)\/items$/.exec(request)?.[1]
      return id !== undefined && firstWeek.has(id) ? [index] : []
    })
    expect(firstWeekItems.length).to.be.greaterThan(5)
    expect(
      reportsAt[1],
      "the second window's report, before the first window's conversations are all read",
    ).to.be.below(Math.max(...firstWeekItems))
  })

  it('asks for no customer profile when records carry no customer fields and users are not sent', async () => {
    const result = await sandbox.run(['import', '--start-date', startDate, '--json'], {
      env: env({RECORD_CUSTOMER_FIELDS: 'no'}),
    })
    expect(result.code, result.stderr).to.equal(0)
    expect(historyOnly().length).to.be.greaterThan(60)
    expect(routes()['GET /api/v1/customer-profiles/:id'] ?? 0).to.equal(0)
    for (const {record} of fakes.enterpret.records.values()) {
      expect(metadataOf(record)).to.not.have.property('customer_name')
      expect(metadataOf(record)).to.have.property('gladly_customer_id')
    }
  })

  it('reads every conversation whole where custom attributes are wanted', async () => {
    const result = await sandbox.run(['import', '--start-date', startDate, '--json'], {
      env: env({BACKFILL_CUSTOM_ATTRIBUTES: 'yes'}),
    })
    expect(result.code, result.stderr).to.equal(0)
    expect(routes()['GET /api/v1/conversations/:id']).to.be.at.least(historyOnly().length)
  })
})
