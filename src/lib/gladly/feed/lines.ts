import {createReadStream} from 'node:fs'

// Large reads and no per-line promise: readline's async iterator costs more than parsing the line.
const READ_CHUNK_BYTES = 1024 * 1024

/**
 * The lines of a file in batches (never the whole file in memory), each batch with the number of
 * its first line (counted from 1). Each line is decoded on its own: a whole chunk decoded at once
 * becomes a two-byte string as soon as one character in it is not ASCII, which doubles its memory
 * and slows every later step; line by line, only the lines that need it pay.
 */
export async function* readLineBatches(path: string): AsyncGenerator<{readonly firstLine: number; readonly lines: readonly string[]}> {
  for await (const {firstLine, lines} of readByteLineBatches(path)) yield {firstLine, lines: lines.map((line) => line.toString('utf8'))}
}

/** The lines of a file one at a time, numbered from 1. */
export async function* readLines(path: string): AsyncGenerator<{readonly number: number; readonly text: string}> {
  for await (const {firstLine, lines} of readLineBatches(path)) {
    for (let index = 0; index < lines.length; index++) yield {number: firstLine + index, text: (lines[index] as string).replace(/\r$/, '')}
  }
}

/**
 * The lines of a file as bytes, in batches: for passes that only route or scan lines, decoding
 * UTF-8 (the slowest part of reading) is left to the one pass that parses them.
 */
export async function* readByteLineBatches(path: string): AsyncGenerator<{readonly firstLine: number; readonly lines: readonly Buffer[]}> {
  let rest: Buffer = Buffer.alloc(0)
  let next = 1
  for await (const chunk of createReadStream(path, {highWaterMark: READ_CHUNK_BYTES})) {
    const buffer = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer])
    const lines: Buffer[] = []
    let start = 0
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      lines.push(buffer.subarray(start, end))
      start = end + 1
    }
    // A copy, so that the next batch does not keep this whole chunk alive for its tail.
    rest = Buffer.from(buffer.subarray(start))
    yield {firstLine: next, lines}
    next += lines.length
  }
  if (rest.length > 0) yield {firstLine: next, lines: [rest]}
}

const NEWLINE = 0x0a
