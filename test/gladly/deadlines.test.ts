import {expect} from 'chai'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createRateLimiter} from '../../src/lib/common/index.js'
import {createSink} from '../../src/lib/enterpret/index.js'
import {silentLogger} from '../../src/lib/log/index.js'
import {testGladlyHttp} from '../helpers/gladly-http.js'

/** A server that sends its headers at once, then one byte every `everyMs` and never ends: it never falls silent. */
async function tricklingServer(
  everyMs: number,
): Promise<{url: string; requests: () => number; close: () => Promise<void>}> {
  let requests = 0
  const timers = new Set<NodeJS.Timeout>()
  const server: Server = createServer((request, response) => {
    requests++
    request.resume()
    response.writeHead(200, {'content-type': 'application/json'})
    response.write('[')
    const timer = setInterval(() => response.write(' '), everyMs)
    timers.add(timer)
    response.on('close', () => clearInterval(timer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      for (const timer of timers) clearInterval(timer)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('a server that trickles its answer is stopped by the deadline', function () {
  this.timeout(20_000)
  let server: Awaited<ReturnType<typeof tricklingServer>>
  let dir: string
  beforeEach(async () => {
    server = await tricklingServer(20)
    dir = mkdtempSync(join(tmpdir(), 'ge-deadline-'))
  })
  afterEach(async () => {
    await server.close()
    rmSync(dir, {recursive: true, force: true})
  })

  const gladly = () => testGladlyHttp(server.url, {deadlines: {request: 300, report: 300, download: 300}})

  it("Gladly's GET: each attempt ends at the deadline, retried, then the run is told", async () => {
    const result = await gladly().get('/conversations/c1')()
    expect(result._tag === 'Left' && result.left.message).to.match(/unreachable \(ETIMEDOUT/)
    expect(server.requests()).to.equal(2)
  })

  it('a report that timed out is not asked again at once (each try costs one of the reports a minute)', async () => {
    const result = await gladly().post('/reports', {metricSet: 'ConversationExportReport'}, createRateLimiter(1000))()
    expect(result._tag).to.equal('Left')
    expect(server.requests()).to.equal(1)
  })

  it("Gladly's export file download ends at its deadline too", async () => {
    const result = await gladly().download('/export/jobs/j1/files/conversation_items.jsonl', join(dir, 'items.jsonl'))()
    expect(result._tag === 'Left' && result.left.message).to.match(/ETIMEDOUT/)
  })

  it("Enterpret's POST ends at its deadline, and the batch is not lost: it fails or stops the run", async () => {
    const sink = createSink({
      baseUrl: server.url,
      apiKey: 'fake-key-for-tests',
      userAgent: 'gladly-enterpret/test',
      maxRecordsPerRequest: 20,
      maxBodyBytes: 1_000_000,
      maxRequestsPerMinute: 30_000,
      maxRetries: 1,
      retryDelayMs: 5,
      logger: silentLogger(),
      deadlineMs: 300,
    })
    const record = {
      id: 'gladly_c1',
      type: 'CONVERSATION',
      createdAt: 1_700_000_000,
      conversation: {msgs: [{actor: 'user', text: 'hi'}]},
      metadata: {},
    } as never
    const outcome = await sink.send([record])()
    if (outcome._tag === 'Right')
      expect(outcome.right.failed.map((failed) => failed.record.id)).to.deep.equal(['gladly_c1'])
    expect(server.requests()).to.equal(2)
  })
})
