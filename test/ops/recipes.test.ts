import {validateWorkflow} from '@action-validator/core'
import {expect} from 'chai'
import {CronExpressionParser} from 'cron-parser'
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {hostname} from 'node:os'
import {dirname, join} from 'node:path'
import {validate as lintDockerfile} from 'dockerfile-utils'
import {DockerfileParser} from 'dockerfile-ast'
import {CronJob} from 'kubernetes-models/batch/v1/CronJob'
import {PersistentVolumeClaim} from 'kubernetes-models/v1/PersistentVolumeClaim'
import YAML from 'yaml'
import {STOP_GRACE_MS} from '../../src/stop-on-signal.js'
import {figuresOf} from '../../src/lib/metrics/figures.js'
import {samplesOf} from '../../src/lib/metrics/samples.js'
import {recordOf} from '../../src/lib/metrics/record.js'
import {EMPTY_STATE} from '../../src/lib/state/index.js'
import {LAUNCHER, PROJECT_ROOT, type CliResult} from '../helpers/cli.js'
import {DAY_MS, fakesForEachTest} from '../helpers/e2e.js'
import {opsTool} from '../helpers/ops-tools.js'
import {scrape} from '../helpers/prometheus.js'
import {startFakePushgateway} from '../fakes/metrics-sinks.js'

const DEPLOY = join(PROJECT_ROOT, 'deploy')
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8')
/** What a scheduler must allow after SIGTERM: the import's grace period, then a few seconds for its metrics. */
const EXPECTED_STOP_SECONDS = STOP_GRACE_MS / 1000 + 5
const NODE_EXPORTER_DIR = '/var/lib/prometheus/node-exporter'

/** A PATH folder where `gladly-enterpret` is this checkout's npm launcher and `node` this test's node. */
function launcherPath(dir: string): string {
  const bin = join(dir, 'bin')
  mkdirSync(bin, {recursive: true})
  symlinkSync(LAUNCHER, join(bin, 'gladly-enterpret'))
  symlinkSync(process.execPath, join(bin, 'node'))
  return bin
}

/** For the checking tools only: a synchronous child blocks this process, and with it the fake services it runs. */
function runTool(file: string, args: string[], env: Record<string, string | undefined>, cwd: string): CliResult {
  const result = spawnSync(file, args, {
    cwd,
    env: Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 90_000,
  })
  return {code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr}
}

describe('operations recipes (deploy/), each checked and run as far as this machine allows', function () {
  this.timeout(120_000)
  const context = fakesForEachTest({
    now: new Date(Date.now() - 2 * DAY_MS),
    dataset: {seed: 7, conversations: 10, days: 3},
  })

  /** The machine's environment for a recipe's command: the sandbox, the fake services' credentials, the launcher. */
  const machineEnv = (extra: Record<string, string> = {}) => ({
    ...context.sandbox.env,
    ...context.fakes.env(),
    ...extra,
  })

  describe('cron', () => {
    const crontab = read('deploy/cron/gladly-enterpret.crontab')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    const variables = Object.fromEntries(
      crontab
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
    )
    const jobs = crontab.filter((line) => !/^[A-Z_]+=/.test(line))

    it('one hourly job, its schedule valid', () => {
      expect(jobs).to.have.length(1)
      const schedule = (jobs[0] as string).split(/\s+/).slice(0, 5).join(' ')
      const next = CronExpressionParser.parse(schedule, {currentDate: new Date('2026-12-01T10:00:00Z'), tz: 'UTC'})
      expect(next.next().toISOString()).to.equal('2026-12-01T10:17:00.000Z')
      expect(next.next().toISOString()).to.equal('2026-12-01T11:17:00.000Z')
    })

    it('its command, run by sh as cron would, prints nothing on success and one line when the lock is held', async () => {
      const command = (jobs[0] as string).split(/\s+/).slice(5).join(' ')
      expect(command).not.to.match(/flock/)
      const textDir = join(context.sandbox.dir, 'node-exporter')
      mkdirSync(textDir)
      const env = machineEnv({
        PATH: `${launcherPath(context.sandbox.dir)}:${variables['PATH']}`,
        METRICS_TEXTFILE: (variables['METRICS_TEXTFILE'] as string).replace(NODE_EXPORTER_DIR, textDir),
      })
      const shell = variables['SHELL'] as string
      const first = await context.sandbox.run(['-c', command], {program: shell, env})
      expect(first.code, first.stderr).to.equal(0)
      expect(first.stdout + first.stderr, 'cron mails nothing').to.equal('')
      const textfile = join(textDir, 'gladly-enterpret-default.prom')
      expect(
        scrape(readFileSync(textfile, 'utf8')).value('gladly_enterpret_last_run_outcome', {outcome: 'success'}),
      ).to.equal(1)

      // Another import of the profile is running (this test process stands for it): no flock, the tool's own lock.
      const now = new Date().toISOString()
      writeFileSync(
        join(context.sandbox.home, 'state', 'default', 'import.lock'),
        JSON.stringify({pid: process.pid, host: hostname(), command: 'import', startedAt: now, refreshedAt: now}),
      )
      const second = await context.sandbox.run(['-c', command], {program: shell, env})
      expect(second.code).to.equal(0)
      expect(second.stdout).to.equal(
        'gladly-enterpret import --profile default exited 1: run gladly-enterpret doctor --profile default\n',
      )
      expect(
        scrape(readFileSync(textfile, 'utf8')).value('gladly_enterpret_last_run_outcome', {outcome: 'failure'}),
      ).to.equal(1)
    })
  })

  describe('systemd', () => {
    const unit = read('deploy/systemd/gladly-enterpret@.service')
    const values = (key: string) =>
      unit
        .split('\n')
        .filter((line) => line.startsWith(`${key}=`))
        .map((line) => line.slice(key.length + 1))

    it('the service and its timer pass systemd-analyze verify without a warning', function () {
      const analyze = opsTool(this, 'systemd-analyze')
      const dir = join(context.sandbox.dir, 'units')
      mkdirSync(dir)
      // As installed: the launcher where ExecStart says, an environment file for the profile.
      const launcher = launcherPath(context.sandbox.dir)
      writeFileSync(
        join(dir, 'gladly-enterpret@.service'),
        unit
          .replace('/usr/local/bin/gladly-enterpret', join(launcher, 'gladly-enterpret'))
          .replace('/etc/gladly-enterpret/%i.env', join(dir, '%i.env')),
      )
      writeFileSync(join(dir, 'acme.env'), '')
      writeFileSync(join(dir, 'gladly-enterpret@.timer'), read('deploy/systemd/gladly-enterpret@.timer'))
      symlinkSync('gladly-enterpret@.service', join(dir, 'gladly-enterpret@acme.service'))
      symlinkSync('gladly-enterpret@.timer', join(dir, 'gladly-enterpret@acme.timer'))
      const verified = runTool(
        analyze,
        ['verify', '--man=no', join(dir, 'gladly-enterpret@acme.service'), join(dir, 'gladly-enterpret@acme.timer')],
        {PATH: process.env['PATH']},
        dir,
      )
      expect(verified.code, verified.stderr).to.equal(0)
      expect(verified.stderr, 'no warning').to.equal('')
      // The checker itself fails on a broken unit.
      writeFileSync(join(dir, 'gladly-enterpret@.service'), unit.replace('Type=oneshot', 'Type=oneshot\nExecStrat=x'))
      const broken = runTool(
        analyze,
        ['verify', '--man=no', join(dir, 'gladly-enterpret@acme.service')],
        {PATH: process.env['PATH']},
        dir,
      )
      expect(broken.stderr).to.include("Unknown key 'ExecStrat'")
    })

    it('stops within the grace period, and its ExecStart runs an import of the instance named after the @', async () => {
      expect(values('TimeoutStopSec')).to.deep.equal([String(EXPECTED_STOP_SECONDS)])
      expect(values('KillSignal')).to.deep.equal(['SIGTERM'])
      const environment = Object.fromEntries(values('Environment').map((line) => line.split(/=(.*)/s).slice(0, 2)))
      expect(environment['GLADLY_ENTERPRET_HOME']).to.equal('/var/lib/gladly-enterpret')
      expect(values('StateDirectory')).to.deep.equal(['gladly-enterpret'])
      const textDir = join(context.sandbox.dir, 'node-exporter')
      mkdirSync(textDir)
      const [program, ...args] = (values('ExecStart')[0] as string).replaceAll('%i', 'acme').split(' ')
      expect(program).to.equal('/usr/local/bin/gladly-enterpret')
      // systemd runs ExecStart without a shell.
      const result = await context.sandbox.run(args, {
        program: join(launcherPath(context.sandbox.dir), 'gladly-enterpret'),
        env: machineEnv({
          PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
          GLADLY_ENTERPRET_HOME: context.sandbox.home,
          METRICS_TEXTFILE: (environment['METRICS_TEXTFILE'] as string)
            .replace(NODE_EXPORTER_DIR, textDir)
            .replaceAll('%i', 'acme'),
        }),
      })
      expect(result.code, result.stderr).to.equal(0)
      const metrics = scrape(readFileSync(join(textDir, 'gladly-enterpret-acme.prom'), 'utf8'))
      expect(metrics.value('gladly_enterpret_last_run_outcome', {profile: 'acme', outcome: 'success'})).to.equal(1)
    })
  })

  describe('Kubernetes', () => {
    const documents = YAML.parseAllDocuments(read('deploy/kubernetes/gladly-enterpret.yaml')).map(
      (document) => document.toJS() as {kind: string; metadata: {name: string}; spec: Record<string, never>},
    )
    const claim = documents.find((document) => document.kind === 'PersistentVolumeClaim')
    const cronJob = documents.find((document) => document.kind === 'CronJob') as unknown as CronJob
    const pod = () => cronJob.spec?.jobTemplate.spec?.template.spec
    const container = () => pod()?.containers[0]

    it('a PersistentVolumeClaim and a CronJob, both valid against the Kubernetes schema', () => {
      expect(documents.map((document) => document.kind)).to.deep.equal(['PersistentVolumeClaim', 'CronJob'])
      new PersistentVolumeClaim(claim as never).validate()
      new CronJob(cronJob).validate()
      // The schema check does fail on what Kubernetes would refuse.
      expect(() =>
        new CronJob({...cronJob, spec: {...cronJob.spec, concurrencyPolicy: 'Never'}} as never).validate(),
      ).to.throw(/concurrencyPolicy must be equal to one of the allowed values/)
    })

    it('never two runs at once, the state on the claim, secrets from a Secret, the grace period of the import', () => {
      expect(cronJob.spec?.concurrencyPolicy).to.equal('Forbid')
      expect(pod()?.terminationGracePeriodSeconds).to.equal(EXPECTED_STOP_SECONDS)
      expect(pod()?.securityContext?.runAsNonRoot).to.equal(true)
      const home = container()?.env?.find((variable) => variable.name === 'GLADLY_ENTERPRET_HOME')?.value
      const volume = pod()?.volumes?.find(
        (candidate) => candidate.persistentVolumeClaim?.claimName === claim?.metadata.name,
      )
      expect(volume, 'a volume of the claim').to.exist
      expect(container()?.volumeMounts).to.deep.include({name: volume?.name, mountPath: home})
      expect(container()?.envFrom).to.deep.equal([{secretRef: {name: 'gladly-enterpret'}}])
      for (const variable of container()?.env ?? []) expect(variable.name).not.to.match(/TOKEN|KEY|PASSWORD/)
      // The image's settings folder is the one mounted.
      expect(read('Dockerfile')).to.include(`GLADLY_ENTERPRET_HOME=${home}`)
    })

    it("the container's arguments and environment run an import that pushes its metrics", async () => {
      const gateway = await startFakePushgateway()
      try {
        const env = Object.fromEntries(
          (container()?.env ?? []).map((variable) => [variable.name, variable.value as string]),
        )
        const result = await context.sandbox.run(container()?.args ?? [], {
          env: machineEnv({...env, GLADLY_ENTERPRET_HOME: context.sandbox.home, METRICS_PUSHGATEWAY_URL: gateway.url}),
        })
        expect(result.code, result.stderr).to.equal(0)
        expect(gateway.pushes.map((push) => push.path)).to.deep.equal(['/metrics/job/gladly-enterpret/profile/default'])
      } finally {
        await gateway.close()
      }
    })
  })

  describe('container image', () => {
    const text = read('Dockerfile')
    const dockerfile = DockerfileParser.parse(text)
    const instructions = (keyword: string) => dockerfile.getInstructions().filter((i) => i.getKeyword() === keyword)

    it('passes the Dockerfile linter', () => {
      expect(lintDockerfile(text)).to.deep.equal([])
      expect(lintDockerfile('FROM node:24\nWORKDIR relative\nCMD ["a" "b"]')).not.to.deep.equal([])
    })

    it('on the official Node.js LTS image, as the non-root user node, the CLI as entry point', () => {
      const bases = instructions('FROM').map((from) => from.getArguments()[0]?.getValue())
      expect(bases.length).to.be.at.least(1)
      for (const base of bases) {
        const major = Number(/^node:(\d+)-/.exec(base ?? '')?.[1])
        expect(major % 2, `${base}: an even (LTS) Node.js line`).to.equal(0)
        expect(major).to.be.at.least(22)
      }
      expect(
        instructions('USER')
          .at(-1)
          ?.getArguments()
          .map((a) => a.getValue()),
      ).to.deep.equal(['node'])
      expect(instructions('ENTRYPOINT').at(-1)?.getTextContent()).to.equal('ENTRYPOINT ["gladly-enterpret"]')
      expect(instructions('CMD').at(-1)?.getTextContent()).to.equal('CMD ["import"]')
    })
  })

  describe('GitHub Actions', () => {
    const text = read('deploy/github-actions/gladly-enterpret-import.yml')
    const workflow = YAML.parse(text) as {
      on: {schedule: Array<{cron: string}>}
      concurrency: {group: string; 'cancel-in-progress': boolean}
      jobs: {
        import: {
          env: Record<string, string>
          steps: Array<{uses?: string; if?: string; run?: string; with?: Record<string, string>}>
        }
      }
    }
    const steps = workflow.jobs.import.steps

    it("is valid against GitHub's workflow schema", () => {
      expect(validateWorkflow(text).errors).to.deep.equal([])
      expect(validateWorkflow(text.replace('runs-on:', 'runs_on:')).errors).not.to.deep.equal([])
    })

    it('one run at a time, the state restored before the import and saved after it, whatever its outcome', () => {
      expect(workflow.concurrency['cancel-in-progress']).to.equal(false)
      for (const {cron} of workflow.on.schedule) CronExpressionParser.parse(cron)
      const restore = steps.findIndex((step) => step.uses?.startsWith('actions/cache/restore@'))
      const importing = steps.findIndex((step) => step.run === 'gladly-enterpret import')
      const save = steps.findIndex((step) => step.uses?.startsWith('actions/cache/save@'))
      expect(restore).to.be.within(0, importing - 1)
      expect(save).to.be.greaterThan(importing)
      expect(steps[save]?.if).to.equal('always()')
      const home = workflow.jobs.import.env['GLADLY_ENTERPRET_HOME']
      expect(home).to.equal(`\${{ github.workspace }}/${steps[restore]?.with?.['path']}`)
      expect(steps[save]?.with?.['path']).to.equal(steps[restore]?.with?.['path'])
      // Each run saves under a key of its own; the next restores the newest by prefix.
      expect(steps[save]?.with?.['key']).to.include('${{ github.run_id }}')
      expect(steps[save]?.with?.['key']?.startsWith(steps[restore]?.with?.['restore-keys'] as string)).to.equal(true)
      expect(workflow.jobs.import.env['GLADLY_API_TOKEN']).to.equal('${{ secrets.GLADLY_API_TOKEN }}')
      expect(workflow.jobs.import.env['ENTERPRET_API_KEY']).to.equal('${{ secrets.ENTERPRET_API_KEY }}')
    })
  })

  describe('Prometheus alert rules', () => {
    const rulesFile = join(DEPLOY, 'prometheus', 'gladly-enterpret-alerts.yml')

    it('pass promtool check rules, and its unit tests (promtool test rules)', function () {
      const promtool = opsTool(this, 'promtool')
      const checked = runTool(promtool, ['check', 'rules', rulesFile], {PATH: process.env['PATH']}, dirname(rulesFile))
      expect(checked.code, checked.stdout + checked.stderr).to.equal(0)
      expect(checked.stdout).to.include('SUCCESS: 5 rules found')
      const tested = runTool(
        promtool,
        ['test', 'rules', 'gladly-enterpret-alerts.test.yml'],
        {PATH: process.env['PATH']},
        dirname(rulesFile),
      )
      expect(tested.code, tested.stdout + tested.stderr).to.equal(0)
      expect(tested.stdout).to.include('SUCCESS')
    })

    it('use only metrics the import writes', () => {
      const rules = (
        YAML.parse(readFileSync(rulesFile, 'utf8')) as {groups: Array<{rules: Array<{expr: string}>}>}
      ).groups.flatMap((group) => group.rules)
      const used = new Set(rules.flatMap((rule) => rule.expr.match(/gladly_enterpret_[a-z_]+/g) ?? []))
      const now = new Date()
      const record = recordOf({startedAt: now, finishedAt: now, exitCode: 0}, undefined, undefined)
      const state = {...EMPTY_STATE, watermark: {updatedAt: now.toISOString(), jobIds: []}}
      const written = new Set(samplesOf(figuresOf('default', record, state, now)).map((sample) => sample.name))
      expect([...used].filter((name) => !written.has(name))).to.deep.equal([])
      expect(used.size).to.equal(5)
    })
  })
})
