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
import {dirname} from 'node:path'
import {finishLastLine, KeyedLines, readLineChunks} from '../common/index.js'

/** What a line of a keyed log holds: an id, and whatever the log remembers of it. */
export interface KeyedEntry {
  readonly id: string
}

// Re-sends append a second line for the same id; rewrite the file once the repeats dominate it.
const COMPACT_WHEN_LINES_PER_ENTRY = 2

/**
 * A JSON-lines file of entries by id (the latest line of an id wins), with an index of where each id's latest
 * line starts. Such a file holds every conversation ever sent, or every customer: the ids stay on disk, since a Map
 * of them would hold them all in the heap for the whole run (about 80 bytes each, against 16–32 in the index). A
 * lookup reads a line only when the id's hash is indexed: for an id seen before, or, rarely, one sharing its hash.
 * The file is rewritten with one line per id once repeats dominate it, so it stays bounded by the ids it knows.
 */
export class KeyedLog<E extends KeyedEntry> {
  private readonly entries: KeyedLines<E>
  private lines = 0
  /** Where the next line goes. */
  private end = 0

  private constructor(
    readonly path: string,
    parse: (text: string) => E | undefined,
  ) {
    this.entries = new KeyedLines(path, parse, (entry) => entry.id)
  }

  /** `repair`: may rewrite the file, which a dry run must leave as it is. */
  static async open<E extends KeyedEntry>(
    path: string,
    parse: (text: string) => E | undefined,
    repair: boolean,
  ): Promise<KeyedLog<E>> {
    const log = new KeyedLog(path, parse)
    if (!existsSync(path)) return log
    if (repair) finishLastLine(path)
    for await (const {buffer, offset, bounds} of readLineChunks(path)) {
      for (let index = 0; index < bounds.length; index += 2) {
        const entry = parse(buffer.toString('utf8', bounds[index], bounds[index + 1]))
        log.lines++
        if (entry !== undefined) log.point(entry.id, offset + (bounds[index] as number))
      }
    }
    log.end = statSync(path).size
    if (repair && log.lines > COMPACT_WHEN_LINES_PER_ENTRY * log.entries.size && log.entries.size > 0) {
      await log.compact()
      return KeyedLog.open(path, parse, repair)
    }
    return log
  }

  get(id: string): E | undefined {
    return this.reading(() => this.entries.get(id))
  }

  /** Appends the entries as they are (their JSON is their line). */
  append(entries: readonly E[]): void {
    if (entries.length === 0) return
    const lines = entries.map((entry) => `${JSON.stringify(entry)}\n`)
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
export async function rewriteKeeping(path: string, keep: (text: string, offset: number) => boolean): Promise<void> {
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
