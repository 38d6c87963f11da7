import * as t from 'io-ts'
import {open, mkdir, type FileHandle} from 'node:fs/promises'
import {dirname} from 'node:path'
import {finishLastLine, readJsonLines, writeAtomically} from '../common/index.js'

/** A conversation Gladly said closed, waiting to be delivered. */
const QueuedConversation = t.intersection([
  t.type({
    conversationId: t.string,
    /** `webhook` or `events`: which path saw it first. */
    via: t.string,
    receivedAt: t.string,
  }),
  t.partial({eventId: t.string, closedAt: t.string}),
])
type QueuedConversation = t.TypeOf<typeof QueuedConversation>

const AddLine = t.type({add: QueuedConversation})
const DoneLine = t.type({done: t.array(t.string)})

/**
 * The conversations watch has acknowledged and not yet delivered, on disk: every acknowledgement is an appended line
 * made durable (fsync) before Gladly gets its 200, so a process killed at any point loses nothing; what was delivered
 * is appended as `done`. Opened again, it holds what was added and not done, in order. Rewritten to only that once
 * done lines dominate it.
 */
export interface DurableQueue {
  readonly path: string
  /** Appends and syncs; a conversation already waiting is not added twice. Resolves once it is on disk. */
  add(entry: QueuedConversation): Promise<void>
  /** The oldest waiting conversations, at most `max`. */
  peek(max: number): readonly QueuedConversation[]
  markDone(conversationIds: readonly string[]): Promise<void>
  readonly depth: number
  /** Why the last write failed (a full disk), until one succeeds again. */
  readonly problem: string | undefined
  /** Resolves when something waits (at once if something does), or when the signal aborts. */
  waitForWork(signal: AbortSignal): Promise<void>
  close(): Promise<void>
}

// Rewrite the file once it holds this many lines per waiting conversation (and more than a few).
const COMPACT_LINES_PER_ENTRY = 4
const COMPACT_MIN_LINES = 1000

export async function openQueue(path: string): Promise<DurableQueue> {
  await mkdir(dirname(path), {recursive: true, mode: 0o700})
  // A line torn by a crash during an append was never acknowledged: Gladly sends that event again.
  finishLastLine(path)
  const waiting = new Map<string, QueuedConversation>()
  let lines = 0
  for (const value of (await readJsonLines(path)).values) {
    lines++
    if (AddLine.is(value)) {
      if (!waiting.has(value.add.conversationId)) waiting.set(value.add.conversationId, value.add)
    } else if (DoneLine.is(value)) for (const id of value.done) waiting.delete(id)
  }
  let handle: FileHandle = await open(path, 'a', 0o600)
  // Appends (and a rewrite) one at a time: each waits for the one before, so lines never interleave.
  let tail: Promise<unknown> = Promise.resolve()
  let wake: (() => void) | undefined
  const writing = new Map<string, Promise<void>>()
  let problem: string | undefined

  /**
   * Runs file work after the work before it. The caller gets the outcome (a failed append is the webhook's 503, a
   * failed compaction the delivery's error); the chain itself only has to go on to the next work.
   */
  const serially = (work: () => Promise<void>): Promise<void> => {
    const outcome = tail.then(work)
    tail = outcome.then(
      () => undefined,
      () => undefined,
    )
    return outcome
  }

  const append = (text: string) =>
    serially(async () => {
      try {
        await handle.appendFile(text)
        await handle.datasync()
      } catch (error) {
        problem = `the queue ${path} cannot be written: ${(error as Error).message}`
        throw error
      }
      problem = undefined
      lines += text.split('\n').length - 1
    })

  const compact = () =>
    serially(async () => {
      const content = [...waiting.values()].map((entry) => `${JSON.stringify({add: entry})}\n`).join('')
      await handle.close()
      await writeAtomically(path, content)
      handle = await open(path, 'a', 0o600)
      await handle.sync()
      lines = waiting.size
    })

  return {
    path,
    add(entry) {
      const {conversationId} = entry
      // Already waiting: durable once its own line is.
      const pending = writing.get(conversationId)
      if (pending !== undefined) return pending
      if (waiting.has(conversationId)) return Promise.resolve()
      waiting.set(conversationId, entry)
      const written = append(`${JSON.stringify({add: entry})}\n`).then(
        () => {
          writing.delete(conversationId)
          wake?.()
        },
        (error: unknown) => {
          writing.delete(conversationId)
          waiting.delete(conversationId)
          throw error
        },
      )
      writing.set(conversationId, written)
      return written
    },
    peek: (max) => [...waiting.values()].filter((entry) => !writing.has(entry.conversationId)).slice(0, max),
    async markDone(conversationIds) {
      const known = conversationIds.filter((id) => waiting.has(id))
      if (known.length === 0) return
      for (const id of known) waiting.delete(id)
      await append(`${JSON.stringify({done: known})}\n`)
      if (lines >= COMPACT_MIN_LINES && lines > COMPACT_LINES_PER_ENTRY * waiting.size) await compact()
    },
    get depth() {
      return waiting.size
    },
    get problem() {
      return problem
    },
    waitForWork(signal) {
      if (waiting.size > 0 || signal.aborted) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const done = () => {
          wake = undefined
          signal.removeEventListener('abort', done)
          resolve()
        }
        wake = done
        signal.addEventListener('abort', done)
      })
    },
    async close() {
      await tail
      await handle.close()
    },
  }
}
