import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import type {DoctorReport} from '../../src/lib/health/index.js'
import {parseJson} from '../helpers/cli.js'
import {DAY_MS, expectedConversationIds, fakesForEachTest} from '../helpers/e2e.js'

describe('doctor, through the built CLI', function () {
  this.timeout(120_000)
  const context = fakesForEachTest({
    now: new Date(Date.now() - 3 * DAY_MS),
    dataset: {seed: 3, conversations: 16, days: 4},
  })

  const doctor = (args: string[] = [], extra: Record<string, string> = {}) =>
    context.sandbox.run(['doctor', ...args], {env: context.fakes.env(extra)})
  const lines = (stdout: string) => stdout.trimEnd().split('\n')
  const line = (stdout: string, check: string) =>
    lines(stdout).find((text) => new RegExp(`^[✔✖] ${check} +`).test(text)) ?? `(no line for ${check})`
  const profileDir = () => join(context.sandbox.home, 'state', 'default')

  it('on a healthy profile: one ✔ line per finding, exit 0', async () => {
    const imported = await context.sandbox.run(['import'], {env: context.fakes.env()})
    expect(imported.code, imported.stderr).to.equal(0)
    // The fake Gladly's clock is 3 days behind: its newest job is that old.
    const result = await doctor(['--max-watermark-age', '120'])
    expect(result.code, result.stdout + result.stderr).to.equal(0)
    expect(lines(result.stdout).map((text) => text.slice(0, 2).trim())).to.deep.equal(Array(10).fill('✔'))
    expect(line(result.stdout, 'credentials'))
      .to.include('GLADLY_API_TOKEN from env')
      .and.include('ENTERPRET_API_KEY from env')
    expect(line(result.stdout, 'gladly')).to.match(/organization ".+"/)
    expect(line(result.stdout, 'enterpret')).to.include('the API key was accepted')
    expect(line(result.stdout, 'enterpret-users')).to.include('not set: customers are not sent as users')
    expect(line(result.stdout, 'lock')).to.match(/lock +free$/)
    expect(line(result.stdout, 'state')).to.match(/readable$/)
    expect(line(result.stdout, 'watermark')).to.match(/h old \(threshold 120 h\); 1\d\.\d days before Gladly deletes/)
    expect(line(result.stdout, 'dead letters')).to.match(/none$/)
    expect(line(result.stdout, 'quarantine')).to.match(/none$/)
    expect(line(result.stdout, 'last import')).to.match(/success \(exit 0\) at .*; last success /)
    expect(result.stdout + result.stderr).not.to.include(context.fakes.env()['ENTERPRET_API_KEY'] as string)
  })

  it('names what is wrong: a stale watermark and a dead letter after a partial run, exit 1', async () => {
    const poison = expectedConversationIds(context.fakes.gladly)[1] as string
    context.fakes.enterpret.configure({poisonIds: [`gladly_${poison}`]})
    const imported = await context.sandbox.run(['import'], {env: context.fakes.env()})
    expect(imported.code, imported.stderr).to.equal(3)
    const result = await doctor(['--max-watermark-age', '24', '--json'])
    expect(result.code).to.equal(1)
    const report = parseJson<DoctorReport>(result)
    const failing = report.findings.filter((finding) => !finding.ok).map((finding) => finding.check)
    expect(failing).to.deep.equal(['watermark', 'dead letters'])
    expect(report.findings.find((finding) => finding.check === 'dead letters')?.detail).to.match(/^1 record\(s\)/)
    expect(report.metrics.deadLetters).to.equal(1)
    expect(report.ok).to.equal(false)
  })

  it('on a broken setup: missing key, Gladly out of reach, a damaged state; a running import is no fault', async () => {
    const imported = await context.sandbox.run(['import'], {env: context.fakes.env()})
    expect(imported.code, imported.stderr).to.equal(0)
    writeFileSync(join(profileDir(), 'state.json'), '{"schemaVersion": 1, "watermark": ')
    const now = new Date().toISOString()
    writeFileSync(
      join(profileDir(), 'import.lock'),
      JSON.stringify({pid: process.pid, host: hostname(), command: 'import', startedAt: now, refreshedAt: now}),
    )
    const result = await doctor([], {GLADLY_API_URL: 'http://127.0.0.1:9', MAX_RETRIES: '0', ENTERPRET_API_KEY: ''})
    expect(result.code, result.stderr).to.equal(1)
    expect(line(result.stdout, 'credentials')).to.match(
      /^✖ .*ENTERPRET_API_KEY is not set; run gladly-enterpret auth login/,
    )
    expect(line(result.stdout, 'gladly')).to.match(/^✖ /)
    expect(line(result.stdout, 'enterpret')).to.match(/^✖ .*not checked: ENTERPRET_API_KEY is not set/)
    expect(line(result.stdout, 'lock')).to.match(
      new RegExp(`^✔ lock +held by a running import: pid ${process.pid} on `),
    )
    expect(line(result.stdout, 'state')).to.match(
      /^✖ state +The state file .*state\.json is unreadable \(not valid JSON\)/,
    )
    // The last import's record outlives the damaged state.
    expect(line(result.stdout, 'last import')).to.match(/^✔ last import +success \(exit 0\)/)
  })

  it('with no import yet and --offline: the watermark is the only finding, the services are not contacted', async () => {
    const result = await doctor(['--offline'])
    expect(result.code).to.equal(1)
    expect(line(result.stdout, 'gladly')).to.match(/^✔ gladly +not checked \(--offline\)/)
    expect(line(result.stdout, 'watermark')).to.match(/^✖ watermark +none: no import has completed yet/)
    expect(lines(result.stdout).filter((text) => text.startsWith('✖'))).to.have.length(1)
    expect(context.fakes.gladly.stats.total).to.equal(0)
  })
})
