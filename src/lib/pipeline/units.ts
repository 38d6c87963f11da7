import * as E from 'fp-ts/lib/Either.js'
import type {AppError} from '../common/index.js'
import type {FeedEvent, SkipRules} from '../gladly/index.js'
import type {State} from '../state/index.js'
import {guard, progress, stopRequested, type Run, type Unit} from './context.js'
import {consumeFeed, type UnitOutcome} from './events.js'
import {settleQuarantine} from './quarantine.js'

/** A unit's events, and what to release once they are consumed (downloads, open files). */
export interface OpenedUnit {
  readonly events: AsyncIterable<FeedEvent>
  close(): Promise<void>
}

/**
 * One unit of work of a feed: an export job, a backfill window. The core runs every unit the same way:
 * checkpoint, events, delivery of all of them, then `complete` changes the state (watermark, backfill
 * progress) and the checkpoint is cleared. Adding a feed is writing the units it yields.
 */
export interface FeedUnit extends Unit {
  /** The checkpoint's key: an interrupted run of this unit resumes with the conversations it journaled. */
  readonly checkpointKey: string
  open(): Promise<E.Either<AppError, OpenedUnit>>
  /** The state once every conversation of the unit is delivered, kept or set aside. */
  complete(state: State): State
}

/** The rules "done before an interruption / already sent / unchanged since sent", as this run knows them. */
export function skipRules(run: Run): SkipRules {
  return {
    isDone: (id) => run.journal.has(id),
    sentClosedAt: (id) => run.ledger.closedAtOf(id),
    resendUpdated: run.options.resendUpdated,
  }
}

/** The unit's checkpoint, written before its first conversation; a resumed unit keeps its journal. */
async function startCheckpoint(run: Run, key: string): Promise<E.Either<AppError, void>> {
  if (run.options.dryRun || run.state.current.checkpoint?.jobId === key) return E.right(undefined)
  await run.journal.clear()
  run.state.current = {
    ...run.state.current,
    checkpoint: {runId: run.options.runId, startedAt: run.now().toISOString(), jobId: key},
  }
  return run.state.save()
}

async function processUnit(run: Run, unit: FeedUnit): Promise<E.Either<AppError, UnitOutcome>> {
  const started = await startCheckpoint(run, unit.checkpointKey)
  if (started._tag === 'Left') return started
  const opened = await unit.open()
  if (opened._tag === 'Left') return opened
  let outcome: E.Either<AppError, UnitOutcome>
  try {
    outcome = await consumeFeed(run, unit, opened.right.events)
  } finally {
    await opened.right.close()
  }
  if (outcome._tag === 'Left' || outcome.right === 'stopped') return outcome
  settleQuarantine(run)
  run.state.current = {...unit.complete(run.state.current), checkpoint: null}
  run.tally.summary.jobs.processed++
  progress(run)
  const written = run.state.save()
  if (written._tag === 'Left') return written
  if (!run.options.dryRun) await run.journal.clear()
  return outcome
}

/**
 * Works through the units in order. An error stops the run, and what was done stays done; `--limit` stops it
 * after delivering what is in flight. Undefined when every unit is done or the limit stopped it.
 */
export async function processUnits(run: Run, units: AsyncIterable<FeedUnit>): Promise<AppError | undefined> {
  progress(run)
  for await (const unit of units) {
    const stop = stopRequested(run)
    if (stop !== undefined) {
      run.tally.summary.stopped = `${stop}; the next import starts with ${unit.source}`
      return undefined
    }
    run.options.logger.debug(`Starting ${unit.source}`)
    const result = E.flatten(await guard(() => processUnit(run, unit))())
    if (result._tag === 'Left') return result.left
    if (result.right === 'stopped') return undefined
  }
  return undefined
}
