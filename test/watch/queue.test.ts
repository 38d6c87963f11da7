import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {authorized} from '../../src/lib/watch/auth.js'
import {openQueue} from '../../src/lib/watch/queue.js'

const entry = (conversationId: string) => ({conversationId, via: 'webhook', receivedAt: '2026-12-06T08:00:00.000Z'})

describe("watch's durable queue", () => {
  let dir: string
  let path: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ge-watch-queue-'))
    path = join(dir, 'watch', 'queue.jsonl')
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('holds what was added and not done, in order, once each add resolved, across a reopen', async () => {
    const queue = await openQueue(path)
    await Promise.all([queue.add(entry('c1')), queue.add(entry('c2')), queue.add(entry('c1')), queue.add(entry('c3'))])
    expect(readFileSync(path, 'utf8').trim().split('\n'), 'c1 once').to.have.length(3)
    await queue.markDone(['c2', 'unknown'])
    expect(queue.peek(10).map((queued) => queued.conversationId)).to.deep.equal(['c1', 'c3'])
    expect(queue.peek(1).map((queued) => queued.conversationId)).to.deep.equal(['c1'])
    await queue.close()

    const reopened = await openQueue(path)
    expect(reopened.peek(10).map((queued) => queued.conversationId)).to.deep.equal(['c1', 'c3'])
    expect(reopened.depth).to.equal(2)
    await reopened.close()
  })

  it('drops a line torn by a crash (never acknowledged) and appends after it', async () => {
    const first = await openQueue(path)
    await first.add(entry('c1'))
    await first.close()
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"add":{"conversationId":"c2","via`)
    const queue = await openQueue(path)
    expect(queue.peek(10).map((queued) => queued.conversationId)).to.deep.equal(['c1'])
    await queue.add(entry('c3'))
    await queue.close()
    const reopened = await openQueue(path)
    expect(reopened.peek(10).map((queued) => queued.conversationId)).to.deep.equal(['c1', 'c3'])
    await reopened.close()
  })

  it('rewrites itself to what waits once done lines dominate it', async () => {
    const queue = await openQueue(path)
    for (let index = 0; index < 600; index++) {
      await queue.add(entry(`c${index}`))
      if (index !== 599) await queue.markDone([`c${index}`])
    }
    expect(readFileSync(path, 'utf8').trim().split('\n'), 'compacted').to.have.length.below(300)
    await queue.close()
    const reopened = await openQueue(path)
    expect(reopened.peek(10).map((queued) => queued.conversationId)).to.deep.equal(['c599'])
    await reopened.close()
  })

  it('wakes a waiting deliverer when something is added, and on abort', async () => {
    const queue = await openQueue(path)
    const stop = new AbortController()
    let woken = false
    const waiting = queue.waitForWork(stop.signal).then(() => (woken = true))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(woken).to.equal(false)
    await queue.add(entry('c1'))
    await waiting
    expect(woken).to.equal(true)
    await queue.markDone(['c1'])
    const aborted = queue.waitForWork(stop.signal)
    stop.abort()
    await aborted
    await queue.close()
  })
})

describe("watch's webhook authentication", () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  const both = {
    basic: {username: 'gladly', password: 'test-not-a-real-password'},
    header: {name: 'X-Gladly-Token', token: 'test-not-a-real-token'},
  }

  it('needs every configured method, each exactly right', () => {
    const good = {authorization: basic('gladly', 'test-not-a-real-password'), 'x-gladly-token': 'test-not-a-real-token'}
    expect(authorized(good, both)).to.equal(true)
    expect(authorized({...good, 'x-gladly-token': 'test-not-a-real-token '}, both)).to.equal(false)
    expect(authorized({authorization: good.authorization}, both)).to.equal(false)
    expect(authorized({...good, authorization: basic('gladly', 'test-not-a-real-passwor')}, both)).to.equal(false)
    expect(authorized({...good, authorization: basic('Gladly', 'test-not-a-real-password')}, both)).to.equal(false)
    expect(authorized({...good, authorization: 'Bearer test-not-a-real-password'}, both)).to.equal(false)
    expect(authorized({authorization: basic('gladly', 'test-not-a-real-password')}, {basic: both.basic})).to.equal(true)
    expect(authorized({'x-gladly-token': 'test-not-a-real-token'}, {header: both.header})).to.equal(true)
  })

  it('a password holding a colon is read whole; nothing configured lets nothing in', () => {
    const colon = {basic: {username: 'gladly', password: 'test:not:real'}}
    expect(authorized({authorization: basic('gladly', 'test:not:real')}, colon)).to.equal(true)
    expect(authorized({authorization: basic('gladly', 'test-not-a-real-password')}, {})).to.equal(false)
  })
})
