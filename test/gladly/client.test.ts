import {expect} from 'chai'
import nock from 'nock'
import {
  concernsWholeRun,
  getConversation,
  getConversationItems,
  getCustomerProfile,
  type GladlyError,
} from '../../src/lib/gladly/index.js'
import {testGladlyHttp} from '../helpers/gladly-http.js'

const ORIGIN = 'https://acme.gladly.com'

const connect = () => testGladlyHttp(ORIGIN)

async function run<A>(task: () => Promise<{_tag: 'Left'; left: GladlyError} | {_tag: 'Right'; right: A}>) {
  return task()
}

const chatItem = (id: string) => ({
  id,
  customerId: 'cu1',
  timestamp: '2026-01-01T00:00:00Z',
  content: {type: 'CHAT_MESSAGE', sessionId: 's', content: 'Hi'},
})

describe('Gladly client: one conversation’s bad answer is that conversation’s problem', () => {
  before(() => nock.disableNetConnect())
  after(() => nock.enableNetConnect())
  afterEach(() => nock.cleanAll())

  it('decodes GET /items element by element: a bad item is reported with its place, id and path, the others kept', async () => {
    nock(ORIGIN)
      .get('/api/v1/conversations/c1/items')
      .reply(200, [
        chatItem('i1'),
        {id: 'i2', customerId: 'cu1', timestamp: 'yesterday', content: {type: 'SMS'}},
        'garbage',
        chatItem('i4'),
      ])
    const result = await run(getConversationItems(connect(), 'c1'))
    if (result._tag === 'Left' || result.right === undefined) return expect.fail('expected items')
    expect(result.right.items.map((item) => item.id)).to.deep.equal(['i1', 'i4'])
    expect(result.right.unreadable.map(({index, itemId}) => ({index, itemId}))).to.deep.equal([
      {index: 1, itemId: 'i2'},
      {index: 2, itemId: undefined},
    ])
    expect(result.right.unreadable[0]?.reason).to.match(/^item \[1\]: timestamp must be .*, got "yesterday"/)
  })

  it('fails the conversation, not the run, when GET /items is not a list', async () => {
    nock(ORIGIN).get('/api/v1/conversations/c1/items').reply(200, {items: 'unavailable'})
    const result = await run(getConversationItems(connect(), 'c1'))
    if (result._tag === 'Right') return expect.fail('expected an error')
    expect(result.left.message).to.equal("Gladly's answer to GET /conversations/c1/items is not a list of items.")
    expect(concernsWholeRun(result.left)).to.equal(false)
  })

  it('fails the conversation when GET /conversations/{id} describes another one', async () => {
    nock(ORIGIN)
      .get('/api/v1/conversations/c1')
      .reply(200, {id: 'c2', customerId: 'cu1', inboxId: 'in1', status: 'CLOSED', createdAt: '2026-01-01T00:00:00Z'})
    const result = await run(getConversation(connect(), 'c1'))
    if (result._tag === 'Right') return expect.fail('expected an error')
    expect(result.left.message).to.equal(
      'Gladly\'s answer to GET /conversations/c1 is conversation "c2", not the one asked for.',
    )
    expect(concernsWholeRun(result.left)).to.equal(false)
  })

  it('stops the run for credentials and for a Gladly that keeps failing, not for a 404 or a bad answer', async () => {
    nock(ORIGIN)
      .get('/api/v1/conversations/c1')
      .reply(401, {errors: [{code: 'unauthorized'}]})
    nock(ORIGIN).get('/api/v1/conversations/c2').times(2).reply(503, 'down')
    const auth = await run(getConversation(connect(), 'c1'))
    const down = await run(getConversation(connect(), 'c2'))
    if (auth._tag === 'Right' || down._tag === 'Right') return expect.fail('expected errors')
    expect(concernsWholeRun(auth.left)).to.equal(true)
    expect(concernsWholeRun(down.left)).to.equal(true)
  })

  it('takes a customer profile without id (the spec requires none of its fields) as the one asked for', async () => {
    nock(ORIGIN).get('/api/v1/customer-profiles/cu1').reply(200, {name: 'Ada', emails: null})
    const result = await run(getCustomerProfile(connect(), 'cu1'))
    if (result._tag === 'Left' || result.right._tag !== 'Found') return expect.fail('expected a profile')
    expect(result.right.customer).to.include({id: 'cu1', name: 'Ada'})
    expect(result.right.customer.emails, 'null is absent').to.equal(undefined)
  })
})
