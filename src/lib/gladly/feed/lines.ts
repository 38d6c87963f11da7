import {createReadStream} from 'node:fs'

// No per-line promise (readline's async iterator costs more than parsing the line), and reads of
// fs's usual size: once freed, larger buffers stay in the C heap as fragments (the import's RSS).
const READ_CHUNK_BYTES = 64 * 1024

/**
 * A piece of a file cut at line ends, with the lines as byte ranges: line i is
 * `buffer[bounds[2i], bounds[2i+1])`. Passes that only route or scan lines need no object per line.
 */
export interface LineChunk {
  readonly buffer: Buffer
  /** Number of the chunk's first line, counted from 1. */
  readonly firstLine: number
  readonly bounds: readonly number[]
}

/** The lines of a file, chunk by chunk: never the whole file in memory. */
export async function* readLineChunks(path: string): AsyncGenerator<LineChunk> {
  let rest: Buffer = Buffer.alloc(0)
  let next = 1
  for await (const chunk of createReadStream(path, {highWaterMark: READ_CHUNK_BYTES})) {
    const buffer = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer])
    const bounds: number[] = []
    let start = 0
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      bounds.push(start, end)
      start = end + 1
    }
    // A copy, so that the next chunk does not keep this whole one alive for its tail.
    rest = Buffer.from(buffer.subarray(start))
    yield {buffer, firstLine: next, bounds}
    next += bounds.length / 2
  }
  if (rest.length > 0) yield {buffer: rest, firstLine: next, bounds: [0, rest.length]}
}

/**
 * The lines of a file in batches, each with the number of its first line. Each line is decoded on
 * its own: a whole chunk decoded at once becomes a two-byte string as soon as one character in it is
 * not ASCII, which doubles its memory and slows every later step; line by line, only the lines that
 * need it pay. Decoded lines are copies: none keeps its chunk alive.
 */
export async function* readLineBatches(path: string): AsyncGenerator<{readonly firstLine: number; readonly lines: readonly string[]}> {
  for await (const {buffer, firstLine, bounds} of readLineChunks(path)) {
    const lines: string[] = []
    for (let index = 0; index < bounds.length; index += 2) lines.push(buffer.toString('utf8', bounds[index], bounds[index + 1]))
    yield {firstLine, lines}
  }
}

/** The lines of a file one at a time, numbered from 1. */
export async function* readLines(path: string): AsyncGenerator<{readonly number: number; readonly text: string}> {
  for await (const {firstLine, lines} of readLineBatches(path)) {
    for (let index = 0; index < lines.length; index++) yield {number: firstLine + index, text: (lines[index] as string).replace(/\r$/, '')}
  }
}

const NEWLINE = 0x0a
