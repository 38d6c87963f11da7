import * as E from 'fp-ts/lib/Either.js'
import {createRateLimiter} from '../common/index.js'
import {
  addDays,
  backfillFeed,
  dayOf,
  daysBetween,
  reportRowCount,
  windowReport,
  type ExportJob,
  type JobPlan,
  type ReportWindow,
  type WindowReport,
} from '../gladly/index.js'
import type {Backfill} from '../state/index.js'
import {customAttributesWanted} from './custom-attributes.js'
import {DEFAULT_CONCURRENCY, noteWarning, type Run} from './context.js'
import {skipRules, type FeedUnit} from './units.js'

/**
 * Days of the first conversation report, and of any after a busy one: few requests (the Reports API allows 10 a
 * minute), split when a report is full.
 */
const WINDOW_DAYS = 7

/** Most days a window spans where the ones before it were quiet: a month of history in one report. */
const MAX_WINDOW_DAYS = 28

/**
 * A window after a quiet one is sized to return about this share of the row cap, at the rows per day of the one
 * before, so that a busier stretch seldom fills it (a full one is still asked again in parts).
 */
const TARGET_CAP_SHARE = 0.5

/** Days of the next window, from what the last one returned: longer where quiet, never under WINDOW_DAYS. */
export function nextWindowDays(rows: number, days: number, rowCap: number): number {
  if (rows === 0) return MAX_WINDOW_DAYS
  const fits = Math.floor((rowCap * TARGET_CAP_SHARE * days) / rows)
  return Math.min(MAX_WINDOW_DAYS, Math.max(WINDOW_DAYS, fits))
}

const windowOf = (startDay: string, days: number, lastDay: string): ReportWindow => {
  const end = addDays(startDay, days - 1)
  return {startDay, endDay: end < lastDay ? end : lastDay}
}

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
 * reports take at the reports' budget (fewer where quiet; more where a window near the row cap is asked in parts).
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
    `Backfill of ${days} day(s) (${firstDay} – ${lastDay}) from Gladly's Reports API: at most ${windows} report window(s) of ${WINDOW_DAYS} days (fewer, of up to ${MAX_WINDOW_DAYS} days, where quiet), ` +
    `their reports about ${time} at GLADLY_REPORTS_PER_MINUTE=${reportsPerMinute} (a window near the row cap is asked again in parts; each report is made while the window before is read).`
  )
}

/**
 * The backfill's units: one window at a time, oldest first, each read from a conversation report. A window is
 * `WINDOW_DAYS` long, or longer after a quiet one (`nextWindowDays`). Pipelined: once a window's report is in, the
 * next window's is asked for, so that Gladly makes it while this window's conversations are read. A window's
 * completion moves the backfill's `next` day past it, so a killed backfill resumes at the window it was in.
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
  let ahead: {readonly window: ReportWindow; readonly report: Promise<WindowReport>} | undefined
  let days = WINDOW_DAYS
  /** Once a window's report is in: the next window, sized by it, and its report asked for now. */
  const askNext = (window: ReportWindow, report: WindowReport) => {
    if (report._tag === 'Left') return
    const before = remainingWindows(addDays(window.endDay, 1), backfill.to, days)
    days = nextWindowDays(reportRowCount(report.right), daysBetween(window.startDay, window.endDay), reports.rowCap)
    run.tally.summary.jobs.planned -= before - remainingWindows(addDays(window.endDay, 1), backfill.to, days)
    const nextDay = addDays(window.endDay, 1)
    if (nextDay > backfill.to) return
    const next = windowOf(nextDay, days, backfill.to)
    ahead = {window: next, report: windowReport(reports, next)}
  }
  for (let startDay = backfill.next; startDay !== null && startDay <= backfill.to;) {
    const window = ahead?.window.startDay === startDay ? ahead.window : windowOf(startDay, days, backfill.to)
    const asked = ahead?.window === window ? ahead.report : undefined
    ahead = undefined
    const {endDay} = window
    yield {
      checkpointKey: `report:${startDay}`,
      source: `backfill window ${startDay} – ${endDay}`,
      keepSince: startDay,
      open: async () => {
        const report = asked ?? windowReport(reports, window)
        askNext(window, await report)
        return E.right({
          events: backfillFeed({
            ...skipRules(run),
            http: run.http,
            report,
            directory: run.customers,
            topics: () => run.lookups.topics.values(),
            customAttributes: wantCustomAttributes,
            concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
            onWarning: (message) => noteWarning(run, message),
          }),
          close: async () => undefined,
        })
      },
      complete: (state) => {
        const next = addDays(endDay, 1)
        run.tally.summary.backfill.windows++
        return {...state, backfill: {...backfill, next: next <= backfill.to ? next : null}}
      },
    }
    startDay = addDays(endDay, 1)
  }
}

/** Windows of `days` from `firstDay` to `lastDay`, both included (none when the first is past the last). */
function remainingWindows(firstDay: string, lastDay: string, days: number): number {
  return firstDay > lastDay ? 0 : Math.ceil(daysBetween(firstDay, lastDay) / days)
}
