import * as E from 'fp-ts/lib/Either.js'
import type {AppError} from '../common/index.js'
import {addDays, backfillFeed, createBudget, dayOf, type ExportJob, type JobPlan} from '../gladly/index.js'
import type {Backfill} from '../state/index.js'
import {DEFAULT_CONCURRENCY, guard, noteWarning, progress, startCheckpoint, type Run} from './context.js'
import {consumeFeed, type UnitOutcome} from './events.js'
import {settleQuarantine} from './quarantine.js'

/** Days per conversation report: few requests (the Reports API allows 10 a minute), split when a report is full. */
const WINDOW_DAYS = 7

/**
 * The history a run backfills from the Reports API, as whole UTC days: from the day asked for up to
 * the day the export jobs begin (that day is read both ways; the ledger keeps it from being sent
 * twice). An unfinished backfill resumes where it stopped unless a new date range replaces it.
 */
export function planBackfill(current: Backfill | null | undefined, jobPlan: JobPlan, listed: readonly ExportJob[], explicitRange: boolean, now: Date): Backfill | undefined {
  const unfinished = current?.next ? current : undefined
  if (jobPlan.backfillFrom === undefined || (unfinished && (!explicitRange || unfinished.from === dayOf(jobPlan.backfillFrom)))) return unfinished
  const exportsBegin = listed.map((job) => Date.parse(job.parameters.startAt)).reduce((a, b) => Math.min(a, b), now.getTime())
  const until = Math.min(jobPlan.backfillUntil?.getTime() ?? exportsBegin, exportsBegin)
  const from = dayOf(jobPlan.backfillFrom)
  const to = dayOf(new Date(until))
  return from <= to ? {from, to, next: from} : unfinished
}

export function backfillWindows(backfill: Backfill): number {
  if (backfill.next === null) return 0
  const days = Math.round((Date.parse(`${backfill.to}T00:00:00Z`) - Date.parse(`${backfill.next}T00:00:00Z`)) / 86_400_000) + 1
  return Math.ceil(days / WINDOW_DAYS)
}

/**
 * Reads the backfill window by window, oldest first: each window's conversations are delivered, then
 * the window is checkpointed, so a killed backfill resumes at the window it was in.
 */
export async function processBackfill(run: Run, backfill: Backfill): Promise<AppError | undefined> {
  const {options} = run
  const reports = {
    http: run.http,
    limit: createBudget(options.settings.values.GLADLY_REPORTS_PER_MINUTE / 60),
    rowCap: options.settings.values.GLADLY_REPORT_ROW_CAP,
    inboxIds: [...run.lookups.inboxes.keys()],
  }
  let current = backfill
  while (current.next !== null) {
    const startDay = current.next
    const lastDay = addDays(startDay, WINDOW_DAYS - 1)
    const endDay = lastDay < current.to ? lastDay : current.to
    options.logger.debug(`Backfill window ${startDay} – ${endDay} from Gladly's conversation report`)
    const result = E.flatten(
      await guard(async (): Promise<E.Either<AppError, UnitOutcome>> => {
        await startCheckpoint(run, `report:${startDay}`)
        const feed = backfillFeed({
          http: run.http,
          reports,
          window: {startDay, endDay},
          directory: run.customers,
          isDone: (id) => run.journal.has(id),
          sentClosedAt: (id) => run.ledger.closedAtOf(id),
          resendUpdated: options.resendUpdated,
          concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
          onWarning: (message) => noteWarning(run, message),
        })
        return consumeFeed(run, {keepSince: startDay, source: `backfill window ${startDay} – ${endDay}`}, feed)
      })(),
    )
    if (result._tag === 'Left') return result.left
    if (result.right === 'stopped') return undefined
    settleQuarantine(run)
    const next = addDays(endDay, 1)
    current = {...current, next: next <= current.to ? next : null}
    run.state = {...run.state, backfill: current, checkpoint: null}
    run.summary.backfill.windows++
    run.summary.jobs.processed++
    progress(run)
    const written = run.saveState()
    if (written._tag === 'Left') return written.left
    if (!options.dryRun) await run.journal.clear()
  }
  return undefined
}
