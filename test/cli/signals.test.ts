import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {LEASE_STALE_MS} from '../../src/lib/state/index.js'
import {CLI, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, expectedConversationIds, fakesForEachTest} from '../helpers/e2e.js'

/** Waits for a condition the child makes true (a line it prints, a file it writes), checking every few ms. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

/** The CLI as a child whose stderr is kept, for tests that signal it. */
function startCli(sandbox: Sandbox, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: sandbox.dir,
    env: {...sandbox.env, ...env} as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal})),
  )
  return {child, exited, stderr: () => stderr}
}

describe('import stopped by a signal, end to end', function () {
  this.timeout(180_000)
  const context = fakesForEachTest({
    now: new Date(Date.now() - 2 * DAY_MS),
    dataset: {seed: 5, conversations: 40, days: 5},
  })

  const lockFile = () => join(context.sandbox.home, 'state', 'default', 'import.lock')
  const delivered = () => [...context.fakes.enterpret.records.keys()].sort()
  const expected = () =>
    expectedConversationIds(context.fakes.gladly)
      .map((id) => `gladly_${id}`)
      .sort()

  it('on SIGTERM finishes the batch in flight, releases the lock, exits 143, and the next run completes the job', async () => {
    const batchSize = 4
    const env = context.fakes.env({BATCH_SIZE: String(batchSize)})
    const run = startCli(context.sandbox, ['import'], env)
    let answered = 0
    context.fakes.enterpret.configure({
      latencyMs: 50,
      // After the second batch is answered: mid-job, with conversations still to go (the probe before carries none).
      onRequest: ({recordCount}) => {
        if (recordCount && ++answered === 2) run.child.kill('SIGTERM')
      },
    })
    const {code} = await run.exited
    expect(code, run.stderr()).to.equal(143)
    expect(run.stderr()).to.include('SIGTERM received: taking no new conversation')
    expect(run.stderr()).to.match(
      /stopped \(SIGTERM received; the next import (resumes export job \S+ where this one stopped|starts with export job \S+)\)/,
    )
    expect(existsSync(lockFile()), 'lock released').to.equal(false)
    expect(delivered().length).to.be.greaterThan(0).and.lessThan(expected().length)

    context.fakes.enterpret.configure({latencyMs: 0, onRequest: undefined})
    const rest = await context.sandbox.run(['import', '--json'], {env})
    expect(rest.code, rest.stderr).to.equal(0)
    expect(parseJson<RunSummary>(rest).stopped).to.equal(undefined)
    expect(delivered()).to.deep.equal(expected())
    const resent = [...context.fakes.enterpret.records.values()].reduce((sum, stored) => sum + stored.duplicates, 0)
    expect(resent, 'at most the batch in flight is sent again').to.be.at.most(batchSize)
  })

  it('exits at once on a second signal, lock released, and loses nothing', async () => {
    const env = context.fakes.env({BATCH_SIZE: '4'})
    const run = startCli(context.sandbox, ['import'], env)
    let answered = 0
    context.fakes.enterpret.configure({
      // Slow answers: the batch after the first is still in flight when both signals arrive.
      latencyMs: 2000,
      onRequest: ({recordCount}) => {
        if (recordCount && ++answered === 1) run.child.kill('SIGINT')
      },
    })
    // The second signal once the first is taken (two at once may reach the process as one).
    await until(() => run.stderr().includes('SIGINT received'))
    run.child.kill('SIGINT')
    const {code} = await run.exited
    expect(code, run.stderr()).to.equal(130)
    expect(run.stderr()).to.include('SIGINT again: stopping now')
    expect(existsSync(lockFile()), 'lock released').to.equal(false)

    context.fakes.enterpret.configure({latencyMs: 0, onRequest: undefined})
    const rest = await context.sandbox.run(['import'], {env})
    expect(rest.code, rest.stderr).to.equal(0)
    expect(delivered()).to.deep.equal(expected())
  })

  it('takes over the lock of a container that is gone once its lease is stale, and refuses while it is fresh', async () => {
    const writeLock = (refreshedMsAgo: number) => {
      mkdirSync(join(context.sandbox.home, 'state', 'default'), {recursive: true})
      const at = (ms: number) => new Date(Date.now() - ms).toISOString()
      writeFileSync(
        lockFile(),
        JSON.stringify({
          pid: 1,
          host: 'importer-7d9f-old',
          command: 'import',
          startedAt: at(3_600_000),
          refreshedAt: at(refreshedMsAgo),
        }),
      )
    }
    writeLock(5000)
    const refused = await context.sandbox.run(['import'], {env: context.fakes.env()})
    expect(refused.code).to.equal(1)
    expect(refused.stderr).to.match(
      /Another import is running for this profile: pid 1 on importer-7d9f-old \(import, since .*, lease renewed \d+ s ago\)/,
    )
    expect(context.fakes.enterpret.records.size).to.equal(0)

    writeLock(LEASE_STALE_MS + 5000)
    const taken = await context.sandbox.run(['import'], {env: context.fakes.env()})
    expect(taken.code, taken.stderr).to.equal(0)
    expect(taken.stderr).to.include('Took over the lock of an import that is gone (pid 1 on importer-7d9f-old')
    expect(delivered()).to.deep.equal(expected())
    expect(existsSync(lockFile())).to.equal(false)
  })

  it('removes a dry run’s scratch folder of export files when stopped', async () => {
    const tmp = join(context.sandbox.dir, 'tmp')
    mkdirSync(tmp)
    context.fakes.gladly.configure({latencyMs: 100})
    const run = startCli(context.sandbox, ['dry-run', '--output', join(context.sandbox.dir, 'out.ndjson')], {
      // Paced so that it is still reading when stopped.
      ...context.fakes.env({GLADLY_MAX_RPS: '4'}),
      TMPDIR: tmp,
    })
    // The scratch folder appears once the run has started reading export jobs.
    await until(() => readdirSync(tmp).length > 0)
    run.child.kill('SIGTERM')
    await until(() => run.stderr().includes('SIGTERM received'))
    run.child.kill('SIGTERM')
    const {code} = await run.exited
    expect(code, run.stderr()).to.equal(143)
    expect(readdirSync(tmp), 'no export file left behind').to.deep.equal([])
  })
})
