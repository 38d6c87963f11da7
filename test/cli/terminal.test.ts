import {expect} from 'chai'
import {DAY_MS, expectedConversationIds, fakesForEachTest} from '../helpers/e2e.js'
import {startOnPty} from '../helpers/pty.js'
import {startInTmux, type TmuxSession} from '../helpers/tmux.js'

describe('state reset at a terminal, while an import wants to run', function () {
  this.timeout(120_000)
  const context = fakesForEachTest({now: new Date(Date.now() - DAY_MS), dataset: {seed: 4, conversations: 8, days: 2}})

  it('holds the lock from its prompt to the end: the import refused meanwhile, the reset not undone', async () => {
    const {sandbox, fakes} = context
    const first = await sandbox.run(['import'], {env: fakes.env()})
    expect(first.code, first.stderr).to.equal(0)
    const sent = expectedConversationIds(fakes.gladly).length

    const reset = startOnPty(['state', 'reset'], {...sandbox.env, ...fakes.env()})
    await reset.waitFor(/This will forget everything profile default imported\. Continue\?/)

    const meanwhile = await sandbox.run(['import'], {env: fakes.env()})
    expect(meanwhile.code, meanwhile.stderr).to.equal(1)
    expect(meanwhile.stderr).to.match(/state reset/)
    expect(fakes.enterpret.records.size).to.equal(sent)

    reset.type('y\r')
    expect(await reset.exited, reset.screen()).to.equal(0)
    expect(reset.screen()).to.include('State of profile default cleared (the users sent too).')

    // Cleared for good: the next import reads every job again (Enterpret skips the ids it has).
    const after = await sandbox.run(['import', '--json'], {env: fakes.env()})
    expect(after.code, after.stderr).to.equal(0)
    expect((JSON.parse(after.stdout) as {conversations: {sent: number}}).conversations.sent).to.equal(sent)
  })

  it('changes nothing when the answer is no', async () => {
    const {sandbox, fakes} = context
    expect((await sandbox.run(['import'], {env: fakes.env()})).code).to.equal(0)
    // The state as state show reports it, less the figures that age with the clock.
    const shown = async () => {
      const report = JSON.parse((await sandbox.run(['state', 'show', '--json'], {env: fakes.env()})).stdout) as {
        metrics: Record<string, unknown>
      }
      delete report.metrics['watermarkAgeSeconds']
      delete report.metrics['exportWindowHeadroomSeconds']
      return report
    }
    const before = await shown()

    const reset = startOnPty(['state', 'reset'], {...sandbox.env, ...fakes.env()})
    await reset.waitFor(/Continue\?/)
    reset.type('n\r')
    const code = await reset.exited
    expect(code, reset.screen()).not.to.equal(0)
    expect(await shown()).to.deep.equal(before)
  })
})

describe('import and dry-run on a terminal', function () {
  this.timeout(120_000)
  const context = fakesForEachTest({now: new Date(Date.now() - DAY_MS), dataset: {seed: 2, conversations: 60, days: 3}})
  let session: TmuxSession | undefined
  afterEach(() => session?.close())

  const STATUS = /conversations · [\d.]+\/s · ETA/
  const isStatus = (line: string) => STATUS.test(line)

  it('shows live totals and an ETA below the log lines, never glued to them, and leaves a clean screen', async () => {
    const {sandbox, fakes} = context
    // Slow enough to watch: a few requests a second.
    session = startInTmux(sandbox.dir, ['import'], {...sandbox.env, ...fakes.env({GLADLY_MAX_RPS: '8'})})
    const screens = await session.watch(() => session?.exitCode() !== undefined, 90_000)
    expect(session.exitCode(), screens.at(-1)?.join('\n')).to.equal(0)

    const statusLines = screens.flatMap((screen) => screen.filter(isStatus))
    expect(statusLines.length, 'a status was shown').to.be.greaterThan(0)
    // It moved: several different counts and estimates on the way.
    const counts = new Set(statusLines.map((line) => /(\d+)\/~?\d+ conversations/.exec(line)?.[1]))
    expect(counts.size).to.be.greaterThan(2)
    expect(new Set(statusLines.map((line) => /ETA (\S+)/.exec(line)?.[1])).size).to.be.greaterThan(1)
    expect(
      statusLines.some((line) => /ETA ~?\d/.test(line)),
      'an ETA in time units',
    ).to.equal(true)

    for (const screen of screens) {
      for (const line of screen) {
        // A status line is only ever a status line; a log line never carries a piece of one.
        if (line.includes('█') || line.includes('░')) expect(line, 'status glued to something').to.match(/^ [█░]+ \d+%/)
        if (/^ unit \d+ of \d+/.test(line)) expect(line).not.to.match(/[ℹ⚠✔✖]/)
      }
    }
    const last = session.screen()
    expect(last.some(isStatus), 'the status is gone at the end').to.equal(false)
    expect(last.join('\n')).to.match(/Import of profile default finished/)
    expect(fakes.enterpret.records.size).to.equal(expectedConversationIds(fakes.gladly).length)
  })

  it('previews a dry run record by record on a terminal instead of raw JSON', async () => {
    const {sandbox, fakes} = context
    session = startInTmux(sandbox.dir, ['dry-run', '--limit', '5'], {...sandbox.env, ...fakes.env()})
    await session.watch(() => session?.exitCode() !== undefined, 60_000)
    const screen = session.screen()
    expect(session.exitCode(), screen.join('\n')).to.equal(0)
    const headers = screen.filter((line) => /^gladly_\S+ · .+ · \d+ message\(s\) · created \d{4}-/.test(line))
    expect(headers).to.have.length(5)
    expect(
      screen.some((line) => /^ {2}(user|agent|bot) +\S/.test(line)),
      'first messages shown',
    ).to.equal(true)
    expect(screen.join('\n')).not.to.include('{"records"')
    expect(fakes.enterpret.records.size).to.equal(0)
  })

  it('writes the exact NDJSON when stdout is not a terminal', async () => {
    const {sandbox, fakes} = context
    const result = await sandbox.run(['dry-run', '--limit', '2'], {env: fakes.env()})
    expect(result.code, result.stderr).to.equal(0)
    const bodies = result.stdout.trim().split('\n')
    for (const body of bodies) expect(JSON.parse(body)).to.have.property('records')
  })
})
