import {compareTimestamps, type ExportJob} from '../gladly/index.js'
import type {ProcessedJob, State, Watermark} from '../state/index.js'

// Gladly lists 14 days of jobs; ids older than this can never come back.
const KEEP_PROCESSED_DAYS = 30
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * The watermark moves only through jobs that are done, in order: from where it is, along the listed
 * jobs oldest first, for as long as each one is processed. A job skipped by a date range or one still
 * unfinished holds it back, so the next incremental run cannot pass over it.
 */
function advanceWatermark(
  watermark: Watermark | null,
  listed: readonly ExportJob[],
  processed: ReadonlySet<string>,
): Watermark | null {
  let current = watermark
  for (const job of listed) {
    if (current !== null) {
      const order = compareTimestamps(job.updatedAt, current.updatedAt)
      if (order < 0 || (order === 0 && current.jobIds.includes(job.id))) continue
    }
    if (!processed.has(job.id)) break
    current =
      current !== null && compareTimestamps(job.updatedAt, current.updatedAt) === 0
        ? {updatedAt: current.updatedAt, jobIds: [...current.jobIds, job.id]}
        : {updatedAt: job.updatedAt, jobIds: [job.id]}
  }
  return current
}

export function completeJob(state: State, job: ExportJob, listed: readonly ExportJob[], now: Date): State {
  const entry: ProcessedJob = {
    id: job.id,
    updatedAt: job.updatedAt,
    windowStart: job.parameters.startAt,
    windowEnd: job.parameters.endAt,
    processedAt: now.toISOString(),
  }
  const processedJobs = [...state.processedJobs.filter((known) => known.id !== job.id), entry]
    .filter((known) => now.getTime() - Date.parse(known.updatedAt) < KEEP_PROCESSED_DAYS * DAY_MS)
    .sort((a, b) => compareTimestamps(a.updatedAt, b.updatedAt))
  const watermark = advanceWatermark(state.watermark, listed, new Set(processedJobs.map((known) => known.id)))
  return {...state, processedJobs, watermark, checkpoint: null}
}

export function lastWindowEnd(state: State): string | undefined {
  return state.processedJobs
    .map((job) => job.windowEnd)
    .sort(compareTimestamps)
    .at(-1)
}
