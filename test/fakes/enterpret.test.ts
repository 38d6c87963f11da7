import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {fileURLToPath} from 'node:url'

import {DEFAULT_API_KEY, DEFAULT_USERS_API_KEY, type FakeEnterpret, startFakeEnterpret} from './enterpret/index.js'

type Json = Record<string, unknown>

const CREATED_AT = 1_717_000_000

function conversation(id: string, overrides: Json = {}): Json {
  return {
    conversation: {
      msgs: [
        {actor: 'user', text: 'My order never arrived.'},
        {actor: 'agent', text: 'Refunded.'},
      ],
    },
    createdAt: CREATED_AT,
    fileID: 'gladly',
    id,
    metadata: {metadata: {channel: {array: {s: ['CHAT']}}, message_count: {array: {n: [2]}}}},
    type: 'CONVERSATION',
    ...overrides,
  }
}

function user(id: string, overrides: Json = {}): Json {
  return {
    attributes: {email: {array: {s: ['jo@example.com']}}, orders: {array: {n: [3]}}},
    createdAt: CREATED_AT,
    id,
    ...overrides,
  }
}

interface Answer {
  status: number
  body: Json
  headers: Headers
}

describe('fake Enterpret webhook', () => {
  let fake: FakeEnterpret

  async function send(body: unknown, headers: Record<string, string> = {'api-key': DEFAULT_API_KEY}): Promise<Answer> {
    const response = await fetch(fake.webhookUrl, {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: {'content-type': 'application/json', ...headers},
      method: 'POST',
    })
    return {body: (await response.json()) as Json, headers: response.headers, status: response.status}
  }

  const sendRecords = (...records: Json[]): Promise<Answer> => send({records})

  function expectError(answer: Answer, status: number, code: string, msgPart?: string): void {
    expect(answer.status, JSON.stringify(answer.body)).to.equal(status)
    expect(answer.body.code).to.equal(code)
    expect(answer.body.referenceID)
      .to.be.a('string')
      .and.match(/^[A-Z0-9]{6}$/)
    expect(answer.body.msg).to.be.a('string')
    if (msgPart !== undefined) expect(answer.body.msg).to.include(msgPart)
  }

  before(async () => {
    fake = await startFakeEnterpret()
  })
  afterEach(() => fake.reset())
  after(() => fake.close())

  describe('routing and authentication', () => {
    it('accepts a valid batch with a 200 and stores it', async () => {
      const answer = await sendRecords(conversation('c1'), conversation('c2'))
      expect(answer.status).to.equal(200)
      expect(answer.body).to.deep.equal({received: 2, status: 'ok'})
      expect([...fake.records.keys()]).to.deep.equal(['c1', 'c2'])
      expect(fake.metadataTypes.get('message_count')).to.equal('n')
    })

    it('answers 404 in the error shape for other paths and methods', async () => {
      const other = await fetch(`${fake.url}/webhook/custom`, {method: 'POST'})
      expectError(
        {body: (await other.json()) as Json, headers: other.headers, status: other.status},
        404,
        'ErrCodeNotFound',
      )
      const get = await fetch(fake.webhookUrl, {headers: {'api-key': DEFAULT_API_KEY}})
      expect(get.status).to.equal(404)
    })

    it('rejects a missing api-key, an unknown one and an Authorization header with 401', async () => {
      expectError(await send({records: [conversation('a')]}, {}), 401, 'ErrCodeInvalidAPIKey', 'missing')
      expectError(
        await send({records: [conversation('a')]}, {'api-key': 'nope'}),
        401,
        'ErrCodeInvalidAPIKey',
        'invalid',
      )
      const bearer = await send({records: [conversation('a')]}, {authorization: `Bearer ${DEFAULT_API_KEY}`})
      expectError(bearer, 401, 'ErrCodeInvalidAPIKey', 'Authorization')
      expect(fake.records.size).to.equal(0)
    })

    it('accepts any of the configured keys', async () => {
      fake.configure({apiKeys: ['k1', 'k2']})
      expect((await send({records: [conversation('a')]}, {'api-key': 'k2'})).status).to.equal(200)
      expectError(await send({records: [conversation('b')]}), 401, 'ErrCodeInvalidAPIKey')
    })
  })

  describe('request limits', () => {
    it('answers 413 when the raw body exceeds maxBodyBytes, counting bytes not characters', async () => {
      const body = JSON.stringify({records: [conversation('big', {text: 'é'.repeat(300)})]})
      fake.configure({maxBodyBytes: body.length + 100})
      expect(Buffer.byteLength(body)).to.be.greaterThan(body.length + 100)
      expectError(await send(body), 413, 'ErrCodePayloadTooLarge')
      expect(fake.requests[0]?.bytes).to.equal(Buffer.byteLength(body))
    })

    it('checks the api-key before the body size', async () => {
      fake.configure({maxBodyBytes: 10})
      expectError(await send({records: [conversation('a')]}, {}), 401, 'ErrCodeInvalidAPIKey')
    })

    it('answers 400 ErrCodeExceededBatchLimit above maxRecords', async () => {
      fake.configure({maxRecords: 2})
      expect((await sendRecords(conversation('a'), conversation('b'))).status).to.equal(200)
      expectError(
        await sendRecords(conversation('c'), conversation('d'), conversation('e')),
        400,
        'ErrCodeExceededBatchLimit',
        '3',
      )
      expect(fake.records.size).to.equal(2)
    })

    it('defaults to 100 records per batch', async () => {
      const batch = Array.from({length: 101}, (_, index) => conversation(`r${index}`))
      expectError(await sendRecords(...batch), 400, 'ErrCodeExceededBatchLimit')
      expect((await sendRecords(...batch.slice(0, 100))).status).to.equal(200)
    })

    it('rejects bodies that are not JSON or have no records', async () => {
      expectError(await send('{"records": ['), 400, 'ErrCodeInvalidRequestArgument', 'JSON')
      expectError(await send({}), 400, 'ErrCodeMissingRequiredField', 'records')
      expectError(await send({records: []}), 400, 'ErrCodeMissingRequiredField', 'records')
      expectError(await send({records: {}}), 400, 'ErrCodeInvalidRequestArgument', 'records')
      expectError(await send({extra: 1, records: [conversation('a')]}), 400, 'ErrCodeInvalidRequestArgument', 'extra')
    })
  })

  describe('record validation', () => {
    for (const field of ['id', 'fileID', 'type', 'createdAt', 'metadata']) {
      it(`rejects a record without ${field}`, async () => {
        const record = conversation('r1')
        delete record[field]
        const answer = await sendRecords(record)
        expectError(answer, 400, 'ErrCodeMissingRequiredField', `"${field}"`)
        if (field !== 'id') expect(answer.body.msg).to.include('record "r1"')
      })
    }

    it('rejects an empty id and a non-string id', async () => {
      expectError(await sendRecords(conversation('')), 400, 'ErrCodeMissingRequiredField', 'records[0]')
      expectError(
        await sendRecords(conversation('ok'), {...conversation('x'), id: 7}),
        400,
        'ErrCodeInvalidFieldFormat',
        'records[1]',
      )
    })

    it('rejects a type outside the enum', async () => {
      expectError(await sendRecords(conversation('r1', {type: 'TICKET'})), 400, 'ErrCodeInvalidFieldFormat', '"type"')
    })

    it('accepts createdAt in milliseconds and stores seconds', async () => {
      expect((await sendRecords(conversation('ms', {createdAt: CREATED_AT * 1000 + 999}))).status).to.equal(200)
      expect(fake.records.get('ms')?.record.createdAt).to.equal(CREATED_AT)
    })

    it('rejects createdAt in the future, before 2000 or not an integer', async () => {
      const future = Math.floor(Date.now() / 1000) + 3600
      expectError(
        await sendRecords(conversation('r1', {createdAt: future})),
        400,
        'ErrCodeInvalidFieldFormat',
        'future',
      )
      expectError(
        await sendRecords(conversation('r1', {createdAt: (future + 10) * 1000})),
        400,
        'ErrCodeInvalidFieldFormat',
        'future',
      )
      expectError(
        await sendRecords(conversation('r1', {createdAt: 946_684_799})),
        400,
        'ErrCodeInvalidFieldFormat',
        '2000',
      )
      expectError(
        await sendRecords(conversation('r1', {createdAt: 1_717_000_000.5})),
        400,
        'ErrCodeInvalidFieldFormat',
        'integer',
      )
      expectError(
        await sendRecords(conversation('r1', {createdAt: '1717000000'})),
        400,
        'ErrCodeInvalidFieldFormat',
        'integer',
      )
    })

    it('judges "the future" by the configured clock', async () => {
      fake.configure({now: () => (CREATED_AT - 1) * 1000})
      expectError(await sendRecords(conversation('r1')), 400, 'ErrCodeInvalidFieldFormat', 'future')
    })

    it('rejects a conversation without messages', async () => {
      expectError(
        await sendRecords(conversation('r1', {conversation: {msgs: []}})),
        400,
        'ErrCodeMissingRequiredField',
        'conversation.msgs',
      )
      expectError(
        await sendRecords(conversation('r1', {conversation: undefined})),
        400,
        'ErrCodeMissingRequiredField',
        'conversation.msgs',
      )
    })

    it('rejects an actor outside user, agent, bot', async () => {
      const answer = await sendRecords(conversation('r1', {conversation: {msgs: [{actor: 'customer', text: 'hi'}]}}))
      expectError(answer, 400, 'ErrCodeInvalidFieldFormat', 'conversation.msgs[0].actor')
      expect(answer.body.msg).to.include('record "r1"')
    })

    it('rejects an empty or blank message text', async () => {
      const msgs = [
        {actor: 'user', text: 'hi'},
        {actor: 'agent', text: ''},
      ]
      expectError(
        await sendRecords(conversation('r1', {conversation: {msgs}})),
        400,
        'ErrCodeMissingRequiredField',
        'conversation.msgs[1].text',
      )
      const blank = [{actor: 'bot', text: '  \n'}]
      expectError(
        await sendRecords(conversation('r1', {conversation: {msgs: blank}})),
        400,
        'ErrCodeMissingRequiredField',
        'msgs[0].text',
      )
    })

    it('rejects a metadata field with two type keys or mismatched elements', async () => {
      const twoTypes = {metadata: {metadata: {rating: {array: {n: [5], s: ['5']}}}}}
      expectError(
        await sendRecords(conversation('r1', twoTypes)),
        400,
        'ErrCodeInvalidFieldFormat',
        'metadata.metadata.rating',
      )
      const mismatched = {metadata: {metadata: {rating: {array: {n: ['5']}}}}}
      expectError(await sendRecords(conversation('r1', mismatched)), 400, 'ErrCodeInvalidFieldFormat', 'numbers')
      const untyped = {metadata: {metadata: {rating: 5}}}
      expectError(await sendRecords(conversation('r1', untyped)), 400, 'ErrCodeInvalidFieldFormat', 'array')
    })

    it('accepts empty metadata in both forms the docs allow', async () => {
      expect(
        (await sendRecords(conversation('r1', {metadata: {}}), conversation('r2', {metadata: {metadata: {}}}))).status,
      ).to.equal(200)
    })

    it('keeps a metadata key on its first type across requests', async () => {
      expect((await sendRecords(conversation('r1'))).status).to.equal(200)
      const flipped = conversation('r2', {metadata: {metadata: {message_count: {array: {s: ['2']}}}}})
      const answer = await sendRecords(flipped)
      expectError(answer, 400, 'ErrCodeInvalidFieldFormat', 'message_count')
      expect(answer.body.msg).to.include('record "r2"')
    })

    it('keeps a metadata key on one type within a batch, and forgets types of rejected batches', async () => {
      const asString = conversation('r2', {metadata: {metadata: {tier: {array: {s: ['gold']}}}}})
      const asBoolean = conversation('r3', {metadata: {metadata: {tier: {array: {b: [true]}}}}})
      expectError(await sendRecords(asString, asBoolean), 400, 'ErrCodeInvalidFieldFormat', 'tier')
      expect(fake.metadataTypes.has('tier')).to.equal(false)
      expect((await sendRecords(asBoolean)).status).to.equal(200)
    })

    it('rejects unknown fields in strict mode and accepts them otherwise', async () => {
      const tagged = conversation('r1', {tags: ['vip']})
      expectError(await sendRecords(tagged), 400, 'ErrCodeInvalidRequestArgument', '"tags"')
      const timestamped = conversation('r2', {
        conversation: {msgs: [{actor: 'user', createdAt: CREATED_AT, text: 'hi'}]},
      })
      expectError(
        await sendRecords(timestamped),
        400,
        'ErrCodeInvalidRequestArgument',
        'conversation.msgs[0].createdAt',
      )
      fake.configure({strict: false})
      expect((await sendRecords(tagged, timestamped)).status).to.equal(200)
    })

    it('checks REVIEW text', async () => {
      const review = {createdAt: CREATED_AT, fileID: 'f', id: 'rev', metadata: {}, type: 'REVIEW'}
      expectError(await sendRecords(review), 400, 'ErrCodeMissingRequiredField', '"text"')
      expect((await sendRecords({...review, text: 'Great'})).status).to.equal(200)
    })

    it('rejects the whole batch when one record is invalid', async () => {
      const answer = await sendRecords(conversation('good'), conversation('bad', {type: 'NOPE'}), conversation('good2'))
      expectError(answer, 400, 'ErrCodeInvalidFieldFormat', 'record "bad" (records[1])')
      expect(fake.records.size).to.equal(0)
      expect(fake.requests[0]).to.include({code: 'ErrCodeInvalidFieldFormat', recordCount: 3, status: 400})
    })
  })

  describe('metadata nesting switch', () => {
    const flat = conversation('flat', {metadata: {channel: {array: {s: ['EMAIL']}}}})

    it('nested (default) takes record.metadata.metadata and rejects a flat map', async () => {
      expectError(await sendRecords(flat), 400, 'ErrCodeInvalidFieldFormat', 'metadata.channel')
      expect((await sendRecords(conversation('nested'))).status).to.equal(200)
    })

    it('flat takes record.metadata and rejects the nested form', async () => {
      fake.configure({metadataNesting: 'flat'})
      expect((await sendRecords(flat)).status).to.equal(200)
      expect(fake.metadataTypes.get('channel')).to.equal('s')
      expectError(await sendRecords(conversation('nested')), 400, 'ErrCodeInvalidFieldFormat', 'metadata.metadata')
    })
  })

  describe('idempotency', () => {
    it('skips a duplicate id, keeping the original record and createdAt', async () => {
      expect((await sendRecords(conversation('c1'))).status).to.equal(200)
      const receivedAt = fake.records.get('c1')?.receivedAt
      const resent = conversation('c1', {
        conversation: {msgs: [{actor: 'user', text: 'changed'}]},
        createdAt: CREATED_AT + 500,
      })
      expect((await sendRecords(resent)).status).to.equal(200)
      expect((await sendRecords(resent)).status).to.equal(200)
      const stored = fake.records.get('c1')
      expect(stored?.record.createdAt).to.equal(CREATED_AT)
      expect(stored?.record.conversation?.msgs).to.have.length(2)
      expect(stored?.duplicates).to.equal(2)
      expect(stored?.receivedAt).to.equal(receivedAt)
      expect(fake.requests.at(-1)?.result).to.deep.equal({dropped: 0, replaced: 0, skipped: 1, stored: 0})
    })

    it('treats a repeated id inside one batch as a duplicate', async () => {
      expect((await sendRecords(conversation('c1'), conversation('c1', {createdAt: CREATED_AT + 1}))).status).to.equal(
        200,
      )
      expect(fake.records.get('c1')).to.include({duplicates: 1})
      expect(fake.records.get('c1')?.record.createdAt).to.equal(CREATED_AT)
    })

    it('replaces the whole record except createdAt in mutable mode', async () => {
      fake.configure({mutable: true})
      await sendRecords(conversation('c1'))
      const resent = conversation('c1', {
        conversation: {msgs: [{actor: 'bot', text: 'replaced'}]},
        createdAt: CREATED_AT + 500,
        metadata: {metadata: {inbox: {array: {s: ['US']}}}},
      })
      const answer = await sendRecords(resent)
      expect(answer.status).to.equal(200)
      const stored = fake.records.get('c1')
      expect(stored?.record.conversation?.msgs).to.deep.equal([{actor: 'bot', text: 'replaced'}])
      expect(stored?.record.metadata).to.deep.equal({metadata: {inbox: {array: {s: ['US']}}}})
      expect(stored?.record.createdAt).to.equal(CREATED_AT)
      expect(stored?.duplicates).to.equal(1)
      expect(fake.requests.at(-1)?.result).to.include({replaced: 1})
    })
  })

  describe('legacy mode', () => {
    it('answers 200 but silently drops records with an empty message text', async () => {
      fake.configure({legacy: true})
      const empty = conversation('empty', {
        conversation: {
          msgs: [
            {actor: 'user', text: 'hi'},
            {actor: 'agent', text: ''},
          ],
        },
      })
      const answer = await sendRecords(conversation('kept'), empty)
      expect(answer.status).to.equal(200)
      expect([...fake.records.keys()]).to.deep.equal(['kept'])
      expect(fake.dropped).to.have.length(1)
      expect(fake.dropped[0]).to.include({id: 'empty'})
      expect(fake.requests[0]?.result).to.include({dropped: 1, stored: 1})
    })

    it('still rejects other invalid records', async () => {
      fake.configure({legacy: true})
      expectError(await sendRecords(conversation('r1', {type: 'NOPE'})), 400, 'ErrCodeInvalidFieldFormat')
    })
  })

  describe('fault injection', () => {
    it('rejects any batch containing a poisoned id, naming it', async () => {
      fake.configure({poisonIds: ['p1']})
      const answer = await sendRecords(conversation('a'), conversation('p1'), conversation('b'))
      expectError(answer, 400, 'ErrCodeInvalidFieldFormat', 'record "p1"')
      expect(fake.records.size).to.equal(0)
      expect((await sendRecords(conversation('a'))).status).to.equal(200)
      expect((await sendRecords(conversation('b'))).status).to.equal(200)
      expectError(await sendRecords(conversation('p1')), 400, 'ErrCodeInvalidFieldFormat')
    })

    it('failNext(n) answers the next n requests with 500 and then recovers', async () => {
      fake.failNext(2)
      expectError(await sendRecords(conversation('a')), 500, 'ErrCodeInternalError')
      expectError(await sendRecords(conversation('a')), 500, 'ErrCodeInternalError')
      expect((await sendRecords(conversation('a'))).status).to.equal(200)
      expect(fake.records.size).to.equal(1)
    })

    it('does not spend failNext on unauthenticated requests', async () => {
      fake.failNext()
      expectError(await send({records: [conversation('a')]}, {}), 401, 'ErrCodeInvalidAPIKey')
      expectError(await sendRecords(conversation('a')), 500, 'ErrCodeInternalError')
    })

    it('errorRate injects 500s from a seeded sequence', async () => {
      const statuses = async (): Promise<number[]> => {
        const result: number[] = []
        for (let index = 0; index < 12; index++) result.push((await sendRecords(conversation(`e${index}`))).status)
        return result
      }

      fake.configure({errorRate: 0.5, seed: 42})
      const first = await statuses()
      fake.reset()
      fake.configure({errorRate: 0.5, seed: 42})
      expect(await statuses()).to.deep.equal(first)
      expect(first).to.include(500).and.to.include(200)
    })

    it('resetRate destroys the connection without an answer', async () => {
      fake.configure({resetRate: 1})
      let failure: unknown
      try {
        await sendRecords(conversation('a'))
      } catch (error) {
        failure = error
      }

      expect(failure).to.be.instanceOf(TypeError)
      expect(fake.records.size).to.equal(0)
      expect(fake.countsByStatus()).to.deep.equal({reset: 1})
    })

    it('latencyMs delays the answer', async () => {
      fake.configure({latencyMs: 150})
      const started = performance.now()
      expect((await sendRecords(conversation('a'))).status).to.equal(200)
      expect(performance.now() - started).to.be.at.least(140)
    })

    it('rpm answers 429 without Retry-After unless configured', async () => {
      fake.configure({rpm: 2})
      expect((await sendRecords(conversation('a'))).status).to.equal(200)
      expectError(await send({records: []}), 400, 'ErrCodeMissingRequiredField')
      const throttled = await sendRecords(conversation('b'))
      expectError(throttled, 429, 'ErrCodeRateLimitExceeded')
      expect(throttled.headers.get('retry-after')).to.equal(null)
      expect(fake.records.has('b')).to.equal(false)
    })

    it('rpm answers 429 with Retry-After when retryAfterSeconds is set, before validating', async () => {
      fake.configure({retryAfterSeconds: 7, rpm: 1})
      expect((await sendRecords(conversation('a'))).status).to.equal(200)
      const throttled = await send('not json')
      expectError(throttled, 429, 'ErrCodeRateLimitExceeded')
      expect(throttled.headers.get('retry-after')).to.equal('7')
    })

    it('rpm uses a rolling one-minute window', async () => {
      let now = CREATED_AT * 1000
      fake.configure({now: () => now, rpm: 1})
      expect((await sendRecords(conversation('a'))).status).to.equal(200)
      now += 59_000
      expect((await sendRecords(conversation('b'))).status).to.equal(429)
      now += 1000
      expect((await sendRecords(conversation('b'))).status).to.equal(200)
    })
  })

  describe('observability', () => {
    it('logs requests with sizes, counts and codes, and serves them on /_fake/requests', async () => {
      await sendRecords(conversation('a'), conversation('b'))
      await send({records: [conversation('c')]}, {})
      const [ok, denied] = fake.requests
      expect(ok).to.include({hasApiKey: true, method: 'POST', path: '/webhook/custom/all', recordCount: 2, status: 200})
      expect(ok?.headers['content-type']).to.equal('application/json')
      expect(ok?.bytes).to.equal(Number(ok?.headers['content-length']))
      expect(denied).to.include({code: 'ErrCodeInvalidAPIKey', hasApiKey: false, status: 401})
      const hook = (await (await fetch(`${fake.url}/_fake/requests`)).json()) as Json
      expect(hook).to.deep.include({byStatus: {200: 1, 401: 1}, count: 2})
      expect(hook.requests).to.deep.equal(JSON.parse(JSON.stringify(fake.requests)))
    })

    it('serves stored records, duplicates and metadata types on /_fake/records without an api-key', async () => {
      await sendRecords(conversation('a'))
      await sendRecords(conversation('a'))
      const response = await fetch(`${fake.url}/_fake/records`)
      expect(response.status).to.equal(200)
      const hook = (await response.json()) as {count: number; duplicates: number; metadataTypes: Json; records: Json[]}
      expect(hook).to.include({count: 1, duplicates: 1})
      expect(hook.metadataTypes).to.deep.equal({channel: 's', message_count: 'n'})
      expect(hook.records[0]).to.include({duplicates: 1, id: 'a'})
      expect(fake.requests).to.have.length(2)
    })

    it('never stores the api key, whichever header carries it', async () => {
      const secret = 'sk-live-0123456789'
      fake.configure({apiKeys: [secret]})
      await send({records: [conversation('a')]}, {'api-key': secret})
      await send({records: [conversation('b')]}, {authorization: `Bearer ${secret}`})
      await send({records: [conversation('c')]}, {'x-api-key': secret})
      const hook = await (await fetch(`${fake.url}/_fake/requests`)).text()
      expect(hook).to.not.include(secret)
      expect(JSON.stringify(fake.requests)).to.not.include(secret)
      expect(fake.requests.map((entry) => entry.hasApiKey)).to.deep.equal([true, false, false])
      expect(fake.requests[1]?.headers.authorization).to.equal('[redacted]')
    })

    it('reset() forgets state and restores the start options', async () => {
      fake.configure({rpm: 1})
      await sendRecords(conversation('a'))
      fake.failNext(3)
      fake.reset()
      expect(fake.records.size).to.equal(0)
      expect(fake.requests).to.have.length(0)
      expect(fake.metadataTypes.size).to.equal(0)
      expect((await sendRecords(conversation('a'))).status).to.equal(200)
      expect((await sendRecords(conversation('b'))).status).to.equal(200)
    })
  })

  describe('Users webhook', () => {
    async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
      const response = await fetch(url, {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: {'content-type': 'application/json', ...headers},
        method: 'POST',
      })
      return {body: (await response.json()) as Json, headers: response.headers, status: response.status}
    }
    const sendBody = (body: unknown, headers: Record<string, string> = {'api-key': DEFAULT_USERS_API_KEY}) =>
      post(fake.usersUrl, body, headers)
    const sendUsers = (...users: Json[]): Promise<Answer> => sendBody({users})

    it('accepts a valid batch on POST /webhook/users/custom with its own key and stores the users by id', async () => {
      expect(fake.usersUrl).to.equal(`${fake.url}/webhook/users/custom`)
      const answer = await sendUsers(user('u1'), user('u2', {attributes: {}}))
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200)
      expect(answer.body).to.deep.equal({received: 2, status: 'ok'})
      expect([...fake.users.keys()]).to.deep.equal(['u1', 'u2'])
      expect(fake.users.get('u1')).to.deep.include({received: 1, user: user('u1')})
      expect(fake.userAttributeTypes.get('orders')).to.equal('n')
      expect(fake.records.size, 'users are not feedback').to.equal(0)
      expect(fake.metadataTypes.size).to.equal(0)
    })

    it('keys are per integration: the feedback key is a 401 here and the Users key a 401 on the feedback webhook', async () => {
      expectError(await sendBody({users: [user('u1')]}, {'api-key': DEFAULT_API_KEY}), 401, 'ErrCodeInvalidAPIKey')
      expectError(await sendBody({users: [user('u1')]}, {}), 401, 'ErrCodeInvalidAPIKey', 'missing')
      expectError(
        await send({records: [conversation('c1')]}, {'api-key': DEFAULT_USERS_API_KEY}),
        401,
        'ErrCodeInvalidAPIKey',
      )
      expect(fake.users.size).to.equal(0)
      expect(fake.records.size).to.equal(0)
      fake.configure({usersApiKeys: ['test-users-key-not-real']})
      expect((await sendBody({users: [user('u1')]}, {'api-key': 'test-users-key-not-real'})).status).to.equal(200)
      expectError(await sendUsers(user('u2')), 401, 'ErrCodeInvalidAPIKey', 'invalid')
    })

    it('answers 404 to another method on its path', async () => {
      const get = await fetch(fake.usersUrl, {headers: {'api-key': DEFAULT_USERS_API_KEY}})
      expect(get.status).to.equal(404)
      expect(((await get.json()) as Json).code).to.equal('ErrCodeNotFound')
    })

    it('rejects bodies that are not JSON, have no users array, or carry unknown envelope fields (strict)', async () => {
      expectError(await sendBody('{"users": ['), 400, 'ErrCodeInvalidRequestArgument', 'JSON')
      expectError(await sendBody({}), 400, 'ErrCodeMissingRequiredField', '"users"')
      expectError(await sendBody({records: [user('u1')]}), 400, 'ErrCodeMissingRequiredField', '"users"')
      expectError(await sendBody({users: []}), 400, 'ErrCodeMissingRequiredField', '"users"')
      expectError(await sendBody({users: {}}), 400, 'ErrCodeInvalidRequestArgument', 'users')
      expectError(await sendBody({extra: 1, users: [user('u1')]}), 400, 'ErrCodeInvalidRequestArgument', '"extra"')
      fake.configure({strict: false})
      expect((await sendBody({extra: 1, users: [user('u1')]})).status).to.equal(200)
    })

    it('takes at most 15 users a request by default, and maxUsers when set', async () => {
      const batch = Array.from({length: 16}, (_, index) => user(`u${index}`))
      expectError(await sendUsers(...batch), 400, 'ErrCodeExceededBatchLimit', 'batch has 16 users; the limit is 15')
      expect(fake.users.size).to.equal(0)
      expect((await sendUsers(...batch.slice(0, 15))).status).to.equal(200)
      fake.configure({maxUsers: 2})
      expectError(await sendUsers(user('a'), user('b'), user('c')), 400, 'ErrCodeExceededBatchLimit', '3')
      expect(fake.requests.at(-1)).to.include({userCount: 3})
    })

    it('answers 413 above maxBodyBytes, 429 above its rate limit, and takes injected faults', async () => {
      const body = JSON.stringify({users: [user('big', {attributes: {note: {array: {s: ['x'.repeat(500)]}}}})]})
      fake.configure({maxBodyBytes: 200})
      expectError(await sendBody(body), 413, 'ErrCodePayloadTooLarge')
      fake.reset()
      fake.failNext()
      expectError(await sendUsers(user('u1')), 500, 'ErrCodeInternalError')
      expect((await sendUsers(user('u1'))).status).to.equal(200)
      fake.configure({retryAfterSeconds: 3, rpm: 1})
      expect((await sendUsers(user('u2'))).status).to.equal(200)
      const throttled = await sendUsers(user('u3'))
      expectError(throttled, 429, 'ErrCodeRateLimitExceeded')
      expect(throttled.headers.get('retry-after')).to.equal('3')
      expect((await sendRecords(conversation('c1'))).status, 'each webhook has its own window').to.equal(200)
      fake.configure({resetRate: 1, rpm: 0})
      let failure: unknown
      try {
        await sendUsers(user('u4'))
      } catch (error) {
        failure = error
      }
      expect(failure).to.be.instanceOf(TypeError)
      expect([...fake.users.keys()]).to.deep.equal(['u1', 'u2'])
    })

    it('usersRpm limits the Users webhook on its own', async () => {
      fake.configure({usersRpm: 1})
      expect((await sendUsers(user('u1'))).status).to.equal(200)
      expectError(await sendUsers(user('u2')), 429, 'ErrCodeRateLimitExceeded', 'rate limit of 1 requests')
      expect((await sendRecords(conversation('c1'))).status).to.equal(200)
      expect((await sendRecords(conversation('c2'))).status).to.equal(200)
    })

    for (const field of ['id', 'createdAt', 'attributes']) {
      it(`rejects a user without ${field}`, async () => {
        const incomplete = user('u1')
        delete incomplete[field]
        const answer = await sendUsers(user('u0'), incomplete)
        expectError(answer, 400, 'ErrCodeMissingRequiredField', `"${field}"`)
        expect(answer.body.msg).to.include(field === 'id' ? 'users[1]' : 'user "u1" (users[1])')
        expect(fake.users.size, 'the whole batch is rejected').to.equal(0)
      })
    }

    it('rejects an empty or non-string id', async () => {
      expectError(await sendUsers(user('  ')), 400, 'ErrCodeMissingRequiredField', 'users[0]')
      expectError(await sendUsers({...user('x'), id: 42}), 400, 'ErrCodeInvalidFieldFormat', 'users[0]')
    })

    it('takes createdAt as whole epoch seconds from 2000-01-01 up to now', async () => {
      expect((await sendUsers(user('edge', {createdAt: 946_684_800}))).status).to.equal(200)
      expectError(await sendUsers(user('u1', {createdAt: 946_684_799})), 400, 'ErrCodeInvalidFieldFormat', '2000')
      expectError(
        await sendUsers(user('u1', {createdAt: CREATED_AT + 0.5})),
        400,
        'ErrCodeInvalidFieldFormat',
        'integer',
      )
      expectError(
        await sendUsers(user('u1', {createdAt: String(CREATED_AT)})),
        400,
        'ErrCodeInvalidFieldFormat',
        'integer',
      )
      expectError(
        await sendUsers(user('u1', {createdAt: CREATED_AT * 1000})),
        400,
        'ErrCodeInvalidFieldFormat',
        'future',
      )
      fake.configure({now: () => (CREATED_AT - 1) * 1000})
      expectError(await sendUsers(user('u1')), 400, 'ErrCodeInvalidFieldFormat', 'future')
    })

    it('checks attributes as typed arrays, like record metadata', async () => {
      expectError(await sendUsers(user('u1', {attributes: []})), 400, 'ErrCodeInvalidFieldFormat', '"attributes"')
      expectError(
        await sendUsers(user('u1', {attributes: {plan: 'gold'}})),
        400,
        'ErrCodeInvalidFieldFormat',
        'attributes.plan',
      )
      expectError(
        await sendUsers(user('u1', {attributes: {plan: {array: {s: ['gold'], n: [1]}}}})),
        400,
        'ErrCodeInvalidFieldFormat',
        'attributes.plan.array',
      )
      expectError(
        await sendUsers(user('u1', {attributes: {orders: {array: {n: ['3']}}}})),
        400,
        'ErrCodeInvalidFieldFormat',
        'numbers',
      )
      expectError(
        await sendUsers(user('u1', {attributes: {'': {array: {s: ['x']}}}})),
        400,
        'ErrCodeInvalidFieldFormat',
        'empty key',
      )
      expect((await sendUsers(user('u1', {attributes: {vip: {array: {b: [true]}}}}))).status).to.equal(200)
    })

    it('keeps an attribute key on its first type, within a batch and across requests', async () => {
      const asString = user('u1', {attributes: {tier: {array: {s: ['gold']}}}})
      const asBoolean = user('u2', {attributes: {tier: {array: {b: [true]}}}})
      expectError(await sendUsers(asString, asBoolean), 400, 'ErrCodeInvalidFieldFormat', 'key "tier"')
      expect(fake.userAttributeTypes.has('tier'), 'a rejected batch teaches no type').to.equal(false)
      expect((await sendUsers(asString)).status).to.equal(200)
      const answer = await sendUsers(asBoolean)
      expectError(answer, 400, 'ErrCodeInvalidFieldFormat', 'user "u2"')
      expect(answer.body.msg).to.include('already received as "s"')
    })

    it('does not share attribute types with feedback metadata', async () => {
      expect((await sendRecords(conversation('c1'))).status).to.equal(200)
      expect((await sendUsers(user('u1', {attributes: {channel: {array: {b: [true]}}}}))).status).to.equal(200)
    })

    it('rejects unknown user fields in strict mode and accepts them otherwise', async () => {
      const tagged = user('u1', {email: 'jo@example.com'})
      expectError(await sendUsers(tagged), 400, 'ErrCodeInvalidRequestArgument', 'unknown field "email"')
      fake.configure({strict: false})
      expect((await sendUsers(tagged)).status).to.equal(200)
    })

    it('rejects any batch containing a poisoned user id, naming it, so the client can bisect', async () => {
      fake.configure({poisonUserIds: ['p1']})
      const answer = await sendUsers(user('a'), user('p1'), user('b'))
      expectError(answer, 400, 'ErrCodeInvalidFieldFormat', 'user "p1" (users[1])')
      expect(fake.users.size).to.equal(0)
      expect((await sendUsers(user('a'), user('b'))).status).to.equal(200)
      expect((await sendRecords(conversation('p1'))).status, 'user ids only').to.equal(200)
    })

    it('updates a re-sent user: the latest version is kept and the times it was received are counted', async () => {
      let now = CREATED_AT * 1000
      fake.configure({now: () => now})
      expect((await sendUsers(user('u1'))).status).to.equal(200)
      now += 5000
      const changed = user('u1', {attributes: {email: {array: {s: ['new@example.com']}}}, createdAt: CREATED_AT - 10})
      expect((await sendUsers(changed, user('u2'))).status).to.equal(200)
      expect(fake.requests.at(-1)?.userResult).to.deep.equal({created: 1, updated: 1})
      const stored = fake.users.get('u1')
      expect(stored).to.deep.equal({received: 2, receivedAt: CREATED_AT * 1000, updatedAt: now, user: changed})
      expect((await sendUsers(user('u3'), user('u3', {attributes: {}}))).status, 'the last in a batch wins').to.equal(
        200,
      )
      expect(fake.users.get('u3')).to.deep.include({received: 2, user: user('u3', {attributes: {}})})
    })

    it('logs its requests with the user count, and serves the users on /_fake/users without an api-key', async () => {
      await sendUsers(user('u1'), user('u2'))
      await sendUsers(user('u1'))
      expect(fake.requests[0]).to.include({path: '/webhook/users/custom', recordCount: null, status: 200, userCount: 2})
      expect(fake.requests[0]?.userResult).to.deep.equal({created: 2, updated: 0})
      expect(JSON.stringify(fake.requests)).not.to.include(DEFAULT_USERS_API_KEY)
      const response = await fetch(`${fake.url}/_fake/users`)
      expect(response.status).to.equal(200)
      const hook = (await response.json()) as {attributeTypes: Json; count: number; users: Json[]}
      expect(hook).to.deep.include({attributeTypes: {email: 's', orders: 'n'}, count: 2})
      expect(hook.users[0]).to.deep.include({id: 'u1', received: 2, user: user('u1')})
      expect(fake.requests, '/_fake hooks are not logged').to.have.length(2)
    })

    it('reset() forgets the users and their attribute types, and restores the start options', async () => {
      fake.configure({maxUsers: 1})
      expect((await sendUsers(user('u1'))).status).to.equal(200)
      fake.reset()
      expect(fake.users.size).to.equal(0)
      expect(fake.userAttributeTypes.size).to.equal(0)
      const ordersAsText = user('u2', {attributes: {orders: {array: {s: ['3']}}}})
      expect((await sendUsers(ordersAsText, user('u3', {attributes: {}}))).status).to.equal(200)
    })
  })

  describe('standalone runner', () => {
    it('prints its URL, serves requests and exits 0 on SIGTERM', async () => {
      const main = fileURLToPath(new URL('enterpret/main.ts', import.meta.url))
      const args = ['--port', '0', '--quiet', '--users-api-key', 'test-users-key-not-real']
      const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer]
      const url = chunk.toString().trim()
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
      const response = await fetch(`${url}/webhook/custom/all`, {
        body: JSON.stringify({records: [conversation('a')]}),
        headers: {'api-key': DEFAULT_API_KEY},
        method: 'POST',
      })
      expect(response.status).to.equal(200)
      const users = await fetch(`${url}/webhook/users/custom`, {
        body: JSON.stringify({users: [user('u1')]}),
        headers: {'api-key': 'test-users-key-not-real'},
        method: 'POST',
      })
      expect(users.status).to.equal(200)
      child.kill('SIGTERM')
      const [code] = (await once(child, 'exit')) as [number | null]
      expect(code).to.equal(0)
    })
  })
})
