import * as E from 'fp-ts/lib/Either.js'
import type {AppError} from '../common/index.js'
import {jobFeed, readLookups, type ExportJob, type FeedEvent} from '../gladly/index.js'
import {DEFAULT_CONCURRENCY, noteWarning, type Run} from './context.js'
import {jobWindow, type JobWindow} from './job-window.js'
import {completeJob} from './jobs.js'
import {addFromJob} from './lookups.js'
import {skipRules, type FeedUnit, type OpenedUnit} from './units.js'

function noteExpired(run: Run, job: ExportJob): void {
  noteWarning(
    run,
    `Export job ${job.id} (window ${job.parameters.startAt} – ${job.parameters.endAt}) expired before it could be read: conversations active only in that window were not imported.`,
  )
  run.tally.summary.jobs.lost++
}

async function* noEvents(): AsyncGenerator<FeedEvent> {}

/** The job's files: its agents and topics join the run's lookups, its lines that cannot be read come first. */
async function openJob(
  run: Run,
  jobs: readonly ExportJob[],
  index: number,
  window: JobWindow,
): Promise<E.Either<AppError, OpenedUnit>> {
  const job = jobs[index] as ExportJob
  const downloaded = await window.open(index)
  if (downloaded._tag === 'Left') return downloaded
  const {files, dir} = downloaded.right
  if (files === undefined) {
    noteExpired(run, job)
    return E.right({events: noEvents(), close: () => window.release(index)})
  }
  const jobLookups = await readLookups(job, files)
  addFromJob(run.lookups, jobLookups)
  async function* events(): AsyncGenerator<FeedEvent> {
    for (const line of jobLookups.malformed) yield {_tag: 'Malformed', line}
    yield* jobFeed({
      ...skipRules(run),
      http: run.http,
      job,
      files: files as ReadonlyMap<string, string>,
      customers: jobLookups.customers,
      directory: run.customers,
      workDir: dir,
      spool: run.spool,
      continuesLater: (id) => window.continuesLater(index, id),
      itemsFromApi: run.options.settings.values.TRANSCRIPT_SOURCE === 'api',
      surveys: run.options.settings.values.IMPORT_SURVEYS === 'on',
      concurrency: run.options.concurrency ?? DEFAULT_CONCURRENCY,
      bucketBytes: run.options.bucketBytes,
    })
  }
  return E.right({
    events: events(),
    close: async () => {
      jobLookups.customers.close()
      await window.release(index)
    },
  })
}

/**
 * The export feed's units: one per selected job, oldest first, downloaded a little ahead. A job's completion
 * records it as processed and moves the watermark over every job done in order.
 */
export async function* exportJobUnits(
  run: Run,
  jobs: readonly ExportJob[],
  listed: readonly ExportJob[],
): AsyncGenerator<FeedUnit> {
  const window = jobWindow(run.http, jobs, run.workDir)
  try {
    for (let index = 0; index < jobs.length; index++) {
      const job = jobs[index] as ExportJob
      yield {
        checkpointKey: job.id,
        source: `export job ${job.id}`,
        keepSince: job.parameters.startAt,
        open: () => openJob(run, jobs, index, window),
        complete: (state) => completeJob(state, job, listed, run.now()),
      }
    }
  } finally {
    await window.releaseAll()
  }
}
