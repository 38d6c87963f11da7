import {expect} from 'chai'
import {DAY_MS, expectedConversationIds, fakesForEachTest} from '../helpers/e2e.js'
import {startOnPty} from '../helpers/pty.js'

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
    expect(reset.screen()).to.include('State of profile default cleared.')

    // Cleared for good: the next import reads every job again (Enterpret skips the ids it has).
    const after = await sandbox.run(['import', '--json'], {env: fakes.env()})
    expect(after.code, after.stderr).to.equal(0)
    expect((JSON.parse(after.stdout) as {conversations: {sent: number}}).conversations.sent).to.equal(sent)
  })

  it('changes nothing when the answer is no', async () => {
    const {sandbox, fakes} = context
    expect((await sandbox.run(['import'], {env: fakes.env()})).code).to.equal(0)
    const before = (await sandbox.run(['state', 'show', '--json'], {env: fakes.env()})).stdout

    const reset = startOnPty(['state', 'reset'], {...sandbox.env, ...fakes.env()})
    await reset.waitFor(/Continue\?/)
    reset.type('n\r')
    const code = await reset.exited
    expect(code, reset.screen()).not.to.equal(0)
    expect((await sandbox.run(['state', 'show', '--json'], {env: fakes.env()})).stdout).to.equal(before)
  })
})
