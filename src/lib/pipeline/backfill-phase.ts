import * as E from 'fp-ts/lib/Either.js'
import {createRateLimiter} from '../common/index.js'
import {
  addDays,
  backfillFeed,
  dayOf,
  exportCoverage,
  daysBetween,
  reportRowCount,
  windowReport,
  type ExportJob,
  type JobPlan,
  type ReportWindow,
  type Span,
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

/** Whole UTC days inside the spans, as day ranges clipped to [from, to] (none where a span holds no whole day). */
function wholeDays(spans: readonly Span[], from: string, to: string): Array<{from: string; to: string}> {
  const ranges: Array<{from: string; to: string}> = []
  for (const span of spans) {
    const startDay = dayOf(new Date(span.start))
    const first = Date.parse(`${startDay}T00:00:00Z`) === span.start ? startDay : addDays(startDay, 1)
    const last = addDays(dayOf(new Date(span.end)), -1)
    const clipped = {from: first < from ? from : first, to: last > to ? to : last}
    if (clipped.from <= clipped.to) ranges.push(clipped)
  }
  return ranges
}

/**
 * The history a run backfills from the Reports API, as whole UTC days: from the day asked for up to the day the
 * export feed begins, the start of the export windows that reach the newest job (that day is read both ways; the
 * ledger keeps it from being sent twice). Days an older export job covers whole, a one-time export of a past period,
 * are `exported`: its files bring them for about one request a conversation. The days of a gap between export
 * windows are read from reports. An unfinished backfill resumes where it stopped unless a new date range replaces it.
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
  const coverage = exportCoverage(listed)
  const exportsBegin = coverage.at(-1)?.start ?? now.getTime()
  const until = Math.min(jobPlan.backfillUntil?.getTime() ?? exportsBegin, exportsBegin)
  const from = dayOf(jobPlan.backfillFrom)
  const to = dayOf(new Date(until))
  if (from > to) return unfinished
  const exported = wholeDays(coverage.slice(0, -1), from, to)
  const next = firstReportedDay({from, to, exported}, from)
  return exported.length > 0 ? {from, to, next, exported} : {from, to, next}
}

type Plan = Pick<Backfill, 'from' | 'to' | 'exported'>

/** The first day from `day` on that a report reads (not exported), or null when none is left. */
function firstReportedDay(backfill: Plan, day: string): string | null {
  let next = day
  for (const span of backfill.exported ?? []) if (span.from <= next && next <= span.to) next = addDays(span.to, 1)
  return next <= backfill.to ? next : null
}

/** A window of up to `days` from `startDay`, ending before the backfill's end and before the next exported span. */
function windowOf(backfill: Plan, startDay: string, days: number): ReportWindow {
  let endDay = addDays(startDay, days - 1)
  if (endDay > backfill.to) endDay = backfill.to
  for (const span of backfill.exported ?? [])
    if (span.from > startDay && span.from <= endDay) endDay = addDays(span.from, -1)
  return {startDay, endDay}
}

/** Windows of `days` left from `firstDay` on (none when null): the reported days between exported spans, each apart. */
function remainingWindows(backfill: Plan, firstDay: string | null, days: number): number {
  let windows = 0
  for (let day = firstDay; day !== null;) {
    const window = windowOf(backfill, day, daysBetween(day, backfill.to))
    windows += Math.ceil(daysBetween(window.startDay, window.endDay) / days)
    day = firstReportedDay(backfill, addDays(window.endDay, 1))
  }
  return windows
}

/** Days from `firstDay` on that export jobs bring instead of reports. */
function exportedDays(backfill: Plan, firstDay: string): number {
  return (backfill.exported ?? [])
    .filter((span) => span.to >= firstDay)
    .reduce((sum, span) => sum + daysBetween(span.from < firstDay ? firstDay : span.from, span.to), 0)
}

export function backfillWindows(backfill: Backfill): number {
  return remainingWindows(backfill, backfill.next, WINDOW_DAYS)
}

/**
 * Said before a backfill starts, so that a long one is no surprise: its days, its report windows, and the time their
 * reports take at the reports' budget (fewer where quiet; more where a window near the row cap is asked in parts).
 */
export function backfillNotice(backfill: Backfill, firstDay: string, reportsPerMinute: number): string {
  const days = daysBetween(firstDay, backfill.to)
  const windows = remainingWindows(backfill, firstDay, WINDOW_DAYS)
  const seconds = Math.floor((windows * 60) / reportsPerMinute)
  const minutes = Math.floor(seconds / 60)
  const time =
    seconds < 120
      ? `${seconds} s`
      : minutes < 120
        ? `${minutes} min`
        : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
  const exported = exportedDays(backfill, firstDay)
  return (
    `Backfill of ${days} day(s) (${firstDay} – ${backfill.to}) from Gladly's Reports API: at most ${windows} report window(s) of ${WINDOW_DAYS} days (fewer, of up to ${MAX_WINDOW_DAYS} days, where quiet), ` +
    `their reports about ${time} at GLADLY_REPORTS_PER_MINUTE=${reportsPerMinute} (a window near the row cap is asked again in parts; each report is made while the window before is read).` +
    (exported > 0 ? ` ${exported} of these days come from a one-time export job instead, not from reports.` : '')
  )
}

/**
 * The backfill's units: one window at a time, oldest first, each read from a conversation report. A window is
 * `WINDOW_DAYS` long, or longer after a quiet one (`nextWindowDays`), and never spans exported days. Pipelined: once a
 * window's report is in, the next window's is asked for, so that Gladly makes it while this window's conversations
 * are read. A window's completion moves the backfill's `next` day past it, so a killed backfill resumes at the window
 * it was in.
 */
export async function* backfillUnits(run: Run, backfill: Backfill): AsyncGenerator<FeedUnit> {
  const {options} = run
  const first = backfill.next === null ? null : firstReportedDay(backfill, backfill.next)
  if (first !== null)
    options.logger.info(backfillNotice(backfill, first, options.settings.values.GLADLY_REPORTS_PER_MINUTE))
  const reports = {
    http: run.http,
    limit: createRateLimiter(options.settings.values.GLADLY_REPORTS_PER_MINUTE / 60),
    rowCap: options.settings.values.GLADLY_REPORT_ROW_CAP,
    inboxIds: [...run.lookups.inboxes.keys()],
    onReread: (problem: string) => noteWarning(run, `${problem} Asking for it again.`),
  }
  const wantCustomAttributes = customAttributesWanted(run)
  const after = (window: ReportWindow) => firstReportedDay(backfill, addDays(window.endDay, 1))
  let ahead: {readonly window: ReportWindow; readonly report: Promise<WindowReport>} | undefined
  let days = WINDOW_DAYS
  /** Once a window's report is in: the next window, sized by it, and its report asked for now. */
  const askNext = (window: ReportWindow, report: WindowReport) => {
    if (report._tag === 'Left') return
    const nextDay = after(window)
    const before = remainingWindows(backfill, nextDay, days)
    days = nextWindowDays(reportRowCount(report.right), daysBetween(window.startDay, window.endDay), reports.rowCap)
    run.tally.summary.jobs.planned -= before - remainingWindows(backfill, nextDay, days)
    if (nextDay === null) return
    const next = windowOf(backfill, nextDay, days)
    ahead = {window: next, report: windowReport(reports, next)}
  }
  for (let startDay = first; startDay !== null;) {
    const window = ahead?.window.startDay === startDay ? ahead.window : windowOf(backfill, startDay, days)
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
        run.tally.summary.backfill.windows++
        return {...state, backfill: {...backfill, next: after(window)}}
      },
    }
    startDay = after(window)
  }
}
