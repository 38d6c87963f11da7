import {expect} from 'chai'
import {execFileSync, spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {request as httpsRequest} from 'node:https'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {CLI, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, fakesForEachTest, type Fakes} from '../helpers/e2e.js'

const HOUR_MS = 60 * 60 * 1000
const HOOK_USER = 'gladly-hooks'
// Made per run: nothing secret-looking is written down.
const HOOK_PASSWORD = `test-${randomUUID()}`
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** `watch` as a child whose stderr is kept; `url` once it listens. */
function startWatch(sandbox: Sandbox, env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [CLI, 'watch', ...args], {
    cwd: sandbox.dir,
    env: {...sandbox.env, ...env} as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let stdout = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  child.stdout.on('data', (chunk) => (stdout += chunk))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal})),
  )
  const listening = (async () => {
    let found: RegExpExecArray | null = null
    await until(
      () =>
        (found = /(?:webhooks at|metrics at) (https?:\/\/[\d.:[\]]+)/.exec(stderr)) !== null || child.exitCode !== null,
      'watch to listen',
    )
    if (found === null) throw new Error(`watch exited ${child.exitCode}:\n${stderr}`)
    return (found as RegExpExecArray)[1] as string
  })()
  return {child, exited, listening, stderr: () => stderr, stdout: () => stdout}
}

/** Conversations closed in the fake between two instants and still closed at the second. */
function closedBetween(fakes: Fakes, fromMs: number, toMs: number): string[] {
  const {dataset} = fakes.gladly
  const ids = new Set(
    dataset
      .events(fromMs + 1, toMs, ['CONVERSATION'], toMs)
      .filter((event) => event.type === 'CONVERSATION/CLOSED')
      .map((event) => event.content.conversationId as string),
  )
  return [...ids].filter((id) => dataset.conversation(id, toMs)?.status === 'CLOSED').sort()
}

describe('watch: conversations delivered as Gladly says they close, end to end', function () {
  this.timeout(180_000)
  const start = Math.floor((Date.now() - 2 * DAY_MS) / 60_000) * 60_000
  const context = fakesForEachTest({
    now: new Date(start),
    dataset: {seed: 18, conversations: 60, days: 2, end: start},
    webhooks: {retryDelaysMs: [100, 200, 300, 400], tickMs: 50},
  })
  const stateDir = () => join(context.sandbox.home, 'state', 'default')
  const queueFile = () => join(stateDir(), 'watch', 'queue.jsonl')
  const delivered = () => [...context.fakes.enterpret.records.keys()].map((id) => id.replace(/^gladly_/, '')).sort()
  const duplicates = () =>
    [...context.fakes.enterpret.records.values()].reduce((sum, stored) => sum + stored.duplicates, 0)
  const env = (extra: Record<string, string> = {}) =>
    context.fakes.env({
      WATCH_LISTEN: '127.0.0.1:0',
      WATCH_WEBHOOK_USERNAME: HOOK_USER,
      WATCH_WEBHOOK_PASSWORD: HOOK_PASSWORD,
      WATCH_POLL_SECONDS: '0',
      ...extra,
    })
  const createWebhook = (url: string) =>
    context.fakes.gladly.webhooks.create({
      url: `${url}/gladly/webhook`,
      events: ['CONVERSATION/CLOSED'],
      enabled: true,
      credentials: {username: HOOK_USER, password: HOOK_PASSWORD},
    })

  it('answers the PING, and sends a conversation closed in Gladly within seconds, once', async () => {
    const watch = startWatch(context.sandbox, env())
    try {
      const url = await watch.listening
      await createWebhook(url)
      const ping = context.fakes.gladly.webhooks.deliveries.find((delivery) => delivery.type === 'PING')
      expect(ping?.status, 'PING answered 200').to.equal(200)

      const later = start + 3 * HOUR_MS
      const expected = closedBetween(context.fakes, start, later)
      expect(expected.length, 'the fake closes conversations in those hours').to.be.greaterThan(2)
      context.fakes.gladly.clock.set(later)
      await until(() => expected.every((id) => delivered().includes(id)), 'the closed conversations in Enterpret')
      expect(delivered()).to.deep.equal(expected)
      expect(duplicates()).to.equal(0)
      expect(context.fakes.gladly.webhooks.deliveries.filter((delivery) => !delivery.ok)).to.deep.equal([])
    } finally {
      watch.child.kill('SIGTERM')
      const {code} = await watch.exited
      expect(code, watch.stderr()).to.equal(143)
    }
    expect(watch.stderr()).to.not.include(HOOK_PASSWORD)
    expect(watch.stderr()).to.not.match(/\n\s+at /)
  })

  it('refuses wrong credentials (401), other paths (404), large bodies (413) and non-events (400), and queues nothing', async () => {
    const watch = startWatch(context.sandbox, env())
    try {
      const url = await watch.listening
      const closed = JSON.stringify({
        id: 'event-1',
        type: 'CONVERSATION/CLOSED',
        timestamp: new Date(start).toISOString(),
        initiator: {id: 'agent-1', type: 'AGENT'},
        content: {customerId: 'customer-1', conversationId: 'conversation-1', context: {}},
      })
      const post = (path: string, body: string, authorization?: string) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: {'Content-Type': 'application/json', ...(authorization ? {Authorization: authorization} : {})},
          body,
        })
      const refusals = [
        await post('/gladly/webhook', closed),
        await post('/gladly/webhook', closed, basic(HOOK_USER, 'test-not-the-password')),
        await post('/gladly/webhook', closed, basic('someone-else', HOOK_PASSWORD)),
        await post('/other', closed, basic(HOOK_USER, HOOK_PASSWORD)),
        await post('/gladly/webhook', 'x'.repeat(200_000), basic(HOOK_USER, HOOK_PASSWORD)),
        await post('/gladly/webhook', 'not json', basic(HOOK_USER, HOOK_PASSWORD)),
        await post('/gladly/webhook', '{"type":"CONVERSATION/CLOSED","content":{}}', basic(HOOK_USER, HOOK_PASSWORD)),
      ]
      expect(refusals.map((response) => response.status)).to.deep.equal([401, 401, 401, 404, 413, 400, 400])
      expect(refusals[0]?.headers.get('www-authenticate')).to.match(/^Basic /)
      const bodies = await Promise.all(refusals.map((response) => response.text()))
      for (const body of bodies) expect(body).to.not.match(/\bat \S+:\d+:\d+/)
      const queued = existsSync(queueFile()) ? readFileSync(queueFile(), 'utf8') : ''
      expect(queued, 'nothing queued').to.equal('')

      const ping = await post('/gladly/webhook', '{"type":"PING"}', basic(HOOK_USER, HOOK_PASSWORD))
      expect(ping.status).to.equal(200)
      expect(existsSync(queueFile()) ? readFileSync(queueFile(), 'utf8') : '').to.equal('')
    } finally {
      watch.child.kill('SIGTERM')
      await watch.exited
    }
    expect(context.fakes.enterpret.records.size).to.equal(0)
  })

  it('keeps its queue through an Enterpret outage, SIGTERM and a kill -9, and delivers it all after a restart', async () => {
    // Enterpret down: every send fails, watch backs off with the conversations queued.
    context.fakes.enterpret.configure({errorRate: 1})
    const first = startWatch(context.sandbox, env({MAX_RETRIES: '0'}))
    const url = await first.listening
    await createWebhook(url)
    const later = start + 3 * HOUR_MS
    const expected = closedBetween(context.fakes, start, later)
    const acknowledged = () =>
      new Set(context.fakes.gladly.webhooks.deliveries.filter((delivery) => delivery.ok && delivery.type !== 'PING'))
        .size
    context.fakes.gladly.clock.set(later)
    await until(() => acknowledged() >= expected.length, 'every close acknowledged')
    first.child.kill('SIGTERM')
    const stopped = await first.exited
    expect(stopped.code, first.stderr()).to.equal(143)
    expect(first.stderr()).to.include('stay queued')
    expect(context.fakes.enterpret.records.size).to.equal(0)
    const lines = readFileSync(queueFile(), 'utf8').trim().split('\n')
    expect(
      lines.map((line) => (JSON.parse(line) as {add: {conversationId: string}}).add.conversationId).sort(),
    ).to.deep.equal(expected)

    // Up again, but killed outright (no chance to clean up) before Enterpret answers anything.
    context.fakes.enterpret.configure({errorRate: 0})
    const second = startWatch(context.sandbox, env())
    await second.listening
    context.fakes.enterpret.configure({latencyMs: 60_000})
    const itemsRead = () => context.fakes.gladly.stats.byRoute['GET /api/v1/conversations/:id/items'] ?? 0
    const readBefore = itemsRead()
    await until(() => itemsRead() > readBefore, 'a delivery to start')
    second.child.kill('SIGKILL')
    await second.exited

    context.fakes.enterpret.configure({latencyMs: 0})
    const third = startWatch(context.sandbox, env())
    try {
      await third.listening
      expect(third.stderr()).to.match(/\d+ conversation\(s\) queued before the last stop are delivered first/)
      await until(() => expected.every((id) => delivered().includes(id)), 'the queued conversations in Enterpret')
      expect(delivered()).to.deep.equal(expected)
    } finally {
      third.child.kill('SIGTERM')
      await third.exited
    }
  })

  it('shares the state with import: a conversation seen by watch and later by import is sent once', async () => {
    const watch = startWatch(context.sandbox, env())
    try {
      const url = await watch.listening
      await createWebhook(url)
      const later = start + 3 * HOUR_MS
      const expected = closedBetween(context.fakes, start, later)
      context.fakes.gladly.clock.set(later)
      await until(() => expected.every((id) => delivered().includes(id)), 'the closed conversations in Enterpret')

      // A day on: the export jobs cover what watch sent, and watch gets the day's closes while the import runs.
      context.fakes.gladly.clock.set(later + DAY_MS)
      const imported = await context.sandbox.run(['import', '--json'], {env: env()})
      expect(imported.code, imported.stderr).to.be.oneOf([0, 3])
      const summary = parseJson<RunSummary>(imported)
      expect(summary.conversations.alreadySent, 'what watch sent is skipped').to.be.at.least(expected.length)
      await until(() => context.fakes.gladly.webhooks.deliveries.every((delivery) => delivery.ok), 'webhooks settle')
      expect(duplicates(), 'no conversation sent twice').to.equal(0)
    } finally {
      watch.child.kill('SIGTERM')
      await watch.exited
    }
    expect(duplicates(), 'no conversation sent twice').to.equal(0)
  })
})

describe('watch: the Events API poller fills what the webhook misses, end to end', function () {
  this.timeout(180_000)
  const start = Math.floor((Date.now() - 2 * DAY_MS) / 60_000) * 60_000
  const context = fakesForEachTest({
    now: new Date(start),
    dataset: {seed: 19, conversations: 60, days: 2, end: start},
  })
  const cursorFile = () => join(context.sandbox.home, 'state', 'default', 'watch', 'events-cursor.json')
  const delivered = () => [...context.fakes.enterpret.records.keys()].map((id) => id.replace(/^gladly_/, '')).sort()
  const env = (extra: Record<string, string> = {}) =>
    context.fakes.env({WATCH_LISTEN: '127.0.0.1:0', WATCH_POLL_SECONDS: '1', ...extra})
  const SETTLE_MS = 20_000

  it('with no webhook, sends what closed from its persisted cursor, and resumes from it after a restart', async () => {
    const first = startWatch(context.sandbox, env())
    const later = start + 3 * HOUR_MS
    try {
      await first.listening
      expect(first.stderr()).to.include('the webhook path is off')
      // The first look goes an hour back from Gladly's clock, less the 20 s the Events API may lag.
      await until(() => existsSync(cursorFile()), 'the first poll')
      context.fakes.gladly.clock.set(later)
      const expected = closedBetween(context.fakes, start - SETTLE_MS - HOUR_MS - 1, later - SETTLE_MS)
      expect(expected.length).to.be.greaterThan(2)
      await until(() => expected.every((id) => delivered().includes(id)), 'the closes in Enterpret')
      expect(delivered()).to.deep.equal(expected)
      // Gladly's clock as its Date headers tell it (to the second), moving on between two answers.
      const cursorAt = () => Date.parse((JSON.parse(readFileSync(cursorFile(), 'utf8')) as {until: string}).until)
      await until(() => cursorAt() >= later - SETTLE_MS - 1000, 'the cursor to reach the settled end')
      expect(cursorAt()).to.be.below(later)
    } finally {
      first.child.kill('SIGTERM')
      await first.exited
    }

    // Stopped for two hours: the next start reads from the cursor, nothing before it again.
    const before = delivered()
    const evenLater = later + 2 * HOUR_MS
    context.fakes.gladly.clock.set(evenLater)
    const second = startWatch(context.sandbox, env())
    try {
      await second.listening
      const expected = closedBetween(context.fakes, later - SETTLE_MS - 1, evenLater - SETTLE_MS)
      await until(() => expected.every((id) => delivered().includes(id)), 'the closes while it was down')
      expect(delivered()).to.deep.equal([...new Set([...before, ...expected])].sort())
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
    const resent = [...context.fakes.enterpret.records.values()].reduce((sum, stored) => sum + stored.duplicates, 0)
    expect(resent).to.equal(0)
  })

  it('warns well before the 24 h window loses events, and skips to what Gladly still has', async () => {
    mkdirSync(join(context.sandbox.home, 'state', 'default', 'watch'), {recursive: true})
    writeFileSync(cursorFile(), JSON.stringify({until: new Date(start - 13 * HOUR_MS).toISOString()}))
    const behind = startWatch(context.sandbox, env())
    try {
      await behind.listening
      await until(() => behind.stderr().includes('h behind'), 'the warning')
      expect(behind.stderr()).to.match(/The Events API cursor is 13\.0 h behind; Gladly keeps events 24 hours/)
    } finally {
      behind.child.kill('SIGTERM')
      await behind.exited
    }

    writeFileSync(cursorFile(), JSON.stringify({until: new Date(start - 30 * HOUR_MS).toISOString()}))
    const lost = startWatch(context.sandbox, env())
    try {
      await lost.listening
      await until(() => lost.stderr().includes('older than the 24 hours'), 'the warning')
      expect(lost.stderr()).to.include('The next import sends it from the export jobs.')
      expect(lost.stderr()).to.not.include('The Events API could not be read')
    } finally {
      lost.child.kill('SIGTERM')
      await lost.exited
    }
  })
})

describe('watch: /healthz and /metrics, end to end', function () {
  this.timeout(120_000)
  const start = Math.floor((Date.now() - 2 * DAY_MS) / 60_000) * 60_000
  const context = fakesForEachTest({
    now: new Date(start),
    dataset: {seed: 20, conversations: 60, days: 2, end: start},
    webhooks: {retryDelaysMs: [100, 200, 300, 400], tickMs: 50},
  })
  const delivered = () => [...context.fakes.enterpret.records.keys()].map((id) => id.replace(/^gladly_/, '')).sort()
  /** The value of one sample of the Prometheus text, 0 when absent. */
  const sample = (text: string, name: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `))
    return line === undefined ? 0 : Number(line.slice(name.length + 1))
  }

  it('is not ready while Enterpret is down, ready once it delivers, and counts what happened', async () => {
    context.fakes.enterpret.configure({errorRate: 1})
    const watch = startWatch(
      context.sandbox,
      context.fakes.env({
        WATCH_LISTEN: '127.0.0.1:0',
        WATCH_WEBHOOK_HEADER: 'X-Gladly-Token',
        WATCH_WEBHOOK_TOKEN: HOOK_PASSWORD,
        WATCH_POLL_SECONDS: '0',
        MAX_RETRIES: '0',
      }),
    )
    try {
      const url = await watch.listening
      const down = await fetch(`${url}/healthz`)
      expect(down.status).to.equal(503)
      const report = (await down.json()) as {status: string; checks: Record<string, string>}
      expect(report.status).to.equal('not ready')
      expect(report.checks.queue).to.equal('ok (0 waiting)')
      expect(report.checks.enterpret).to.match(/Enterpret/)

      const refused = await fetch(`${url}/gladly/webhook`, {
        method: 'POST',
        headers: {'X-Gladly-Token': 'wrong'},
        body: '{}',
      })
      expect(refused.status).to.equal(401)

      context.fakes.enterpret.configure({errorRate: 0})
      await context.fakes.gladly.webhooks.create({
        url: `${url}/gladly/webhook`,
        events: ['CONVERSATION/CLOSED'],
        enabled: true,
        headers: {'X-Gladly-Token': HOOK_PASSWORD},
      })
      const later = start + 3 * HOUR_MS
      const expected = closedBetween(context.fakes, start, later)
      context.fakes.gladly.clock.set(later)
      await until(() => expected.every((id) => delivered().includes(id)), 'the closes in Enterpret')
      await until(() => context.fakes.gladly.webhooks.deliveries.length > expected.length, 'the acknowledgements')

      // The queue is emptied once a batch is settled, just after Enterpret took it.
      let up = await fetch(`${url}/healthz`)
      let checks = ((await up.json()) as {checks: Record<string, string>}).checks
      for (const deadline = Date.now() + 10_000; checks.queue !== 'ok (0 waiting)' && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        up = await fetch(`${url}/healthz`)
        checks = ((await up.json()) as {checks: Record<string, string>}).checks
      }
      expect(up.status).to.equal(200)
      expect(checks).to.deep.equal({
        queue: 'ok (0 waiting)',
        gladly: 'ok',
        enterpret: 'ok',
      })

      const metrics = await fetch(`${url}/metrics`)
      expect(metrics.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/)
      const text = await metrics.text()
      const closes = context.fakes.gladly.webhooks.deliveries.filter((delivery) => delivery.type !== 'PING').length
      expect(
        sample(text, 'gladly_enterpret_watch_events_received_total{type="CONVERSATION/CLOSED",via="webhook"}'),
      ).to.equal(closes)
      expect(sample(text, 'gladly_enterpret_watch_conversations_sent_total')).to.equal(expected.length)
      expect(sample(text, 'gladly_enterpret_watch_close_to_delivery_seconds_count')).to.equal(expected.length)
      expect(sample(text, 'gladly_enterpret_watch_queue_depth')).to.equal(0)
      expect(sample(text, 'gladly_enterpret_watch_requests_refused_total{status="401"}')).to.equal(1)
      // The fake's clock is two days behind: every close waited about that long.
      expect(sample(text, 'gladly_enterpret_watch_close_to_delivery_seconds_bucket{le="86400"}')).to.equal(0)
      expect(sample(text, 'gladly_enterpret_watch_rate_limited_total{service="gladly"}')).to.equal(0)
      expect(text).to.not.include(HOOK_PASSWORD)
    } finally {
      watch.child.kill('SIGTERM')
      await watch.exited
    }
  })
})

describe('watch setup, end to end', function () {
  this.timeout(180_000)
  const start = Math.floor((Date.now() - 2 * DAY_MS) / 60_000) * 60_000
  const context = fakesForEachTest({
    now: new Date(start),
    dataset: {seed: 21, conversations: 60, days: 2, end: start},
    webhooks: {retryDelaysMs: [50, 100, 150, 200], tickMs: 50},
  })
  const delivered = () => [...context.fakes.enterpret.records.keys()].map((id) => id.replace(/^gladly_/, '')).sort()
  const env = (extra: Record<string, string> = {}) =>
    context.fakes.env({
      WATCH_LISTEN: '127.0.0.1:0',
      WATCH_WEBHOOK_USERNAME: HOOK_USER,
      WATCH_WEBHOOK_PASSWORD: HOOK_PASSWORD,
      WATCH_POLL_SECONDS: '1',
      ...extra,
    })

  it('creates the webhook, updates it, re-enables it after Gladly deactivated it, and the poller fills the gap', async () => {
    const noAuth = await context.sandbox.run(['watch', 'setup', '--url', 'https://hooks.example.com/gladly/webhook'], {
      env: context.fakes.env(),
    })
    expect(noAuth.code, noAuth.stderr).to.equal(2)
    expect(noAuth.stderr).to.include('watch setup needs the credentials Gladly will send')
    const notHttps = await context.sandbox.run(['watch', 'setup', '--url', 'http://hooks.example.com/gladly/webhook'], {
      env: env(),
    })
    expect(notHttps.code, notHttps.stderr).to.equal(2)
    expect(notHttps.stderr).to.include('is not HTTPS')

    const first = startWatch(context.sandbox, env())
    const firstUrl = `${await first.listening}/gladly/webhook`
    const created = await context.sandbox.run(['watch', 'setup', '--url', firstUrl, '--json'], {env: env()})
    expect(created.code, created.stderr).to.equal(0)
    const setup = parseJson<{id: string; action: string; auth: string}>(created)
    expect(setup).to.deep.include({action: 'created', auth: 'basic'})
    expect(created.stdout + created.stderr).to.not.include(HOOK_PASSWORD)
    const again = await context.sandbox.run(['watch', 'setup', '--url', firstUrl, '--json'], {env: env()})
    expect(parseJson<{id: string; action: string}>(again)).to.deep.include({id: setup.id, action: 'updated'})
    const hooks = context.fakes.gladly.webhooks.list()
    expect(hooks).to.have.length(1)
    expect(hooks[0]).to.deep.include({url: firstUrl, events: ['CONVERSATION/CLOSED'], enabled: true})
    expect(hooks[0]).to.deep.include({hasCredentials: true})
    expect(context.fakes.gladly.webhooks.deliveries.filter((delivery) => delivery.type === 'PING')).to.have.length(1)

    // watch down: Gladly's deliveries fail, are retried, and the webhook is deactivated.
    first.child.kill('SIGTERM')
    await first.exited
    const deactivated = new Promise((resolve) => context.fakes.gladly.webhooks.once('deactivated', resolve))
    const later = start + 3 * HOUR_MS
    context.fakes.gladly.clock.set(later)
    await deactivated
    expect(context.fakes.gladly.webhooks.get(setup.id)).to.deep.include({enabled: false})
    const failed = context.fakes.gladly.webhooks.deliveries.filter((delivery) => !delivery.ok)
    expect(Math.max(...failed.map((delivery) => delivery.attempt))).to.equal(4)

    // A new address, no PING answer: Gladly refuses, and says why.
    const refused = await context.sandbox.run(['watch', 'setup', '--url', firstUrl], {env: env()})
    expect(refused.code, refused.stderr).to.equal(1)
    expect(refused.stderr).to.include('PING')
    expect(refused.stderr).to.include('Start gladly-enterpret watch first')

    // Up again elsewhere: setup finds the webhook by name, moves and re-enables it; the Events API brings what it missed.
    const second = startWatch(context.sandbox, env())
    try {
      const secondUrl = `${await second.listening}/gladly/webhook`
      const moved = await context.sandbox.run(['watch', 'setup', '--url', secondUrl, '--json'], {env: env()})
      expect(moved.code, moved.stderr).to.equal(0)
      expect(parseJson<{id: string; action: string}>(moved)).to.deep.include({id: setup.id, action: 'updated'})
      expect(context.fakes.gladly.webhooks.get(setup.id)).to.deep.include({url: secondUrl, enabled: true})
      const missed = closedBetween(context.fakes, start, later - 20_000)
      expect(missed.length).to.be.greaterThan(0)
      await until(() => missed.every((id) => delivered().includes(id)), 'the missed closes in Enterpret')
    } finally {
      second.child.kill('SIGTERM')
      await second.exited
    }
  })
})

describe('watch serving HTTPS itself', function () {
  this.timeout(120_000)
  const context = fakesForEachTest({dataset: {seed: 22, conversations: 10, days: 1}})

  it('says why it cannot start: a port in use, another watch of the profile', async () => {
    const settings = context.fakes.env({
      WATCH_WEBHOOK_USERNAME: HOOK_USER,
      WATCH_WEBHOOK_PASSWORD: HOOK_PASSWORD,
      WATCH_POLL_SECONDS: '0',
    })
    const first = startWatch(context.sandbox, {...settings, WATCH_LISTEN: '127.0.0.1:0'})
    try {
      const port = new URL(await first.listening).port
      const sameProfile = await context.sandbox.run(['watch', '--listen', '127.0.0.1:0'], {env: settings})
      expect(sameProfile.code, sameProfile.stderr).to.equal(1)
      expect(sameProfile.stderr).to.include(`Another watch is running for this profile: pid ${first.child.pid}`)
      const portTaken = await context.sandbox.run(['watch', '--listen', `127.0.0.1:${port}`, '--profile', 'other'], {
        env: settings,
      })
      expect(portTaken.code, portTaken.stderr).to.equal(1)
      expect(portTaken.stderr).to.include(`watch cannot listen on 127.0.0.1:${port} (WATCH_LISTEN)`)
      expect(portTaken.stderr).to.include('Try: Another process uses that port')
      const badAddress = await context.sandbox.run(['watch', '--listen', 'localhost'], {env: settings})
      expect(badAddress.code, badAddress.stderr).to.equal(2)
      expect(badAddress.stderr).to.include('host:port')
    } finally {
      first.child.kill('SIGTERM')
      await first.exited
    }
  })

  it('answers over TLS with the certificate and key given, and refuses a half-set pair', async () => {
    const cert = join(context.sandbox.dir, 'tls.crt')
    const key = join(context.sandbox.dir, 'tls.key')
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ],
      {stdio: 'ignore'},
    )
    const settings = context.fakes.env({
      WATCH_LISTEN: '127.0.0.1:0',
      WATCH_WEBHOOK_USERNAME: HOOK_USER,
      WATCH_WEBHOOK_PASSWORD: HOOK_PASSWORD,
      WATCH_POLL_SECONDS: '0',
    })
    const half = await context.sandbox.run(['watch'], {env: {...settings, WATCH_TLS_CERT: cert}})
    expect(half.code, half.stderr).to.equal(2)
    expect(half.stderr).to.include('WATCH_TLS_CERT and WATCH_TLS_KEY go together')

    const watch = startWatch(context.sandbox, {...settings, WATCH_TLS_CERT: cert, WATCH_TLS_KEY: key})
    try {
      const url = await watch.listening
      expect(url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/)
      const answer = await new Promise<{status: number; body: string}>((resolve, reject) => {
        const request = httpsRequest(
          `${url}/gladly/webhook`,
          {
            method: 'POST',
            ca: readFileSync(cert),
            headers: {'Content-Type': 'application/json', Authorization: basic(HOOK_USER, HOOK_PASSWORD)},
          },
          (response) => {
            let body = ''
            response.on('data', (chunk) => (body += chunk))
            response.on('end', () => resolve({status: response.statusCode ?? 0, body}))
          },
        )
        request.on('error', reject)
        request.end('{"type":"PING"}')
      })
      expect(answer).to.deep.equal({status: 200, body: '{"ok":true}\n'})
    } finally {
      watch.child.kill('SIGTERM')
      await watch.exited
    }
  })
})
