// `npm run bench`: the performance figures of issue 5, measured, never asserted. Starts the fake
// Gladly and the fake Enterpret on loopback, runs the built CLI as a child process against them, and
// prints a table (or JSON with --json). `--only <name>` runs one scenario; `--quick` shrinks them.
import {spawn} from 'node:child_process'
import {createWriteStream, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {cpus, platform, release, tmpdir, totalmem} from 'node:os'
import {join, resolve} from 'node:path'
import {finished} from 'node:stream/promises'
import {parseArgs} from 'node:util'
import type {Conversation} from '../src/lib/gladly/codecs.js'
import {decodeItems, itemBuckets} from '../src/lib/gladly/feed/job-files.js'
import type {RunSummary} from '../src/lib/pipeline/index.js'
import {toEnterpretRecord, type Lookups} from '../src/lib/transform/index.js'
import {startFakeEnterpret} from '../test/fakes/enterpret/index.js'
import {DEMO_CREDENTIALS, GladlyDataset, startFakeGladly, type FakeGladlyOptions} from '../test/fakes/gladly/index.js'

const {values: flags} = parseArgs({options: {json: {type: 'boolean', default: false}, only: {type: 'string'}, quick: {type: 'boolean', default: false}}})
const root = resolve(import.meta.dirname, '..')
const cli = join(root, 'bin', 'run.js')
const apiKey = 'bench-enterpret-key'
const scale = (n: number) => (flags.quick ? Math.max(50, Math.round(n / 20)) : n)
const log = (message: string) => process.stderr.write(`${message}\n`)

interface ImportRun {
  readonly summary: RunSummary
  readonly wallMs: number
  readonly peakRssMb: number | undefined
  readonly gladlyRequests: number
  readonly gladly429s: number
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
    const child = spawn(process.execPath, [cli, 'import', '--json'], {
      env: {
        PATH: process.env.PATH,
        HOME: home,
        GLADLY_ENTERPRET_HOME: home,
        GLADLY_API_URL: gladly.url,
        GLADLY_USERNAME: DEMO_CREDENTIALS.username,
        GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
        ENTERPRET_API_URL: enterpret.url,
        ENTERPRET_API_KEY: apiKey,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    let peak: number | undefined
    const poll = setInterval(() => (peak = peakRss(child.pid as number) ?? peak), 100)
    const code = await new Promise<number | null>((done) => child.on('exit', done))
    clearInterval(poll)
    const wallMs = performance.now() - started
    if (code !== 0) throw new Error(`import exited ${code}:\n${stderr.slice(-2000)}`)
    return {summary: JSON.parse(stdout) as RunSummary, wallMs, peakRssMb: peak, gladlyRequests: gladly.stats.total, gladly429s: gladly.stats.rateLimited}
  } finally {
    await Promise.all([gladly.close(), enterpret.close()])
    rmSync(home, {recursive: true, force: true})
  }
}

// Conversations spread over a few daily jobs, mostly closed by the end, no edge cases: a clean org.
const dataset = (conversations: number, days: number) => ({seed: 42, conversations, days, edgeCases: false})

async function throughput() {
  const rate = 6
  log(`throughput: ${scale(2100)} conversations, Gladly 10 req/s + 30 ms, CLI at its default budget (${rate}/s)…`)
  const run = await runImport({dataset: dataset(scale(2100), 5), rateLimit: {perSecond: 10}, latencyMs: 30}, {})
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
    const run = await runImport({dataset: dataset(conversations, 5), rateLimit: {perSecond: 1000}, latencyMs: 30}, lifted)
    results.push({conversations: run.summary.conversations.sent, wallSeconds: run.wallMs / 1000, msPerConversation: run.wallMs / run.summary.conversations.sent})
  }
  const [small, large] = results as [(typeof results)[0], (typeof results)[0]]
  return {small, large, ratio: large.msPerConversation / small.msPerConversation}
}

async function memory() {
  const conversations = scale(100_000)
  log(`memory: ${conversations} conversations × ~10 items in 2 daily jobs, rate limit lifted…`)
  const run = await runImport({dataset: {...dataset(conversations, 2), itemsPerConversation: 10}, rateLimit: false}, lifted)
  return {conversations: run.summary.conversations.seen, messages: run.summary.messages, wallSeconds: run.wallMs / 1000, peakRssMb: run.peakRssMb}
}

/** Items/s through read → decode → group → transform of a local export file, in this process (one core). */
async function transform() {
  const conversations = scale(20_000)
  log(`transform: an export file of ${conversations} conversations…`)
  const set = new GladlyDataset({seed: 7, conversations, days: 3, edgeCases: false, end: new Date()})
  const now = new Date()
  const dir = mkdtempSync(join(tmpdir(), 'gladly-enterpret-bench-transform-'))
  try {
    const path = join(dir, 'conversation_items.jsonl')
    const out = createWriteStream(path)
    for (const job of set.jobs(now)) {
      if (job.status !== 'COMPLETED') continue
      for (const line of set.jobFile(job.id, 'conversation_items.jsonl', now) ?? []) if (!out.write(`${line}\n`)) await new Promise<void>((done) => out.once('drain', () => done()))
    }
    out.end()
    await finished(out)
    const metadata = new Map(set.conversationIds().map((id) => [id, set.conversation(id, now) as unknown as Conversation | undefined]))
    const lookups: Lookups = {agents: new Map(set.agents().map((a) => [a.id, a])), topics: new Map(set.topics().map((t) => [t.id, t])), inboxes: new Map(set.inboxes().map((i) => [i.id, i])), customAttributes: new Map()}
    const options = {fileId: 'gladly', includeNotes: false, metadataNesting: 'nested' as const, maxRecordBytes: 999_000, now}
    let items = 0
    let records = 0
    const started = performance.now()
    for await (const bucket of itemBuckets(path, 'bench', dir)) {
      for (const [id, lines] of bucket.conversations) {
        const group = decodeItems('bench', id, lines).items
        items += group.length
        const conversation = metadata.get(id)
        if (conversation === undefined) continue
        if (toEnterpretRecord({conversation, items: group, lookups, gladlyAppUrl: 'https://example.gladly.com'}, options)._tag === 'Record') records++
      }
    }
    const seconds = (performance.now() - started) / 1000
    return {items, records, seconds, itemsPerSecond: items / seconds}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

async function coldRun(args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now()
  await new Promise((done) => spawn(process.execPath, args, {env: {...process.env, ...env}, stdio: 'ignore'}).on('exit', done))
  return performance.now() - started
}

async function startup() {
  const runs = 20
  log(`startup: median of ${runs} cold runs each…`)
  const home = mkdtempSync(join(tmpdir(), 'gladly-enterpret-bench-home-'))
  const env = {GLADLY_ENTERPRET_HOME: home}
  const samples = {help: [] as number[], stateShow: [] as number[], bareOclif: [] as number[]}
  for (let index = 0; index < runs; index++) {
    samples.help.push(await coldRun([cli, '--help'], env))
    samples.stateShow.push(await coldRun([cli, 'state', 'show'], env))
    samples.bareOclif.push(await coldRun(['--input-type=module', '-e', "await import('@oclif/core/execute')"], env))
  }
  rmSync(home, {recursive: true, force: true})
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
  const help = median(samples.help)
  const bare = median(samples.bareOclif)
  return {helpMs: help, stateShowMs: median(samples.stateShow), bareOclifMs: bare, ratio: help / bare}
}

const scenarios = {throughput, scaling, memory, transform, startup}
const selected = flags.only ? {[flags.only]: scenarios[flags.only as keyof typeof scenarios]} : scenarios
const results: Record<string, unknown> = {}
for (const [name, scenario] of Object.entries(selected)) {
  if (scenario === undefined) throw new Error(`unknown scenario ${flags.only}; one of ${Object.keys(scenarios).join(', ')}`)
  results[name] = await scenario()
}

const machine = {cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 1024 ** 3), os: `${platform()} ${release()}`, node: process.version}
if (flags.json) {
  console.log(JSON.stringify({machine, quick: flags.quick, results}, null, 2))
} else {
  const r = results as {throughput?: Awaited<ReturnType<typeof throughput>>; scaling?: Awaited<ReturnType<typeof scaling>>; memory?: Awaited<ReturnType<typeof memory>>; transform?: Awaited<ReturnType<typeof transform>>; startup?: Awaited<ReturnType<typeof startup>>}
  const rows: [string, string, string][] = []
  const fixed = (value: number, digits = 2) => value.toFixed(digits)
  if (r.throughput) {
    const t = r.throughput
    rows.push([`wall time / lower bound (${t.conversations} conversations, ${fixed(t.wallSeconds, 0)} s / ${fixed(t.lowerBoundSeconds, 0)} s)`, fixed(t.ratio), '≤ 1.15'])
    rows.push(['Gladly requests per conversation', fixed(t.requestsPerConversation, 3), '≤ 1.1'])
    rows.push([`429s received (${t.rateLimited} of ${t.gladlyRequests})`, `${fixed(t.rateLimitedShare * 100, 2)} %`, '≤ 1 %'])
  }
  if (r.scaling) rows.push([`time per conversation, ${r.scaling.large.conversations} vs ${r.scaling.small.conversations} (${fixed(r.scaling.large.msPerConversation)} vs ${fixed(r.scaling.small.msPerConversation)} ms)`, `${fixed(r.scaling.ratio)}×`, '≤ 1.2×'])
  if (r.memory) rows.push([`peak RSS, ${r.memory.conversations} conversations / ${r.memory.messages} messages (${fixed(r.memory.wallSeconds, 0)} s)`, `${fixed(r.memory.peakRssMb ?? Number.NaN, 0)} MB`, '≤ 150 MB'])
  if (r.transform) rows.push([`transform (${r.transform.items} items, ${fixed(r.transform.seconds)} s)`, `${Math.round(r.transform.itemsPerSecond).toLocaleString('en')} items/s`, '≥ 100,000 items/s'])
  if (r.startup) rows.push([`--help / bare oclif import (${fixed(r.startup.helpMs, 0)} / ${fixed(r.startup.bareOclifMs, 0)} ms; state show ${fixed(r.startup.stateShowMs, 0)} ms)`, `${fixed(r.startup.ratio)}×`, '≤ 1.3×'])
  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}${flags.quick ? ' (quick sizes)' : ''}\n`)
  console.log('| figure | measured | target |\n|---|---|---|')
  for (const [figure, measured, target] of rows) console.log(`| ${figure} | ${measured} | ${target} |`)
}
