import {createHash} from 'node:crypto'
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

export interface JsonLines {
  readonly values: readonly unknown[]
  /** A line other than a torn last one did not parse: the file was damaged, and what it held is not all here. */
  readonly damaged: boolean
}

/**
 * Parsed JSON lines of a file (none when it does not exist). A last line without its newline that does not parse
 * was torn by a crash during an append: it is skipped, and whoever appended it will again. Any other line that
 * does not parse is damage, which the caller must not take for a whole file.
 */
export async function readJsonLines(path: string): Promise<JsonLines> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {values: [], damaged: false}
    throw error
  }
  const values: unknown[] = []
  let damaged = false
  const lines = text.split('\n')
  lines.forEach((line, index) => {
    if (line.trim() === '') return
    try {
      values.push(JSON.parse(line))
    } catch {
      const tornTail = index === lines.length - 1
      if (!tornTail) damaged = true
    }
  })
  return {values, damaged}
}

const FILE_CALLS = new Set([
  'open',
  'write',
  'writev',
  'read',
  'rename',
  'mkdir',
  'unlink',
  'rmdir',
  'close',
  'fsync',
  'ftruncate',
  'copyfile',
  'scandir',
])

/**
 * What a failed write or read of a local file means for the person running the command, with the fix; undefined
 * when the error is not one of the local file system's. Nothing is lost by such a stop: the next run resumes.
 */
export function localFileProblem(error: unknown): string | undefined {
  const {code, path, syscall} = error as NodeJS.ErrnoException
  // A socket's EACCES (connect) is the network's; only errors of file calls are the disk's.
  if (path === undefined && !FILE_CALLS.has(syscall ?? '')) return undefined
  const where = path === undefined ? '' : ` (${path})`
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `The disk is full${where}. Free some space, then run the command again: it resumes where it stopped.`
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
    case 'ENOTDIR':
    case 'EISDIR':
      return `A file of gladly-enterpret cannot be written${where}: ${code}. Make its folder writable (or point GLADLY_ENTERPRET_HOME at one), then run the command again: it resumes where it stopped.`
    default:
      return undefined
  }
}

// Most file systems allow 255 bytes for a name; this leaves room for an extension and a temporary suffix.
const MAX_NAME_BYTES = 200

/**
 * A file name for an id from Gladly or Enterpret, whatever its length and characters: the id itself, escaped, when
 * it fits; otherwise a hash of it (ids of that length are rare, and the file still holds the id when it must).
 */
export function safeFileName(id: string): string {
  const escaped = encodeURIComponent(id).replace(/^\./, '%2E')
  return Buffer.byteLength(escaped) <= MAX_NAME_BYTES
    ? escaped
    : `sha256-${createHash('sha256').update(id).digest('hex')}`
}

/** Replaces a file atomically (temporary file + rename); only its owner may read it unless `mode` says otherwise. */
export async function writeAtomically(path: string, content: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), {recursive: true, mode: 0o700})
  const temporary = `${path}.${process.pid}.tmp`
  await writeFile(temporary, content, {mode})
  await rename(temporary, path)
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, {force: true})
}
