import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {
  type Conversation,
  type ConversationItem,
  DEMO_CREDENTIALS,
  type EdgeCaseIds,
  type ExportJob,
  type FakeGladly,
  GladlyDataset,
  HOUR_MS,
  REPORT_COLUMNS,
  reportWindow,
  startFakeGladly,
} from './gladly/index.js'

// 20 minutes after a daily window closed: the newest job is still PENDING or IN_PROGRESS.
const END = '2025-03-10T00:20:00Z'
const AUTH = `Basic ${Buffer.from(`${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.token}`).toString('base64')}`

/** The completed daily job of 7 March, well inside the 10 days of history. */
function midJob(fake: FakeGladly): ExportJob {
  return fake.dataset.jobs(END).find((job) => job.parameters.startAt === '2025-03-07T00:00:00Z') as ExportJob
}

function client(fake: FakeGladly) {
  return (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${fake.url}${path}`, {...init, headers: {Authorization: AUTH, ...init.headers}})
}

async function jsonLines(response: Response): Promise<unknown[]> {
  const text = await response.text()
  expect(text === '' || text.endsWith('\n')).to.equal(true)
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown)
}

/** A strict RFC 4180 reader: CRLF between records, quotes only around whole fields, every record terminated. */
function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (quoted) {
      if (char !== '"') field += char
      else if (text[i + 1] === '"') field += text[++i]
      else quoted = false
    } else if (char === '"' && field === '') {
      quoted = true
    } else if (char === ',') {
      record.push(field)
      field = ''
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field)
      records.push(record)
      record = []
      field = ''
      i++
    } else if (char === '"' || char === '\r' || char === '\n') {
      throw new Error(`stray ${JSON.stringify(char)} at ${i}`)
    } else {
      field += char
    }
  }

  if (quoted || field !== '' || record.length > 0) throw new Error('unterminated last record')
  return records
}

/** A CSV response's records as objects keyed by its header. */
async function csvRecords(response: Response): Promise<Array<Record<string, string>>> {
  const [header = [], ...records] = parseCsv(await response.text())
  return records.map((record) => Object.fromEntries(header.map((name, n) => [name, record[n] ?? ''])))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms)
  })
}

describe('fake Gladly', () => {
  let fake: FakeGladly
  let get: ReturnType<typeof client>

  beforeEach(async () => {
    fake = await startFakeGladly({now: END, dataset: {seed: 42, conversations: 30}, rateLimit: false})
    get = client(fake)
  })

  afterEach(async () => {
    await fake.close()
  })

  describe('authentication and errors', () => {
    it('answers 401 without or with wrong credentials, 200 with the right ones', async () => {
      const missing = await fetch(`${fake.url}/api/v1/organization`)
      expect(missing.status).to.equal(401)
      expect(missing.headers.get('content-type')).to.equal('application/json')
      expect(await missing.json()).to.have.nested.property('errors[0].code', 'unauthorized')
      const wrong = await get('/api/v1/organization', {
        headers: {Authorization: `Basic ${Buffer.from('a:b').toString('base64')}`},
      })
      expect(wrong.status).to.equal(401)
      const ok = await get('/api/v1/organization')
      expect(ok.status).to.equal(200)
      expect(await ok.json()).to.include.keys('id', 'loginDomain', 'name', 'timezone', 'gladlyUrl')
    })

    it('answers unknown routes with a not_exist error', async () => {
      const response = await get('/api/v1/tickets')
      expect(response.status).to.equal(404)
      expect(await response.json()).to.deep.equal({
        errors: [{code: 'not_exist', detail: 'no route for GET /api/v1/tickets'}],
      })
    })

    it('serves agents, topics and inboxes with 404s for unknown ids', async () => {
      const agents = (await (await get('/api/v1/agents')).json()) as Array<{id: string}>
      expect(agents.length).to.be.greaterThan(5)
      expect(await (await get(`/api/v1/agents/${agents[1]?.id}`)).json()).to.deep.equal(agents[1])
      expect((await get('/api/v1/agents/nope')).status).to.equal(404)
      const topics = (await (await get('/api/v1/topics')).json()) as Array<{parentId?: string; disabled: boolean}>
      expect(topics.some((topic) => topic.parentId)).to.equal(true)
      expect(topics.some((topic) => topic.disabled)).to.equal(true)
      const inboxes = (await (await get('/api/v1/inboxes')).json()) as Array<{id: string}>
      expect((await get(`/api/v1/inboxes/${inboxes[0]?.id}`)).status).to.equal(200)
      const schedules = await (await get('/api/v1/export/schedules')).json()
      expect(schedules).to.have.nested.property('[0].frequency', 'DAILY')
    })
  })

  describe('export jobs', () => {
    it('lists the last 14 days of jobs in every status, unsorted, filtered on updatedAt', async () => {
      const jobs = (await (await get('/api/v1/export/jobs')).json()) as ExportJob[]
      // 14 days of updatedAt span 15 daily windows when the oldest job finished late enough.
      expect(jobs.length).to.be.within(14, 15)
      expect(jobs).to.have.length(fake.dataset.jobs(END).length)
      const byStart = [...jobs].sort((a, b) => a.parameters.startAt.localeCompare(b.parameters.startAt))
      expect(jobs.map((job) => job.id)).to.not.deep.equal(byStart.map((job) => job.id))
      const statuses = new Set(jobs.map((job) => job.status))
      expect(statuses).to.include('COMPLETED').and.to.include('FAILED')
      expect([...statuses].some((status) => status === 'PENDING' || status === 'IN_PROGRESS')).to.equal(true)
      for (const job of jobs) {
        expect(job.files).to.deep.equal(
          job.status === 'COMPLETED'
            ? ['agents.jsonl', 'conversation_items.jsonl', 'customers.jsonl', 'topics.jsonl']
            : [],
        )
      }

      const completed = (await (await get('/api/v1/export/jobs?status=COMPLETED')).json()) as ExportJob[]
      expect(completed.every((job) => job.status === 'COMPLETED')).to.equal(true)
      expect(completed).to.have.length(jobs.filter((job) => job.status === 'COMPLETED').length)

      const pivot = byStart[5] as ExportJob
      const windowed = (await (
        await get(`/api/v1/export/jobs?startAt=${pivot.updatedAt}&endAt=${(byStart[7] as ExportJob).updatedAt}`)
      ).json()) as ExportJob[]
      expect(windowed.map((job) => job.id).sort()).to.deep.equal(
        byStart
          .slice(5, 8)
          .map((job) => job.id)
          .sort(),
      )
      expect(await (await get(`/api/v1/export/jobs/${pivot.id}`)).json()).to.deep.equal(pivot)
      expect((await get('/api/v1/export/jobs/AAAAAAAAAAAAAAAAAAAAAA')).status).to.equal(404)
    })

    it('rejects out-of-range filters with 400 in Gladly error shape', async () => {
      const cases = [
        ['startAt=2025-02-20T00:00:00Z', 'startAt'],
        ['endAt=2025-03-11T00:00:00Z', 'endAt'],
        ['startAt=2025-03-05T00:00:00Z&endAt=2025-03-04T00:00:00Z', 'endAt'],
        ['startAt=yesterday', 'startAt'],
        ['status=DONE', 'status'],
      ]
      for (const [query, attr] of cases) {
        const response = await get(`/api/v1/export/jobs?${query}`)
        expect(response.status, query).to.equal(400)
        expect(await response.json()).to.have.nested.property('errors[0].attr', attr)
      }
    })

    it('forgets jobs 14 days after their last update', async () => {
      const oldest = fake.dataset.jobs(fake.clock.now())[0] as ExportJob
      expect((await get(`/api/v1/export/jobs/${oldest.id}/files/agents.jsonl`)).status).to.equal(200)
      fake.clock.advance(2 * 24 * HOUR_MS)
      expect((await get(`/api/v1/export/jobs/${oldest.id}`)).status).to.equal(404)
      expect((await get(`/api/v1/export/jobs/${oldest.id}/files/agents.jsonl`)).status).to.equal(404)
    })

    it('streams files as x-ndjson lines, with injected malformed lines when asked', async () => {
      fake.configure({malformedLines: 3})
      const job = midJob(fake)
      const response = await get(`/api/v1/export/jobs/${job.id}/files/conversation_items.jsonl`)
      expect(response.status).to.equal(200)
      expect(response.headers.get('content-type')).to.equal('application/x-ndjson')
      const text = await response.text()
      expect(text.endsWith('\n')).to.equal(true)
      const good: unknown[] = []
      let broken = 0
      for (const line of text.slice(0, -1).split('\n')) {
        try {
          good.push(JSON.parse(line))
        } catch {
          broken++
        }
      }

      expect(broken).to.equal(3)
      const expected = [...(fake.dataset.jobFile(job.id, 'conversation_items.jsonl', END) ?? [])]
      expect(good).to.deep.equal(expected.map((line) => JSON.parse(line) as unknown))
      expect(good.length).to.be.greaterThan(5)

      const customers = await jsonLines(await get(`/api/v1/export/jobs/${job.id}/files/customers.jsonl`))
      expect(customers[0]).to.include.keys('id', 'name', 'emailAddresses', 'phoneNumbers')
      expect(customers[0]).to.not.have.property('emails')
      const agents = await jsonLines(await get(`/api/v1/export/jobs/${job.id}/files/agents.jsonl`))
      expect(agents[0]).to.have.keys('id', 'name', 'emailAddress')
      expect((await get(`/api/v1/export/jobs/${job.id}/files/conversations.jsonl`)).status).to.equal(404)
      const failed = fake.dataset.edgeCases.failedJobId as string
      expect((await get(`/api/v1/export/jobs/${failed}/files/agents.jsonl`)).status).to.equal(404)
    })

    it('completes the pending job and adds new ones as the clock advances', async () => {
      const pending = fake.dataset.jobs(END).find((job) => job.status !== 'COMPLETED' && job.status !== 'FAILED')
      expect(pending).to.not.equal(undefined)
      fake.clock.advance(2 * HOUR_MS)
      const job = (await (await get(`/api/v1/export/jobs/${pending?.id}`)).json()) as ExportJob
      expect(job.status).to.equal('COMPLETED')
      fake.clock.advance(24 * HOUR_MS)
      const jobs = (await (await get('/api/v1/export/jobs')).json()) as ExportJob[]
      expect(jobs.some((candidate) => candidate.parameters.startAt === '2025-03-10T00:00:00Z')).to.equal(true)
    })
  })

  describe('conversations', () => {
    it('caps items at 1000 with Gladly-Limited-Data and filters by session', async () => {
      const big = fake.dataset.edgeCases.bigConversationId as string
      const response = await get(`/api/v1/conversations/${big}/items`)
      expect(response.headers.get('gladly-limited-data')).to.equal('true')
      const items = (await response.json()) as ConversationItem[]
      expect(items).to.have.length(1000)
      expect(fake.dataset.items(big, END)).to.have.length(1200)
      const times = items.map((item) => Date.parse(item.timestamp))
      expect(times).to.deep.equal([...times].sort((a, b) => a - b))

      const showcase = fake.dataset.edgeCases.showcaseConversationId as string
      const small = await get(`/api/v1/conversations/${showcase}/items`)
      expect(small.headers.get('gladly-limited-data')).to.equal('false')
      const all = (await small.json()) as ConversationItem[]
      const session = all.find((item) => item.sessionId)?.sessionId as string
      const filtered = (await (
        await get(`/api/v1/conversations/${showcase}/items?sessionId=${session}`)
      ).json()) as ConversationItem[]
      expect(filtered.length).to.be.greaterThan(0).and.lessThan(all.length)
      expect(filtered.every((item) => item.sessionId === session)).to.equal(true)
    })

    it('serves every content type, initiator type and timestamp width', async () => {
      const showcase = fake.dataset.edgeCases.showcaseConversationId as string
      const items = (await (await get(`/api/v1/conversations/${showcase}/items`)).json()) as ConversationItem[]
      expect(new Set(items.map((item) => item.content.type))).to.include.members([
        'CHAT_MESSAGE',
        'EMAIL',
        'SMS',
        'PHONE_CALL',
        'VOICEMAIL',
        'FACEBOOK_MESSAGE',
        'INSTAGRAM_DIRECT',
        'WHATSAPP',
        'TWITTER',
        'CONVERSATION_NOTE',
        'CUSTOMER_ACTIVITY',
        'TOPIC_CHANGE',
        'CONVERSATION_STATUS_CHANGE',
        'VOICE_AI_MESSAGE',
        'TEXT',
        'FILES',
        'APPLE_BUSINESS_CHAT',
      ])
      expect(items.some((item) => item.initiator === undefined)).to.equal(true)
      expect(items.some((item) => item.content.type === 'EMAIL' && item.content.subject === undefined)).to.equal(true)
      expect(new Set(items.map((item) => item.initiator?.type))).to.include.members([
        'AGENT',
        'CUSTOMER',
        'SYSTEM',
        'AUTOMATION',
        'API',
        'INTERNAL',
        'EXTERNAL',
      ])
      expect(items.map((item) => item.content.messageType)).to.include.members([
        'TEXT',
        'QUICK_REPLY_REQUEST',
        'QUICK_REPLY_RESPONSE',
      ])
      const calls = items.filter((item) => item.content.type === 'PHONE_CALL')
      expect(calls.some((call) => typeof call.content.recordingDuration === 'string')).to.equal(true)
      expect(calls.some((call) => (call.content.recordingDuration as number) < 0)).to.equal(true)
      expect(
        calls.some((call) => (call.content.recordingSummary as {status?: string} | undefined)?.status === 'READY'),
      ).to.equal(true)
      const widths = new Set(items.map((item) => /\.(\d+)Z$/.exec(item.timestamp)?.[1]?.length ?? 0))
      expect(widths).to.include.members([0, 2, 3, 6, 9])
      expect(items.every((item) => item.timestamp.endsWith('Z'))).to.equal(true)

      const [unknown] = fake.dataset.edgeCases.unknownTypeItemIds
      const refused = await get(`/api/v1/conversation-items/${unknown}`)
      expect(refused.status).to.equal(400)
      expect(await refused.json())
        .to.have.nested.property('errors[0].detail')
        .that.contains('is not supported')
      const [orphan] = fake.dataset.edgeCases.timelineOnlyItemIds
      const timelineOnly = (await (await get(`/api/v1/conversation-items/${orphan}`)).json()) as ConversationItem
      expect(timelineOnly.content.type).to.equal('CUSTOMER_ACTIVITY')
      expect(timelineOnly).to.not.have.property('conversationId')
    })

    it('closes open conversations as the clock advances', async () => {
      const {openAtEndConversationId: open, waitingAtEndConversationId: waiting} = fake.dataset.edgeCases
      const before = (await (await get(`/api/v1/conversations/${open}`)).json()) as Record<string, unknown>
      expect(before).to.include({status: 'OPEN'})
      expect(before).to.not.have.any.keys('closedAt', 'agentId')
      expect(await (await get(`/api/v1/conversations/${waiting}`)).json()).to.include({status: 'WAITING'})
      const itemsBefore = fake.dataset.items(open as string, END)?.length ?? 0
      fake.clock.advance(6 * HOUR_MS)
      const after = (await (await get(`/api/v1/conversations/${open}`)).json()) as Record<string, unknown>
      expect(after).to.include({status: 'CLOSED'})
      expect(after).to.include.keys('closedAt', 'agentId')
      expect(await (await get(`/api/v1/conversations/${waiting}`)).json()).to.include({status: 'CLOSED'})
      const itemsAfter = (await (await get(`/api/v1/conversations/${open}/items`)).json()) as unknown[]
      expect(itemsAfter.length).to.be.greaterThan(itemsBefore)
    })

    it('reopens a conversation closed in an earlier export window', () => {
      const id = fake.dataset.edgeCases.reopenedConversationId as string
      const changes = (fake.dataset.items(id, END) ?? []).filter(
        (item) => item.content.type === 'CONVERSATION_STATUS_CHANGE',
      )
      expect(changes.map((item) => item.content.status)).to.deep.equal(['CLOSED', 'OPEN', 'CLOSED'])
      const days = changes.map((item) => item.timestamp.slice(0, 10))
      expect(days[0]).to.not.equal(days[2])
    })

    it('keeps the early items of a conversation older than the oldest job only in /items', async () => {
      const id = fake.dataset.edgeCases.preHistoryConversationId as string
      const exported = new Set<string>()
      for (const job of fake.dataset.jobs(END)) {
        for (const line of fake.dataset.jobFile(job.id, 'conversation_items.jsonl', END) ?? []) {
          const item = JSON.parse(line) as ConversationItem
          if (item.conversationId === id) exported.add(item.id)
        }
      }

      const items = (await (await get(`/api/v1/conversations/${id}/items`)).json()) as ConversationItem[]
      expect(exported.size).to.be.greaterThan(0).and.lessThan(items.length)
      expect(exported.has((items[0] as ConversationItem).id)).to.equal(false)
    })

    it("caps a customer's conversations at 100 with Gladly-Limited-Data", async () => {
      const {bigCustomerId, bigCustomerConversationIds} = fake.dataset.edgeCases
      const response = await get(`/api/v1/customers/${bigCustomerId}/conversations`)
      expect(response.headers.get('gladly-limited-data')).to.equal('true')
      const conversations = (await response.json()) as Array<{id: string}>
      expect(conversations.map((conversation) => conversation.id)).to.deep.equal(
        bigCustomerConversationIds?.slice(0, 100),
      )
      const other = fake.dataset.conversation(fake.dataset.conversationIds()[0] as string, END)
      const few = await get(`/api/v1/customers/${other?.customerId}/conversations`)
      expect(few.headers.get('gladly-limited-data')).to.equal('false')
    })
  })

  describe('customers and merges', () => {
    it('answers 301 with meta{old,new} and Location for a merged customer', async () => {
      const merge = fake.dataset.edgeCases.merge as NonNullable<typeof fake.dataset.edgeCases.merge>
      const response = await get(`/api/v1/customer-profiles/${merge.oldCustomerId}`, {redirect: 'manual'})
      expect(response.status).to.equal(301)
      expect(response.headers.get('location')).to.equal(`/api/v1/customer-profiles/${merge.newCustomerId}`)
      expect(await response.json()).to.deep.equal({
        errors: [
          {
            attr: 'customerId',
            code: 'moved',
            detail: 'customer id has changed',
            meta: {old: merge.oldCustomerId, new: merge.newCustomerId},
          },
        ],
      })
      const survivor = (await (await get(`/api/v1/customer-profiles/${merge.newCustomerId}`)).json()) as {
        emails: Array<{normalized: string}>
      }
      expect(survivor.emails).to.have.length(2)
      const found = (await (
        await get(`/api/v1/customer-profiles?email=${encodeURIComponent(survivor.emails[1]?.normalized ?? '')}`)
      ).json()) as Array<{id: string}>
      expect(found.map((profile) => profile.id)).to.deep.equal([merge.newCustomerId])
      const moved = await (await get(`/api/v1/conversations/${merge.movedConversationId}`)).json()
      expect(moved).to.include({customerId: merge.newCustomerId})
    })

    it('answers 404 with errors as an object for an unknown customer, 400 for bad searches', async () => {
      const response = await get('/api/v1/customer-profiles/AAAAAAAAAAAAAAAAAAAAAA')
      expect(response.status).to.equal(404)
      expect(await response.json()).to.have.nested.property('errors.code', 'not_exist')
      expect((await get('/api/v1/customer-profiles')).status).to.equal(400)
      expect((await get('/api/v1/customer-profiles?email=a@b.c&phoneNumber=%2B14155550100')).status).to.equal(400)
      const customerId = fake.dataset.conversation(fake.dataset.conversationIds()[3] as string, END)?.customerId
      const profile = (await (await get(`/api/v1/customer-profiles/${customerId}`)).json()) as {
        phones: Array<{normalized: string}>
      }
      const byPhone = (await (
        await get(`/api/v1/customer-profiles?phoneNumber=${encodeURIComponent(profile.phones[0]?.normalized ?? '')}`)
      ).json()) as Array<{id: string}>
      expect(byPhone.map((found) => found.id)).to.deep.equal([customerId])
    })

    it('has a conversation in export files whose GET is 404 after the merge', async () => {
      const merge = fake.dataset.edgeCases.merge as NonNullable<typeof fake.dataset.edgeCases.merge>
      const inFiles: ConversationItem[] = []
      for (const job of fake.dataset.jobs(END)) {
        for (const line of fake.dataset.jobFile(job.id, 'conversation_items.jsonl', END) ?? []) {
          const item = JSON.parse(line) as ConversationItem
          if (item.conversationId === merge.vanishedConversationId) inFiles.push(item)
        }
      }

      expect(inFiles.length).to.be.greaterThan(0)
      expect(inFiles.every((item) => item.customerId === merge.oldCustomerId)).to.equal(true)
      expect((await get(`/api/v1/conversations/${merge.vanishedConversationId}`)).status).to.equal(404)
      expect((await get(`/api/v1/conversations/${merge.vanishedConversationId}/items`)).status).to.equal(404)
      expect((await get(`/api/v1/conversation-items/${inFiles[0]?.id}`)).status).to.equal(404)
      const destination = (await (
        await get(`/api/v1/conversations/${merge.destinationConversationId}/items`)
      ).json()) as ConversationItem[]
      const moved = destination.filter((item) =>
        inFiles.some(
          (original) =>
            original.timestamp === item.timestamp && JSON.stringify(original.content) === JSON.stringify(item.content),
        ),
      )
      expect(moved).to.have.length(inFiles.length)
      expect(moved.every((item) => item.customerId === merge.newCustomerId)).to.equal(true)
    })
  })

  describe('ground truth', () => {
    it('job files of listed jobs plus /items reproduce every conversation', async () => {
      const now = fake.clock.now()
      const fromFiles = new Map<string, Set<string>>()
      const jobs = (await (await get('/api/v1/export/jobs?status=COMPLETED')).json()) as ExportJob[]
      for (const job of jobs) {
        const lines = await jsonLines(await get(`/api/v1/export/jobs/${job.id}/files/conversation_items.jsonl`))
        for (const item of lines as ConversationItem[]) {
          const key = item.conversationId ?? `timeline:${item.customerId}`
          fromFiles.set(key, (fromFiles.get(key) ?? new Set()).add(item.id))
        }
      }

      const existing = fake.dataset.conversationIds().filter((id) => fake.dataset.conversation(id, now))
      expect(existing.length).to.be.greaterThan(30)
      for (const id of existing) {
        const response = await get(`/api/v1/conversations/${id}/items`)
        const fromApi = ((await response.json()) as ConversationItem[]).map((item) => item.id)
        const union = new Set([...(fromFiles.get(id) ?? []), ...fromApi])
        const truth = (fake.dataset.items(id, now) ?? []).map((item) => item.id)
        expect([...union].sort(), id).to.deep.equal([...truth].sort())
      }

      const orphans = [...fromFiles.entries()]
        .filter(([key]) => key.startsWith('timeline:'))
        .flatMap(([, ids]) => [...ids])
      expect(orphans).to.include.members(fake.dataset.edgeCases.timelineOnlyItemIds)
    })

    it('generates the same org for the same seed and another for another seed', () => {
      const options = {seed: 9, conversations: 50, end: END}
      const a = new GladlyDataset(options)
      const b = new GladlyDataset(options)
      const c = new GladlyDataset({...options, seed: 10})
      expect(a.conversationIds()).to.deep.equal(b.conversationIds())
      expect(a.conversationIds()).to.not.deep.equal(c.conversationIds())
      for (const id of a.conversationIds()) {
        expect(b.conversation(id, END)).to.deep.equal(a.conversation(id, END))
        expect(JSON.stringify(b.items(id, END))).to.equal(JSON.stringify(a.items(id, END)))
      }

      expect(a.jobs(END)).to.deep.equal(b.jobs(END))
      expect(a.closedConversationIds(END)).to.deep.equal(b.closedConversationIds(END))
    })

    it("streams a file of a 20,000-conversation org generating only that window's conversations", async () => {
      const dataset = new GladlyDataset({seed: 3, conversations: 20_000, end: END})
      const big = await startFakeGladly({now: END, dataset, rateLimit: false})
      try {
        const job = midJob(big)
        const before = dataset.generation.plansGenerated
        const response = await client(big)(`/api/v1/export/jobs/${job.id}/files/conversation_items.jsonl`)
        let lines = 0
        const decoder = new TextDecoder()
        for await (const chunk of response.body as ReadableStream<Uint8Array>) {
          lines += decoder.decode(chunk, {stream: true}).split('\n').length - 1
        }

        expect(lines).to.be.greaterThan(10_000)
        // A day is a tenth of the history; conversations reach back at most 3 days into the window.
        const generated = dataset.generation.plansGenerated - before
        expect(generated).to.be.lessThan(20_000 * 0.2)
        expect(dataset.generation.cacheSize).to.be.at.most(dataset.generation.cacheCapacity)
      } finally {
        await big.close()
      }
    })
  })

  describe('events', () => {
    it('streams conversation events of the last 24 hours as JSON lines, ascending', async () => {
      const startAt = new Date(Date.parse(END) - 20 * HOUR_MS).toISOString()
      const response = await get(`/api/v1/events?startAt=${startAt}&entities=CONVERSATION&entities=CONTACT`)
      expect(response.headers.get('content-type')).to.equal('application/x-jsonlines')
      const events = (await jsonLines(response)) as Array<{type: string; timestamp: string}>
      expect(events.length).to.be.greaterThan(0)
      expect(events.map((event) => event.type)).to.include.members(['CONVERSATION/CREATED', 'CONTACT/MESSAGE_RECEIVED'])
      const times = events.map((event) => Date.parse(event.timestamp))
      expect(times).to.deep.equal([...times].sort((a, b) => a - b))
      expect((await get(`/api/v1/events?entities=CONVERSATION`)).status).to.equal(400)
      expect((await get(`/api/v1/events?startAt=${startAt}`)).status).to.equal(400)
      expect((await get('/api/v1/events?startAt=2025-03-08T00:00:00Z&entities=CONVERSATION')).status).to.equal(400)
    })
  })

  describe('setups', () => {
    it('follows the real clock by default, with the dataset ending now', async () => {
      const live = await startFakeGladly()
      try {
        expect(Math.abs(live.clock.nowMs() - Date.now())).to.be.lessThan(1000)
        expect(Math.abs(live.dataset.endMs - Date.now())).to.be.lessThan(1000)
        const jobs = (await (await client(live)('/api/v1/export/jobs')).json()) as ExportJob[]
        expect(jobs.length).to.be.within(14, 15)
        const open = await (
          await client(live)(`/api/v1/conversations/${live.dataset.edgeCases.openAtEndConversationId}`)
        ).json()
        expect(open).to.include({status: 'OPEN'})
      } finally {
        await live.close()
      }
    })

    it('runs standalone, printing its URL and credentials, and exits 0 on SIGTERM', async () => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'test/fakes/gladly/main.ts',
          '--port',
          '0',
          '--conversations',
          '20',
          '--rps',
          '5',
          '--now',
          END,
        ],
        {stdio: ['ignore', 'pipe', 'inherit']},
      )
      try {
        let output = ''
        child.stdout.setEncoding('utf8')
        await new Promise<void>((resolve) => {
          child.stdout.on('data', (chunk: string) => {
            output += chunk
            if (output.includes('GLADLY_API_TOKEN=')) resolve()
          })
        })

        expect(output).to.contain(`GLADLY_USERNAME=${DEMO_CREDENTIALS.username}`)
        const url = /GLADLY_API_URL=(\S+)/.exec(output)?.[1] as string
        const response = await fetch(`${url}/api/v1/organization`, {headers: {Authorization: AUTH}})
        expect(response.status).to.equal(200)
        expect(response.headers.get('ratelimit-limit-second')).to.equal('5')
        child.kill('SIGTERM')
        const [code] = (await once(child, 'exit')) as [number | null]
        expect(code).to.equal(0)
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL')
      }
    })
  })

  describe('rate limit and faults', () => {
    it('answers 429 over 10 requests per second, with rate headers on every response', async () => {
      fake.configure({rateLimit: {perSecond: 10}})
      fake.stats.reset()
      const responses = await Promise.all(Array.from({length: 25}, () => get('/api/v1/organization')))
      const statuses = responses.map((response) => response.status)
      expect(statuses.filter((status) => status === 200)).to.have.length(10)
      expect(statuses.filter((status) => status === 429)).to.have.length(15)
      for (const response of responses) {
        expect(response.headers.get('ratelimit-limit-second')).to.equal('10')
        expect(response.headers.has('ratelimit-remaining-second')).to.equal(true)
      }

      const limited = responses.find((response) => response.status === 429) as Response
      expect(limited.headers.has('retry-after')).to.equal(false)
      expect(await limited.json()).to.have.nested.property('errors[0].code', 'rate_limited')
      expect(fake.stats.rateLimited).to.equal(15)
      expect(fake.stats.maxInAnyWindow(1000)).to.equal(10)
      expect(fake.stats.maxInAnyWindow(1000, 'all')).to.equal(25)
      expect(fake.stats.byRoute['GET /api/v1/organization']).to.equal(25)

      fake.configure({rateLimit: {perSecond: 10, retryAfterSeconds: 2}})
      const again = await get('/api/v1/organization')
      expect(again.status).to.equal(429)
      expect(again.headers.get('retry-after')).to.equal('2')
      await new Promise((resolve) => {
        setTimeout(resolve, 1050)
      })
      expect((await get('/api/v1/organization')).status).to.equal(200)
    })

    it('injects 500s, resets, latency and one-off failures', async () => {
      fake.configure({errorRate: 1})
      const failed = await get('/api/v1/agents')
      expect(failed.status).to.equal(500)
      expect(await failed.json()).to.have.nested.property('errors[0].code', 'internal_error')
      fake.configure({errorRate: 0, resetRate: 1})
      let error: unknown
      try {
        await get('/api/v1/agents')
      } catch (caught) {
        error = caught
      }

      expect(error).to.be.instanceOf(TypeError)
      expect(fake.stats.resets).to.equal(1)
      fake.configure({resetRate: 0, latencyMs: [60, 80]})
      const started = Date.now()
      expect((await get('/api/v1/agents')).status).to.equal(200)
      expect(Date.now() - started).to.be.at.least(55)
      fake.configure({latencyMs: 0})
      fake.failNext('GET /api/v1/conversations/:id', {status: 503, times: 2})
      const id = fake.dataset.conversationIds()[0] as string
      expect((await get(`/api/v1/conversations/${id}`)).status).to.equal(503)
      expect((await get(`/api/v1/conversations/${id}`)).status).to.equal(503)
      expect((await get(`/api/v1/conversations/${id}`)).status).to.equal(200)
    })

    it('cuts a file once mid-body, then serves it whole', async () => {
      fake.configure({cutFiles: ['conversation_items.jsonl']})
      const job = midJob(fake)
      const path = `/api/v1/export/jobs/${job.id}/files/conversation_items.jsonl`
      const first = await get(path)
      expect(first.status).to.equal(200)
      let error: unknown
      try {
        await first.text()
      } catch (caught) {
        error = caught
      }

      expect(error).to.be.instanceOf(TypeError)
      expect(fake.stats.cuts).to.equal(1)
      const second = await jsonLines(await get(path))
      expect(second.length).to.be.greaterThan(2)
    })
  })

  describe('reports', () => {
    const post = (body: unknown, target: FakeGladly = fake): Promise<Response> =>
      client(target)('/api/v1/reports', {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
    const conversationReport = (startAt: string, endAt: string, extra: Record<string, unknown> = {}) => ({
      metricSet: 'ConversationExportReport',
      startAt,
      endAt,
      timezone: 'UTC',
      ...extra,
    })
    const truth = (startAt: string, endAt: string, timezone = 'UTC', target: FakeGladly = fake): string[] => {
      const {startMs, endMs} = reportWindow(startAt, endAt, timezone)
      return target.dataset.conversationsCreatedBetween(startMs, endMs, target.clock.now())
    }

    const idsOf = async (response: Response): Promise<string[]> => {
      expect(response.status).to.equal(200)
      return (await csvRecords(response)).map((row) => row['Conversation ID'] as string)
    }

    beforeEach(() => {
      fake.configure({reportLatencyMs: 0})
    })

    it('answers CSV with a BOM, CRLF records, RFC 4180 quoting and one row per conversation', async () => {
      const response = await post(conversationReport('2025-02-20', '2025-03-10'))
      expect(response.status).to.equal(200)
      expect(response.headers.get('content-type')).to.equal('text/csv')
      expect(response.headers.get('content-disposition')).to.equal(
        'attachment; filename=ConversationExportReport-20250220-20250310.csv',
      )
      const raw = Buffer.from(await response.arrayBuffer())
      expect([...raw.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf])
      const text = raw.subarray(3).toString('utf8')
      expect(text.startsWith(`${REPORT_COLUMNS.join(',')}\r\n`)).to.equal(true)
      expect(text.endsWith('\r\n')).to.equal(true)
      const [header, ...records] = parseCsv(text)
      expect(header).to.deep.equal([...REPORT_COLUMNS])
      expect(records.map((record) => record[1])).to.deep.equal(truth('2025-02-20', '2025-03-10'))
      expect(records.length).to.be.greaterThan(30)
      for (const record of records) {
        expect(record).to.have.length(REPORT_COLUMNS.length)
        const [createdAt, id, customerId, link, status, agentId, inboxId, inboxName, closedAt, topics] = record
        const conversation = fake.dataset.conversation(id as string, END) as Conversation
        expect({createdAt, customerId, status, agentId, inboxId, closedAt}).to.deep.equal({
          createdAt: conversation.createdAt,
          customerId: conversation.customerId,
          status: conversation.status,
          agentId: conversation.agentId ?? '',
          inboxId: conversation.inboxId,
          closedAt: conversation.closedAt ?? '',
        })
        expect(link).to.equal(
          `https://example-outfitters.us-1.gladly.com/agent/customer/${customerId}/conversation/${id}`,
        )
        expect(inboxName).to.equal(fake.dataset.inbox(inboxId as string)?.name)
        expect(topics).to.equal(conversation.topicIds.map((topicId) => fake.dataset.topic(topicId)?.name).join(', '))
      }

      expect(records.some((record) => record[9]?.includes(', '))).to.equal(true)
      const showcase = records.find((record) => record[1] === fake.dataset.edgeCases.showcaseConversationId)
      const message = showcase?.[10] as string
      expect(message).to.include('\n').and.include(',').and.include('"Label created"')
      expect(text).to.include('""Label created""')
      // fetch's text() decodes as WHATWG UTF-8 does, dropping the BOM.
      expect(
        (await post(conversationReport('2025-03-07', '2025-03-07')).then((r) => r.text())).startsWith('Conv'),
      ).to.equal(true)
    })

    it('lists conversations created on the given days in the timezone, endAt inclusive', async () => {
      const day = await idsOf(await post(conversationReport('2025-03-07', '2025-03-07')))
      expect(day.length).to.be.greaterThan(0)
      for (const id of day)
        expect(fake.dataset.conversation(id, END)?.createdAt.startsWith('2025-03-07')).to.equal(true)
      const next = await idsOf(await post(conversationReport('2025-03-08', '2025-03-08')))
      expect(await idsOf(await post(conversationReport('2025-03-07', '2025-03-08')))).to.deep.equal([...day, ...next])

      // Without a timezone the organization's applies: Los Angeles days start at 08:00Z in March (before DST).
      const local = await idsOf(
        await post({metricSet: 'ConversationExportReport', startAt: '2025-03-07', endAt: '2025-03-07'}),
      )
      expect(reportWindow('2025-03-07', '2025-03-07', 'America/Los_Angeles').startMs).to.equal(
        Date.parse('2025-03-07T08:00:00Z'),
      )
      expect(local).to.deep.equal(truth('2025-03-07', '2025-03-07', 'America/Los_Angeles'))
      expect(local).to.not.deep.equal(day)
      const tokyo = await idsOf(await post(conversationReport('2025-03-07', '2025-03-07', {timezone: 'Asia/Tokyo'})))
      expect(tokyo).to.deep.equal(truth('2025-03-07', '2025-03-07', 'Asia/Tokyo'))

      // Days after now are empty: a report is as of the clock, header only when nothing matches.
      const future = await post(conversationReport('2025-03-11', '2025-03-12'))
      expect(future.status).to.equal(200)
      expect(await future.text()).to.equal(`${REPORT_COLUMNS.join(',')}\r\n`)
    })

    it('leaves out conversations deleted by a merge', async () => {
      const {vanishedConversationId, mergeAt} = fake.dataset.edgeCases.merge as NonNullable<EdgeCaseIds['merge']>
      const day =
        fake.dataset.conversation(vanishedConversationId, Date.parse(mergeAt) - 1)?.createdAt.slice(0, 10) ?? ''
      expect(await idsOf(await post(conversationReport(day, day)))).to.not.include(vanishedConversationId)
      fake.clock.set(Date.parse(mergeAt) - 1)
      expect(await idsOf(await post(conversationReport(day, day)))).to.include(vanishedConversationId)
    })

    it('filters on current inboxes and refuses unknown ones', async () => {
      const all = await csvRecords(await post(conversationReport('2025-02-28', '2025-03-09')))
      const inboxId = all[0]?.['Inbox ID'] as string
      const filtered = await csvRecords(
        await post(conversationReport('2025-02-28', '2025-03-09', {filters: {inboxes: [inboxId]}})),
      )
      expect(filtered.length).to.be.greaterThan(0).and.lessThan(all.length)
      expect(filtered).to.deep.equal(all.filter((row) => row['Inbox ID'] === inboxId))

      const unknown = await post(
        conversationReport('2025-02-28', '2025-03-09', {
          filters: {inboxes: [inboxId, 'c23d738960f946988e943f400313133a']},
        }),
      )
      expect(unknown.status).to.equal(400)
      expect(await unknown.json()).to.deep.equal({
        errors: [{attr: 'filters.inboxes', code: 'present', detail: 'the requested inbox does not exist'}],
      })
    })

    it("answers 400 in Gladly's error shape for missing or invalid parameters", async () => {
      fake.configure({reportRateLimit: false})
      const missing = await post({startAt: '2025-03-07', endAt: '2025-03-07'})
      expect(missing.status).to.equal(400)
      expect(missing.headers.get('content-type')).to.equal('application/json')
      expect(await missing.json()).to.deep.equal({
        errors: [{attr: 'metricSet', code: 'blank', detail: 'metricSet must be specified'}],
      })
      const cases: Array<[unknown, string, string]> = [
        [{metricSet: 'ConversationExportReport', endAt: '2025-03-07'}, 'startAt', 'blank'],
        [{metricSet: 'ConversationExportReport', startAt: '2025-03-07'}, 'endAt', 'blank'],
        [conversationReport('2025-3-7', '2025-03-08'), 'startAt', 'invalid'],
        [conversationReport('2025-03-07', '2025-02-30'), 'endAt', 'invalid'],
        [conversationReport('2025-03-07T00:00:00Z', '2025-03-08'), 'startAt', 'invalid'],
        [conversationReport('2025-03-08', '2025-03-07'), 'endAt', 'invalid'],
        [conversationReport('2025-03-07', '2025-03-07', {metricSet: 'ContactSummaryReport'}), 'metricSet', 'invalid'],
        [conversationReport('2025-03-07', '2025-03-07', {timezone: 'Mars/Olympus_Mons'}), 'timezone', 'invalid'],
        [conversationReport('2025-03-07', '2025-03-07', {aggregationLevel: 'hourly'}), 'aggregationLevel', 'invalid'],
        [
          conversationReport('2025-03-07', '2025-03-07', {filters: {phoneNumber: '+15555555555'}}),
          'filters.phoneNumber',
          'invalid',
        ],
      ]
      for (const [body, attr, code] of cases) {
        const response = await post(body)
        expect(response.status, JSON.stringify(body)).to.equal(400)
        const {errors} = (await response.json()) as {errors: Array<{attr: string; code: string; detail: string}>}
        expect(errors, JSON.stringify(body)).to.have.length(1)
        expect(errors[0]).to.include({attr, code}).and.to.have.property('detail').that.is.a('string')
      }

      const several = (await (await post({startAt: 'soon'})).json()) as {errors: Array<{attr: string}>}
      expect(several.errors.map((error) => error.attr)).to.deep.equal(['metricSet', 'startAt', 'endAt'])
      const notJson = await post('{"metricSet":')
      expect(notJson.status).to.equal(400)
      expect(await notJson.json()).to.have.nested.property('errors[0].code', 'invalid')
      expect((await get('/api/v1/reports')).status).to.equal(404)
    })

    it('cuts a report silently at the row cap, in creation order', async () => {
      fake.configure({reportRowCap: 5})
      fake.stats.reset()
      const expected = truth('2025-03-01', '2025-03-09')
      expect(expected.length).to.be.greaterThan(5)
      expect(await idsOf(await post(conversationReport('2025-03-01', '2025-03-09')))).to.deep.equal(
        expected.slice(0, 5),
      )
      expect(await idsOf(await post(conversationReport('2025-03-09', '2025-03-09')))).to.deep.equal(
        truth('2025-03-09', '2025-03-09').slice(0, 5),
      )
      expect(fake.stats.reportRows[0]).to.equal(5)
      expect(fake.stats.byRoute['POST /api/v1/reports']).to.equal(2)
    })

    it('answers 429 past 10 report requests a minute, counted apart from the per-second limit', async () => {
      fake.stats.reset()
      for (let n = 0; n < 10; n++)
        expect((await post(conversationReport('2025-03-07', '2025-03-07'))).status).to.equal(200)
      const limited = await post(conversationReport('2025-03-07', '2025-03-07'))
      expect(limited.status).to.equal(429)
      expect(limited.headers.has('retry-after')).to.equal(false)
      expect(await limited.json()).to.have.nested.property('errors[0].code', 'rate_limited')
      expect((await get('/api/v1/organization')).status).to.equal(200)
      expect(fake.stats.reportsRateLimited).to.equal(1)

      // A lower limit and a shorter window let the window roll by; Retry-After only when the switch asks for it.
      fake.configure({
        reportRateLimit: {perMinute: 3, concurrent: 2, windowMs: 300},
        rateLimit: {perSecond: 100, retryAfterSeconds: 7},
      })
      await sleep(310)
      for (let n = 0; n < 3; n++)
        expect((await post(conversationReport('2025-03-07', '2025-03-07'))).status).to.equal(200)
      const fourth = await post(conversationReport('2025-03-07', '2025-03-07'))
      expect(fourth.status).to.equal(429)
      expect(fourth.headers.get('retry-after')).to.equal('7')
      await sleep(310)
      expect((await post(conversationReport('2025-03-07', '2025-03-07'))).status).to.equal(200)
      fake.configure({reportRateLimit: false})
      const lifted = await Promise.all(
        Array.from({length: 12}, () => post(conversationReport('2025-03-07', '2025-03-07'))),
      )
      expect(lifted.map((response) => response.status)).to.deep.equal(Array.from({length: 12}, () => 200))
    })

    it('answers 429 to a third concurrent report while two are generating', async () => {
      fake.configure({reportLatencyMs: 300})
      fake.stats.reset()
      const started = Date.now()
      const responses = await Promise.all(
        [0, 1, 2].map(async (n) => {
          await sleep(n * 20)
          const response = await post(conversationReport('2025-03-07', '2025-03-07'))
          return {status: response.status, elapsed: Date.now() - started, body: await response.text()}
        }),
      )
      expect(responses.map((response) => response.status)).to.deep.equal([200, 200, 429])
      expect(responses[2]?.elapsed).to.be.lessThan(250)
      expect(responses[0]?.elapsed).to.be.at.least(290)
      expect(JSON.parse(responses[2]?.body as string)).to.have.nested.property('errors[0].code', 'rate_limited')
      expect((await post(conversationReport('2025-03-07', '2025-03-07'))).status).to.equal(200)
      expect(fake.stats.reportsRateLimited).to.equal(1)
    })

    it('answers HTML instead of CSV when asked, and fails on demand', async () => {
      fake.configure({reportGarbage: 1})
      const garbage = await post(conversationReport('2025-03-07', '2025-03-07'))
      expect(garbage.status).to.equal(200)
      expect(garbage.headers.get('content-type')).to.equal('text/html')
      expect(await garbage.text()).to.match(/^<html>/)
      const csv = await post(conversationReport('2025-03-07', '2025-03-07'))
      expect(csv.headers.get('content-type')).to.equal('text/csv')
      fake.failNext('POST /api/v1/reports', {status: 503})
      expect((await post(conversationReport('2025-03-07', '2025-03-07'))).status).to.equal(503)
      expect((await post(conversationReport('2025-03-07', '2025-03-07'))).status).to.equal(200)
    })

    it('sees 90 days of conversations while export jobs only reach back 14 days', async () => {
      const long = await startFakeGladly({
        now: END,
        dataset: {seed: 5, conversations: 300, days: 90},
        reportLatencyMs: 0,
      })
      try {
        const report = await post(conversationReport('2024-12-15', '2024-12-21'), long)
        expect(report.headers.get('ratelimit-limit-second')).to.equal('10')
        const old = await idsOf(report)
        expect(old.length).to.be.greaterThan(10)
        expect(old).to.deep.equal(truth('2024-12-15', '2024-12-21', 'UTC', long))
        expect((await client(long)(`/api/v1/conversations/${old[0]}`)).status).to.equal(200)
        const all = await idsOf(await post(conversationReport('2024-12-01', '2025-03-10'), long))
        expect(all.length).to.be.greaterThan(300)
        expect(all).to.include.members(old)

        const jobs = (await (await client(long)('/api/v1/export/jobs')).json()) as ExportJob[]
        expect(jobs.length).to.be.within(14, 15)
        const oldest = Math.min(...jobs.map((job) => Date.parse(job.parameters.startAt)))
        expect(oldest).to.be.at.least(Date.parse(END) - 16 * 24 * HOUR_MS)
        expect((await client(long)('/api/v1/export/jobs?startAt=2024-12-15T00:00:00Z')).status).to.equal(400)
        const exported = new Set(long.dataset.exportedConversationIds(END))
        expect(old.some((id) => exported.has(id))).to.equal(false)
      } finally {
        await long.close()
      }
    })
  })
})
