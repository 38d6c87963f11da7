import * as E from 'fp-ts/lib/Either.js'
import {ExitCode, type AppError} from '../../common/index.js'
import type {ExportJob} from '../codecs.js'
import {compareTimestamps} from '../time.js'

/** Gladly removes export jobs and their files after 14 days (gladly-api.md §4.1). */
export const EXPORT_RETENTION_DAYS = 14
/** From this age on, the watermark is warned about: two more missed days and data is gone. */
export const WATERMARK_WARNING_DAYS = 12
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
}

export interface JobPlan {
  /** `startAt` of the jobs listing: never further back than Gladly allows. */
  readonly listFrom: Date
  readonly wants: (job: ExportJob) => boolean
  readonly warnings: readonly string[]
  /** Set when export files between the last import and the oldest job Gladly still has were deleted. */
  readonly lostSince?: string
}

export function oldestListable(now: Date): Date {
  return new Date(now.getTime() - EXPORT_RETENTION_DAYS * DAY_MS + LISTING_MARGIN_MS)
}

function selectionError(message: string, suggestions: string[] = []): AppError {
  return {_tag: 'SelectionError', exit: ExitCode.usage, message, suggestions}
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
    if (start && start.getTime() < earliest.getTime()) {
      return E.left(
        selectionError(`Gladly keeps export jobs for ${EXPORT_RETENTION_DAYS} days: the oldest it can still list were updated after ${earliest.toISOString()}, and --start-date is ${start.toISOString()}.`, [
          `Use a --start-date after ${earliest.toISOString()}; conversations older than that need a backfill from Gladly's Reports API.`,
        ]),
      )
    }
    return E.right({
      listFrom: earliest,
      warnings: [],
      wants: (job) => (start === undefined || Date.parse(job.parameters.endAt) > start.getTime()) && (end === undefined || Date.parse(job.parameters.startAt) < end.getTime()),
    })
  }

  const {watermark} = state
  const notProcessed = (job: ExportJob) => !state.processedJobIds.has(job.id)
  if (watermark === null) return E.right({listFrom: earliest, wants: notProcessed, warnings: []})
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
export function lostPeriodWarning(lostSince: string, oldestAvailableWindowStart: string | undefined, now: Date): string {
  const until = oldestAvailableWindowStart ?? oldestListable(now).toISOString()
  return `Export files from ${lostSince} to ${until} were deleted by Gladly (it keeps them ${EXPORT_RETENTION_DAYS} days) before this import ran: conversations whose only activity was in that period were not imported. Spooled items from before it are discarded; conversations that close later are fetched whole.`
}
