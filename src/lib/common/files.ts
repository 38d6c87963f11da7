import {appendFile, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'
import {finishLastLine} from './lines.js'

/**
 * Appends lines, creating the folder and a private file as needed. A last line torn by a crash is
 * finished or cut off first (finishLastLine), so that the new lines are not glued to it; that reads
 * the file's tail, so appends to one file must not overlap (each caller awaits its own).
 */
export async function appendLines(path: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return
  await mkdir(dirname(path), {recursive: true, mode: 0o700})
  finishLastLine(path)
  await appendFile(path, lines.map((line) => `${line}\n`).join(''), {mode: 0o600})
}

/**
 * Parsed JSON lines of a file ([] when it does not exist). A line that does not parse can only be
 * the last one, torn by a crash during an append: it is skipped, and whoever appended it will again.
 */
export async function readJsonLines(path: string): Promise<unknown[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const values: unknown[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      values.push(JSON.parse(line))
    } catch {
      // torn tail line: see above
    }
  }
  return values
}

/** Replaces a file atomically (temporary file + rename). */
export async function writeAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), {recursive: true, mode: 0o700})
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, content, {mode: 0o600})
  await rename(temporary, path)
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, {force: true})
}
