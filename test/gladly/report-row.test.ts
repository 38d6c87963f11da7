import {expect} from 'chai'
import nock from 'nock'
import {type RequestStats} from '../../src/lib/common/index.js'
import {createBudget, createGladlyHttp, customerDirectory} from '../../src/lib/gladly/index.js'
import {conversationOfRow, topicIdsByName} from '../../src/lib/gladly/feed/report-row.js'
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
    expect(conversationOfRow(closedRow, use())).to.deep.equal({
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
    expect(conversationOfRow(unassigned, use())).to.include({id: 'conv-1'}).and.not.have.property('agentId')
    expect(conversationOfRow(unassigned, use())?.topicIds).to.deep.equal([])
  })

  it('does not stand for it where it cannot say all of it: Gladly is asked instead', () => {
    const cases: Array<[string, ReportRow]> = [
      ['open', {...closedRow, status: 'OPEN'}],
      ['merged', {...closedRow, status: 'MERGED'}],
      ['a topic name two topics share', {...closedRow, topics: 'Returns, Other'}],
      ['an unknown topic', {...closedRow, topics: 'Returns, Billing'}],
      ['no close time', {...closedRow, closedAt: undefined}],
      ['a creation time in another format', {...closedRow, createdAt: '09/01/2026 10:00'}],
      ['no inbox', {...closedRow, inboxId: undefined}],
      ['no customer', {...closedRow, customerId: undefined}],
    ]
    for (const [name, row] of cases) expect(conversationOfRow(row, use()), name).to.equal(undefined)
    expect(conversationOfRow(closedRow, use(true)), 'custom attributes wanted').to.equal(undefined)
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
