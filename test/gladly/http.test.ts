import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import nock from 'nock'
import {createRateLimiter, type Clock, type RequestStats} from '../../src/lib/common/index.js'
import {createBudget, createGladlyHttp, getOrganization} from '../../src/lib/gladly/index.js'
import {silentLogger} from '../../src/lib/log/index.js'
import {until, virtualClock} from '../helpers/virtual-clock.js'

const ORIGIN = 'https://acme.gladly.com'
const TOKEN = 'gladly-unit-test-token-0001'
const ORG = {id: 'org-1', name: 'Acme', loginDomain: 'acme', timezone: 'UTC', gladlyUrl: ORIGIN}

function connect(options: {origin?: string; clock?: Clock; maxRetries?: number; retryDelayMs?: number} = {}) {
  const stats: RequestStats = {requests: 0, rateLimited: 0, retries: 0}
  const http = createGladlyHttp({
    origin: options.origin ?? ORIGIN,
    username: 'api@acme.com',
    token: TOKEN,
    userAgent: 'gladly-enterpret/test',
    maxRetries: options.maxRetries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 5,
    budget: createBudget(1000, options.clock),
    logger: silentLogger(),
    stats,
    clock: options.clock,
  })
  return {http, stats}
}

// nock 14 only delivers an Error instance as a request error; a plain object hangs the request.
function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), {code})
}

async function left<E, A>(task: () => Promise<{_tag: 'Left'; left: E} | {_tag: 'Right'; right: A}>): Promise<E> {
  const result = await task()
  if (result._tag === 'Right') throw new Error('expected a failure')
  return result.left
}

describe('Gladly HTTP client', () => {
  before(() => nock.disableNetConnect())
  after(() => nock.enableNetConnect())
  afterEach(() => nock.cleanAll())

  it('sends Basic auth, its User-Agent and asks for JSON under /api/v1', async () => {
    const scope = nock(ORIGIN, {
      reqheaders: {
        authorization: `Basic ${Buffer.from(`api@acme.com:${TOKEN}`).toString('base64')}`,
        'user-agent': 'gladly-enterpret/test',
        accept: 'application/json',
      },
    })
      .get('/api/v1/organization')
      .reply(200, ORG)
    const {http, stats} = connect()
    expect(await getOrganization(http)()).to.deep.equal({_tag: 'Right', right: ORG})
    expect(stats.requests).to.equal(1)
    scope.done()
  })

  it('retries 5xx and connection resets, then succeeds', async () => {
    const scope = nock(ORIGIN)
      .get('/api/v1/organization')
      .reply(502)
      .get('/api/v1/organization')
      .replyWithError(networkError('ECONNRESET', 'socket hang up'))
      .get('/api/v1/organization')
      .reply(200, ORG)
    const {http, stats} = connect()
    expect((await getOrganization(http)())._tag).to.equal('Right')
    expect(stats).to.include({requests: 3, retries: 2})
    scope.done()
  })

  it('gives up after MAX_RETRIES with the status it kept getting', async () => {
    const scope = nock(ORIGIN).get('/api/v1/organization').times(3).reply(503)
    const {http, stats} = connect({maxRetries: 2})
    const error = await left(getOrganization(http))
    expect(error).to.include({_tag: 'GladlyHttpError', status: 503})
    expect(error.message).to.equal('Gladly answered 503 to GET /organization after 3 tries.')
    expect(stats.requests).to.equal(3)
    scope.done()
  })

  it('pauses every caller after a 429 without Retry-After, then retries', async () => {
    const clock = virtualClock()
    const arrivals: number[] = []
    const scope = nock(ORIGIN)
      .get('/api/v1/organization')
      .reply(() => {
        arrivals.push(clock.now())
        return [429, '']
      })
      .get('/api/v1/organization')
      .twice()
      .reply(() => {
        arrivals.push(clock.now())
        return [200, ORG]
      })
    const {http, stats} = connect({clock})
    const first = getOrganization(http)()
    // The second caller comes once the first has its 429.
    await until(() => stats.rateLimited === 1)
    const second = getOrganization(http)()
    const results = await Promise.all([first, second])
    expect(results.map((result) => result._tag)).to.deep.equal(['Right', 'Right'])
    expect(stats).to.include({requests: 3, rateLimited: 1})
    // No Retry-After: the pause is a backoff of 1 s ± 25%, and it held the second caller too.
    const [limited, ...later] = arrivals as [number, ...number[]]
    expect(later).to.have.length(2)
    for (const time of later) expect(time - limited).to.be.within(750, 1300)
    scope.done()
  })

  it('honours a Retry-After header if Gladly ever sends one', async () => {
    const clock = virtualClock()
    const arrivals: number[] = []
    const scope = nock(ORIGIN)
      .get('/api/v1/organization')
      .reply(() => {
        arrivals.push(clock.now())
        return [429, '', {'Retry-After': '2'}]
      })
      .get('/api/v1/organization')
      .reply(() => {
        arrivals.push(clock.now())
        return [200, ORG]
      })
    const {http} = connect({clock})
    expect((await getOrganization(http)())._tag).to.equal('Right')
    expect((arrivals[1] as number) - (arrivals[0] as number)).to.be.within(2000, 2100)
    scope.done()
  })

  it('pauses only the reports after a 429 on a report, which has a limit of its own', async () => {
    const clock = virtualClock()
    const arrivals: Array<{path: string; at: number}> = []
    const arrive = (path: string) => arrivals.push({path, at: clock.now()})
    const scope = nock(ORIGIN)
      .post('/api/v1/reports')
      .reply(() => {
        arrive('/reports')
        return [429, '', {'Retry-After': '10'}]
      })
      .post('/api/v1/reports')
      .twice()
      .reply(() => {
        arrive('/reports')
        return [200, 'Conversation ID\n']
      })
      .get('/api/v1/organization')
      .reply(() => {
        arrive('/organization')
        return [200, ORG]
      })
    const {http, stats} = connect({clock})
    const reportLimit = createRateLimiter(1000, clock)
    const report = () => http.post('/reports', {metricSet: 'ConversationExportReport'}, reportLimit)()
    const first = report()
    await until(() => stats.rateLimited === 1)
    const results = await Promise.all([first, report(), getOrganization(http)()])
    expect(results.map((result) => result._tag)).to.deep.equal(['Right', 'Right', 'Right'])
    const [limited, ...later] = arrivals as [{path: string; at: number}, ...{path: string; at: number}[]]
    const organization = later.find((arrival) => arrival.path === '/organization')
    expect(organization?.at, 'the org-wide budget is not paused').to.be.below(limited.at + 100)
    for (const arrival of later.filter(({path}) => path === '/reports'))
      expect(arrival.at - limited.at).to.be.at.least(10_000)
    scope.done()
  })

  it('gives up on 429s after 8 retries, even with fewer MAX_RETRIES', async () => {
    const clock = virtualClock()
    const scope = nock(ORIGIN).get('/api/v1/organization').times(9).reply(429, '', {'Retry-After': '1'})
    const {http, stats} = connect({clock, maxRetries: 1})
    const error = await left(getOrganization(http))
    expect(error).to.include({_tag: 'GladlyHttpError', status: 429})
    expect(error.message).to.equal('Gladly kept answering 429 (rate limit) for GET /organization after 9 tries.')
    expect(stats).to.include({requests: 9, rateLimited: 9, retries: 0})
    expect(clock.now()).to.be.at.least(8000)
    scope.done()
  })

  it('turns 401 into a wrong-credentials message, without retrying or showing the token', async () => {
    const scope = nock(ORIGIN).get('/api/v1/organization').reply(401)
    const {http, stats} = connect()
    const error = await left(getOrganization(http))
    expect(error).to.include({_tag: 'GladlyAuthError', exit: 2})
    expect(error.message).to.equal('Gladly at https://acme.gladly.com rejected the username or API token (401).')
    expect(JSON.stringify(error)).not.to.include(TOKEN)
    expect(stats.requests).to.equal(1)
    scope.done()
  })

  it('turns 403 into a missing "API User" permission message', async () => {
    nock(ORIGIN)
      .get('/api/v1/organization')
      .reply(403, {errors: [{code: 'forbidden'}]})
    const error = await left(getOrganization(connect().http))
    expect(error.message).to.include('refused access (403)')
    expect(error.suggestions?.[0]).to.include('"API User" permission')
  })

  it('turns 404 on /organization into a wrong-URL message', async () => {
    nock(ORIGIN).get('/api/v1/organization').reply(404)
    const error = await left(getOrganization(connect().http))
    expect(error).to.include({_tag: 'GladlyNotFound', exit: 2})
    expect(error.suggestions?.[0]).to.include('GLADLY_API_URL')
  })

  it('does not retry a name that does not resolve', async () => {
    nock(ORIGIN)
      .get('/api/v1/organization')
      .replyWithError(networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND acme.gladly.com'))
    const {http, stats} = connect()
    const error = await left(getOrganization(http))
    expect(error.message).to.equal('Cannot resolve acme.gladly.com (ENOTFOUND).')
    expect(stats.requests).to.equal(1)
  })

  it('explains a TLS failure', async () => {
    nock(ORIGIN).get('/api/v1/organization').replyWithError(networkError('CERT_HAS_EXPIRED', 'certificate has expired'))
    const error = await left(getOrganization(connect().http))
    expect(error.message).to.equal(
      'The TLS connection to acme.gladly.com failed (CERT_HAS_EXPIRED: certificate has expired).',
    )
    expect(error.suggestions?.[0]).to.include('NODE_EXTRA_CA_CERTS')
  })

  it('reports an answer that is not what Gladly documents', async () => {
    nock(ORIGIN).get('/api/v1/organization').reply(200, {id: 7})
    const error = await left(getOrganization(connect().http))
    expect(error._tag).to.equal('GladlyDecodeError')
    expect(error.message).to.include('name must be string, got nothing')
  })
})

describe('Gladly HTTP client, a body cut short', () => {
  // A real socket: the server announces a Content-Length, sends part of it and closes the connection once.
  const body = JSON.stringify(ORG)
  let requests = 0
  const server = createServer((_req, res) => {
    res.writeHead(200, {'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body))})
    if (requests++ === 0) res.write(body.slice(0, 10), () => res.destroy())
    else res.end(body)
  })
  let origin = ''
  let dir = ''

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    dir = mkdtempSync(join(tmpdir(), 'ge-http-'))
  })
  after(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, {recursive: true, force: true})
  })
  beforeEach(() => (requests = 0))

  it('is retried like a connection reset', async () => {
    const {http, stats} = connect({origin})
    expect(await getOrganization(http)()).to.deep.equal({_tag: 'Right', right: ORG})
    expect(stats).to.include({requests: 2, retries: 1})
  })

  it('is retried like a connection reset when downloading', async () => {
    const {http, stats} = connect({origin})
    const destination = join(dir, 'export.json')
    expect(await http.download('/export/files/one', destination)()).to.deep.equal({
      _tag: 'Right',
      right: {bytes: Buffer.byteLength(body)},
    })
    expect(readFileSync(destination, 'utf8')).to.equal(body)
    expect(stats).to.include({requests: 2, retries: 1})
  })
})
