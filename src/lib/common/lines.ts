import {closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync} from 'node:fs'
import {setImmediate as nextTurn} from 'node:timers/promises'

// The files read here are local (export files, the state's): reading one synchronously into one
// reused buffer takes a tenth of the time of a read stream (a threadpool round trip and a new buffer
// per chunk, left as C-heap fragments once freed). The event loop gets a turn after each chunk, so
// requests in flight are not held up.
const READ_CHUNK_BYTES = 64 * 1024

/**
 * A piece of a file cut at line ends, with the lines as byte ranges: line i is
 * `buffer[bounds[2i], bounds[2i+1])`, without its LF or CRLF. Passes that only route or scan lines
 * need no object per line.
 * The buffer is reused: it is valid until the next chunk is asked for.
 */
export interface LineChunk {
  readonly buffer: Buffer
  /** Where `buffer[0]` is in the file. */
  readonly offset: number
  /** Number of the chunk's first line, counted from 1. */
  readonly firstLine: number
  readonly bounds: readonly number[]
}

/** The lines of a file, chunk by chunk: never the whole file in memory. */
export async function* readLineChunks(path: string): AsyncGenerator<LineChunk> {
  const fd = openSync(path, 'r')
  try {
    let buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
    let filled = 0
    let offset = 0
    let next = 1
    for (;;) {
      if (filled === buffer.length) buffer = Buffer.concat([buffer], buffer.length * 2) // a line longer than the buffer
      const read = readSync(fd, buffer, filled, buffer.length - filled, null)
      if (read === 0) break
      filled += read
      const view = buffer.subarray(0, filled)
      const bounds: number[] = []
      let start = 0
      for (let end = view.indexOf(NEWLINE); end !== -1; end = view.indexOf(NEWLINE, start)) {
        bounds.push(start, withoutCarriageReturn(view, start, end))
        start = end + 1
      }
      if (bounds.length > 0) {
        yield {buffer: view, offset, firstLine: next, bounds}
        next += bounds.length / 2
        // The unfinished last line moves to the front, to be completed by the next read.
        filled = buffer.copy(buffer, 0, start, filled)
        offset += start
        await nextTurn()
      }
    }
    if (filled > 0)
      yield {
        buffer: buffer.subarray(0, filled),
        offset,
        firstLine: next,
        bounds: [0, withoutCarriageReturn(buffer, 0, filled)],
      }
  } finally {
    closeSync(fd)
  }
}

/**
 * The lines of a file one at a time, numbered from 1, with where each starts. Each line is decoded on
 * its own: a whole chunk decoded at once becomes a two-byte string as soon as one character in it is
 * not ASCII, which doubles its memory and slows every later step. Decoded lines are copies of the
 * reused buffer.
 */
export async function* readLines(
  path: string,
): AsyncGenerator<{readonly number: number; readonly offset: number; readonly text: string}> {
  for await (const {buffer, offset, firstLine, bounds} of readLineChunks(path)) {
    const lines: Array<{number: number; offset: number; text: string}> = []
    for (let index = 0; index < bounds.length; index += 2) {
      const start = bounds[index] as number
      lines.push({
        number: firstLine + index / 2,
        offset: offset + start,
        text: buffer.toString('utf8', start, bounds[index + 1]),
      })
    }
    yield* lines
  }
}

/** The end of the line `buffer[start, end)` once a CR before its LF is left out. */
function withoutCarriageReturn(buffer: Buffer, start: number, end: number): number {
  return end > start && buffer[end - 1] === CARRIAGE_RETURN ? end - 1 : end
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Single lines of a file, read by where they start: for an index that keeps offsets instead of the
 * lines. The file is opened at the first read and stays open until closed.
 */
export class LineFile {
  private fd: number | undefined
  private buffer = Buffer.allocUnsafe(1024)

  constructor(private readonly path: string) {}

  /** The line starting at byte `start`, without its LF or CRLF. */
  lineAt(start: number): string {
    this.fd ??= openSync(this.path, 'r')
    let filled = 0
    for (;;) {
      const read = readSync(this.fd, this.buffer, filled, this.buffer.length - filled, start + filled)
      const newline = this.buffer.subarray(0, filled + read).indexOf(NEWLINE, filled)
      filled += read
      if (newline !== -1) return this.buffer.toString('utf8', 0, withoutCarriageReturn(this.buffer, 0, newline))
      if (read === 0) return this.buffer.toString('utf8', 0, withoutCarriageReturn(this.buffer, 0, filled))
      if (filled === this.buffer.length) this.buffer = Buffer.concat([this.buffer], this.buffer.length * 2)
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

/**
 * Makes a file of JSON lines end with a whole line. A crash during an append can leave the last line
 * without its newline, and the next append would be glued to it: both lines would be lost. A last
 * line that parses gets its newline; a torn one is cut off. No file, nothing to do.
 */
export function finishLastLine(path: string): void {
  let fd: number
  try {
    fd = openSync(path, 'r+')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  try {
    const size = fstatSync(fd).size
    const start = unfinishedLineStart(fd, size)
    if (start === undefined) return
    const line = Buffer.allocUnsafe(size - start)
    readSync(fd, line, 0, line.length, start)
    if (parses(line.toString('utf8'))) writeSync(fd, '\n', size)
    else ftruncateSync(fd, start)
  } finally {
    closeSync(fd)
  }
}

/** Where the last line starts when the file does not end with a newline. */
function unfinishedLineStart(fd: number, size: number): number | undefined {
  const block = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, size))
  let end = size
  while (end > 0) {
    const from = Math.max(0, end - block.length)
    readSync(fd, block, 0, end - from, from)
    if (end === size && block[end - from - 1] === NEWLINE) return undefined
    const newline = block.subarray(0, end - from).lastIndexOf(NEWLINE)
    if (newline !== -1) return from + newline + 1
    end = from
  }
  return size === 0 ? undefined : 0
}

function parses(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}
