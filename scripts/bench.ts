// `npm run bench`: the performance figures of issues 5 and 18 (watch latency), measured, never asserted. Starts the fake
// Gladly and the fake Enterpret on loopback, runs the built CLI as a child process against them, and
// prints a table (or JSON with --json). `--only <name>` runs one scenario; `--quick` shrinks them;
// `--node-flags='--trace-gc …'` runs the CLI's Node with those flags, to profile it.
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, platform, release, tmpdir, totalmem} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {finished} from 'node:stream/promises'
import {parseArgs} from 'node:util'
import type {Agent, Conversation, Inbox} from '../src/lib/gladly/codecs.js'
import type {RunSummary} from '../src/lib/pipeline/index.js'
import {fakeConnectionEnv} from '../test/fakes/connection.js'
import {startFakeEnterpret} from '../test/fakes/enterpret/index.js'
import type {DatasetOptions} from '../test/fakes/gladly/dataset.js'
import {GladlyDataset, startFakeGladly, type FakeGladlyOptions} from '../test/fakes/gladly/index.js'
import type {TransformInput, TransformRun} from './bench-transform.js'

const {values: flags} = parseArgs({
  options: {
    json: {type: 'boolean', default: false},
    only: {type: 'string'},
    quick: {type: 'boolean', default: false},
    'node-flags': {type: 'string'},
  },
})
const root = resolve(import.meta.dirname, '..')
// The command npm installs: bin/run.js on the node of the PATH (this one), with the Node options of
// package.json for import and dry-run. --node-flags runs bin/run.js with those flags instead, to profile it.
const launcher = join(root, 'bin', 'gladly-enterpret')
// Without the `--` that ends them in the launcher (so that node never reads the CLI's own arguments).
const nodeOptions = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {oclif: {update: {node: {options: string[]}}}}
).oclif.update.node.options.filter((option) => option !== '--')
const pathWithThisNode = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`
function cliCommand(args: string[]): [string, string[]] {
  if (flags['node-flags'] !== undefined)
    return [process.execPath, [...flags['node-flags'].split(/\s+/), join(root, 'bin', 'run.js'), ...args]]
  return [launcher, args]
}
const apiKey = 'bench-enterpret-key'
const scale = (n: number) => (flags.quick ? Math.max(50, Math.round(n / 20)) : n)
const log = (message: string) => process.stderr.write(`${message}\n`)

interface ImportRun {
  readonly summary: RunSummary
  readonly wallMs: number
  readonly peakRssMb: number | undefined
  readonly gladlyRequests: number
  readonly gladly429s: number
  /** Gladly requests by route (`<METHOD> <route>`), 429s included. */
  readonly gladlyByRoute: Readonly<Record<string, number>>
}

/** Peak resident memory of a running process (Linux: the kernel's high-water mark). */
function peakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

async function runImport(gladlyOptions: FakeGladlyOptions, env: Record<string, string>): Promise<ImportRun> {
  const gladly = await startFakeGladly(gladlyOptions)
  const enterpret = await startFakeEnterpret({apiKeys: [apiKey], maxRecords: 100})
  const home = mkdtempSync(join(tmpdir(), 'gladly-enterpret-bench-'))
  try {
    const started = performance.now()
    const child = spawn(...cliCommand(['import', '--json']), {
      env: {
        PATH: pathWithThisNode,
        HOME: home,
        GLADLY_ENTERPRET_HOME: home,
        ...fakeConnectionEnv(gladly.url, enterpret.url, apiKey),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    if (flags['node-flags'] !== undefined) child.stderr.pipe(process.stderr)
    let peak: number | undefined
    const poll = setInterval(() => (peak = peakRss(child.pid as number) ?? peak), 100)
    const code = await new Promise<number | null>((done) => child.on('exit', done))
    clearInterval(poll)
    const wallMs = performance.now() - started
    if (code !== 0) throw new Error(`import exited ${code}:\n${stderr.slice(-2000)}`)
    // Node's own tracing (--trace-gc) shares stdout with the summary, which starts its last lines.
    const summaryStart = stdout.search(/^\{/m)
    if (summaryStart > 0) log(stdout.slice(0, summaryStart))
    return {
      summary: JSON.parse(stdout.slice(summaryStart)) as RunSummary,
      wallMs,
      peakRssMb: peak,
      gladlyRequests: gladly.stats.total,
      gladly429s: gladly.stats.rateLimited,
      gladlyByRoute: {...gladly.stats.byRoute},
    }
  } finally {
    await Promise.all([gladly.close(), enterpret.close()])
    rmSync(home, {recursive: true, force: true})
  }
}

// Conversations spread over a few daily jobs, no edge cases: a clean org. They stopped starting four
// days ago, so every one has closed and its whole timeline is in completed export jobs.
const DAY_MS = 24 * 60 * 60 * 1000
const dataset = (conversations: number, days: number) => ({
  seed: 42,
  conversations,
  days,
  edgeCases: false,
  end: Date.now() - 4 * DAY_MS,
})

async function throughput() {
  // The bound is Gladly's limit, not the CLI's budget: the budget is what is being measured.
  const rate = 10
  log(`throughput: ${scale(2000)} conversations, Gladly ${rate} req/s + 30 ms, CLI at its default budget…`)
  // Gladly is the bound measured here. At its default of 20 requests a minute (the most cautious of
  // Enterpret's published limits) the webhook takes 400 records a minute, a bound of its own.
  const run = await runImport(
    {dataset: dataset(scale(2000), 5), rateLimit: {perSecond: rate}, latencyMs: 30},
    {ENTERPRET_MAX_RPM: '100'},
  )
  const lowerBoundMs = (run.gladlyRequests / rate) * 1000
  const sent = run.summary.conversations.sent
  return {
    conversations: sent,
    wallSeconds: run.wallMs / 1000,
    lowerBoundSeconds: lowerBoundMs / 1000,
    ratio: run.wallMs / lowerBoundMs,
    gladlyRequests: run.gladlyRequests,
    requestsPerConversation: run.gladlyRequests / sent,
    rateLimited: run.gladly429s,
    rateLimitedShare: run.gladly429s / run.gladlyRequests,
  }
}

const lifted = {GLADLY_MAX_RPS: '1000', ENTERPRET_MAX_RPM: '10000', BATCH_SIZE: '100'}

async function scaling() {
  const results = []
  for (const conversations of [scale(200), scale(20_000)]) {
    log(`scaling: ${conversations} conversations, rate limit lifted to 1,000 req/s…`)
    const run = await runImport(
      {dataset: dataset(conversations, 5), rateLimit: {perSecond: 1000}, latencyMs: 30},
      lifted,
    )
    results.push({
      conversations: run.summary.conversations.sent,
      wallSeconds: run.wallMs / 1000,
      msPerConversation: run.wallMs / run.summary.conversations.sent,
    })
  }
  const [small, large] = results as [(typeof results)[0], (typeof results)[0]]
  return {small, large, ratio: large.msPerConversation / small.msPerConversation}
}

async function memory() {
  const conversations = scale(100_000)
  log(`memory: an export of ${conversations} conversations × 10 items, rate limit lifted…`)
  const run = await runImport(
    {dataset: {...dataset(conversations, 2), itemsPerConversation: 10}, rateLimit: false},
    lifted,
  )
  return {
    exported: conversations,
    conversations: run.summary.conversations.seen,
    messages: run.summary.messages,
    wallSeconds: run.wallMs / 1000,
    peakRssMb: run.peakRssMb,
  }
}

const TRANSFORM_RUNS = 3

/** Items/s through read → group → decode → transform of a local export file, in a process of its own (one core). */
async function transform() {
  const conversations = scale(50_000)
  log(`transform: an export file of ${conversations} conversations…`)
  const set = new GladlyDataset({seed: 7, conversations, days: 3, edgeCases: false, end: new Date()})
  const now = new Date()
  const dir = mkdtempSync(join(tmpdir(), 'gladly-enterpret-bench-transform-'))
  try {
    const itemsPath = join(dir, 'conversation_items.jsonl')
    const out = createWriteStream(itemsPath)
    for (const job of set.jobs(now)) {
      if (job.status !== 'COMPLETED') continue
      for (const line of set.jobFile(job.id, 'conversation_items.jsonl', now) ?? [])
        if (!out.write(`${line}\n`)) await new Promise<void>((done) => out.once('drain', () => done()))
    }
    out.end()
    await finished(out)
    const input: TransformInput = {
      now: now.toISOString(),
      conversations: set
        .conversationIds()
        .flatMap((id) => (set.conversation(id, now) as unknown as Conversation | undefined) ?? []),
      agents: set.agents() as unknown as Agent[],
      topics: set.topics(),
      inboxes: set.inboxes() as unknown as Inbox[],
    }
    const inputPath = join(dir, 'input.json')
    writeFileSync(inputPath, JSON.stringify(input))
    const measureOnce = (node: readonly string[]) =>
      new Promise<TransformRun>((done, fail) => {
        let stdout = ''
        const child = spawn(
          process.execPath,
          [...node, '--import', 'tsx', join(root, 'scripts', 'bench-transform.ts'), itemsPath, inputPath],
          {cwd: root, stdio: ['ignore', 'pipe', 'inherit']},
        )
        child.stdout.on('data', (chunk) => (stdout += chunk))
        child.on('exit', (code) =>
          code === 0 ? done(JSON.parse(stdout) as TransformRun) : fail(new Error(`bench-transform exited ${code}`)),
        )
      })
    // The median of three runs: on a shared machine one run can be off by a sixth.
    const measure = async (node: readonly string[]) => {
      const runs: TransformRun[] = []
      for (let run = 0; run < TRANSFORM_RUNS; run++) runs.push(await measureOnce(node))
      const median = runs.sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)] as TransformRun
      return {...median, itemsPerSecond: median.items / median.seconds}
    }
    // The code's speed on Node's defaults, and with the Node options the CLI runs import with (smaller
    // young generation: less memory, more frequent scavenges).
    return {defaults: await measure([]), cliOptions: await measure(nodeOptions), nodeOptions}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

async function coldRun([command, args]: [string, string[]], env: Record<string, string>): Promise<number> {
  const started = performance.now()
  await new Promise((done) =>
    spawn(command, args, {env: {...process.env, PATH: pathWithThisNode, ...env}, stdio: 'ignore'}).on('exit', done),
  )
  return performance.now() - started
}

async function startup() {
  const runs = 20
  log(`startup: median of ${runs} cold runs each…`)
  const home = mkdtempSync(join(tmpdir(), 'gladly-enterpret-bench-home-'))
  const env = {GLADLY_ENTERPRET_HOME: home}
  const samples = {help: [] as number[], stateShow: [] as number[], bareOclif: [] as number[]}
  for (let index = 0; index < runs; index++) {
    samples.help.push(await coldRun(cliCommand(['--help']), env))
    samples.stateShow.push(await coldRun(cliCommand(['state', 'show']), env))
    samples.bareOclif.push(
      await coldRun([process.execPath, ['--input-type=module', '-e', "await import('@oclif/core/execute')"]], env),
    )
  }
  rmSync(home, {recursive: true, force: true})
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
  const help = median(samples.help)
  const bare = median(samples.bareOclif)
  return {helpMs: help, stateShowMs: median(samples.stateShow), bareOclifMs: bare, ratio: help / bare}
}

/**
 * watch: close→delivery latency at a steady rate of closes. The fake Gladly's clock is frozen and moved, at a steady
 * real-time rate, to each next close of its dataset: its webhook sends that close as soon as it sees it (every 50 ms),
 * as Gladly would. Measured for each: Enterpret's receipt of the record − the real time its close was made to happen.
 * Settings at their defaults (ENTERPRET_MAX_RPM=20, BATCH_SIZE=20), Gladly at 10 req/s; no Events API poller.
 */
async function watchLatency() {
  const perSecond = 2
  const seconds = flags.quick ? 20 : 60
  const start = Math.floor((Date.now() - 3 * DAY_MS) / 60_000) * 60_000
  const gladly = await startFakeGladly({
    now: start,
    dataset: {seed: 42, conversations: 2000, days: 2, edgeCases: false, end: start},
    webhooks: {tickMs: 50},
  })
  const enterpret = await startFakeEnterpret({apiKeys: [apiKey], maxRecords: 100})
  const home = mkdtempSync(join(tmpdir(), 'gladly-enterpret-bench-'))
  // Made per run: nothing secret-looking is written down.
  const password = `bench-${randomUUID()}`
  const wanted = perSecond * seconds
  // The closes of the next two days of the fake org, each the conversation's last (not reopened later).
  const horizon = start + 2 * DAY_MS
  const closes = gladly.dataset
    .events(start + 1, horizon, ['CONVERSATION'], horizon)
    .filter((event) => event.type === 'CONVERSATION/CLOSED')
    .filter((event) => {
      const id = event.content.conversationId as string
      return gladly.dataset.conversation(id, horizon)?.closedAt === event.timestamp
    })
    .slice(0, wanted)
  log(`watch: ${closes.length} closes at ${perSecond}/s, close → Enterpret latency…`)
  const child = spawn(...cliCommand(['watch']), {
    env: {
      PATH: pathWithThisNode,
      HOME: home,
      GLADLY_ENTERPRET_HOME: home,
      ...fakeConnectionEnv(gladly.url, enterpret.url, apiKey),
      WATCH_LISTEN: '127.0.0.1:0',
      WATCH_WEBHOOK_USERNAME: 'bench',
      WATCH_WEBHOOK_PASSWORD: password,
      WATCH_POLL_SECONDS: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  try {
    let url: string | undefined
    while (url === undefined) {
      if (child.exitCode !== null) throw new Error(`watch exited ${child.exitCode}:\n${stderr}`)
      url = /webhooks at (http:\/\/[\d.:]+)/.exec(stderr)?.[1]
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await gladly.webhooks.create({
      url: `${url}/gladly/webhook`,
      events: ['CONVERSATION/CLOSED'],
      enabled: true,
      credentials: {username: 'bench', password},
    })
    const closedAt = new Map<string, number>()
    const began = performance.now()
    for (const [index, event] of closes.entries()) {
      const due = began + (index * 1000) / perSecond
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
      gladly.clock.set(Date.parse(event.timestamp))
      closedAt.set(`gladly_${event.content.conversationId as string}`, Date.now())
    }
    const deadline = Date.now() + 60_000
    const arrived = () => [...closedAt.keys()].filter((id) => enterpret.records.has(id)).length
    while (arrived() < closedAt.size && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    const latencies = [...closedAt.entries()]
      .flatMap(([id, at]) => {
        const stored = enterpret.records.get(id)
        return stored === undefined ? [] : [(stored.receivedAt - at) / 1000]
      })
      .sort((a, b) => a - b)
    const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
    return {
      perSecond,
      closes: closedAt.size,
      delivered: latencies.length,
      medianSeconds: quantile(0.5),
      p95Seconds: quantile(0.95),
      maxSeconds: latencies.at(-1) ?? NaN,
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    await Promise.all([gladly.close(), enterpret.close()])
    rmSync(home, {recursive: true, force: true})
  }
}

/**
 * A backfill of history only (every conversation older than the export jobs' 14 days), where a customer has three
 * conversations on average and none has custom attributes: Gladly requests per history conversation, and wall time
 * against the floor, the longer of the requests at Gladly's 10 a second and the reports at the CLI's share of the
 * Reports API's 10 a minute. Once with the records' customer fields (a profile per customer), once without, and once
 * with the same history in a one-time export job that Gladly Support made (read through the export path instead).
 */
async function backfill() {
  const rate = 10
  const days = 42
  const reportsPerMinute = 6
  const conversations = scale(1500)
  const history = {
    ...dataset(conversations, days),
    end: Date.now() - 20 * DAY_MS,
    conversationsPerCustomer: 3,
    customAttributes: false,
  }
  const measure = async (
    what: string,
    customerFields: 'yes' | 'no',
    oneTimeExports: DatasetOptions['oneTimeExports'] = [],
  ) => {
    log(`backfill: ${conversations} conversations over ${days} days, 3 per customer, ${what}…`)
    const run = await runImport(
      {dataset: {...history, oneTimeExports}, rateLimit: {perSecond: rate}, latencyMs: 30},
      {
        ENTERPRET_MAX_RPM: '100',
        IMPORT_HISTORY_DAYS: String(days + 25),
        GLADLY_REPORTS_PER_MINUTE: String(reportsPerMinute),
        RECORD_CUSTOMER_FIELDS: customerFields,
      },
    )
    const sent = run.summary.conversations.sent
    const windows = run.summary.backfill.windows
    const floorSeconds = Math.max(run.gladlyRequests / rate, (windows * 60) / reportsPerMinute)
    return {
      conversations: sent,
      windows,
      gladlyRequests: run.gladlyRequests,
      profileRequests: run.summary.users.profileRequests,
      requestsPerConversation: run.gladlyRequests / sent,
      wallSeconds: run.wallMs / 1000,
      floorSeconds,
      ratio: run.wallMs / 1000 / floorSeconds,
      byRoute: run.gladlyByRoute,
      rateLimited: run.gladly429s,
    }
  }
  const midnight = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS
  // Asked of Gladly Support for the whole history up to where the daily jobs begin, completed an hour ago.
  const oneTimeExport = {
    start: midnight(Date.now() - (days + 28) * DAY_MS),
    end: midnight(Date.now()) - 13 * DAY_MS,
    completedAt: Date.now() - 60 * 60 * 1000,
  }
  return {
    withCustomerFields: await measure('customer fields yes', 'yes'),
    withoutCustomerFields: await measure('customer fields no', 'no'),
    oneTimeExport: await measure('in a one-time export job, customer fields yes', 'yes', [oneTimeExport]),
  }
}

const scenarios = {throughput, scaling, memory, transform, startup, watch: watchLatency, backfill}
const selected = flags.only ? {[flags.only]: scenarios[flags.only as keyof typeof scenarios]} : scenarios
const results: Record<string, unknown> = {}
for (const [name, scenario] of Object.entries(selected)) {
  if (scenario === undefined)
    throw new Error(`unknown scenario ${flags.only}; one of ${Object.keys(scenarios).join(', ')}`)
  results[name] = await scenario()
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
  os: `${platform()} ${release()}`,
  node: process.version,
}
if (flags.json) {
  console.log(JSON.stringify({machine, quick: flags.quick, results}, null, 2))
} else {
  const r = results as {
    throughput?: Awaited<ReturnType<typeof throughput>>
    scaling?: Awaited<ReturnType<typeof scaling>>
    memory?: Awaited<ReturnType<typeof memory>>
    transform?: Awaited<ReturnType<typeof transform>>
    startup?: Awaited<ReturnType<typeof startup>>
    watch?: Awaited<ReturnType<typeof watchLatency>>
    backfill?: Awaited<ReturnType<typeof backfill>>
  }
  const rows: [string, string, string][] = []
  const fixed = (value: number, digits = 2) => value.toFixed(digits)
  if (r.throughput) {
    const t = r.throughput
    rows.push([
      `wall time / lower bound (${t.conversations} conversations, ${fixed(t.wallSeconds, 0)} s / ${fixed(t.lowerBoundSeconds, 0)} s)`,
      fixed(t.ratio),
      '≤ 1.15',
    ])
    rows.push(['Gladly requests per conversation', fixed(t.requestsPerConversation, 3), '≤ 1.1'])
    rows.push([
      `429s received (${t.rateLimited} of ${t.gladlyRequests})`,
      `${fixed(t.rateLimitedShare * 100, 2)} %`,
      '≤ 1 %',
    ])
  }
  if (r.scaling)
    rows.push([
      `time per conversation, ${r.scaling.large.conversations} vs ${r.scaling.small.conversations} (${fixed(r.scaling.large.msPerConversation)} vs ${fixed(r.scaling.small.msPerConversation)} ms)`,
      `${fixed(r.scaling.ratio)}×`,
      '≤ 1.2×',
    ])
  if (r.memory)
    rows.push([
      `peak RSS, export of ${r.memory.exported} conversations × 10 items (${r.memory.conversations} read, ${r.memory.messages} messages sent, ${fixed(r.memory.wallSeconds, 0)} s)`,
      `${fixed(r.memory.peakRssMb ?? Number.NaN, 0)} MB`,
      '≤ 150 MB',
    ])
  if (r.transform) {
    const {defaults, cliOptions, nodeOptions: options} = r.transform
    const itemsPerSecond = (value: number) => `${Math.round(value).toLocaleString('en')} items/s`
    rows.push([
      `transform, Node defaults (${defaults.items} items, ${fixed(defaults.seconds)} s, median of ${TRANSFORM_RUNS})`,
      itemsPerSecond(defaults.itemsPerSecond),
      '≥ 100,000 items/s',
    ])
    rows.push([
      `transform, with ${options.join(' ')}, as import runs (${fixed(cliOptions.seconds)} s)`,
      itemsPerSecond(cliOptions.itemsPerSecond),
      '',
    ])
  }
  if (r.startup)
    rows.push([
      `--help / bare oclif import (${fixed(r.startup.helpMs, 0)} / ${fixed(r.startup.bareOclifMs, 0)} ms; state show ${fixed(r.startup.stateShowMs, 0)} ms)`,
      `${fixed(r.startup.ratio)}×`,
      '≤ 1.3×',
    ])
  if (r.watch)
    rows.push([
      `watch: close → delivery latency at ${r.watch.perSecond} closes/s (${r.watch.delivered} of ${r.watch.closes} delivered; median / p95, max ${fixed(r.watch.maxSeconds, 1)} s)`,
      `${fixed(r.watch.medianSeconds, 1)} s / ${fixed(r.watch.p95Seconds, 1)} s`,
      '≤ 60 s',
    ])
  if (r.backfill) {
    const cases = [
      ['records with customer fields', r.backfill.withCustomerFields],
      ['RECORD_CUSTOMER_FIELDS=no', r.backfill.withoutCustomerFields],
      ['the history in a one-time export job instead (customer fields)', r.backfill.oneTimeExport],
    ] as const
    for (const [name, b] of cases) {
      rows.push([
        `backfill, ${name}: Gladly requests per history conversation (${b.gladlyRequests} for ${b.conversations}, ${b.profileRequests} profiles, ${b.windows} report windows; 3 conversations per customer)`,
        fixed(b.requestsPerConversation, 3),
        '≤ 1.3',
      ])
      rows.push([
        `backfill, ${name}: wall time / floor (${fixed(b.wallSeconds, 0)} s / ${fixed(b.floorSeconds, 0)} s: requests at 10/s, reports at 6/min)`,
        fixed(b.ratio),
        '',
      ])
    }
  }
  console.log(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}${flags.quick ? ' (quick sizes)' : ''}\n`,
  )
  console.log('| figure | measured | target |\n|---|---|---|')
  for (const [figure, measured, target] of rows) console.log(`| ${figure} | ${measured} | ${target} |`)
}
