import {expect} from 'chai'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {SURVEY_LINK_DAYS} from '../../src/lib/transform/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, startFakes, type Fakes} from '../helpers/e2e.js'

type Fields = Record<string, {array: {s?: string[]}}>
interface Review {
  readonly id: string
  readonly type: string
  readonly text: string
  readonly createdAt: number
  readonly metadata: {metadata: Fields}
}

describe('survey results, end to end', function () {
  this.timeout(180_000)
  let fakes: Fakes
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = createSandbox()
    fakes = await startFakes({now: new Date(Date.now() - 2 * DAY_MS), dataset: {seed: 11, conversations: 300, days: 5}})
  })
  afterEach(async () => {
    await fakes?.close()
    sandbox?.cleanup()
  })

  const importJson = async (extra: Record<string, string> = {}) => {
    const result = await sandbox.run(['import', '--json'], {env: fakes.env(extra)})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  const reviews = () =>
    [...fakes.enterpret.records.values()]
      .map(({record}) => record as unknown as Review)
      .filter((record) => record.type === 'REVIEW')
  /**
   * The survey results on the timelines, as Gladly's export files hold them: in the window of a completed job (one
   * answered after the newest job's window is in no file yet, whatever the time of day the test runs).
   */
  const surveyItems = () => {
    const now = fakes.gladly.clock.now()
    const windows = fakes.gladly.dataset
      .jobs(now)
      .filter((job) => job.status === 'COMPLETED')
      .map((job) => [Date.parse(job.parameters.startAt), Date.parse(job.parameters.endAt)] as const)
    const exported = (timestamp: string) =>
      windows.some(([start, end]) => Date.parse(timestamp) >= start && Date.parse(timestamp) < end)
    return fakes.gladly.dataset
      .timelineOnlyItems(now)
      .filter((item) => item.content.type === 'CUSTOMER_ACTIVITY' && item.content['activityType'] === 'SURVEY')
      .filter((item) => exported(item.timestamp))
  }

  it('sends each survey result once as a single-text record, linked to its customer and recent conversation', async () => {
    const items = surveyItems()
    expect(items, 'the dataset has survey results').to.not.be.empty
    const {result, summary} = await importJson({IMPORT_SURVEYS: 'on'})
    expect(result.code, result.stderr).to.equal(0)
    const sent = reviews()
    expect(sent.map((record) => record.id).sort()).to.deep.equal(items.map((item) => `gladly_survey_${item.id}`).sort())
    expect(summary.surveys).to.deep.include({seen: items.length, sent: items.length, failed: 0})
    expect(result.stderr).to.match(/Survey results: \d+ seen, \d+ delivered/)

    let linked = 0
    for (const item of items) {
      const record = sent.find((candidate) => candidate.id === `gladly_survey_${item.id}`) as Review
      const fields = record.metadata.metadata
      expect(record.text).to.include('CSAT survey answered')
      expect(fields['gladly_customer_id']?.array.s).to.deep.equal([item.customerId])
      expect(fields['gladly_item_id']?.array.s).to.deep.equal([item.id])
      expect(fields['channel']?.array.s).to.deep.equal(['survey'])
      const conversationId = fields['gladly_conversation_id']?.array.s?.[0]
      if (conversationId === undefined) continue
      linked++
      const conversation = fakes.gladly.dataset.conversation(conversationId, fakes.gladly.clock.now())
      expect(conversation?.customerId).to.equal(item.customerId)
      const closed = Date.parse(conversation?.closedAt ?? '')
      expect(closed).to.be.at.most(record.createdAt * 1000 + 999)
      expect(closed).to.be.at.least(record.createdAt * 1000 - SURVEY_LINK_DAYS * DAY_MS)
    }
    // Those whose customer had a conversation closed in the window before: each one linked.
    const linkable = items.filter((item) => {
      const answered = Date.parse(String(item.content['occurredAt'] ?? item.content['receivedAt'] ?? item.timestamp))
      const conversations = fakes.gladly.dataset.customerConversations(item.customerId, fakes.gladly.clock.now())
      return (
        Array.isArray(conversations) &&
        conversations.some((conversation) => {
          const closed = Date.parse(conversation.closedAt ?? '')
          return closed <= answered && closed >= answered - SURVEY_LINK_DAYS * DAY_MS
        })
      )
    })
    expect(linkable, 'the dataset has surveys after a closed conversation').to.not.be.empty
    expect(linked).to.equal(linkable.length)
    expect(summary.surveys.linked).to.equal(linked)

    const again = await importJson({IMPORT_SURVEYS: 'on'})
    expect(again.result.code, again.result.stderr).to.equal(0)
    const resent = [...fakes.enterpret.records.values()].reduce((sum, stored) => sum + stored.duplicates, 0)
    expect(resent, 'nothing sent twice').to.equal(0)
  })

  it('sends none without IMPORT_SURVEYS', async () => {
    const {result, summary} = await importJson()
    expect(result.code, result.stderr).to.equal(0)
    expect(reviews()).to.deep.equal([])
    expect(summary.surveys.seen).to.equal(0)
  })
})
