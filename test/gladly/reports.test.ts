import {expect} from 'chai'
import nock from 'nock'
import {createRateLimiter, type RequestStats} from '../../src/lib/common/index.js'
import {createBudget, createGladlyHttp} from '../../src/lib/gladly/index.js'
import {reportRows, reportConversations, type ReportSource} from '../../src/lib/gladly/reports.js'
import {silentLogger} from '../../src/lib/log/index.js'

const ORIGIN = 'https://acme.gladly.com'
const csv = (rows: string[][]) =>
  rows
    .map((row) => row.map((field) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(','))
    .join('\r\n') + '\r\n'
const header = ['Conversation Created At', 'Conversation ID', 'Customer ID', 'First Message']
const response = (body: string, type = 'text/csv') => ({status: 200, headers: {'content-type': type}, body})

describe('Gladly conversation reports', () => {
  describe('reading the CSV', () => {
    it('takes ids from a real CSV: BOM, blank leading lines, quoted commas, quotes and newlines', () => {
      const body = `\uFEFF\r\n\r\n${csv([header, ['2026-09-01T10:00:00Z', 'conv-1', 'cust-1', 'Hello, "world"\nsecond line'], ['2026-09-01T11:00:00Z', 'conv-2', 'cust-2', 'plain']])}`
      expect(reportRows(response(body), {startDay: '2026-09-01', endDay: '2026-09-01'})).to.deep.equal({
        _tag: 'Right',
        right: [
          {createdAt: '2026-09-01T10:00:00Z', conversationId: 'conv-1', customerId: 'cust-1'},
          {createdAt: '2026-09-01T11:00:00Z', conversationId: 'conv-2', customerId: 'cust-2'},
        ],
      })
    })

    it('accepts the snake_case header some exports use', () => {
      const body = csv([
        ['created_at', 'conversation_id'],
        ['x', 'conv-9'],
      ])
      expect(reportRows(response(body), {startDay: '2026-09-01', endDay: '2026-09-01'})).to.deep.equal({
        _tag: 'Right',
        right: [{createdAt: 'x', conversationId: 'conv-9'}],
      })
    })

    it('treats a body that is not CSV as an error of its window', () => {
      const html = reportRows(response('<html><body>Maintenance</body></html>', 'text/html'), {
        startDay: '2026-09-01',
        endDay: '2026-09-07',
      })
      expect(html._tag === 'Left' && html.left.message).to.equal(
        "Gladly's conversation report for 2026-09-01 – 2026-09-07 is not CSV (Content-Type text/html).",
      )
      const noColumn = reportRows(
        response(
          csv([
            ['a', 'b'],
            ['1', '2'],
          ]),
        ),
        {startDay: '2026-09-01', endDay: '2026-09-01'},
      )
      expect(noColumn._tag === 'Left' && noColumn.left.message).to.include('has no "Conversation ID" column')
    })
  })

  describe('splitting a full report', () => {
    before(() => nock.disableNetConnect())
    after(() => nock.enableNetConnect())
    afterEach(() => nock.cleanAll())

    const source = (rowCap: number): ReportSource => {
      const stats: RequestStats = {requests: 0, rateLimited: 0, retries: 0}
      const http = createGladlyHttp({
        origin: ORIGIN,
        username: 'u',
        token: 'report-test-token',
        userAgent: 't',
        maxRetries: 1,
        retryDelayMs: 5,
        budget: createBudget(1000),
        logger: silentLogger(),
        stats,
      })
      return {http, limit: createRateLimiter(1000), rowCap, inboxIds: ['inbox-a', 'inbox-b']}
    }
    const rows = (prefix: string, count: number) =>
      csv([header, ...Array.from({length: count}, (_, index) => ['t', `${prefix}-${index}`, 'c', 'm'])])

    it('asks again by halves of the window, then by inbox groups within a day, until no part is full', async () => {
      const bodies: Array<{startAt: string; endAt: string; filters?: {inboxes: string[]}}> = []
      nock(ORIGIN)
        .post('/api/v1/reports', (body) => (bodies.push(body), true))
        .times(9)
        .reply(
          200,
          async (request: Request) => {
            const {startAt, endAt, filters} = (await request.json()) as {
              startAt: string
              endAt: string
              filters?: {inboxes: string[]}
            }
            // 10 rows (full) for any window longer than a day, and for the whole of 2026-09-01.
            const full = startAt !== endAt || (startAt === '2026-09-01' && filters === undefined)
            return rows(`${startAt}-${filters?.inboxes.join('+') ?? 'all'}`, full ? 10 : 3)
          },
          {'content-type': 'text/csv'},
        )
      const parts = []
      for await (const part of reportConversations(source(10), {startDay: '2026-09-01', endDay: '2026-09-04'}))
        parts.push(part)
      expect(parts.every((part) => part._tag === 'Right')).to.equal(true)
      const windows = parts.map((part) => (part._tag === 'Right' ? part.right.window : undefined))
      expect(windows).to.deep.equal([
        {startDay: '2026-09-01', endDay: '2026-09-01', inboxes: ['inbox-a']},
        {startDay: '2026-09-01', endDay: '2026-09-01', inboxes: ['inbox-b']},
        {startDay: '2026-09-02', endDay: '2026-09-02'},
        {startDay: '2026-09-03', endDay: '2026-09-03'},
        {startDay: '2026-09-04', endDay: '2026-09-04'},
      ])
      expect(
        bodies.map(
          (body) => `${body.startAt}/${body.endAt}${body.filters ? ` ${body.filters.inboxes.join('+')}` : ''}`,
        ),
      ).to.deep.equal([
        '2026-09-01/2026-09-04',
        '2026-09-01/2026-09-02',
        '2026-09-01/2026-09-01',
        '2026-09-01/2026-09-01 inbox-a',
        '2026-09-01/2026-09-01 inbox-b',
        '2026-09-02/2026-09-02',
        '2026-09-03/2026-09-04',
        '2026-09-03/2026-09-03',
        '2026-09-04/2026-09-04',
      ])
    })

    it('says so when a single inbox and day is still full', async () => {
      nock(ORIGIN).post('/api/v1/reports').times(3).reply(200, rows('x', 10), {'content-type': 'text/csv'})
      const parts = []
      for await (const part of reportConversations(source(10), {startDay: '2026-09-01', endDay: '2026-09-01'}))
        parts.push(part)
      expect(parts.map((part) => part._tag === 'Right' && part.right.possiblyCut)).to.deep.equal([true, true])
    })
  })
})
