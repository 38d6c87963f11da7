import {expect} from 'chai'
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, expectedConversationIds, startFakes, type Fakes} from '../helpers/e2e.js'
import {scrape} from '../helpers/prometheus.js'
import {startFakePushgateway, startStatsdReceiver} from '../fakes/metrics-sinks.js'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import type {Figures} from '../../src/lib/metrics/index.js'

const P = 'gladly_enterpret_'

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error(`gave up waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('metrics of every import, through the built CLI', function () {
  this.timeout(120_000)
  let fakes: Fakes
  let sandbox: Sandbox
  let textfile: string

  beforeEach(async () => {
    sandbox = createSandbox()
    fakes = await startFakes({now: new Date(Date.now() - 3 * DAY_MS), dataset: {seed: 5, conversations: 24, days: 4}})
    mkdirSync(join(sandbox.dir, 'textfile_collector'))
    textfile = join(sandbox.dir, 'textfile_collector', 'gladly-enterpret.prom')
  })
  afterEach(async () => {
    await fakes.close()
    sandbox.cleanup()
  })

  const runImport = async (extra: Record<string, string> = {}) => {
    const result = await sandbox.run(['import', '--json'], {env: fakes.env({METRICS_TEXTFILE: textfile, ...extra})})
    return {result, summary: result.code === 0 || result.code === 3 ? parseJson<RunSummary>(result) : undefined}
  }
  const stateShow = async () => parseJson<{metrics: Figures}>(await sandbox.run(['state', 'show', '--json']))

  it('after a successful run: the textfile (mode 644), the Pushgateway and StatsD carry the same figures', async () => {
    const gateway = await startFakePushgateway()
    const statsd = await startStatsdReceiver()
    try {
      const {result, summary} = await runImport({METRICS_PUSHGATEWAY_URL: gateway.url, METRICS_STATSD: statsd.address})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).not.to.include('metrics could not be sent')
      const run = summary as RunSummary
      expect(run.conversations.sent).to.equal(expectedConversationIds(fakes.gladly).length)

      expect(statSync(textfile).mode & 0o777).to.equal(0o644)
      const metrics = scrape(readFileSync(textfile, 'utf8'))
      const profile = {profile: 'default'}
      expect(metrics.value(`${P}last_run_outcome`, {...profile, outcome: 'success'})).to.equal(1)
      for (const other of ['partial', 'failure', 'config_error', 'interrupted'])
        expect(metrics.value(`${P}last_run_outcome`, {outcome: other})).to.equal(0)
      expect(metrics.value(`${P}last_run_exit_code`)).to.equal(0)
      // The command's whole run: from before the summary's start (settings, checks) to after its end.
      expect(metrics.value(`${P}last_run_start_timestamp_seconds`)).to.be.at.most(Date.parse(run.startedAt) / 1000)
      const end = metrics.value(`${P}last_run_end_timestamp_seconds`)
      expect(end).to.be.at.least(Date.parse(run.finishedAt) / 1000)
      expect(metrics.value(`${P}last_success_timestamp_seconds`)).to.equal(end)
      expect(metrics.value(`${P}last_run_duration_seconds`)).to.be.closeTo(
        end - metrics.value(`${P}last_run_start_timestamp_seconds`),
        0.001,
      )
      expect(metrics.value(`${P}last_run_conversations`, {result: 'sent'})).to.equal(run.conversations.sent)
      expect(metrics.value(`${P}last_run_conversations`, {result: 'kept_open'})).to.equal(run.conversations.keptOpen)
      expect(metrics.value(`${P}last_run_conversations`, {result: 'failed'})).to.equal(0)
      expect(metrics.value(`${P}last_run_conversations`, {result: 'quarantined'})).to.equal(0)
      expect(metrics.value(`${P}last_run_messages`)).to.equal(run.messages)
      expect(metrics.value(`${P}last_run_requests`, {api: 'gladly'})).to.equal(run.gladly.requests)
      expect(metrics.value(`${P}last_run_requests`, {api: 'enterpret'})).to.equal(run.enterpret.requests)
      expect(metrics.value(`${P}last_run_rate_limited`, {api: 'gladly'})).to.equal(run.gladly.rateLimited)
      expect(metrics.value(`${P}dead_letters`)).to.equal(0)
      expect(metrics.value(`${P}quarantined_conversations`)).to.equal(0)
      const watermark = Date.parse(run.watermark as string) / 1000
      expect(metrics.value(`${P}watermark_timestamp_seconds`)).to.equal(watermark)
      // The fake's clock is 3 days behind: the newest job it has is at least that old.
      const age = metrics.value(`${P}watermark_age_seconds`)
      expect(age).to.be.closeTo(end - watermark, 1)
      expect(age).to.be.greaterThan(3 * 86_400 - 60)
      expect(metrics.value(`${P}export_window_headroom_seconds`)).to.be.closeTo(14 * 86_400 - age, 1)

      // The Pushgateway got the same text, in the profile's own group, replacing it (PUT).
      expect(gateway.pushes.map(({method, path}) => `${method} ${path}`)).to.deep.equal([
        'PUT /metrics/job/gladly-enterpret/profile/default',
      ])
      const pushed = scrape(gateway.pushes[0]?.body ?? '')
      expect(pushed.names().sort()).to.deep.equal(metrics.names().sort())
      expect(pushed.value(`${P}last_run_conversations`, {result: 'sent'})).to.equal(run.conversations.sent)

      // StatsD: DogStatsD gauges, the labels as tags.
      const sentLine = `gladly_enterpret.last_run_conversations:${run.conversations.sent}|g|#profile:default,result:sent`
      await until(() => statsd.lines.includes(sentLine), sentLine)
      expect(statsd.lines).to.include('gladly_enterpret.dead_letters:0|g|#profile:default')
      expect(statsd.lines).to.include('gladly_enterpret.last_run_outcome:1|g|#profile:default,outcome:success')

      // state show --json: the same figures.
      const shown = (await stateShow()).metrics
      expect(shown.lastRun?.outcome).to.equal('success')
      expect(Date.parse(shown.lastSuccessAt as string) / 1000).to.equal(end)
      expect(shown.conversations['sent']).to.equal(run.conversations.sent)
      expect(shown.deadLetters).to.equal(0)
      expect(shown.watermark).to.equal(run.watermark)
      expect(shown.exportWindowHeadroomSeconds).to.be.a('number')
    } finally {
      await gateway.close()
      await statsd.close()
    }
  })

  it('after a partial run (exit 3): outcome partial, the dead letter counted, and it still counts as a success', async () => {
    const poison = expectedConversationIds(fakes.gladly)[2] as string
    fakes.enterpret.configure({poisonIds: [`gladly_${poison}`]})
    const {result, summary} = await runImport()
    expect(result.code, result.stderr).to.equal(3)
    const metrics = scrape(readFileSync(textfile, 'utf8'))
    expect(metrics.value(`${P}last_run_outcome`, {outcome: 'partial'})).to.equal(1)
    expect(metrics.value(`${P}last_run_outcome`, {outcome: 'success'})).to.equal(0)
    expect(metrics.value(`${P}last_run_exit_code`)).to.equal(3)
    expect(metrics.value(`${P}dead_letters`)).to.equal(1)
    expect(metrics.value(`${P}last_run_conversations`, {result: 'failed'})).to.equal(1)
    expect(metrics.value(`${P}last_run_conversations`, {result: 'sent'})).to.equal(summary?.conversations.sent)
    expect(metrics.value(`${P}last_success_timestamp_seconds`)).to.equal(
      metrics.value(`${P}last_run_end_timestamp_seconds`),
    )
  })

  it('after a failed run (exit 1): outcome failure, the last success kept from the run before, the state still read', async () => {
    const first = await runImport()
    expect(first.result.code, first.result.stderr).to.equal(0)
    const before = scrape(readFileSync(textfile, 'utf8'))
    // Gladly out of reach: the run fails before it has a summary.
    const failed = await runImport({GLADLY_API_URL: 'http://127.0.0.1:9', MAX_RETRIES: '1'})
    expect(failed.result.code, failed.result.stderr).to.equal(1)
    const after = scrape(readFileSync(textfile, 'utf8'))
    expect(after.value(`${P}last_run_outcome`, {outcome: 'failure'})).to.equal(1)
    expect(after.value(`${P}last_run_exit_code`)).to.equal(1)
    expect(after.value(`${P}last_run_end_timestamp_seconds`)).to.be.greaterThan(
      before.value(`${P}last_run_end_timestamp_seconds`),
    )
    expect(after.value(`${P}last_success_timestamp_seconds`)).to.equal(
      before.value(`${P}last_success_timestamp_seconds`),
    )
    expect(after.value(`${P}last_run_conversations`, {result: 'sent'})).to.equal(0)
    expect(after.value(`${P}watermark_timestamp_seconds`)).to.equal(before.value(`${P}watermark_timestamp_seconds`))
    expect(after.value(`${P}dead_letters`)).to.equal(0)
    expect((await stateShow()).metrics.lastRun?.outcome).to.equal('failure')
  })

  it('after a run stopped by SIGTERM (exit 143): outcome interrupted, sent when the batch in flight is done', async () => {
    const child = sandbox.start(['import'], {env: fakes.env({METRICS_TEXTFILE: textfile, BATCH_SIZE: '4'})})
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    let answered = 0
    fakes.enterpret.configure({
      latencyMs: 50,
      onRequest: ({recordCount}) => {
        if (recordCount && ++answered === 2) child.kill('SIGTERM')
      },
    })
    expect(await exited).to.equal(143)
    const metrics = scrape(readFileSync(textfile, 'utf8'))
    expect(metrics.value(`${P}last_run_outcome`, {outcome: 'interrupted'})).to.equal(1)
    expect(metrics.value(`${P}last_run_exit_code`)).to.equal(143)
    const sent = metrics.value(`${P}last_run_conversations`, {result: 'sent'})
    expect(sent).to.be.greaterThan(0).and.equal(fakes.enterpret.records.size)
    expect(metrics.has(`${P}last_success_timestamp_seconds`), 'never succeeded').to.equal(false)
  })

  it('a metrics sink that is down costs one warning each, never the import', async () => {
    const gateway = await startFakePushgateway(503)
    const blocker = join(sandbox.dir, 'not-a-folder')
    writeFileSync(blocker, '')
    try {
      const {result} = await runImport({
        METRICS_TEXTFILE: join(blocker, 'gladly-enterpret.prom'),
        METRICS_PUSHGATEWAY_URL: gateway.url.replace('http://', 'http://ops:test-not-a-real-password@'),
        METRICS_STATSD: 'statsd.invalid:8125',
      })
      expect(result.code, result.stderr).to.equal(0)
      const warnings = result.stderr.split('\n').filter((line) => line.includes('metrics could not be sent'))
      expect(warnings).to.have.length(3)
      expect(warnings[0]).to.include(`the metrics textfile ${join(blocker, 'gladly-enterpret.prom')}`)
      expect(warnings[1]).to.include(`the Pushgateway at ${gateway.url}/`).and.include('503')
      expect(warnings[2]).to.include('StatsD at statsd.invalid:8125')
      expect(result.stderr).not.to.include('test-not-a-real-password')
    } finally {
      await gateway.close()
    }
  })
})
