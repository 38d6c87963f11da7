import {expect} from 'chai'
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {
  acquireLock,
  EMPTY_STATE,
  LEASE_STALE_MS,
  lockPath,
  lockStatus,
  moveWatermark,
  openStateStore,
  type State,
} from '../../src/lib/state/index.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

const sample: State = {
  ...EMPTY_STATE,
  watermark: {updatedAt: '2026-11-20T07:15:19.07272933Z', jobIds: ['job-b', 'job-c']},
  processedJobs: [
    {
      id: 'job-a',
      updatedAt: '2026-11-19T07:00:00Z',
      windowStart: '2026-11-18T00:00:00Z',
      windowEnd: '2026-11-19T00:00:00Z',
      processedAt: '2026-11-19T08:00:00Z',
    },
    {
      id: 'job-b',
      updatedAt: '2026-11-20T07:15:19.07272933Z',
      windowStart: '2026-11-19T00:00:00Z',
      windowEnd: '2026-11-20T00:00:00Z',
      processedAt: '2026-11-20T08:00:00Z',
    },
  ],
  deadLetters: [
    {recordId: 'gladly_x', conversationId: 'x', reason: 'rejected', failedAt: '2026-11-20T08:00:00Z', attempts: 1},
  ],
}

describe('state store', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ge-state-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('reads the empty state before any import, without creating a file', () => {
    const store = openStateStore(dir, 'default')
    expect(store.read()).to.deep.equal({_tag: 'Right', right: EMPTY_STATE})
    expect(store.exists()).to.equal(false)
  })

  it('round-trips a state through a private file', () => {
    const store = openStateStore(dir, 'acme')
    expect(store.write(sample)._tag).to.equal('Right')
    expect(openStateStore(dir, 'acme').read()).to.deep.equal({_tag: 'Right', right: sample})
    expect(statSync(store.path).mode & 0o777).to.equal(0o600)
    expect(store.path).to.equal(join(dir, 'acme', 'state.json'))
  })

  it('refuses a corrupt file and leaves it byte for byte', () => {
    const store = openStateStore(dir, 'default')
    mkdirSync(join(dir, 'default'), {recursive: true})
    writeFileSync(store.path, '{"schemaVersion":1,"watermark":')
    const result = store.read()
    expect(result._tag).to.equal('Left')
    if (result._tag === 'Left') {
      expect(result.left.message).to.equal(
        `The state file ${store.path} is unreadable (not valid JSON). It was left untouched; nothing was imported.`,
      )
      expect(result.left.exit).to.equal(1)
    }
    expect(readFileSync(store.path, 'utf8')).to.equal('{"schemaVersion":1,"watermark":')
  })

  it('refuses a file that does not match the schema, naming the field', () => {
    const store = openStateStore(dir, 'default')
    mkdirSync(join(dir, 'default'), {recursive: true})
    writeFileSync(store.path, JSON.stringify({...sample, watermark: {updatedAt: 5, jobIds: []}}))
    const result = store.read()
    expect(result._tag === 'Left' && result.left.message).to.include(
      'watermark.updatedAt must be an RFC 3339 timestamp, got 5',
    )
  })

  it('refuses a timestamp that is not one, instead of failing later on "Invalid time value"', () => {
    const store = openStateStore(dir, 'default')
    mkdirSync(join(dir, 'default'), {recursive: true})
    writeFileSync(store.path, JSON.stringify({...sample, watermark: {updatedAt: 'garbage', jobIds: []}}))
    const result = store.read()
    expect(result._tag === 'Left' && result.left.message).to.include(
      'watermark.updatedAt must be an RFC 3339 timestamp, got "garbage"',
    )
    expect(result._tag === 'Left' && result.left.suggestions?.[0]).to.include('state reset --to')
  })

  it('refuses a file from a newer version instead of misreading it', () => {
    const store = openStateStore(dir, 'default')
    mkdirSync(join(dir, 'default'), {recursive: true})
    writeFileSync(store.path, JSON.stringify({...sample, schemaVersion: 99}))
    const result = store.read()
    expect(result._tag === 'Left' && result.left.message).to.include('written by a newer gladly-enterpret (schema 99')
  })

  it('never leaves a torn file when the writer is killed mid-write', async function () {
    this.timeout(60_000)
    const store = openStateStore(dir, 'default')
    const writer = join(PROJECT_ROOT, 'test', 'state', 'fixtures', 'write-forever.ts')
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      // Wait until it has written at least once, then kill it at a random moment.
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 150))
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('close', resolve))
      const result = store.read()
      expect(result._tag, `round ${round}: ${result._tag === 'Left' ? result.left.message : ''}`).to.equal('Right')
      if (result._tag === 'Right') expect(result.right.processedJobs.length).to.be.greaterThan(0)
    }
  })

  it('moves the watermark back and forgets the jobs after it', () => {
    const moved = moveWatermark(sample, new Date('2026-11-20T00:00:00Z'))
    expect(moved.watermark).to.deep.equal({updatedAt: '2026-11-20T00:00:00.000Z', jobIds: []})
    expect(moved.processedJobs.map((job) => job.id)).to.deep.equal(['job-a'])
    expect(moved.checkpoint).to.equal(null)
    expect(moved.deadLetters).to.deep.equal(sample.deadLetters)
  })
})

describe('import lock', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ge-lock-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('is exclusive while held and free after release', () => {
    const first = acquireLock(dir, 'default', {command: 'import'})
    expect(first._tag).to.equal('Right')
    const second = acquireLock(dir, 'default', {command: 'import'})
    expect(second._tag).to.equal('Left')
    if (second._tag === 'Left') {
      expect(second.left._tag).to.equal('LockHeld')
      expect(second.left.message).to.include(`pid ${process.pid} on ${hostname()}`)
    }
    expect(acquireLock(dir, 'other', {command: 'import'})._tag, 'profiles lock separately').to.equal('Right')
    if (first._tag === 'Right') first.right.release()
    expect(lockStatus(dir, 'default').holder).to.equal(undefined)
    expect(acquireLock(dir, 'default', {command: 'import'})._tag).to.equal('Right')
  })

  const writeLock = (info: object) => {
    mkdirSync(join(dir, 'default'), {recursive: true})
    writeFileSync(lockPath(dir, 'default'), JSON.stringify(info))
  }
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

  it('takes over a lock of another host once its lease is stale, and names the holder while it is fresh', () => {
    writeLock({pid: 1, host: 'pod-a1b2c', command: 'import', startedAt: ago(3_600_000), refreshedAt: ago(20_000)})
    const refused = acquireLock(dir, 'default', {command: 'import'})
    expect(refused._tag === 'Left' && refused.left.message).to.match(
      /^Another import is running for this profile: pid 1 on pod-a1b2c \(import, since .*, lease renewed 2\d s ago\)\.$/,
    )
    expect(lockStatus(dir, 'default').holder).to.include({alive: true})

    writeLock({
      pid: 1,
      host: 'pod-a1b2c',
      command: 'import',
      startedAt: ago(3_600_000),
      refreshedAt: ago(LEASE_STALE_MS + 1000),
    })
    expect(lockStatus(dir, 'default').holder).to.include({alive: false})
    const taken: string[] = []
    const lock = acquireLock(dir, 'default', {command: 'import', onStaleLock: (holder) => taken.push(holder.host)})
    expect(lock._tag).to.equal('Right')
    expect(taken).to.deep.equal(['pod-a1b2c'])
    if (lock._tag === 'Right') lock.right.release()
  })

  it('takes over a lock naming this very pid on this host, left by an earlier PID namespace', () => {
    writeLock({pid: process.pid, host: hostname(), command: 'import', startedAt: ago(10_000), refreshedAt: ago(10_000)})
    const lock = acquireLock(dir, 'default', {command: 'import'})
    expect(lock._tag).to.equal('Right')
    if (lock._tag === 'Right') lock.right.release()
  })

  it('renews its lease while held, and says so when another process took the lock over', async () => {
    const lost: string[] = []
    const lock = acquireLock(dir, 'default', {command: 'import', renewEveryMs: 10, onLost: () => lost.push('lost')})
    if (lock._tag === 'Left') return expect.fail(lock.left.message)
    const first = JSON.parse(readFileSync(lockPath(dir, 'default'), 'utf8')) as {refreshedAt: string}
    while (
      (JSON.parse(readFileSync(lockPath(dir, 'default'), 'utf8')) as {refreshedAt: string}).refreshedAt ===
      first.refreshedAt
    )
      await new Promise((resolve) => setTimeout(resolve, 5))
    writeLock({pid: 4242, host: 'another-host', command: 'import', startedAt: ago(0), refreshedAt: ago(0)})
    while (lost.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    lock.right.release()
    expect(lockStatus(dir, 'default').holder, 'the new holder keeps its lock').to.include({host: 'another-host'})
  })

  it('names the live process of another holder', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
    try {
      mkdirSync(join(dir, 'default'), {recursive: true})
      writeFileSync(
        lockPath(dir, 'default'),
        JSON.stringify({pid: holder.pid, host: hostname(), command: 'import', startedAt: '2026-11-24T10:00:00Z'}),
      )
      const result = acquireLock(dir, 'default', {command: 'import'})
      expect(result._tag === 'Left' && result.left.message).to.equal(
        `Another import is running for this profile: pid ${holder.pid} on ${hostname()} (import, since 2026-11-24T10:00:00Z).`,
      )
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('takes over a lock whose process is dead, and says so', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    mkdirSync(join(dir, 'default'), {recursive: true})
    writeFileSync(
      lockPath(dir, 'default'),
      JSON.stringify({pid: Number(dead), host: hostname(), command: 'import', startedAt: '2026-11-24T10:00:00Z'}),
    )
    const stale: number[] = []
    const result = acquireLock(dir, 'default', {command: 'import', onStaleLock: (info) => stale.push(info.pid)})
    expect(result._tag).to.equal('Right')
    expect(stale).to.deep.equal([Number(dead)])
    expect(lockStatus(dir, 'default').holder?.pid).to.equal(process.pid)
  })
})
