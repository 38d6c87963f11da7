import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import type {Conversation, ConversationItem} from '../../src/lib/gladly/codecs.js'
import {toEnterpretRecord, type Lookups} from '../../src/lib/transform/index.js'
import {fakeConnectionEnv} from '../fakes/connection.js'
import {startFakeEnterpret, type FakeEnterpret} from '../fakes/enterpret/index.js'
import {startFakeGladly, type FakeGladly, type FakeGladlyOptions} from '../fakes/gladly/index.js'
import {createSandbox, type Sandbox} from './cli.js'

export const ENTERPRET_KEY = 'e2e-enterpret-key-0123456789'
export const DAY_MS = 24 * 60 * 60 * 1000

export interface Fakes {
  readonly gladly: FakeGladly
  readonly enterpret: FakeEnterpret
  /** Settings for the CLI: both fakes, fast retries, the whole fake org budget. */
  env(extra?: Record<string, string>): Record<string, string>
  close(): Promise<void>
}

export async function startFakes(
  gladlyOptions: FakeGladlyOptions = {},
  enterpretOptions: Parameters<typeof startFakeEnterpret>[0] = {},
): Promise<Fakes> {
  const gladly = await startFakeGladly({rateLimit: false, ...gladlyOptions})
  const enterpret = await startFakeEnterpret({apiKeys: [ENTERPRET_KEY], ...enterpretOptions})
  // Gladly's 10 a second where the fake enforces it; a fake without a limit is read faster, to keep the suite short
  // (a test that needs the run slow or paced says so).
  const maxRps = gladlyOptions.rateLimit ? String(gladlyOptions.rateLimit.perSecond) : '50'
  return {
    gladly,
    enterpret,
    env: (extra = {}) => ({
      ...fakeConnectionEnv(gladly.url, enterpret.url, ENTERPRET_KEY),
      GLADLY_MAX_RPS: maxRps,
      ENTERPRET_MAX_RPM: '6000',
      ENTERPRET_USERS_MAX_RPM: '6000',
      RETRY_DELAY: '20',
      ...extra,
    }),
    close: async () => {
      await gladly.close()
      await enterpret.close()
    },
  }
}

/**
 * A sandbox and both fakes for each test of the suite (mocha's beforeEach/afterEach), closed after it. Read them
 * from the returned object inside the tests.
 */
export function fakesForEachTest(gladlyOptions: FakeGladlyOptions = {}): {fakes: Fakes; sandbox: Sandbox} {
  const context = {} as {fakes: Fakes; sandbox: Sandbox}
  beforeEach(async () => {
    context.sandbox = createSandbox()
    context.fakes = await startFakes(gladlyOptions)
  })
  afterEach(async () => {
    await context.fakes?.close()
    context.sandbox?.cleanup()
  })
  return context
}

/** The conversations an import at the fake's current time must have delivered: closed, exported, not vanished. */
export function expectedConversationIds(gladly: FakeGladly): string[] {
  const now = gladly.clock.now()
  const closed = new Set(gladly.dataset.closedConversationIds(now))
  return gladly.dataset
    .exportedConversationIds(now)
    .filter((id) => closed.has(id) && gladly.dataset.conversation(id, now) !== undefined)
}

/** The messages the record of `id` must carry: the transform of Gladly's complete, uncapped history. */
export function expectedMessages(gladly: FakeGladly, id: string): Array<{actor: string; text: string}> {
  const now = gladly.clock.now()
  const {dataset} = gladly
  const conversation = dataset.conversation(id, now) as unknown as Conversation
  const items = dataset.items(id, now) as unknown as ConversationItem[]
  const lookups: Lookups = {
    agents: new Map(dataset.agents().map((agent) => [agent.id, agent])),
    topics: new Map(dataset.topics().map((topic) => [topic.id, topic])),
    inboxes: new Map(dataset.inboxes().map((inbox) => [inbox.id, inbox])),
  }
  const result = toEnterpretRecord(
    {conversation, items, lookups, gladlyAppUrl: dataset.organization().gladlyUrl},
    {
      fileId: 'gladly',
      includeNotes: false,
      metadataNesting: 'nested',
      maxRecordBytes: 10_000_000,
      now: new Date(Date.now() + DAY_MS),
    },
  )
  if (result._tag !== 'Record') throw new Error(`no record for ${id}: ${'reason' in result ? result.reason : ''}`)
  return result.record.conversation.msgs
}

export function deliveredMessages(
  enterpret: FakeEnterpret,
  id: string,
): Array<{actor: string; text: string}> | undefined {
  const stored = enterpret.records.get(`gladly_${id}`)
  return (stored?.record as {conversation?: {msgs: Array<{actor: string; text: string}>}} | undefined)?.conversation
    ?.msgs
}

/** Every file under a folder with its bytes, to prove a command changed nothing. */
export function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (path: string) => {
    let names: string[]
    try {
      names = readdirSync(path)
    } catch {
      return
    }
    for (const name of names) {
      const full = join(path, name)
      if (statSync(full).isDirectory()) walk(full)
      else files[full] = readFileSync(full).toString('base64')
    }
  }
  walk(dir)
  return files
}

/** Every file under the sandbox, as text: nothing in it may contain a secret. */
export function allFileText(sandbox: Sandbox): string {
  return Object.values(snapshot(sandbox.dir))
    .map((content) => Buffer.from(content, 'base64').toString('utf8'))
    .join('\n')
}
