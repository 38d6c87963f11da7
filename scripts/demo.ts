// `npm run demo`: the whole product on this machine. Starts the fake Gladly (a sample organization)
// and the fake Enterpret webhook on loopback, runs a real `import` through the built CLI against them,
// then shows what Enterpret received and where the state and logs are.
import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fakeConnectionEnv} from '../test/fakes/connection.js'
import {startFakeEnterpret} from '../test/fakes/enterpret/index.js'
import {startFakeGladly} from '../test/fakes/gladly/index.js'

const root = resolve(import.meta.dirname, '..')
const home = join(tmpdir(), 'gladly-enterpret-demo')
// Made per run: keys only the fakes started here accept.
const apiKey = `demo-${randomUUID()}`
const usersApiKey = `demo-users-${randomUUID()}`

const gladly = await startFakeGladly({dataset: {seed: 7, conversations: 60, days: 6}})
const enterpret = await startFakeEnterpret({apiKeys: [apiKey], usersApiKeys: [usersApiKey]})
rmSync(home, {recursive: true, force: true})

const env = {
  ...process.env,
  GLADLY_ENTERPRET_HOME: home,
  ...fakeConnectionEnv(gladly.url, enterpret.url, apiKey),
  // Customers go to Enterpret's Users webhook too (README, Customers as Enterpret users).
  ENTERPRET_USERS_API_KEY: usersApiKey,
  // The fake webhook is local: a generous limit instead of Enterpret's cautious default.
  ENTERPRET_MAX_RPM: '600',
}

function cli(args: string[]): Promise<number> {
  console.log(`\n$ gladly-enterpret ${args.join(' ')}`)
  return new Promise((done) =>
    spawn(process.execPath, [join(root, 'bin', 'run.js'), ...args], {env, stdio: 'inherit'}).on('close', (code) =>
      done(code ?? 1),
    ),
  )
}

let exitCode = await cli(['import'])
if (exitCode === 0) exitCode = await cli(['import'])

const records = [...enterpret.records.values()].map(
  (stored) => stored.record as {id: string; conversation: {msgs: Array<{actor: string; text: string}>}},
)
console.log(
  `\nEnterpret received ${records.length} conversation records (${records.reduce((sum, record) => sum + record.conversation.msgs.length, 0)} messages) and ${enterpret.users.size} users in ${enterpret.requests.length} requests.`,
)
for (const record of records.slice(0, 3)) {
  console.log(`\n${record.id}`)
  for (const message of record.conversation.msgs.slice(0, 6))
    console.log(`  ${message.actor.padEnd(5)} ${message.text.replace(/\s+/g, ' ').slice(0, 100)}`)
  if (record.conversation.msgs.length > 6) console.log(`  … ${record.conversation.msgs.length - 6} more`)
}
console.log(`\nState and logs are in ${home} (state/default/state.json, logs/). Try:`)
console.log(`  GLADLY_ENTERPRET_HOME=${home} ./bin/run.js state show`)

await Promise.all([gladly.close(), enterpret.close()])
process.exitCode = exitCode
