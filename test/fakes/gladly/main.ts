// Standalone fake Gladly for the demo and manual runs:
//   npx tsx test/fakes/gladly/main.ts --port 4010 --conversations 200 --days 10 --rps 10 --latency 30
// Ctrl-C (SIGINT) or SIGTERM closes it.

import {parseArgs} from 'node:util'
import {DEMO_CREDENTIALS, startFakeGladly} from './server.js'

const HELP = `Options (all optional):
  --port <n>                 listen port (default 4010; 0 = any free port)
  --host <addr>              listen address (default 127.0.0.1)
  --seed <n>                 dataset seed (default 1)
  --conversations <n>        regular conversations (default 200)
  --items <n>                average items per conversation (default 10)
  --days <n>                 days of history before --end (default 10)
  --window <hours>           export job window, divides 24 (default 24)
  --end <iso>                when the dataset stops creating conversations (default: now)
  --now <iso>                freeze the server clock at this instant (default: real time)
  --no-edge-cases            leave out the edge-case conversations
  --rps <n>                  org rate limit per second, 0 = off (default 10)
  --retry-after <s>          send Retry-After on 429s
  --latency <ms|a-b>         added latency per request (default 0)
  --error-rate <f>           fraction of requests answered 500 (default 0)
  --reset-rate <f>           fraction of requests reset without response (default 0)
  --malformed <n>            malformed lines per conversation_items.jsonl (default 0)
  --cut <file>               cut this file (name or jobId/name) once per job; repeatable
  --reports-per-minute <n>   POST /reports limit per minute, 0 = off with concurrency too (default 10)
  --report-concurrency <n>   POST /reports in flight at once (default 2)
  --report-cap <n>           rows a report holds at most, the rest dropped silently (default 10000)
  --report-latency <ms>      time a report takes to generate (default 200)`

const {values} = parseArgs({
  options: {
    port: {type: 'string', default: '4010'},
    host: {type: 'string', default: '127.0.0.1'},
    seed: {type: 'string', default: '1'},
    conversations: {type: 'string', default: '200'},
    items: {type: 'string', default: '10'},
    days: {type: 'string', default: '10'},
    window: {type: 'string', default: '24'},
    end: {type: 'string'},
    now: {type: 'string'},
    'no-edge-cases': {type: 'boolean', default: false},
    rps: {type: 'string', default: '10'},
    'retry-after': {type: 'string'},
    latency: {type: 'string', default: '0'},
    'error-rate': {type: 'string', default: '0'},
    'reset-rate': {type: 'string', default: '0'},
    malformed: {type: 'string', default: '0'},
    cut: {type: 'string', multiple: true, default: []},
    'reports-per-minute': {type: 'string', default: '10'},
    'report-concurrency': {type: 'string', default: '2'},
    'report-cap': {type: 'string', default: '10000'},
    'report-latency': {type: 'string', default: '200'},
    help: {type: 'boolean', short: 'h', default: false},
  },
})

if (values.help) {
  console.log(HELP)
  process.exit(0)
}

const number = (name: string, value: string): number => {
  const parsed = Number(value)
  if (!Number.isFinite(parsed)) throw new TypeError(`--${name} must be a number, got ${value}`)
  return parsed
}

const [low, high] = values.latency.split('-').map((part) => number('latency', part))
const rps = number('rps', values.rps)
const reportsPerMinute = number('reports-per-minute', values['reports-per-minute'])
const fake = await startFakeGladly({
  port: number('port', values.port),
  host: values.host,
  ...(values.now ? {now: values.now} : {}),
  dataset: {
    seed: number('seed', values.seed),
    conversations: number('conversations', values.conversations),
    itemsPerConversation: number('items', values.items),
    days: number('days', values.days),
    jobWindowHours: number('window', values.window),
    ...(values.end ? {end: values.end} : {}),
    ...(values['no-edge-cases'] ? {edgeCases: false} : {}),
  },
  rateLimit:
    rps > 0
      ? {
          perSecond: rps,
          ...(values['retry-after'] ? {retryAfterSeconds: number('retry-after', values['retry-after'])} : {}),
        }
      : false,
  latencyMs: high === undefined ? (low ?? 0) : [low ?? 0, high],
  errorRate: number('error-rate', values['error-rate']),
  resetRate: number('reset-rate', values['reset-rate']),
  malformedLines: number('malformed', values.malformed),
  cutFiles: values.cut,
  reportRateLimit:
    reportsPerMinute > 0
      ? {perMinute: reportsPerMinute, concurrent: number('report-concurrency', values['report-concurrency'])}
      : false,
  reportRowCap: number('report-cap', values['report-cap']),
  reportLatencyMs: number('report-latency', values['report-latency']),
})

const jobs = fake.dataset.jobs(fake.clock.now())
console.log(`Fake Gladly listening on ${fake.url} (clock ${fake.clock.now().toISOString()})
  ${fake.dataset.conversationCount} conversations, ${jobs.length} export jobs listed
  GLADLY_API_URL=${fake.url}
  GLADLY_USERNAME=${DEMO_CREDENTIALS.username}
  GLADLY_API_TOKEN=${DEMO_CREDENTIALS.token}
  try: curl -u ${DEMO_CREDENTIALS.username}:${DEMO_CREDENTIALS.token} ${fake.url}/api/v1/export/jobs`)

const shutdown = (signal: string): void => {
  console.log(`\n${signal}: closing after ${fake.stats.total} requests`)
  fake.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}

process.once('SIGINT', () => shutdown('SIGINT'))
process.once('SIGTERM', () => shutdown('SIGTERM'))
