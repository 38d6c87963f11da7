import {expect} from 'chai'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, startFakes, type Fakes} from '../helpers/e2e.js'

const FORMS =
  'a date such as 2026-11-20 (its start, UTC) or a date-time such as 2026-11-20T06:00, 2026-11-20T06:00:00Z or 2026-11-20T06:00:00.5+01:00 (UTC unless it has an offset)'

/** The error lines of a run: the usage error must be one. */
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('Error'))

describe('dates given to the CLI', function () {
  this.timeout(120_000)
  let sandbox: Sandbox
  let fakes: Fakes
  let fakeNow: Date
  beforeEach(async () => {
    sandbox = createSandbox()
    fakeNow = new Date(Date.now() - DAY_MS)
    fakes = await startFakes({
      now: fakeNow,
      dataset: {seed: 5, conversations: 40, days: 30, edgeCases: false},
      reportRateLimit: {perMinute: 600, concurrent: 2},
    })
  })
  afterEach(async () => {
    await fakes.close()
    sandbox.cleanup()
  })

  const stateFile = () => join(sandbox.home, 'state', 'default', 'state.json')
  const seedState = () => {
    mkdirSync(join(sandbox.home, 'state', 'default'), {recursive: true})
    writeFileSync(
      stateFile(),
      JSON.stringify({
        schemaVersion: 1,
        watermark: {updatedAt: '2026-11-20T00:00:00Z', jobIds: ['j1']},
        processedJobs: [],
        checkpoint: null,
        deadLetters: [],
        lastRun: null,
      }),
    )
    return readFileSync(stateFile(), 'utf8')
  }
  const nothingSent = () => {
    expect(fakes.gladly.stats.total, 'requests to Gladly').to.equal(0)
    expect(fakes.enterpret.requests.length, 'requests to Enterpret').to.equal(0)
  }

  it('state reset --to 2026-11-31 exits 2 with one line naming --to, the value and the forms; the state is unchanged', async () => {
    const before = seedState()
    const result = await sandbox.run(['state', 'reset', '--to', '2026-11-31', '--yes'])
    expect(result.code).to.equal(2)
    expect(errorLines(result.stderr)).to.deep.equal([
      `Error: --to must be ${FORMS}, got '2026-11-31', which does not exist (2026-11 has 30 days).`,
    ])
    expect(readFileSync(stateFile(), 'utf8')).to.equal(before)
  })

  it('dry-run --start-date 2026-02-30 exits 2 before any request, naming the flag', async () => {
    const result = await sandbox.run(['dry-run', '--start-date', '2026-02-30'], {env: fakes.env()})
    expect(result.code).to.equal(2)
    expect(errorLines(result.stderr)).to.deep.equal([
      `Error: --start-date must be ${FORMS}, got '2026-02-30', which does not exist (2026-02 has 28 days).`,
    ])
    nothingSent()
  })

  it('import refuses an impossible --end-date or hour the same way, before any request', async () => {
    for (const args of [
      ['--end-date', '2026-11-31'],
      ['--start-date', '2026-11-20T25:00'],
      ['--start-date', '2026-11-20', '--end-date', '2026-13-01'],
    ]) {
      const result = await sandbox.run(['import', ...args], {env: fakes.env()})
      expect(result.code, args.join(' ')).to.equal(2)
      expect(errorLines(result.stderr), args.join(' ')).to.have.length(1)
      expect(result.stderr).to.include(`got '${args.at(-1)}', which does not exist`)
    }
    nothingSent()
  })

  it('--full with --start-date names the date as given, not as a JavaScript Date', async () => {
    const result = await sandbox.run(['dry-run', '--full', '--start-date', '2026-11-20'], {env: fakes.env()})
    expect(result.code).to.equal(2)
    expect(result.stderr).to.include('--start-date=2026-11-20 cannot also be provided when using --full')
    expect(result.stderr).not.to.match(/GMT|Coordinated Universal Time/)
    nothingSent()
  })

  it('reads a bare date and a bare date-time as UTC for --start-date and for state reset --to alike', async () => {
    // Tokyo is 9 hours ahead: a flag read in local time would land on the day before.
    const env = {...fakes.env({GLADLY_REPORTS_PER_MINUTE: '600'}), TZ: 'Asia/Tokyo'}
    const day = new Date(fakeNow.getTime() - 20 * DAY_MS).toISOString().slice(0, 10)
    const dayAfter = new Date(Date.parse(day) + DAY_MS).toISOString().slice(0, 10)
    for (const [given, meant] of [
      [day, `${day}T00:00:00.000Z`],
      [`${day}T03:00`, `${day}T03:00:00.000Z`],
    ] as const) {
      const reset = await sandbox.run(['state', 'reset', '--to', given, '--yes', '--json'], {env})
      expect(reset.code, reset.stderr).to.equal(0)
      expect(parseJson(reset), `--to ${given}`).to.include({watermark: meant})

      const output = join(sandbox.dir, 'out.ndjson')
      const dry = await sandbox.run(
        ['dry-run', '--start-date', given, '--end-date', dayAfter, '--output', output, '--json'],
        {env},
      )
      expect(dry.code, dry.stderr).to.equal(0)
      expect(parseJson<RunSummary>(dry).backfill.from, `--start-date ${given}`).to.equal(day)
    }
  })
})
