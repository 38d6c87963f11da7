import * as E from 'fp-ts/lib/Either.js'
import {rm} from 'node:fs/promises'
import {join} from 'node:path'
import {safeFileName, type AppError} from '../common/index.js'
import {downloadJob, ITEMS_FILE, scanConversationIds, type ExportJob, type GladlyHttp} from '../gladly/index.js'

// Conversations rarely live longer than this. Reading the jobs of that span ahead lets a conversation
// that several jobs touch be looked up once, in the last of them, instead of once per job.
const LOOKAHEAD_MS = 3 * 24 * 60 * 60 * 1000

interface DownloadedJob {
  /** The job's files by name; undefined when the job expired before it could be read. */
  readonly files: ReadonlyMap<string, string> | undefined
  readonly dir: string
}

/**
 * The export jobs of a run, downloaded a little ahead of the one being processed (bounded by time,
 * so the disk holds a few days of files, not the whole backlog).
 */
export interface JobWindow {
  /** Downloads the job at `index` and the ones within the look-ahead after it. */
  open(index: number): Promise<E.Either<AppError, DownloadedJob>>
  /** Whether a job after `index`, already downloaded, touches the conversation too. */
  continuesLater(index: number, conversationId: string): boolean
  release(index: number): Promise<void>
  releaseAll(): Promise<void>
}

export function jobWindow(http: GladlyHttp, jobs: readonly ExportJob[], root: string): JobWindow {
  const entries = new Map<number, DownloadedJob>()
  // Kept only for jobs still ahead: the current job's own list is no longer needed.
  const idsAhead = new Map<number, ReadonlySet<string>>()

  const fetch = async (index: number): Promise<E.Either<AppError, DownloadedJob>> => {
    const known = entries.get(index)
    if (known !== undefined) return E.right(known)
    const job = jobs[index] as ExportJob
    const dir = join(root, safeFileName(job.id))
    const files = await downloadJob(http, job, dir)()
    if (files._tag === 'Left') return files
    const itemsPath = files.right?.get(ITEMS_FILE)
    idsAhead.set(index, itemsPath === undefined ? new Set<string>() : await scanConversationIds(itemsPath))
    const entry = {files: files.right, dir}
    entries.set(index, entry)
    return E.right(entry)
  }

  return {
    async open(index) {
      const current = await fetch(index)
      if (current._tag === 'Left') return current
      idsAhead.delete(index)
      const horizon = Date.parse((jobs[index] as ExportJob).parameters.endAt) + LOOKAHEAD_MS
      for (
        let next = index + 1;
        next < jobs.length && Date.parse((jobs[next] as ExportJob).parameters.startAt) < horizon;
        next++
      ) {
        const ahead = await fetch(next)
        if (ahead._tag === 'Left') return ahead
      }
      return current
    },
    continuesLater(index, conversationId) {
      for (const [position, ids] of idsAhead) if (position > index && ids.has(conversationId)) return true
      return false
    },
    async release(index) {
      const entry = entries.get(index)
      entries.delete(index)
      if (entry !== undefined) await rm(entry.dir, {recursive: true, force: true})
    },
    async releaseAll() {
      entries.clear()
      idsAhead.clear()
      await rm(root, {recursive: true, force: true})
    },
  }
}
