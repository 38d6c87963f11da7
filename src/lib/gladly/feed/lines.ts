import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'

/** The lines of a file, one at a time (never the whole file in memory), numbered from 1. */
export async function* readLines(path: string): AsyncGenerator<{readonly number: number; readonly text: string}> {
  const lines = createInterface({input: createReadStream(path, {encoding: 'utf8'}), crlfDelay: Number.POSITIVE_INFINITY})
  let number = 0
  for await (const text of lines) {
    number++
    yield {number, text}
  }
}
