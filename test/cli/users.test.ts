import {expect} from 'chai'
import type {RunSummary} from '../../src/lib/pipeline/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {DAY_MS, expectedConversationIds, startFakes, type Fakes} from '../helpers/e2e.js'

const USERS_KEY = 'test-users-key-not-real'
const USERS_PATH = '/webhook/users/custom'

interface Attributes {
  readonly [key: string]: {readonly array: {readonly s?: readonly string[]}}
}

describe('import sends the customers of delivered conversations as Enterpret users, end to end', function () {
  this.timeout(180_000)
  let fakes: Fakes
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = createSandbox()
    fakes = await startFakes(
      {now: new Date(Date.now() - 2 * DAY_MS), dataset: {seed: 5, conversations: 40, days: 5}},
      {usersApiKeys: [USERS_KEY]},
    )
  })
  afterEach(async () => {
    await fakes?.close()
    sandbox?.cleanup()
  })

  const env = (extra: Record<string, string> = {}) => fakes.env({ENTERPRET_USERS_API_KEY: USERS_KEY, ...extra})
  const importJson = async (extra: Record<string, string> = {}) => {
    const result = await sandbox.run(['import', '--json'], {env: env(extra)})
    return {result, summary: parseJson<RunSummary>(result)}
  }
  /** The customer ids the delivered records carry (their link key), each once. */
  const customersOfRecords = () =>
    [
      ...new Set(
        [...fakes.enterpret.records.values()].map(
          ({record}) =>
            (record as unknown as {metadata: {metadata: Attributes}}).metadata.metadata.gladly_customer_id?.array
              .s?.[0] as string,
        ),
      ),
    ].sort()
  const users = () => [...fakes.enterpret.users.keys()].sort()
  const records = () => [...fakes.enterpret.records.keys()].sort()
  const expectedRecords = () =>
    expectedConversationIds(fakes.gladly)
      .map((id) => `gladly_${id}`)
      .sort()
  const usersRequests = () => fakes.enterpret.requests.filter((request) => request.path === USERS_PATH)
  const attributesOf = (id: string) => fakes.enterpret.users.get(id)?.user.attributes as unknown as Attributes

  it('sends each customer once, with the identity fields only, in batches of at most 15, and nothing on a second run', async () => {
    const first = await importJson()
    expect(first.result.code, first.result.stderr).to.equal(0)
    const expected = customersOfRecords()
    expect(expected.length).to.be.greaterThan(15)
    expect(users()).to.deep.equal(expected)
    for (const stored of fakes.enterpret.users.values()) expect(stored.received, stored.user.id).to.equal(1)
    const batches = usersRequests().filter((request) => (request.userCount ?? 0) > 0)
    expect(batches.every((request) => request.status === 200 && (request.userCount ?? 0) <= 15)).to.equal(true)
    expect(batches.length).to.be.at.least(Math.ceil(expected.length / 15))
    const one = attributesOf(expected[0] as string)
    expect(Object.keys(one).sort()).to.deep.equal(['email', 'gladly_customer_id', 'name'])
    expect(one.gladly_customer_id?.array.s).to.deep.equal([expected[0]])
    expect(first.summary.users).to.deep.include({enabled: true, sent: expected.length, failed: 0, remaining: 0})
    expect(first.result.stderr).to.include(`Users: ${expected.length} delivered, 0 unchanged since sent`)

    const requestsBefore = usersRequests().length
    const again = await importJson()
    expect(again.result.code, again.result.stderr).to.equal(0)
    expect(again.summary.users.sent).to.equal(0)
    // The probe of the key at the start, and no batch.
    expect(
      usersRequests()
        .slice(requestsBefore)
        .map((request) => request.userCount),
    ).to.deep.equal([0])
  })

  it('sends a customer again once their profile changed, and only them', async () => {
    const first = await importJson()
    expect(first.result.code, first.result.stderr).to.equal(0)
    const sentFirst = new Set(users())
    const deliveredFirst = new Set(expectedConversationIds(fakes.gladly))
    fakes.gladly.clock.set(new Date(Date.now() - DAY_MS))
    const {dataset} = fakes.gladly
    const now = fakes.gladly.clock.now()
    // Customers the first run sent who have a conversation the second run delivers.
    const returning = [
      ...new Set(
        expectedConversationIds(fakes.gladly)
          .filter((id) => !deliveredFirst.has(id))
          .map((id) => dataset.conversation(id, now)?.customerId as string)
          .filter((customerId) => sentFirst.has(customerId)),
      ),
    ]
    expect(returning.length, 'a returning customer in the dataset').to.be.greaterThan(1)
    const renamed = returning[0] as string
    dataset.renameCustomer(renamed, 'Renamed Customer')

    const second = await importJson()
    expect(second.result.code, second.result.stderr).to.equal(0)
    expect(attributesOf(renamed).name?.array.s).to.deep.equal(['Renamed Customer'])
    expect(fakes.enterpret.users.get(renamed)?.received).to.equal(2)
    for (const id of sentFirst) if (id !== renamed) expect(fakes.enterpret.users.get(id)?.received, id).to.equal(1)
    expect(second.summary.users.sent).to.equal(users().length - sentFirst.size + 1)
  })

  it('isolates a user Enterpret rejects, delivers the others, exits 3, and retries it first on the next run', async () => {
    const firstConversation = expectedConversationIds(fakes.gladly)[0] as string
    const poisoned = fakes.gladly.dataset.conversation(firstConversation, fakes.gladly.clock.now())
      ?.customerId as string
    fakes.enterpret.configure({poisonUserIds: [poisoned]})
    const first = await importJson()
    expect(first.result.code, first.result.stderr).to.equal(3)
    expect(users()).to.deep.equal(customersOfRecords().filter((id) => id !== poisoned))
    expect(first.summary.users).to.deep.include({failed: 1, remaining: 1})
    expect(first.result.stderr).to.include('1 user(s) failed and wait in the dead-letter store')
    const shown = await sandbox.run(['state', 'show'], {env: env()})
    expect(shown.stdout).to.match(new RegExp(`User dead letters\\s+1 user\\(s\\) will be retried first`))
    expect(shown.stdout).to.include(`  ${poisoned}  `)

    fakes.enterpret.configure({poisonUserIds: []})
    const second = await importJson()
    expect(second.result.code, second.result.stderr).to.equal(0)
    expect(users()).to.deep.equal(customersOfRecords())
    expect(second.summary.users).to.deep.include({retried: 1, recovered: 1, remaining: 0})
  })

  it('loses no user when killed while users are being sent', async () => {
    const child = sandbox.start(['import'], {env: env()})
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    )
    let arrivals = 0
    fakes.enterpret.configure({
      // The second request to the Users webhook (the first is the key's probe) is the first batch: killed while it is
      // in flight, its users are on their way (the fake may still take them) and their conversations delivered.
      onArrival: ({path}) => {
        if (path === USERS_PATH && ++arrivals === 2) child.kill('SIGKILL')
      },
    })
    expect(await exited).to.equal('SIGKILL')
    expect(records().length, 'conversations were delivered').to.be.greaterThan(0)

    fakes.enterpret.configure({onArrival: undefined})
    const rest = await importJson()
    expect(rest.result.code, rest.result.stderr).to.equal(0)
    expect(rest.summary.users.resumed, 'users the killed run left pending').to.be.greaterThan(0)
    expect(users()).to.deep.equal(customersOfRecords())
    expect(records()).to.deep.equal(expectedRecords())
  })

  it('without ENTERPRET_USERS_API_KEY sends no user and makes no request to the Users webhook', async () => {
    const result = await sandbox.run(['import', '--json'], {env: fakes.env()})
    expect(result.code, result.stderr).to.equal(0)
    expect(fakes.enterpret.records.size).to.be.greaterThan(0)
    expect(usersRequests()).to.deep.equal([])
    expect(parseJson<RunSummary>(result).users).to.deep.include({enabled: false, sent: 0})
    expect(result.stderr).not.to.include('Users:')
  })

  it('a rejected Users webhook key fails at once with exit 2, naming the setting, before any Gladly work', async () => {
    const result = await sandbox.run(['import'], {env: env({ENTERPRET_USERS_API_KEY: 'test-wrong-users-key'})})
    expect(result.code, result.stderr).to.equal(2)
    expect(result.stderr).to.include('rejected the Users webhook key (ENTERPRET_USERS_API_KEY) (401)')
    expect(fakes.gladly.stats.total).to.equal(0)
    expect(fakes.enterpret.records.size + fakes.enterpret.users.size).to.equal(0)
    expect(result.stderr).not.to.include('test-wrong-users-key')
  })

  it('sends every chosen attribute, custom ones from the API profile, and identifies users by email when asked', async () => {
    const result = await sandbox.run(['import', '--json'], {
      env: env({ENTERPRET_USERS_ATTRIBUTES: 'all', ENTERPRET_USERS_ID: 'email'}),
    })
    expect(result.code, result.stderr).to.equal(0)
    const {dataset} = fakes.gladly
    const now = fakes.gladly.clock.now()
    const customerId = customersOfRecords()[0] as string
    const found = dataset.customer(customerId, now)
    if (found?.kind !== 'found') throw new Error('the customer of a delivered record is in the dataset')
    const {profile} = found
    const primary = profile.emails.find((email) => email.primary)?.original as string
    const attributes = attributesOf(primary)
    expect(attributes, `user ${primary}`).to.not.equal(undefined)
    expect(attributes.gladly_customer_id?.array.s).to.deep.equal([customerId])
    expect(attributes.name?.array.s).to.deep.equal([profile.name])
    expect(attributes.phone?.array.s).to.deep.equal([profile.phones.find((phone) => phone.primary)?.normalized])
    expect(attributes.address?.array.s).to.deep.equal([profile.address])
    const custom = Object.keys(attributes).filter((key) => key.startsWith('custom_'))
    expect(custom.length, 'custom attributes of the API profile').to.be.greaterThan(0)
    const summary = parseJson<RunSummary>(result)
    // customers.jsonl has no custom attributes: each customer's API profile, once.
    expect(summary.users.profileRequests).to.equal(customersOfRecords().length)
  })

  it('dry-run previews the users it would send, and sends nothing', async () => {
    const result = await sandbox.run(['dry-run'], {env: env()})
    expect(result.code, result.stderr).to.equal(0)
    const bodies = result.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {records?: Array<{metadata: {metadata: Attributes}}>; users?: Array<{id: string}>},
      )
    const previewed = bodies.flatMap((body) => body.users ?? []).map((user) => user.id)
    const ofRecords = new Set(
      bodies
        .flatMap((body) => body.records ?? [])
        .map((record) => record.metadata.metadata.gladly_customer_id?.array.s?.[0]),
    )
    expect(previewed.length).to.be.greaterThan(0)
    expect(new Set(previewed).size, 'each once').to.equal(previewed.length)
    expect(previewed.sort()).to.deep.equal([...ofRecords].sort())
    expect(fakes.enterpret.requests).to.deep.equal([])
  })
})
