import * as E from 'fp-ts/lib/Either.js'
import type {AppError} from '../common/index.js'
import {jobFeed, readLookups, type ExportJob} from '../gladly/index.js'
import {DEFAULT_CONCURRENCY, guard, noteWarning, progress, startCheckpoint, type Run} from './context.js'
import {consumeFeed, handle, type UnitOutcome} from './events.js'
import {jobWindow, type JobWindow} from './job-window.js'
import {completeJob} from './jobs.js'
import {addFromJob} from './lookups.js'
import {settleQuarantine} from './quarantine.js'

function noteExpired(run: Run, job: ExportJob): void {
  const warning = `Export job ${job.id} (window ${job.parameters.startAt} – ${job.parameters.endAt}) expired before it could be read: conversations active only in that window were not imported.`
  noteWarning(run, warning)
  run.summary.jobs.lost++
}

/** Reads the job's files and works through its conversations; a fatal error stops after what is in flight is delivered. */
async function readJob(run: Run, job: ExportJob, files: ReadonlyMap<string, string>, dir: string, continuesLater: (conversationId: string) => boolean): Promise<E.Either<AppError, UnitOutcome>> {
  const {options} = run
  const jobLookups = await readLookups(job, files)
  const unit = {keepSince: job.parameters.startAt, source: `export job ${job.id}`}
  try {
    addFromJob(run.lookups, jobLookups)
    for (const line of jobLookups.malformed) await handle(run, unit, {_tag: 'Malformed', line})
    const feed = jobFeed({
      http: run.http,
      job,
      files,
      customers: jobLookups.customers,
      directory: run.customers,
      workDir: dir,
      spool: run.spool,
      isDone: (id) => run.journal.has(id),
      sentClosedAt: (id) => run.ledger.closedAtOf(id),
      continuesLater,
      resendUpdated: options.resendUpdated,
      itemsFromApi: options.settings.values.TRANSCRIPT_SOURCE === 'api',
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      bucketBytes: options.bucketBytes,
    })
    return await consumeFeed(run, unit, feed)
  } finally {
    jobLookups.customers.close()
  }
}

/** fetch → transform → persist for one export job; the watermark passes it only when all of it is done. */
async function processJob(run: Run, jobs: readonly ExportJob[], index: number, window: JobWindow, listed: readonly ExportJob[]): Promise<E.Either<AppError, UnitOutcome>> {
  const job = jobs[index] as ExportJob
  await startCheckpoint(run, job.id)
  const downloaded = await window.open(index)
  if (downloaded._tag === 'Left') return downloaded
  const {files, dir} = downloaded.right
  let outcome: E.Either<AppError, UnitOutcome> = E.right('done')
  if (files === undefined) noteExpired(run, job)
  else outcome = await readJob(run, job, files, dir, (id) => window.continuesLater(index, id))
  await window.release(index)
  if (outcome._tag === 'Left' || outcome.right === 'stopped') return outcome
  run.summary.jobs.processed++
  progress(run)
  settleQuarantine(run)
  if (run.options.dryRun) return outcome
  run.state = completeJob(run.state, job, listed, run.now())
  const written = run.saveState()
  if (written._tag === 'Left') return written
  await run.journal.clear()
  return outcome
}

/** Works through the jobs in order; an error stops the run but what was done stays done. */
export async function processJobs(run: Run, jobs: readonly ExportJob[], listed: readonly ExportJob[]): Promise<AppError | undefined> {
  progress(run)
  const window = jobWindow(run.http, jobs, run.workDir)
  try {
    for (let index = 0; index < jobs.length; index++) {
      const job = jobs[index] as ExportJob
      run.options.logger.debug(`Export job ${job.id}: window ${job.parameters.startAt} – ${job.parameters.endAt}, updated ${job.updatedAt}`)
      const result = E.flatten(await guard(() => processJob(run, jobs, index, window, listed))())
      if (result._tag === 'Left') return result.left
      if (result.right === 'stopped') return undefined
    }
    return undefined
  } finally {
    await window.releaseAll()
  }
}

