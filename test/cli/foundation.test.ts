import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {createSandbox, parseJson, PROJECT_ROOT, type Sandbox} from '../helpers/cli.js'

describe('the built CLI', function () {
  this.timeout(30_000)
  let sandbox: Sandbox
  beforeEach(() => (sandbox = createSandbox()))
  afterEach(() => sandbox.cleanup())

  it('prints help with every topic and exits 0', async () => {
    const result = await sandbox.run(['--help'])
    expect(result.code).to.equal(0)
    expect(result.stdout).to.match(/auth\s+Store, check and remove/)
    expect(result.stdout).to.match(/state\s+Inspect or reset/)
  })

  it('prints its version with --version, -v and the version command; -v after a command is --verbose', async () => {
    const version = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version as string
    const line = `gladly-enterpret/${version} ${process.platform}-${process.arch} node-${process.version}\n`
    for (const args of [['--version'], ['-v'], ['version']]) {
      const result = await sandbox.run(args)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
      expect(result.stdout, args.join(' ')).to.equal(line)
    }
    const json = await sandbox.run(['version', '--json'])
    expect(parseJson(json)).to.deep.include({
      cliVersion: `gladly-enterpret/${version}`,
      nodeVersion: `node-${process.version}`,
    })
    const verbose = await sandbox.run(['state', 'show', '-v'])
    expect(verbose.code, verbose.stderr).to.equal(0)
    expect(verbose.stdout).to.match(/^Profile +default$/m)
  })

  it('shows a fresh profile state as JSON without creating it', async () => {
    const result = await sandbox.run(['state', 'show', '--json'])
    expect(result.code).to.equal(0)
    const report = parseJson<{
      profile: string
      exists: boolean
      stateFile: string
      state: {watermark: unknown; deadLetters: unknown[]}
      lock: {holder?: unknown}
    }>(result)
    expect(report.profile).to.equal('default')
    expect(report.exists).to.equal(false)
    expect(report.stateFile).to.equal(join(sandbox.home, 'state', 'default', 'state.json'))
    expect(report.state.watermark).to.equal(null)
    expect(report.state.deadLetters).to.deep.equal([])
    expect(report.lock.holder).to.equal(undefined)
  })

  it('reports where each credential comes from, secrets masked, offline', async () => {
    const token = 'gladly-token-abcdefghijklmnop-1234'
    writeFileSync(join(sandbox.dir, '.env'), 'GLADLY_USERNAME=api@acme.com\n')
    const result = await sandbox.run(['auth', 'status', '--offline', '--json'], {
      env: {GLADLY_API_URL: 'https://acme.gladly.com/api/v1', GLADLY_API_TOKEN: token},
    })
    expect(result.code).to.equal(0)
    const status = parseJson<{
      ok: boolean
      credentials: Array<{name: string; set: boolean; source?: string; display?: string}>
    }>(result)
    const byName = Object.fromEntries(status.credentials.map((credential) => [credential.name, credential]))
    expect(byName.GLADLY_API_URL).to.include({source: 'env', display: 'https://acme.gladly.com'})
    expect(byName.GLADLY_USERNAME).to.include({source: '.env', display: 'api@acme.com'})
    expect(byName.GLADLY_API_TOKEN).to.include({source: 'env', display: '****1234'})
    expect(byName.ENTERPRET_API_KEY).to.include({set: false})
    expect(result.stdout + result.stderr).not.to.include(token)
  })

  it("shows the last run as the summary the import printed, filling in what an older version's summary lacks", async () => {
    mkdirSync(join(sandbox.home, 'state', 'default'), {recursive: true})
    // Written before the quarantine, backfill and skipped-for-good counters existed.
    const lastRun = {
      mode: 'import',
      profile: 'default',
      startedAt: '2026-11-20T01:00:00.000Z',
      finishedAt: '2026-11-20T01:02:00.000Z',
      durationMs: 120_000,
      jobs: {planned: 3, processed: 3, lost: 0},
      conversations: {seen: 10, sent: 8, keptOpen: 2, failed: 0, vanished: 0, alreadySent: 1, noMessages: 0},
      messages: 55,
      channels: {chat: 8},
      gladly: {requests: 30, rateLimited: 2, retries: 0},
      enterpret: {requests: 1, rateLimited: 0, retries: 0},
      conversationsPerSecond: 0.1,
      watermark: '2026-11-20T00:00:00.000Z',
      warnings: ['one', 'two', 'three', 'four', 'five', 'six', 'seven'],
    }
    const state = {schemaVersion: 1, watermark: null, processedJobs: [], checkpoint: null, deadLetters: [], lastRun}
    writeFileSync(join(sandbox.home, 'state', 'default', 'state.json'), JSON.stringify(state))
    const result = await sandbox.run(['state', 'show'])
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stdout.slice(result.stdout.indexOf('Last run'))).to.equal(
      [
        'Last run, 2026-11-20T01:00:00.000Z – 2026-11-20T01:02:00.000Z',
        '  Import of profile default finished in 120.0 s: 3 of 3 export job(s).',
        '  Conversations: 10 seen, 8 delivered (Enterpret skips the ids it already has), 2 kept open, 0 failed, 0 quarantined, 0 vanished, 1 already delivered, 0 without messages; 55 messages.',
        '  Requests: Gladly 30 (2 × 429), Enterpret 1 (0 × 429); 0.1 conversations/s.',
        ...['one', 'two', 'three', 'four', 'five'].map((warning) => `  Warning: ${warning}`),
        '  2 more warning(s) in the log files of that run',
        '',
      ].join('\n'),
    )
  })

  it('exits 2 on a bad flag, in text and in JSON', async () => {
    const text = await sandbox.run(['state', 'show', '--bogus'])
    expect(text.code).to.equal(2)
    expect(text.stderr).to.include('Nonexistent flag: --bogus')
    const json = await sandbox.run(['state', 'show', '--bogus', '--json'])
    expect(json.code).to.equal(2)
    expect(parseJson<{error: {exitCode: number; message: string}}>(json).error).to.include({exitCode: 2})
  })

  it('exits 2 with a one-line reason and no stack trace on a bad setting', async () => {
    const result = await sandbox.run(['state', 'show'], {env: {BATCH_SIZE: 'ten'}})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include(
      "BATCH_SIZE from the environment must be a positive integer no larger than 100, got 'ten'.",
    )
    expect(result.stderr).not.to.match(/\n\s+at /)
    const json = await sandbox.run(['state', 'show', '--json'], {env: {BATCH_SIZE: 'ten'}})
    expect(json.code).to.equal(2)
    expect(parseJson<{error: {code: string}}>(json).error.code).to.equal('ConfigError')
  })

  it('exits 127 for an unknown command', async () => {
    const result = await sandbox.run(['nonsense'])
    expect(result.code).to.equal(127)
  })

  it('logs each run to a daily JSON-lines file', async () => {
    await sandbox.run(['state', 'show'])
    const day = new Date().toISOString().slice(0, 10)
    const lines = readFileSync(join(sandbox.home, 'logs', `gladly-enterpret-${day}.log`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines.map((line) => line.msg)).to.deep.equal(['run start', 'run end'])
    expect(lines[1].data).to.include({exitCode: 0})
  })

  describe('state reset', () => {
    const stateFile = () => join(sandbox.home, 'state', 'default', 'state.json')
    const seed = () => {
      mkdirSync(join(sandbox.home, 'state', 'default'), {recursive: true})
      const state = {
        schemaVersion: 1,
        watermark: {updatedAt: '2026-11-20T00:00:00Z', jobIds: ['j1']},
        processedJobs: [
          {
            id: 'j1',
            updatedAt: '2026-11-20T00:00:00Z',
            windowStart: '2026-11-19T00:00:00Z',
            windowEnd: '2026-11-20T00:00:00Z',
            processedAt: '2026-11-20T01:00:00Z',
          },
        ],
        checkpoint: null,
        deadLetters: [],
        lastRun: null,
      }
      writeFileSync(stateFile(), JSON.stringify(state))
      return readFileSync(stateFile(), 'utf8')
    }

    it('refuses without confirmation when nobody can be asked', async () => {
      const before = seed()
      const result = await sandbox.run(['state', 'reset'])
      expect(result.code).to.equal(2)
      expect(result.stderr).to.include('Pass --yes')
      expect(readFileSync(stateFile(), 'utf8')).to.equal(before)
    })

    it('clears everything with --yes', async () => {
      seed()
      const result = await sandbox.run(['state', 'reset', '--yes', '--json'])
      expect(result.code).to.equal(0)
      expect(parseJson(result)).to.include({action: 'cleared', watermark: null})
      expect(existsSync(stateFile())).to.equal(false)
      const shown = parseJson<{exists: boolean; state: {watermark: unknown}}>(
        await sandbox.run(['state', 'show', '--json']),
      )
      expect(shown).to.deep.include({exists: false, state: {...shown.state, watermark: null}})
    })

    it('moves the watermark with --to', async () => {
      seed()
      const result = await sandbox.run(['state', 'reset', '--to', '2026-11-01', '--yes'])
      expect(result.code).to.equal(0)
      const state = JSON.parse(readFileSync(stateFile(), 'utf8'))
      expect(state.watermark).to.deep.equal({updatedAt: '2026-11-01T00:00:00.000Z', jobIds: []})
      expect(state.processedJobs).to.deep.equal([])
    })

    it('says that --to also sends again the conversations closed since that instant', async () => {
      const result = await sandbox.run(['state', 'reset', '--help'])
      expect(result.code).to.equal(0)
      const help = result.stdout.replace(/\s+/g, ' ')
      expect(help).to.include(
        '--to=<value> Move the watermark to this instant, and send again the conversations closed since',
      )
      expect(help).to.include(
        'forgets which conversations closed from that instant on were sent, so the next import sends them again',
      )
    })

    it('rejects a --to that is not a date, or in the future', async () => {
      const before = seed()
      expect((await sandbox.run(['state', 'reset', '--to', 'yesterday', '--yes'])).code).to.equal(2)
      expect((await sandbox.run(['state', 'reset', '--to', '2999-01-01', '--yes'])).code).to.equal(2)
      expect(readFileSync(stateFile(), 'utf8')).to.equal(before)
    })

    it('refuses while an import holds the lock', async () => {
      const before = seed()
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
      try {
        writeFileSync(
          join(sandbox.home, 'state', 'default', 'import.lock'),
          JSON.stringify({pid: holder.pid, host: hostname(), command: 'import', startedAt: new Date().toISOString()}),
        )
        const result = await sandbox.run(['state', 'reset', '--yes'])
        expect(result.code).to.equal(1)
        expect(result.stderr).to.include(`pid ${holder.pid}`)
        expect(readFileSync(stateFile(), 'utf8')).to.equal(before)
      } finally {
        holder.kill('SIGKILL')
      }
    })
  })
})
