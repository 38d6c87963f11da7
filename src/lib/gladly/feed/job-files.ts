import type * as TE from 'fp-ts/lib/TaskEither.js'
import type * as t from 'io-ts'
import {once} from 'node:events'
import {createWriteStream, type WriteStream} from 'node:fs'
import {mkdir, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {decode} from '../../common/index.js'
import {downloadExportFile} from '../client.js'
import {Agent, ConversationItem, customerEmails, customerName, ExportCustomer, Topic, type ExportJob} from '../codecs.js'
import type {GladlyError} from '../errors.js'
import type {GladlyHttp} from '../http.js'
import {readLines} from './lines.js'

export const ITEMS_FILE = 'conversation_items.jsonl'

/** A line of an export file that could not be used: kept for the failure report, never fatal. */
export interface MalformedLine {
  readonly jobId: string
  readonly file: string
  readonly line: number
  readonly reason: string
  /** The start of the line as Gladly sent it. */
  readonly text: string
}

export interface CustomerSummary {
  readonly id: string
  readonly name?: string
  readonly emails: readonly string[]
}

export interface JobLookups {
  readonly agents: readonly Agent[]
  readonly topics: readonly Topic[]
  readonly customers: ReadonlyMap<string, CustomerSummary>
  readonly malformed: readonly MalformedLine[]
}

export interface ItemBucket {
  /** Items by conversation, in order of first appearance. */
  readonly conversations: ReadonlyMap<string, ConversationItem[]>
  readonly malformed: readonly MalformedLine[]
  /** Items without a conversation (timeline-only activity): not part of any transcript. */
  readonly timelineOnly: number
}

const SHOWN_TEXT = 300

/**
 * Downloads every file of the job into `dir`, streaming each to disk. Undefined when Gladly no longer
 * has one of them (the job expired between listing and download).
 */
export function downloadJob(http: GladlyHttp, job: ExportJob, dir: string): TE.TaskEither<GladlyError, ReadonlyMap<string, string> | undefined> {
  return async () => {
    await mkdir(dir, {recursive: true, mode: 0o700})
    const paths = new Map<string, string>()
    for (const name of job.files) {
      // A file name comes from Gladly; it must not choose where on disk it lands.
      const path = join(dir, encodeURIComponent(name))
      const result = await downloadExportFile(http, job.id, name, path)()
      if (result._tag === 'Left') return result
      if (result.right === undefined) return {_tag: 'Right', right: undefined}
      paths.set(name, path)
    }
    return {_tag: 'Right', right: paths}
  }
}

async function* decodedLines<A>(path: string, file: string, jobId: string, codec: t.Type<A, unknown, unknown>, malformed: MalformedLine[]): AsyncGenerator<A> {
  for await (const {number, text} of readLines(path)) {
    if (text.trim() === '') continue
    const value = parseLine(text, number, file, jobId, codec)
    if ('reason' in value) malformed.push(value)
    else yield value.value
  }
}

function parseLine<A>(text: string, line: number, file: string, jobId: string, codec: t.Type<A, unknown, unknown>): {value: A} | MalformedLine {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return {jobId, file, line, reason: `not JSON (${(error as Error).message})`, text: text.slice(0, SHOWN_TEXT)}
  }
  const decoded = decode(codec, json, `line ${line}`)
  return decoded._tag === 'Right' ? {value: decoded.right} : {jobId, file, line, reason: decoded.left.message, text: text.slice(0, SHOWN_TEXT)}
}

/** The job's agents, topics and customers (each file holds the ones its window refers to). */
export async function readLookups(job: ExportJob, files: ReadonlyMap<string, string>): Promise<JobLookups> {
  const malformed: MalformedLine[] = []
  const read = async <A>(name: string, codec: t.Type<A, unknown, unknown>, each: (value: A) => void) => {
    const path = files.get(name)
    if (path !== undefined) for await (const value of decodedLines(path, name, job.id, codec, malformed)) each(value)
  }
  const agents: Agent[] = []
  const topics: Topic[] = []
  const customers = new Map<string, CustomerSummary>()
  await read('agents.jsonl', Agent, (agent) => agents.push(agent))
  await read('topics.jsonl', Topic, (topic) => topics.push(topic))
  // Only what a record needs is kept: a large export has as many customers as conversations.
  await read('customers.jsonl', ExportCustomer, (customer) => customers.set(customer.id, {id: customer.id, name: customerName(customer), emails: customerEmails(customer)}))
  return {agents, topics, customers, malformed}
}

// Items of one conversation are spread all over the job's file. Hashing lines into buckets by
// conversation id keeps each conversation in one bucket, and one bucket in memory at a time.
const CONVERSATION_ID = /"conversationId"\s*:\s*"([^"\\]+)"/
export const DEFAULT_BUCKET_BYTES = 8 * 1024 * 1024

function bucketOf(conversationId: string, buckets: number): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < conversationId.length; index++) hash = Math.imul(hash ^ conversationId.charCodeAt(index), 0x01000193)
  return (hash >>> 0) % buckets
}

/** The conversations a job's items file touches, read without parsing the lines. */
export async function scanConversationIds(path: string): Promise<Set<string>> {
  const ids = new Set<string>()
  for await (const {text} of readLines(path)) {
    const id = CONVERSATION_ID.exec(text)?.[1]
    if (id !== undefined) ids.add(id)
  }
  return ids
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain')
}

async function partition(path: string, dir: string, buckets: number): Promise<string[]> {
  const paths = Array.from({length: buckets}, (_, index) => join(dir, `bucket-${index}.tsv`))
  const streams = paths.map((bucketPath) => createWriteStream(bucketPath, {mode: 0o600}))
  for await (const {number, text} of readLines(path)) {
    if (text.trim() === '') continue
    const id = CONVERSATION_ID.exec(text)?.[1]
    await write(streams[id === undefined ? 0 : bucketOf(id, buckets)] as WriteStream, `${number}\t${text}\n`)
  }
  await Promise.all(streams.map((stream) => new Promise((resolve) => stream.end(resolve))))
  return paths
}

async function loadBucket(lines: AsyncIterable<{number: number; text: string}>, jobId: string): Promise<ItemBucket> {
  const conversations = new Map<string, ConversationItem[]>()
  const malformed: MalformedLine[] = []
  let timelineOnly = 0
  for await (const {number, text} of lines) {
    if (text.trim() === '') continue
    const parsed = parseLine(text, number, ITEMS_FILE, jobId, ConversationItem)
    if ('reason' in parsed) {
      malformed.push(parsed)
      continue
    }
    const item = parsed.value
    if (item.conversationId === undefined) {
      timelineOnly++
      continue
    }
    const group = conversations.get(item.conversationId)
    if (group === undefined) conversations.set(item.conversationId, [item])
    else group.push(item)
  }
  return {conversations, malformed, timelineOnly}
}

async function* numberedBucketLines(path: string): AsyncGenerator<{number: number; text: string}> {
  for await (const {text} of readLines(path)) {
    const tab = text.indexOf('\t')
    yield {number: Number(text.slice(0, tab)), text: text.slice(tab + 1)}
  }
}

/**
 * The job's conversation items grouped by conversation, one bucket at a time. Small files are one
 * bucket read straight from the download; large ones are first split by conversation id.
 */
export async function* itemBuckets(path: string, jobId: string, workDir: string, bucketBytes = DEFAULT_BUCKET_BYTES): AsyncGenerator<ItemBucket> {
  const buckets = Math.max(1, Math.ceil((await stat(path)).size / bucketBytes))
  if (buckets === 1) {
    yield await loadBucket(readLines(path), jobId)
    return
  }
  for (const bucketPath of await partition(path, workDir, buckets)) {
    yield await loadBucket(numberedBucketLines(bucketPath), jobId)
    await rm(bucketPath, {force: true})
  }
}
