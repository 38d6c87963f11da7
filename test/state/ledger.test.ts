import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {forgetSince, openLedger, readOnlyLedger} from '../../src/lib/state/index.js'
import {keysSharingAHash} from '../helpers/hash.js'

const line = (id: string, closedAt: string) => `${JSON.stringify({id, closedAt})}\n`

describe('ledger of sent conversations', () => {
  let dir: string
  let file: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ge-ledger-'))
    file = join(dir, 'default', 'sent.jsonl')
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))
  const seed = (content: string) => {
    mkdirSync(join(dir, 'default'), {recursive: true})
    writeFileSync(file, content)
  }
  const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean)

  it('remembers what was sent across runs, with the latest closedAt of a conversation sent again', async () => {
    const ledger = await openLedger(dir, 'default')
    expect(ledger.closedAtOf('c1')).to.equal(undefined)
    await ledger.record([
      {conversationId: 'c1', closedAt: '2026-11-01T10:00:00Z'},
      {conversationId: 'c2', closedAt: '2026-11-02T10:00:00Z'},
    ])
    await ledger.record([{conversationId: 'c1', closedAt: '2026-11-03T10:00:00Z'}])
    expect(ledger.closedAtOf('c1')).to.equal('2026-11-03T10:00:00Z')
    const next = await openLedger(dir, 'default')
    expect([next.closedAtOf('c1'), next.closedAtOf('c2'), next.closedAtOf('c3')]).to.deep.equal([
      '2026-11-03T10:00:00Z',
      '2026-11-02T10:00:00Z',
      undefined,
    ])
  })

  it('tells apart conversations whose ids share a hash', async () => {
    const [first, second] = keysSharingAHash('conversation-')
    const ledger = await openLedger(dir, 'default')
    await ledger.record([{conversationId: first, closedAt: '2026-11-01T00:00:00Z'}])
    expect(ledger.closedAtOf(second)).to.equal(undefined)
    await ledger.record([{conversationId: second, closedAt: '2026-11-02T00:00:00Z'}])
    await ledger.record([{conversationId: first, closedAt: '2026-11-03T00:00:00Z'}])
    const next = await openLedger(dir, 'default')
    expect([next.closedAtOf(first), next.closedAtOf(second)]).to.deep.equal([
      '2026-11-03T00:00:00Z',
      '2026-11-02T00:00:00Z',
    ])
  })

  it('finds every one of many conversations, and none that was not sent', async () => {
    const ledger = await openLedger(dir, 'default')
    for (let batch = 0; batch < 200; batch++) {
      await ledger.record(
        Array.from({length: 100}, (_, n) => ({
          conversationId: `conv-${batch * 100 + n}`,
          closedAt: `2026-11-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
        })),
      )
    }
    const next = await openLedger(dir, 'default')
    const lost = Array.from({length: 20_000}, (_, n) => `conv-${n}`).filter(
      (id, n) => next.closedAtOf(id) !== `2026-11-01T00:00:${String((n % 100) % 60).padStart(2, '0')}Z`,
    )
    expect(lost).to.deep.equal([])
    expect(Array.from({length: 1000}, (_, n) => next.closedAtOf(`never-${n}`)).filter(Boolean)).to.deep.equal([])
    expect(lines()).to.have.length(20_000)
  })

  it('drops a last line torn by a crash, so that the next one is not glued to it', async () => {
    seed(`${line('c1', 'a')}${line('c2', 'b')}{"id":"c3","clo`)
    const ledger = await openLedger(dir, 'default')
    expect(ledger.closedAtOf('c3')).to.equal(undefined)
    await ledger.record([{conversationId: 'c4', closedAt: 'd'}])
    const next = await openLedger(dir, 'default')
    expect(['c1', 'c2', 'c3', 'c4'].map((id) => next.closedAtOf(id))).to.deep.equal(['a', 'b', undefined, 'd'])
    expect(lines()).to.deep.equal([line('c1', 'a'), line('c2', 'b'), line('c4', 'd')].map((text) => text.trim()))
  })

  it('keeps a complete last line that lost only its newline', async () => {
    seed(`${line('c1', 'a')}${line('c2', 'b').trim()}`)
    const ledger = await openLedger(dir, 'default')
    await ledger.record([{conversationId: 'c3', closedAt: 'c'}])
    const next = await openLedger(dir, 'default')
    expect(['c1', 'c2', 'c3'].map((id) => next.closedAtOf(id))).to.deep.equal(['a', 'b', 'c'])
  })

  it('rewrites the file once conversations sent again make up most of it', async () => {
    seed(['a', 'b', 'c', 'd', 'e'].map((closedAt) => line('c1', closedAt)).join('') + line('c2', 'x') + line('c1', 'f'))
    const ledger = await openLedger(dir, 'default')
    expect(lines()).to.deep.equal([line('c2', 'x'), line('c1', 'f')].map((text) => text.trim()))
    expect([ledger.closedAtOf('c1'), ledger.closedAtOf('c2')]).to.deep.equal(['f', 'x'])
  })

  it('in a dry run, remembers what would be sent in memory only, and leaves the file as it was', async () => {
    const content = `${line('c1', 'a')}${line('c1', 'b')}${line('c1', 'c')}{"id":"c2","clo`
    seed(content)
    const ledger = await readOnlyLedger(dir, 'default')
    await ledger.record([{conversationId: 'c2', closedAt: 'x'}])
    expect([ledger.closedAtOf('c1'), ledger.closedAtOf('c2')]).to.deep.equal(['c', 'x'])
    expect(readFileSync(file, 'utf8')).to.equal(content)
  })

  it('forgets the conversations closed from a date on (state reset --to)', async () => {
    seed(
      line('c1', '2026-10-31T23:59:59Z') +
        line('c2', '2026-11-01T00:00:00Z') +
        'not json\n' +
        line('c3', '2026-11-05T00:00:00Z'),
    )
    await forgetSince(dir, 'default', new Date('2026-11-01T00:00:00Z'))
    expect(lines()).to.deep.equal([line('c1', '2026-10-31T23:59:59Z').trim()])
    const ledger = await openLedger(dir, 'default')
    expect([ledger.closedAtOf('c1'), ledger.closedAtOf('c2')]).to.deep.equal(['2026-10-31T23:59:59Z', undefined])
  })
})
