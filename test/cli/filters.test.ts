import {expect} from 'chai'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, expectedConversationIds, startFakes, type Fakes} from '../helpers/e2e.js'

type Fields = Record<string, {array: {s?: string[]; n?: number[]}}>
interface Delivered {
  readonly id: string
  readonly fields: Fields
  readonly msgs: ReadonlyArray<{actor: string}>
}

describe('filters, end to end', function () {
  this.timeout(180_000)
  let fakes: Fakes
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = createSandbox()
    fakes = await startFakes({now: new Date(Date.now() - 2 * DAY_MS), dataset: {seed: 7, conversations: 40, days: 5}})
  })
  afterEach(async () => {
    await fakes?.close()
    sandbox?.cleanup()
  })

  const importJson = async (extra: Record<string, string>) => {
    const result = await sandbox.run(['import', '--json'], {env: fakes.env(extra)})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  const delivered = (): Delivered[] =>
    [...fakes.enterpret.records.values()].map(({record}) => {
      const sent = record as unknown as {id: string; metadata: {metadata: Fields}; conversation: {msgs: []}}
      return {id: sent.id, fields: sent.metadata.metadata, msgs: sent.conversation.msgs}
    })
  const now = () => fakes.gladly.clock.now()
  const closed = () => expectedConversationIds(fakes.gladly).map((id) => fakes.gladly.dataset.conversation(id, now()))
  const inboxNamed = (name: string) => fakes.gladly.dataset.inboxes().find((inbox) => inbox.name === name)
  /** Every closed conversation is delivered, left out, or has nothing to send: none is lost. */
  const expectAllAccountedFor = (summary: RunSummary) => {
    const {inbox, channel, topic, customerMessages} = summary.filtered
    expect(
      summary.conversations.sent + inbox + channel + topic + customerMessages + summary.conversations.noMessages,
    ).to.equal(expectedConversationIds(fakes.gladly).length)
  }

  it('leaves out the conversations of an excluded inbox, by name, and counts them', async () => {
    const chat = inboxNamed('Chat Support')
    const inChat = closed().filter((conversation) => conversation?.inboxId === chat?.id).length
    expect(inChat, 'the dataset has chat conversations').to.be.greaterThan(0)
    const {result, summary} = await importJson({IMPORT_EXCLUDE_INBOXES: 'chat support'})
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.filtered).to.deep.include({inbox: inChat, channel: 0, topic: 0, customerMessages: 0})
    expect(delivered().filter((record) => record.fields['inbox_id']?.array.s?.[0] === chat?.id)).to.deep.equal([])
    expect(result.stderr).to.match(new RegExp(`Left out by the filters \\(not sent\\): ${inChat} by inbox`))
    expectAllAccountedFor(summary)
  })

  it('sends only the included inboxes, given by id', async () => {
    const email = inboxNamed('Email Support')
    const {result, summary} = await importJson({IMPORT_INCLUDE_INBOXES: email?.id as string})
    expect(result.code, result.stderr).to.equal(0)
    expect(delivered()).to.not.be.empty
    for (const record of delivered()) expect(record.fields['inbox_id']?.array.s).to.deep.equal([email?.id])
    expect(summary.filtered.inbox).to.be.greaterThan(0)
    expectAllAccountedFor(summary)
  })

  it('leaves out conversations with an excluded topic or one of its child topics', async () => {
    const topics = fakes.gladly.dataset.topics()
    const orders = topics.find((topic) => topic.name === 'Orders')
    const underOrders = new Set(
      topics.filter((topic) => topic.id === orders?.id || topic.parentId === orders?.id).map((topic) => topic.id),
    )
    const tagged = closed().filter((conversation) => conversation?.topicIds.some((id) => underOrders.has(id))).length
    expect(tagged, 'conversations with a child topic of Orders').to.be.greaterThan(0)
    const {result, summary} = await importJson({IMPORT_EXCLUDE_TOPICS: 'Orders'})
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.filtered.topic).to.equal(tagged)
    for (const record of delivered())
      expect(record.fields['topic_ids']?.array.s ?? []).to.satisfy((ids: string[]) =>
        ids.every((id) => !underOrders.has(id)),
      )
    expectAllAccountedFor(summary)
  })

  it('leaves out conversations with a message in an excluded channel', async () => {
    const {result, summary} = await importJson({IMPORT_EXCLUDE_CHANNELS: 'email'})
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.filtered.channel).to.be.greaterThan(0)
    for (const record of delivered()) expect(record.fields['channel']?.array.s).to.not.include('email')
    expectAllAccountedFor(summary)
  })

  it('leaves out conversations with fewer customer messages than the minimum', async () => {
    const {result, summary} = await importJson({IMPORT_MIN_CUSTOMER_MESSAGES: '3'})
    expect(result.code, result.stderr).to.equal(0)
    expect(summary.filtered.customerMessages).to.be.greaterThan(0)
    expect(delivered()).to.not.be.empty
    for (const record of delivered())
      expect(record.msgs.filter((message) => message.actor === 'user').length).to.be.at.least(3)
    expectAllAccountedFor(summary)
  })

  it('refuses an inbox or topic the organization does not have: exit 2, the close matches named, nothing sent', async () => {
    const result = await sandbox.run(['import'], {
      env: fakes.env({IMPORT_EXCLUDE_INBOXES: 'Chat Suport', IMPORT_INCLUDE_TOPICS: 'Biling,Account'}),
    })
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include(
      "IMPORT_EXCLUDE_INBOXES from the environment names inbox 'Chat Suport', which the organization does not have; did you mean 'Chat Support'?",
    )
    expect(result.stderr).to.include(
      "names topic 'Biling', which the organization does not have; did you mean 'Billing'?",
    )
    expect(fakes.enterpret.records.size).to.equal(0)
  })

  it('refuses a channel it does not know', async () => {
    const result = await sandbox.run(['import'], {env: fakes.env({IMPORT_INCLUDE_CHANNELS: 'chatt'})})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include(
      "IMPORT_INCLUDE_CHANNELS from the environment names channel 'chatt' (did you mean 'chat'?)",
    )
  })
})
