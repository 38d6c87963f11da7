// The transform figure of `npm run bench`, in a process of its own so that the bench's fake org does
// not weigh on its heap: reads, groups, decodes and transforms the export file given, and prints
// {items, records, seconds} as JSON. Usage: tsx scripts/bench-transform.ts ITEMS_FILE LOOKUPS_JSON
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import type {Agent, Conversation, Inbox, Topic} from '../src/lib/gladly/codecs.js'
import type {Lookups} from '../src/lib/transform/index.js'

// The built code, as the CLI runs it (`npm run bench` builds first), not tsx's transpilation of src.
const lib = resolve(import.meta.dirname, '..', 'lib', 'lib')
const {decodeItems, itemBuckets} = (await import(
  join(lib, 'gladly', 'feed', 'job-files.js')
)) as typeof import('../src/lib/gladly/feed/job-files.js')
const {toEnterpretRecord} = (await import(
  join(lib, 'transform', 'index.js')
)) as typeof import('../src/lib/transform/index.js')

/** What this script prints. */
export interface TransformRun {
  readonly items: number
  readonly records: number
  readonly seconds: number
}

export interface TransformInput {
  readonly now: string
  readonly conversations: readonly Conversation[]
  readonly agents: readonly Agent[]
  readonly topics: readonly Topic[]
  readonly inboxes: readonly Inbox[]
}

const [itemsPath, inputPath] = process.argv.slice(2) as [string, string]
const input = JSON.parse(readFileSync(inputPath, 'utf8')) as TransformInput
const now = new Date(input.now)
const conversations = new Map(input.conversations.map((conversation) => [conversation.id, conversation]))
const byId = <A extends {readonly id: string}>(list: readonly A[]) => new Map(list.map((entry) => [entry.id, entry]))
const lookups: Lookups = {agents: byId(input.agents), topics: byId(input.topics), inboxes: byId(input.inboxes)}
const options = {
  fileId: 'gladly',
  includeNotes: false,
  metadataNesting: 'nested' as const,
  maxRecordBytes: 999_000,
  now,
}
const workDir = mkdtempSync(join(tmpdir(), 'gladly-enterpret-bench-buckets-'))

let items = 0
let records = 0
const started = performance.now()
for await (const bucket of itemBuckets(itemsPath, 'bench', workDir)) {
  for (const [id, lines] of bucket.conversations) {
    const group = decodeItems('bench', id, lines).items
    items += group.length
    const conversation = conversations.get(id)
    if (
      conversation !== undefined &&
      toEnterpretRecord({conversation, items: group, lookups, gladlyAppUrl: 'https://example.gladly.com'}, options)
        ._tag === 'Record'
    )
      records++
  }
}
const seconds = (performance.now() - started) / 1000
rmSync(workDir, {recursive: true, force: true})
const run: TransformRun = {items, records, seconds}
console.log(JSON.stringify(run))
