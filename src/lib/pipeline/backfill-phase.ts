import * as E from 'fp-ts/lib/Either.js'
import {createRateLimiter} from '../common/index.js'
import {addDays, backfillFeed, dayOf, daysBetween, type ExportJob, type JobPlan} from '../gladly/index.js'
import type {Backfill} from '../state/index.js'
import {customAttributesWanted} from './custom-attributes.js'
import {DEFAULT_CONCURRENCY, noteWarning, type Run} from './context.js'
import {skipRules, type FeedUnit} from './units.js'

/** Days per conversation report: few requests (the Reports API allows 10 a minute), split when a report is full. */
const WINDOW_DAYS = 7

/**
 * The history a run backfills from the Reports API, as whole UTC days: from the day asked for up to
 * the day the export jobs begin (that day is read both ways; the ledger keeps it from being sent
 * twice). An unfinished backfill resumes where it stopped unless a new date range replaces it.
 */
export function planBackfill(
  current: Backfill | null | undefined,
  jobPlan: JobPlan,
  listed: readonly ExportJob[],
  explicitRange: boolean,
  now: Date,
): Backfill | undefined {
  const unfinished = current?.next ? current : undefined
  if (
    jobPlan.backfillFrom === undefined ||
    (unfinished && (!explicitRange || unfinished.from === dayOf(jobPlan.backfillFrom)))
  )
    return unfinished
  const exportsBegin = listed
    .map((job) => Date.parse(job.parameters.startAt))
    .reduce((a, b) => Math.min(a, b), now.getTime())
  const until = Math.min(jobPlan.backfillUntil?.getTime() ?? exportsBegin, exportsBegin)
  const from = dayOf(jobPlan.backfillFrom)
  const to = dayOf(new Date(until))
  return from <= to ? {from, to, next: from} : unfinished
}

export function backfillWindows(backfill: Backfill): number {
  if (backfill.next === null) return 0
  const days =
    Math.round((Date.parse(`${backfill.to}T00:00:00Z`) - Date.parse(`${backfill.next}T00:00:00Z`)) / 86_400_000) + 1
  return Math.ceil(days / WINDOW_DAYS)
}

/**
 * Said before a backfill starts, so that a long one is no surprise: its days, its report windows, and the time their
 * reports take at the reports' budget. A lower bound: a window near the row cap is asked again in parts.
 */
export function backfillNotice(firstDay: string, lastDay: string, reportsPerMinute: number): string {
  const days = daysBetween(firstDay, lastDay)
  const windows = Math.ceil(days / WINDOW_DAYS)
  const seconds = Math.floor((windows * 60) / reportsPerMinute)
  const minutes = Math.floor(seconds / 60)
  const time =
    seconds < 120
      ? `${seconds} s`
      : minutes < 120
        ? `${minutes} min`
        : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
  return (
    `Backfill of ${days} day(s) (${firstDay} – ${lastDay}) from Gladly's Reports API: ${windows} report window(s) of up to ${WINDOW_DAYS} days, ` +
    `at least about ${time} at GLADLY_REPORTS_PER_MINUTE=${reportsPerMinute} (a lower bound: a window near the row cap is asked again in parts, and the conversations are read besides).`
  )
}

/**
 * The backfill's units: one window of `WINDOW_DAYS` at a time, oldest first, each read from a conversation report.
 * A window's completion moves the backfill's `next` day past it, so a killed backfill resumes at the window it was in.
 */
export async function* backfillUnits(run: Run, backfill: Backfill): AsyncGenerator<FeedUnit> {
  const {options} = run
  if (backfill.next !== null)
    options.logger.info(backfillNotice(backfill.next, backfill.to, options.settings.values.GLADLY_REPORTS_PER_MINUTE))
  const reports = {
    http: run.http,
    limit: createRateLimiter(options.settings.values.GLADLY_REPORTS_PER_MINUTE / 60),
    rowCap: options.settings.values.GLADLY_REPORT_ROW_CAP,
    inboxIds: [...run.lookups.inboxes.keys()],
    onReread: (problem: string) => noteWarning(run, `${problem} Asking for it again.`),
  }
  const wantCustomAttributes = customAttributesWanted(run)
  for (
    let startDay = backfill.next;
    startDay !== null && startDay <= backfill.to;
    startDay = addDays(startDay, WINDOW_DAYS)
  ) {
    const lastDay = addDays(startDay, WINDOW_DAYS - 1)
    const endDay = lastDay < backfill.to ? lastDay : backfill.to
    const window = {startDay, endDay}
    yield {
      checkpointKey: `report:${startDay}`,
      source: `backfill window ${startDay} – ${endDay}`,
      keepSince: startDay,
      open: async () =>
        E.right({
          events: backfillFeed({
            ...skipRules(run),
            http: run.http,
            reports,
            window,
            directory: run.customers,
            topics: () => run.lookups.topics.values(),
            customAttributes: wantCustomAttributes,
            concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
            onWarning: (message) => noteWarning(run, message),
          }),
          close: async () => undefined,
        }),
      complete: (state) => {
        const next = addDays(endDay, 1)
        run.tally.summary.backfill.windows++
        return {...state, backfill: {...backfill, next: next <= backfill.to ? next : null}}
      },
    }
  }
}
