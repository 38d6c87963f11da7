import {expect} from 'chai'
import nock from 'nock'
import {type RequestStats} from '../../src/lib/common/index.js'
import {createBudget, createGladlyHttp, customerDirectory} from '../../src/lib/gladly/index.js'
import {conversationOfRow, topicIdsByName, withTopicsOfItems} from '../../src/lib/gladly/feed/report-row.js'
import type {ConversationItem} from '../../src/lib/gladly/codecs.js'
import {CustomerFile} from '../../src/lib/gladly/feed/job-lookups.js'
import {reportRows, type ReportRow} from '../../src/lib/gladly/reports.js'
import {silentLogger} from '../../src/lib/log/index.js'

const ORIGIN = 'https://acme.gladly.com'
const WINDOW = {startDay: '2026-09-01', endDay: '2026-09-01'}
const csvResponse = (body: string) => ({status: 200, headers: {'content-type': 'text/csv'}, body})

const topics = [
  {id: 'topic-returns', name: 'Returns'},
  {id: 'topic-damaged', name: 'Damaged, returned'},
  {id: 'topic-other-1', name: 'Other'},
  {id: 'topic-other-2', name: 'Other'},
]
const use = (customAttributes = false) => ({
  topicsByName: topicIdsByName(topics),
  topicNamesById: new Map(topics.map((topic) => [topic.id, topic.name])),
  customAttributes: () => customAttributes,
})
const closedRow: ReportRow = {
  conversationId: 'conv-1',
  createdAt: '2026-09-01T10:00:00.000Z',
  customerId: 'cust-1',
  link: 'https://acme.gladly.com/agent/customer/cust-1/conversation/conv-1',
  status: 'CLOSED',
  agentId: 'agent-1',
  inboxId: 'inbox-1',
  closedAt: '2026-09-01T11:00:00.000Z',
  topics: 'Damaged, returned, Returns',
}

describe('a report row as the conversation', () => {
  it('reads every column the Conversation Export report has, by its UI name or its snake_case name', () => {
    const ui =
      '\uFEFFConversation Created At,Conversation ID,Customer ID,Conversation Link,Status,Assigned Agent ID,Inbox ID,Inbox Name,Last Closed At,Topics,First Message\r\n' +
      '2026-09-01T10:00:00.000Z,conv-1,cust-1,https://acme.gladly.com/agent/customer/cust-1/conversation/conv-1,CLOSED,agent-1,inbox-1,Support,2026-09-01T11:00:00.000Z,"Damaged, returned, Returns","Hi, there"\r\n'
    expect(reportRows(csvResponse(ui), WINDOW)).to.deep.equal({_tag: 'Right', right: [closedRow]})
    const snake =
      'created_at,conversation_id,customer_id,conversation_link,status,assigned_agent_id__current,inbox_id__current,last_closed_at,topics\r\n' +
      '2026-09-01T10:00:00.000Z,conv-1,cust-1,https://acme.gladly.com/agent/customer/cust-1/conversation/conv-1,CLOSED,agent-1,inbox-1,2026-09-01T11:00:00.000Z,"Damaged, returned, Returns"\r\n'
    expect(reportRows(csvResponse(snake), WINDOW)).to.deep.equal({_tag: 'Right', right: [closedRow]})
  })

  it('stands for GET /conversations/{id} for a closed conversation, its topic names told apart', () => {
    const whole = conversationOfRow(closedRow, use())
    expect(whole._tag).to.equal('Whole')
    expect(whole._tag === 'Whole' && whole.conversation).to.deep.equal({
      id: 'conv-1',
      customerId: 'cust-1',
      createdAt: '2026-09-01T10:00:00.000Z',
      inboxId: 'inbox-1',
      status: 'CLOSED',
      topicIds: ['topic-damaged', 'topic-returns'],
      customAttributes: [],
      closedAt: '2026-09-01T11:00:00.000Z',
      agentId: 'agent-1',
    })
    const {agentId: _agent, topics: _topics, ...unassigned} = closedRow
    const reading = conversationOfRow(unassigned, use())
    expect(reading._tag === 'Whole' && reading.conversation)
      .to.include({id: 'conv-1'})
      .and.not.have.property('agentId')
    expect(reading._tag === 'Whole' && reading.conversation.topicIds).to.deep.equal([])
  })

  it('does not stand for it where it cannot say all of it: Gladly is asked instead', () => {
    const cases: Array<[string, ReportRow]> = [
      ['open', {...closedRow, status: 'OPEN'}],
      ['merged', {...closedRow, status: 'MERGED'}],
      ['no close time', {...closedRow, closedAt: undefined}],
      ['a creation time in another format', {...closedRow, createdAt: '09/01/2026 10:00'}],
      ['no inbox', {...closedRow, inboxId: undefined}],
      ['no customer', {...closedRow, customerId: undefined}],
    ]
    for (const [name, row] of cases) expect(conversationOfRow(row, use()), name).to.deep.equal({_tag: 'Lookup'})
    expect(conversationOfRow(closedRow, use(true)), 'custom attributes wanted').to.deep.equal({_tag: 'Lookup'})
  })

  describe('topics whose names the row cannot tell apart', () => {
    const item = (at: string, added: string[], removed: string[] = []): ConversationItem => ({
      id: `item-${at}`,
      customerId: 'cust-1',
      timestamp: `2026-09-01T${at}:00.000Z`,
      content: {type: 'TOPIC_CHANGE', addedTopicIds: added, removedTopicIds: removed},
    })
    const message: ConversationItem = {
      id: 'item-message',
      customerId: 'cust-1',
      timestamp: '2026-09-01T10:00:00.000Z',
      content: {type: 'CHAT_MESSAGE', content: 'Hi', sessionId: 's'},
    }
    const unsure = (row: ReportRow) => {
      const reading = conversationOfRow(row, use())
      if (reading._tag !== 'TopicsUnsure') throw new Error(`expected TopicsUnsure, got ${reading._tag}`)
      return reading
    }

    it('leaves them to the items, the rest of the row standing', () => {
      const reading = unsure({...closedRow, topics: 'Returns, Other'})
      expect(reading.conversation).to.include({id: 'conv-1', closedAt: '2026-09-01T11:00:00.000Z'})
      expect(reading.conversation.topicIds).to.deep.equal([])
      expect(unsure({...closedRow, topics: 'Returns, Billing'}).topicNames, 'an unknown name').to.equal(
        'Returns, Billing',
      )
    })

    it("takes the topics the topic changes leave, oldest first, when their names are the row's", () => {
      const reading = unsure({...closedRow, topics: 'Returns, Other'})
      const items = [
        message,
        item('10:10', ['topic-other-1', 'topic-damaged']),
        item('10:20', ['topic-returns'], ['topic-damaged']),
        item('10:30', ['topic-other-2'], ['topic-other-1']),
      ]
      expect(withTopicsOfItems(reading, items, use())?.topicIds).to.deep.equal(['topic-returns', 'topic-other-2'])
      const damaged = unsure({...closedRow, topics: 'Damaged, returned, Other'})
      expect(
        withTopicsOfItems(damaged, [item('10:10', ['topic-other-1', 'topic-damaged'])], use())?.topicIds,
        'a name holding the separator',
      ).to.deep.equal(['topic-other-1', 'topic-damaged'])
    })

    it('asks Gladly when the items do not tell the same topics, or name one not known', () => {
      const reading = unsure({...closedRow, topics: 'Returns, Other'})
      expect(withTopicsOfItems(reading, [message, item('10:10', ['topic-other-1'])], use())).to.equal(undefined)
      expect(withTopicsOfItems(reading, [message], use()), 'no topic change at all').to.equal(undefined)
      expect(
        withTopicsOfItems(reading, [item('10:10', ['topic-returns', 'topic-gone'])], use()),
        'a topic deleted since',
      ).to.equal(undefined)
    })
  })
})

describe('the customer directory', () => {
  before(() => nock.disableNetConnect())
  after(() => nock.enableNetConnect())
  afterEach(() => nock.cleanAll())

  const http = () => {
    const stats: RequestStats = {requests: 0, rateLimited: 0, retries: 0}
    return createGladlyHttp({
      origin: ORIGIN,
      username: 'u',
      token: 'directory-test-token',
      userAgent: 't',
      maxRetries: 1,
      retryDelayMs: 5,
      budget: createBudget(1000),
      logger: silentLogger(),
      stats,
    })
  }
  const profiles = () => {
    const asked: string[] = []
    nock(ORIGIN)
      .get(/\/api\/v1\/customer-profiles\/.+/)
      .times(100)
      .reply(200, (request: Request) => {
        const id = new URL(request.url).pathname.split('/').pop() as string
        asked.push(id)
        return {id, name: `Name of ${id}`}
      })
    return asked
  }

  it('asks each customer once while it is among the most recently used, and again once evicted', async () => {
    const asked = profiles()
    const directory = customerDirectory(http(), silentLogger(), {profilesNeeded: true, kept: 2})
    for (const id of ['a', 'a', 'b', 'a', 'c', 'a', 'c'])
      expect((await directory.find(id, CustomerFile.none))?.name).to.equal(`Name of ${id}`)
    expect(asked).to.deep.equal(['a', 'b', 'c'])
    expect(directory.fetched).to.equal(3)
    await directory.find('b', CustomerFile.none)
    expect(asked, 'b was the least recently used of three, with room for two').to.deep.equal(['a', 'b', 'c', 'b'])
  })

  it('asks no one when nothing needs the profile, but still gives it to whoever asks for it by name', async () => {
    const asked = profiles()
    const directory = customerDirectory(http(), silentLogger(), {profilesNeeded: false})
    expect(await directory.find('a', CustomerFile.none)).to.equal(undefined)
    expect(asked).to.deep.equal([])
    expect((await directory.profile('a'))?.name).to.equal('Name of a')
    expect(asked).to.deep.equal(['a'])
  })
})
