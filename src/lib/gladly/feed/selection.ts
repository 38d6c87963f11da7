import * as E from 'fp-ts/lib/Either.js'
import {displayInstant, type AppError} from '../../common/index.js'
import type {ExportJob} from '../codecs.js'
import {compareTimestamps} from '../time.js'

/** Gladly removes export jobs and their files after 14 days (gladly-api.md §4.1). */
export const EXPORT_RETENTION_DAYS = 14
/** From this age on, the watermark is warned about: two more missed days and data is gone. */
const WATERMARK_WARNING_DAYS = 12
const DAY_MS = 24 * 60 * 60 * 1000
// The listing rejects a startAt older than 14 days on Gladly's clock; stay clear of the edge.
const LISTING_MARGIN_MS = 5 * 60 * 1000

export type Selection =
  | {readonly mode: 'incremental'}
  | {readonly mode: 'full'}
  | {readonly mode: 'range'; readonly start?: Date; readonly end?: Date}

export interface SelectionState {
  readonly watermark: {readonly updatedAt: string; readonly jobIds: readonly string[]} | null
  readonly processedJobIds: ReadonlySet<string>
  /** End of the newest export window processed so far, to name a lost period precisely. */
  readonly lastWindowEnd?: string
  /** Days of history a profile's first import backfills (IMPORT_HISTORY_DAYS). */
  readonly historyDays: number
}

export interface JobPlan {
  /** `startAt` of the jobs listing: never further back than Gladly allows. */
  readonly listFrom: Date
  readonly wants: (job: ExportJob) => boolean
  readonly warnings: readonly string[]
  /** Set when export files between the last import and the oldest job Gladly still has were deleted. */
  readonly lostSince?: string
  /** History older than the export jobs, to read from the Reports API: from this instant… */
  readonly backfillFrom?: Date
  /** …to this one at most (else up to where the export jobs begin). */
  readonly backfillUntil?: Date
}

function oldestListable(now: Date): Date {
  return new Date(now.getTime() - EXPORT_RETENTION_DAYS * DAY_MS + LISTING_MARGIN_MS)
}

/**
 * Which export jobs a run processes. Incremental: every completed job not processed yet, from the
 * watermark on (a job updated at the very instant of the watermark is not skipped). Full: every job
 * Gladly still has. Range: the jobs whose export window overlaps the dates.
 */
export function planJobs(selection: Selection, state: SelectionState, now: Date): E.Either<AppError, JobPlan> {
  const earliest = oldestListable(now)
  if (selection.mode === 'full') return E.right({listFrom: earliest, wants: () => true, warnings: []})
  if (selection.mode === 'range') {
    const {start, end} = selection
    // Gladly keeps export jobs 14 days; anything older comes from a backfill through the Reports API.
    const backfill =
      start && start.getTime() < earliest.getTime() ? {backfillFrom: start, ...(end ? {backfillUntil: end} : {})} : {}
    return E.right({
      listFrom: earliest,
      warnings: [],
      wants: (job) =>
        (start === undefined || Date.parse(job.parameters.endAt) > start.getTime()) &&
        (end === undefined || Date.parse(job.parameters.startAt) < end.getTime()),
      ...backfill,
    })
  }

  const {watermark} = state
  const notProcessed = (job: ExportJob) => !state.processedJobIds.has(job.id)
  if (watermark === null) {
    const history = state.historyDays > 0 ? {backfillFrom: new Date(now.getTime() - state.historyDays * DAY_MS)} : {}
    return E.right({listFrom: earliest, wants: notProcessed, warnings: [], ...history})
  }
  const atOrAfter = (job: ExportJob) => {
    const order = compareTimestamps(job.updatedAt, watermark.updatedAt)
    return order > 0 || (order === 0 && !watermark.jobIds.includes(job.id))
  }
  const age = now.getTime() - Date.parse(watermark.updatedAt)
  const warnings: string[] = []
  let lostSince: string | undefined
  if (age > EXPORT_RETENTION_DAYS * DAY_MS) {
    lostSince = state.lastWindowEnd ?? watermark.updatedAt
  } else if (age > WATERMARK_WARNING_DAYS * DAY_MS) {
    warnings.push(
      `The last successful import is ${Math.floor(age / DAY_MS)} days old; Gladly deletes export files after ${EXPORT_RETENTION_DAYS} days. Import at least once a day, or data will be lost from ${new Date(Date.parse(watermark.updatedAt) + EXPORT_RETENTION_DAYS * DAY_MS).toISOString()} on.`,
    )
  }
  const listFrom = new Date(Math.max(Date.parse(watermark.updatedAt), earliest.getTime()))
  return E.right({listFrom, wants: (job) => notProcessed(job) && atOrAfter(job), warnings, lostSince})
}

/** The sentence for a lost period, once the oldest job still listed is known. */
export function lostPeriodWarning(
  lostSince: string,
  oldestAvailableWindowStart: string | undefined,
  now: Date,
): string {
  const since = displayInstant(lostSince)
  const until = displayInstant(oldestAvailableWindowStart ?? oldestListable(now).toISOString())
  return `Export files from ${since} to ${until} were deleted by Gladly (it keeps them ${EXPORT_RETENTION_DAYS} days) before this import ran: conversations whose only activity was in that period were not imported. Spooled items from before it are discarded; conversations that close later are fetched whole. To recover the conversations created in that period, run import --start-date ${since.slice(0, 10)} (a backfill through Gladly's Reports API).`
}

/**
 * Gladly's scheduled exports are hourly or daily (gladly-api.md §4.1); a job whose window is longer was made on
 * request by Gladly Support: a one-time export of a past period [I: recognized by its window alone, since no field of
 * a job is documented to say so].
 */
const LONGEST_SCHEDULED_WINDOW_MS = 25 * 60 * 60 * 1000

export function isOneTimeExport(job: ExportJob): boolean {
  return Date.parse(job.parameters.endAt) - Date.parse(job.parameters.startAt) > LONGEST_SCHEDULED_WINDOW_MS
}

/**
 * Two windows this close count as adjoining: consecutive jobs' bounds may differ in their fractions of a second [I].
 * A wider gap is history no export file holds.
 */
const ADJOINING_SLACK_MS = 1000

export interface Span {
  readonly start: number
  readonly end: number
}

/** The periods the listed jobs' export windows cover, oldest first, adjoining and overlapping windows merged. */
export function exportCoverage(listed: readonly ExportJob[]): Span[] {
  const windows = listed
    .map((job) => ({start: Date.parse(job.parameters.startAt), end: Date.parse(job.parameters.endAt)}))
    .filter((span) => span.end > span.start)
    .sort((a, b) => a.start - b.start)
  const merged: Span[] = []
  for (const span of windows) {
    const last = merged.at(-1)
    if (last !== undefined && span.start <= last.end + ADJOINING_SLACK_MS)
      merged[merged.length - 1] = {start: last.start, end: Math.max(last.end, span.end)}
    else merged.push(span)
  }
  return merged
}
