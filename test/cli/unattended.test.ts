import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createSandbox, type Sandbox} from '../helpers/cli.js'
import {allFileText, DAY_MS, expectedConversationIds, fakesForEachTest, startFakes, type Fakes} from '../helpers/e2e.js'

describe('a secret in a URL never reaches the screen, the logs or the state', function () {
  this.timeout(60_000)
  const context = fakesForEachTest({dataset: {seed: 3, conversations: 5, days: 2}})

  it('rejects a GLADLY_API_URL with user:token@ and shows it without them', async () => {
    const leaked = 'tok3n-in-the-url-0042'
    const url = context.fakes.gladly.url.replace('://', `://api-user:${leaked}@`)
    for (const args of [['import'], ['import', '--json'], ['auth', 'status', '--offline']]) {
      const result = await context.sandbox.run(args, {env: context.fakes.env({GLADLY_API_URL: url})})
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(2)
      expect(`${result.stdout}${result.stderr}`).to.include('must not contain credentials')
      expect(`${result.stdout}${result.stderr}`).to.include('://[REDACTED]@127.0.0.1')
      expect(`${result.stdout}${result.stderr}`, args.join(' ')).not.to.include(leaked)
    }
    expect(allFileText(context.sandbox)).not.to.include(leaked)
  })
})

describe('a log folder that cannot be written', function () {
  this.timeout(60_000)
  let sandbox: Sandbox
  beforeEach(() => (sandbox = createSandbox()))
  afterEach(() => sandbox.cleanup())

  it('costs the log files, not the command: state show still works and says so once', async () => {
    // A file where the folder should be: unwritable even for root, as a read-only mount or a full disk would be.
    mkdirSync(sandbox.home, {recursive: true})
    writeFileSync(join(sandbox.home, 'logs'), '')
    const result = await sandbox.run(['state', 'show'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout).to.include('Watermark')
    expect(result.stderr.match(/The log files in \S+ cannot be written \((EEXIST|ENOTDIR)\)/g)).to.have.length(1)
  })
})

describe('credentials rejected in the middle of a run', function () {
  this.timeout(120_000)
  const context = fakesForEachTest({dataset: {seed: 5, conversations: 40, days: 5}})

  it('exit 1, not 2 (which promises that nothing was sent), once something was delivered', async () => {
    let answered = 0
    context.fakes.enterpret.configure({
      // After the first batch of records (the import's probe before it carries none).
      onRequest: ({recordCount}) => {
        if (recordCount && ++answered === 1) context.fakes.enterpret.configure({apiKeys: ['a-key-rotated-meanwhile']})
      },
    })
    const result = await context.sandbox.run(['import'], {env: context.fakes.env({BATCH_SIZE: '4'})})
    expect(context.fakes.enterpret.records.size).to.be.greaterThan(0)
    expect(result.code, result.stderr).to.equal(1)
    expect(result.stderr).to.match(/Enterpret rejected the API key|api key/i)
  })
})

describe('a full disk', function () {
  this.timeout(180_000)
  let fakes: Fakes
  let sandbox: Sandbox
  let mounted: string | undefined

  beforeEach(async function () {
    // A small tmpfs is a real full disk; mounting one needs root (CI runs as root).
    if (process.getuid?.() !== 0) this.skip()
    sandbox = createSandbox()
    fakes = await startFakes({now: new Date(Date.now() - 2 * DAY_MS), dataset: {seed: 5, conversations: 40, days: 5}})
  })
  afterEach(async () => {
    if (mounted !== undefined) spawnSync('umount', [mounted])
    mounted = undefined
    await fakes?.close()
    sandbox?.cleanup()
  })

  it('stops with one line naming the disk and the fix, exit 1, and the next run on a disk with room loses nothing', async () => {
    const small = join(sandbox.dir, 'small')
    mkdirSync(small)
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', small])
    if (mount.status !== 0) throw new Error(`could not mount a tmpfs: ${mount.stderr}`)
    mounted = small
    const home = {GLADLY_ENTERPRET_HOME: join(small, 'home')}
    const full = await sandbox.run(['import'], {env: fakes.env(home)})
    expect(full.code, full.stderr).to.equal(1)
    expect(full.stderr).to.match(
      /Error: The disk is full \(\S+small\S+\)\. Free some space, then run the command again: it resumes where it stopped\./,
    )
    expect(full.stderr).not.to.include('unreachable')

    spawnSync('mount', ['-o', 'remount,size=64m', small])
    const rest = await sandbox.run(['import'], {env: fakes.env(home)})
    expect(rest.code, rest.stderr).to.equal(0)
    expect([...fakes.enterpret.records.keys()].sort()).to.deep.equal(
      expectedConversationIds(fakes.gladly)
        .map((id) => `gladly_${id}`)
        .sort(),
    )
  })
})

describe('a record Enterpret refuses as too large even alone', function () {
  this.timeout(120_000)
  const context = fakesForEachTest({dataset: {seed: 5, conversations: 30, days: 3}})

  it('is cut until it fits, marked truncated, and the learnt limit serves the rest of the run: none dead-lettered', async () => {
    const {gladly, enterpret} = context.fakes
    const big = gladly.dataset.edgeCases.bigConversationId as string
    // Enterpret's real limit is lower than the one configured: the big conversation's record is refused alone.
    const limit = 2300
    enterpret.configure({maxBodyBytes: limit})
    const result = await context.sandbox.run(['import', '--json'], {env: context.fakes.env({BATCH_SIZE: '1'})})
    expect(result.code, result.stderr).to.equal(0)

    expect([...enterpret.records.keys()].sort()).to.deep.equal(
      expectedConversationIds(gladly)
        .map((id) => `gladly_${id}`)
        .sort(),
    )
    const bigRecord = enterpret.records.get(`gladly_${big}`)?.record as unknown as {
      conversation: {msgs: Array<{text: string}>}
      metadata: {metadata: Record<string, {array: Record<string, unknown[]>}>}
    }
    expect(bigRecord.metadata.metadata.truncated?.array.b).to.deep.equal([true])
    expect(bigRecord.conversation.msgs.some((message) => /messages? omitted to fit/.test(message.text))).to.equal(true)
    expect(result.stderr).to.match(/Enterpret refused record gladly_\S+ \(\d+ bytes\) as too large even alone/)

    const refused = enterpret.requests.filter((request) => request.status === 413)
    const accepted = enterpret.requests.filter((request) => request.status === 200)
    expect(refused.length).to.be.greaterThan(0)
    for (const request of accepted) expect(request.bytes).to.be.at.most(limit)
    // Learnt once, then used for every record made after: more records were cut than refusals it took.
    const cut = [...enterpret.records.values()].filter(
      (stored) =>
        (stored.record as unknown as {metadata: {metadata: Record<string, unknown>}}).metadata.metadata.truncated !==
        undefined,
    )
    expect(cut.length).to.be.greaterThan(refused.length)
    const summary = JSON.parse(result.stdout) as {conversations: {failed: number}; deadLetters: {remaining: number}}
    expect(summary.conversations.failed).to.equal(0)
    expect(summary.deadLetters.remaining).to.equal(0)
  })
})
