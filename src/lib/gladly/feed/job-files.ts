import type * as TE from 'fp-ts/lib/TaskEither.js'
import type * as t from 'io-ts'
import {closeSync, openSync, writeSync} from 'node:fs'
import {mkdir, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {checkOrDecode, hashOf, readLineChunks} from '../../common/index.js'
import {downloadExportFile} from '../client.js'
import {ConversationItem, type ExportJob} from '../codecs.js'
import type {GladlyError} from '../errors.js'
import type {GladlyHttp} from '../http.js'

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

/** One line of the items file, kept as text until its conversation is worked on. */
export interface RawItem {
  readonly line: number
  readonly text: string
}

export interface ItemBucket {
  /**
   * Lines by conversation, in order of first appearance. Kept as text: a line is a third of the
   * memory of the object it parses into, and parsing late keeps those objects short-lived.
   */
  readonly conversations: ReadonlyMap<string, RawItem[]>
  readonly malformed: readonly MalformedLine[]
  /** Items without a conversation (timeline-only activity): not part of any transcript. */
  readonly timelineOnly: number
  /** Of those, the survey results (CUSTOMER_ACTIVITY, activityType SURVEY): few, kept whole. */
  readonly surveys: readonly ConversationItem[]
}

const SHOWN_TEXT = 300

/**
 * Downloads every file of the job into `dir`, streaming each to disk. Undefined when Gladly no longer
 * has one of them (the job expired between listing and download).
 */
export function downloadJob(
  http: GladlyHttp,
  job: ExportJob,
  dir: string,
): TE.TaskEither<GladlyError, ReadonlyMap<string, string> | undefined> {
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

export function parseLine<A>(
  text: string,
  line: number,
  file: string,
  jobId: string,
  codec: t.Type<A, unknown, unknown>,
): {value: A} | MalformedLine {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return {
      jobId,
      file,
      line,
      reason: `not JSON (${(error as Error).message})`,
      text: detached(text.slice(0, SHOWN_TEXT)),
    }
  }
  const decoded = checkOrDecode(codec, json, `line ${line}`)
  return decoded._tag === 'Right'
    ? {value: decoded.right}
    : {jobId, file, line, reason: decoded.left.message, text: detached(text.slice(0, SHOWN_TEXT))}
}

// Items of one conversation are spread all over the job's file. Hashing lines into buckets by
// conversation id keeps each conversation in one bucket, and one bucket in memory at a time.
// A bucket's lines are in memory while its conversations are worked on: small buckets keep the heap
// small. Each bucket is an open file while the job's file is split, so their number is capped (macOS
// allows a process 256 open files by default); past that, buckets grow instead.
const DEFAULT_BUCKET_BYTES = 2 * 1024 * 1024
const MAX_BUCKETS = 128

/**
 * A copy of a string that shares no memory with the text it was cut from. V8 represents a substring
 * as a slice of its parent: a kept excerpt would otherwise keep its whole line alive.
 */
function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8')
}

const ID_KEY = Buffer.from('"conversationId"')
const TAB = 0x09
const NEWLINE = 0x0a
const SPACE = 0x20
const QUOTE = 0x22
const DIGIT_ZERO = 0x30
const COLON = 0x3a
const BACKSLASH = 0x5c
const LOWER_C = 0x63

/**
 * The conversationId of the item line `buffer[start, end)`, read from its bytes: the value of the
 * first `"conversationId": "…"` (Gladly writes it before the content). A line where that is not
 * plain gets undefined and is parsed instead. Gladly ids are URL-safe ASCII, so latin1 gives the
 * exact string, as a copy.
 */
function conversationIdOf(buffer: Buffer, start: number, end: number): string | undefined {
  const key = indexOfKey(buffer, start, end)
  if (key === -1) return undefined
  let position = key + ID_KEY.length
  while (buffer[position] === SPACE || buffer[position] === TAB) position++
  if (buffer[position++] !== COLON) return undefined
  while (buffer[position] === SPACE || buffer[position] === TAB) position++
  if (buffer[position++] !== QUOTE) return undefined
  // Bounded by the line, byte by byte: ids are short, and a search of the whole chunk is not.
  let close = position
  while (close < end && buffer[close] !== QUOTE) {
    if (buffer[close] === BACKSLASH) return undefined
    close++
  }
  if (close === position || close === end) return undefined
  return buffer.toString('latin1', position, close)
}

/** Where `"conversationId"` starts in `buffer[start, end)`, or -1. */
function indexOfKey(buffer: Buffer, start: number, end: number): number {
  const last = end - ID_KEY.length
  for (let position = start; position <= last; position++) {
    if (buffer[position] !== QUOTE || buffer[position + 1] !== LOWER_C) continue
    let matched = 2
    while (matched < ID_KEY.length && buffer[position + matched] === ID_KEY[matched]) matched++
    if (matched === ID_KEY.length) return position
  }
  return -1
}

/** The conversations a job's items file touches, read without parsing the lines. */
export async function scanConversationIds(path: string): Promise<Set<string>> {
  const ids = new Set<string>()
  for await (const {buffer, bounds} of readLineChunks(path)) {
    for (let index = 0; index < bounds.length; index += 2) {
      const id = conversationIdOf(buffer, bounds[index] as number, bounds[index + 1] as number)
      if (id !== undefined) ids.add(id)
    }
  }
  return ids
}

// Lines go out per bucket in large writes, not one small write per line; all buckets' unwritten
// lines together stay within PENDING_BYTES. Writes are synchronous, like the reads (see lines.ts):
// to the page cache they take microseconds, and the buffer is reused.
const PENDING_BYTES = 4 * 1024 * 1024
const MIN_FLUSH_BYTES = 16 * 1024

/** Lines copied into one bucket's buffer as `number<TAB>line<LF>`, written out when it is full. */
class BucketWriter {
  private pending: Buffer
  private used = 0
  private readonly fd: number

  constructor(
    readonly path: string,
    flushBytes: number,
  ) {
    this.pending = Buffer.allocUnsafe(flushBytes)
    this.fd = openSync(path, 'w', 0o600)
  }

  add(line: number, buffer: Buffer, start: number, end: number): void {
    const digits = String(line)
    const size = digits.length + 1 + (end - start) + 1
    if (this.used + size > this.pending.length) {
      this.flush()
      if (size > this.pending.length) this.pending = Buffer.allocUnsafe(size)
    }
    this.used += this.pending.write(digits, this.used, 'latin1')
    this.pending[this.used++] = TAB
    this.used += buffer.copy(this.pending, this.used, start, end)
    this.pending[this.used++] = NEWLINE
  }

  flush(): void {
    for (let written = 0; written < this.used;)
      written += writeSync(this.fd, this.pending, written, this.used - written)
    this.used = 0
  }

  close(): void {
    closeSync(this.fd)
  }
}

async function partition(path: string, dir: string, buckets: number): Promise<string[]> {
  const flushBytes = Math.max(MIN_FLUSH_BYTES, Math.floor(PENDING_BYTES / buckets))
  const writers: BucketWriter[] = []
  try {
    for (let index = 0; index < buckets; index++)
      writers.push(new BucketWriter(join(dir, `bucket-${index}.tsv`), flushBytes))
    for await (const {buffer, firstLine, bounds} of readLineChunks(path)) {
      for (let index = 0; index < bounds.length; index += 2) {
        const start = bounds[index] as number
        const end = bounds[index + 1] as number
        if (start === end) continue
        const id = conversationIdOf(buffer, start, end)
        const writer = writers[id === undefined ? 0 : hashOf(id) % buckets] as BucketWriter
        writer.add(firstLine + index / 2, buffer, start, end)
      }
    }
    for (const writer of writers) writer.flush()
  } finally {
    for (const writer of writers) writer.close()
  }
  return writers.map((writer) => writer.path)
}

/**
 * Groups the lines of an items file by conversation. `numbered`: a bucket file, whose lines carry
 * their number in the job's file before a tab. Works on the bytes: no regex or object per line but
 * the item kept.
 */
async function loadBucket(path: string, jobId: string, numbered: boolean): Promise<ItemBucket> {
  const conversations = new Map<string, RawItem[]>()
  const malformed: MalformedLine[] = []
  let timelineOnly = 0
  const surveys: ConversationItem[] = []
  const add = (conversationId: string, item: RawItem) => {
    const group = conversations.get(conversationId)
    if (group === undefined) conversations.set(conversationId, [item])
    else group.push(item)
  }
  for await (const {buffer, firstLine, bounds} of readLineChunks(path)) {
    for (let index = 0; index < bounds.length; index += 2) {
      let start = bounds[index] as number
      const end = bounds[index + 1] as number
      let line = firstLine + index / 2
      if (numbered) {
        line = 0
        while (start < end && buffer[start] !== TAB) line = line * 10 + (buffer[start++] as number) - DIGIT_ZERO
        start++
      }
      const id = conversationIdOf(buffer, start, end)
      const text = buffer.toString('utf8', start, end)
      if (id !== undefined) {
        add(id, {line, text})
        continue
      }
      if (text.trim() === '') continue
      // No conversation id at a glance: timeline-only activity, or a line that is not an item at all.
      const parsed = parseLine(text, line, ITEMS_FILE, jobId, ConversationItem)
      if ('reason' in parsed) malformed.push(parsed)
      else if (parsed.value.conversationId === undefined) {
        timelineOnly++
        if (isSurveyActivity(parsed.value)) surveys.push(parsed.value)
      } else add(parsed.value.conversationId, {line, text})
    }
  }
  return {conversations, malformed, timelineOnly, surveys}
}

/** How survey partners post results to the timeline: CUSTOMER_ACTIVITY with activityType SURVEY. */
function isSurveyActivity(item: ConversationItem): boolean {
  const content = item.content as {type?: string; activityType?: string}
  return content.type === 'CUSTOMER_ACTIVITY' && content.activityType === 'SURVEY'
}

/** Parses one conversation's lines; a line that is not a valid item is set aside, never fatal. */
export function decodeItems(
  jobId: string,
  conversationId: string,
  lines: readonly RawItem[],
): {items: ConversationItem[]; malformed: MalformedLine[]} {
  const items: ConversationItem[] = []
  const malformed: MalformedLine[] = []
  for (const {line, text} of lines) {
    const parsed = parseLine(text, line, ITEMS_FILE, jobId, ConversationItem)
    if ('reason' in parsed) malformed.push(parsed)
    else if (parsed.value.conversationId !== conversationId)
      malformed.push({
        jobId,
        file: ITEMS_FILE,
        line,
        reason: `its conversationId is ${parsed.value.conversationId ?? 'missing'}, not ${conversationId}`,
        text: detached(text.slice(0, SHOWN_TEXT)),
      })
    else items.push(parsed.value)
  }
  return {items, malformed}
}

/**
 * The job's conversation items grouped by conversation, one bucket at a time. Small files are one
 * bucket read straight from the download; large ones are first split by conversation id.
 */
export async function* itemBuckets(
  path: string,
  jobId: string,
  workDir: string,
  bucketBytes = DEFAULT_BUCKET_BYTES,
): AsyncGenerator<ItemBucket> {
  const buckets = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil((await stat(path)).size / bucketBytes)))
  if (buckets === 1) {
    yield await loadBucket(path, jobId, false)
    return
  }
  for (const bucketPath of await partition(path, workDir, buckets)) {
    yield await loadBucket(bucketPath, jobId, true)
    await rm(bucketPath, {force: true})
  }
}
