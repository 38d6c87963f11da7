// Standalone fake Enterpret for the demo and manual runs:
//   npx tsx test/fakes/enterpret/main.ts --port 4020 --api-key demo-key --rpm 100
// Prints the base URL alone on stdout (easy to capture) and one line per request on stderr.
import {parseArgs} from 'node:util'

import {
  DEFAULT_API_KEY,
  DEFAULT_USERS_API_KEY,
  type FakeEnterpretOptions,
  type RequestLogEntry,
  startFakeEnterpret,
} from './server.js'

const USAGE = `Usage: tsx test/fakes/enterpret/main.ts [options]
  --host <addr>            listen address (default 127.0.0.1)
  --port <n>               port, 0 for any free one (default 4020)
  --api-key <key>          accepted api-key of the feedback webhook, repeatable (default ${DEFAULT_API_KEY})
  --users-api-key <key>    accepted api-key of the Users webhook, repeatable (default ${DEFAULT_USERS_API_KEY})
  --rpm <n>                requests per minute before 429, 0 = off (default 0)
  --retry-after <s>        Retry-After seconds sent with a 429 (default: none)
  --max-body-bytes <n>     413 above this many bytes (default 1000000)
  --max-records <n>        400 above this many records per batch (default 100)
  --max-users <n>          400 above this many users per Users request (default 15)
  --users-rpm <n>          Users webhook requests per minute before 429, 0 = off (default: --rpm)
  --nesting nested|flat    metadata field map location (default nested)
  --no-strict              accept unknown fields
  --mutable                a re-sent id replaces the record instead of being skipped
  --legacy                 drop records with empty message text silently (200)
  --poison <id>            reject any batch containing this id, repeatable
  --poison-user <id>       reject any Users batch containing this user id, repeatable
  --latency-ms <n>         delay every answer (default 0)
  --error-rate <p>         probability of a 500 (default 0)
  --reset-rate <p>         probability of a dropped connection (default 0)
  --seed <n>               seed for the two rates (default 1)
  --quiet                  no per-request lines
`

function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0)
    throw new Error(`--${name} needs a number ≥ 0, got "${value}"`)
  return parsed
}

function optionsFrom(argv: string[]): FakeEnterpretOptions | undefined {
  const {values} = parseArgs({
    allowNegative: true,
    args: argv,
    options: {
      'api-key': {multiple: true, type: 'string'},
      'error-rate': {type: 'string'},
      help: {short: 'h', type: 'boolean'},
      host: {type: 'string'},
      'latency-ms': {type: 'string'},
      legacy: {type: 'boolean'},
      'max-body-bytes': {type: 'string'},
      'max-records': {type: 'string'},
      'max-users': {type: 'string'},
      mutable: {type: 'boolean'},
      nesting: {type: 'string'},
      poison: {multiple: true, type: 'string'},
      'poison-user': {multiple: true, type: 'string'},
      port: {type: 'string'},
      quiet: {type: 'boolean'},
      'reset-rate': {type: 'string'},
      'retry-after': {type: 'string'},
      rpm: {type: 'string'},
      seed: {type: 'string'},
      strict: {type: 'boolean'},
      'users-api-key': {multiple: true, type: 'string'},
      'users-rpm': {type: 'string'},
    },
    strict: true,
  })
  if (values.help) return undefined
  const nesting = values.nesting ?? 'nested'
  if (nesting !== 'nested' && nesting !== 'flat') throw new Error(`--nesting must be nested or flat, got "${nesting}"`)
  return {
    apiKeys: values['api-key'],
    errorRate: numberFlag('error-rate', values['error-rate']),
    host: values.host,
    latencyMs: numberFlag('latency-ms', values['latency-ms']),
    legacy: values.legacy,
    maxBodyBytes: numberFlag('max-body-bytes', values['max-body-bytes']),
    maxRecords: numberFlag('max-records', values['max-records']),
    maxUsers: numberFlag('max-users', values['max-users']),
    metadataNesting: nesting,
    mutable: values.mutable,
    onRequest: values.quiet ? undefined : logLine,
    poisonIds: values.poison,
    poisonUserIds: values['poison-user'],
    port: numberFlag('port', values.port) ?? 4020,
    resetRate: numberFlag('reset-rate', values['reset-rate']),
    retryAfterSeconds: numberFlag('retry-after', values['retry-after']),
    rpm: numberFlag('rpm', values.rpm),
    seed: numberFlag('seed', values.seed),
    strict: values.strict,
    usersApiKeys: values['users-api-key'],
    usersRpm: numberFlag('users-rpm', values['users-rpm']),
  }
}

function logLine(entry: RequestLogEntry): void {
  const status = entry.status ?? 'reset'
  const code = entry.code === undefined ? '' : ` ${entry.code}`
  const outcome = entry.result ?? entry.userResult
  const result = outcome === undefined ? '' : ` ${JSON.stringify(outcome)}`
  const count = entry.userCount === null ? `records=${entry.recordCount ?? '-'}` : `users=${entry.userCount}`
  process.stderr.write(
    `${new Date(entry.time).toISOString()} ${entry.method} ${entry.path} → ${status}${code}` +
      ` ${count} bytes=${entry.bytes}${result}\n`,
  )
}

async function main(): Promise<void> {
  let options: FakeEnterpretOptions | undefined
  try {
    options = optionsFrom(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`)
    process.exitCode = 2
    return
  }
  if (options === undefined) {
    process.stdout.write(USAGE)
    return
  }
  const fake = await startFakeEnterpret(options)
  process.stdout.write(`${fake.url}\n`)
  process.stderr.write(
    `fake Enterpret: POST ${fake.webhookUrl} (feedback), POST ${fake.usersUrl} (Users);` +
      ` test hooks GET ${fake.url}/_fake/records, /_fake/users and /_fake/requests\n`,
  )
  const stop = (signal: NodeJS.Signals): void => {
    fake.close().then(
      () =>
        process.stderr.write(
          `${signal}: stopped after ${fake.requests.length} requests, ${fake.records.size} records, ${fake.users.size} users\n`,
        ),
      (error: Error) => {
        process.stderr.write(`${signal}: ${error.message}\n`)
        process.exitCode = 1
      },
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

await main()
