import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {dirname, join} from 'node:path'
import {finishLastLine, KeyedLines, readLineChunks} from '../common/index.js'
import {profileStateDir} from './store.js'

/**
 * Conversations already delivered, with the closedAt they were sent with. Enterpret would skip a
 * re-sent id anyway; the ledger saves the Gladly request, and tells a conversation that was reopened
 * and closed again (--resend-updated) from one that was not.
 */
export interface Ledger {
  closedAtOf(conversationId: string): string | undefined
  record(entries: ReadonlyArray<{readonly conversationId: string; readonly closedAt: string}>): Promise<void>
}

interface Entry {
  readonly id: string
  readonly closedAt: string
}

function entryOf(text: string): Entry | undefined {
  try {
    const value = JSON.parse(text) as Partial<Entry> | null
    return typeof value?.id === 'string' && typeof value.closedAt === 'string'
      ? {id: value.id, closedAt: value.closedAt}
      : undefined
  } catch {
    return undefined
  }
}

const ledgerPath = (stateDir: string, profile: string) => join(profileStateDir(stateDir, profile), 'sent.jsonl')

// Re-sends append a second line for the same id; rewrite the file once the repeats dominate it.
const COMPACT_WHEN_LINES_PER_ENTRY = 2

/**
 * sent.jsonl with an index of where each id's latest line starts. It holds every conversation ever
 * sent, so the ids stay on disk: a Map of them would hold them all in the heap for the whole run
 * (about 80 bytes each, against 16–32 in the index). A lookup reads a line only when the id's hash is
 * indexed: for a conversation sent before, or, rarely, one that shares its hash.
 */
class LedgerFile {
  private readonly entries: KeyedLines<Entry>
  private lines = 0
  /** Where the next line goes. */
  private end = 0

  private constructor(readonly path: string) {
    this.entries = new KeyedLines(path, entryOf, (entry) => entry.id)
  }

  /** `repair`: may rewrite the file, which a dry run must leave as it is. */
  static async open(path: string, repair: boolean): Promise<LedgerFile> {
    const ledger = new LedgerFile(path)
    if (!existsSync(path)) return ledger
    if (repair) finishLastLine(path)
    for await (const {buffer, offset, bounds} of readLineChunks(path)) {
      for (let index = 0; index < bounds.length; index += 2) {
        const entry = entryOf(buffer.toString('utf8', bounds[index], bounds[index + 1]))
        ledger.lines++
        if (entry !== undefined) ledger.point(entry.id, offset + (bounds[index] as number))
      }
    }
    ledger.end = statSync(path).size
    if (repair && ledger.lines > COMPACT_WHEN_LINES_PER_ENTRY * ledger.entries.size && ledger.entries.size > 0) {
      await ledger.compact()
      return LedgerFile.open(path, repair)
    }
    return ledger
  }

  closedAtOf(conversationId: string): string | undefined {
    return this.reading(() => this.entries.get(conversationId)?.closedAt)
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return
    const lines = entries.map((entry) => `${JSON.stringify({id: entry.id, closedAt: entry.closedAt})}\n`)
    mkdirSync(dirname(this.path), {recursive: true, mode: 0o700})
    // Synchronous, so that no other append can come between the write and the offsets it gives.
    appendFileSync(this.path, lines.join(''), {mode: 0o600})
    for (const [index, entry] of entries.entries()) {
      this.point(entry.id, this.end)
      this.end += Buffer.byteLength(lines[index] as string)
      this.lines++
    }
  }

  private point(id: string, offset: number): void {
    this.reading(() => this.entries.set(id, offset))
  }

  // The file is opened only when an id's hash is indexed, and closed again: it is rewritten at times.
  private reading<T>(work: () => T): T {
    try {
      return work()
    } finally {
      this.entries.close()
    }
  }

  /** Rewrites the file with only the latest line of each id, in their order. */
  private async compact(): Promise<void> {
    const kept = this.entries.sortedOffsets()
    let next = 0
    await rewriteKeeping(this.path, (_text, offset) => {
      if (offset !== kept[next]) return false
      next++
      return true
    })
  }
}

/** Replaces the file, atomically, with the lines `keep` says yes to: streamed, never all in memory. */
async function rewriteKeeping(path: string, keep: (text: string, offset: number) => boolean): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    const fd = openSync(temporary, 'w', 0o600)
    try {
      for await (const {buffer, offset, bounds} of readLineChunks(path)) {
        let kept = ''
        for (let index = 0; index < bounds.length; index += 2) {
          const text = buffer.toString('utf8', bounds[index], bounds[index + 1])
          if (keep(text, offset + (bounds[index] as number))) kept += `${text}\n`
        }
        writeFileSync(fd, kept)
      }
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, {force: true})
    throw error
  }
}

const asEntries = (entries: ReadonlyArray<{readonly conversationId: string; readonly closedAt: string}>): Entry[] =>
  entries.map(({conversationId, closedAt}) => ({id: conversationId, closedAt}))

export async function openLedger(stateDir: string, profile: string): Promise<Ledger> {
  const file = await LedgerFile.open(ledgerPath(stateDir, profile), true)
  return {
    closedAtOf: (conversationId) => file.closedAtOf(conversationId),
    async record(entries) {
      file.append(asEntries(entries))
    },
  }
}

/** A dry run's ledger: it remembers what this run would have sent, in memory only, so the state stays as it was. */
export async function readOnlyLedger(stateDir: string, profile: string): Promise<Ledger> {
  const file = await LedgerFile.open(ledgerPath(stateDir, profile), false)
  const wouldSend = new Map<string, string>()
  return {
    closedAtOf: (conversationId) => wouldSend.get(conversationId) ?? file.closedAtOf(conversationId),
    async record(entries) {
      for (const {id, closedAt} of asEntries(entries)) wouldSend.set(id, closedAt)
    },
  }
}

/**
 * Forgets the conversations closed from `to` on, so that they are sent again rather than skipped as
 * sent (state reset --to).
 */
export async function forgetSentSince(stateDir: string, profile: string, to: Date): Promise<void> {
  const path = ledgerPath(stateDir, profile)
  if (!existsSync(path)) return
  await rewriteKeeping(path, (text) => {
    const entry = entryOf(text)
    return entry !== undefined && Date.parse(entry.closedAt) < to.getTime()
  })
}
