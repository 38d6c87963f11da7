import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ExitCode, type AppError} from '../common/index.js'
import {requireSettings, type Settings} from '../config/index.js'
import {
  createBudget,
  createGladlyHttp,
  customerDirectory,
  getCustomerConversations,
  getCustomerProfile,
  getOrganization,
  jobFeed,
  listCompletedJobs,
  lostPeriodWarning,
  planJobs,
  readLookups,
  compareTimestamps,
  type Conversation,
  type CustomerDirectory,
  type ExportJob,
  type FeedEvent,
  type GladlyHttp,
  type JobPlan,
  type RequestStats,
  type Selection,
} from '../gladly/index.js'
import type {Logger} from '../log/index.js'
import {acquireLock, openJournal, openLedger, openSpool, openStateStore, overlaySpool, profileStateDir, readOnlyLedger, type Journal, type Ledger, type Lock, type Spool, type State, type StateStore} from '../state/index.js'
import {toEnterpretRecord} from '../transform/index.js'
import {createDelivery, type Delivery} from './delivery.js'
import {jobWindow, type JobWindow} from './job-window.js'
import {completeJob, lastWindowEnd} from './jobs.js'
import {addFromJob, fetchLookups, type RunLookups} from './lookups.js'
import {malformedReport} from './malformed.js'
import {emptySummary, type RunSummary} from './summary.js'

export interface Progress {
  readonly jobsDone: number
  readonly jobsPlanned: number
  readonly conversationsDone: number
  readonly conversationsKnown: number
}

export interface ImportOptions {
  readonly settings: Settings
  readonly logger: Logger
  readonly userAgent: string
  readonly runId: string
  readonly selection: Selection
  /** Stop after this many conversations turned into records. */
  readonly limit?: number
  readonly includeNotes: boolean
  readonly resendUpdated: boolean
  /** Fetch and transform only: the payloads go to `output`; no state, spool or dead letter changes. */
  readonly dryRun?: {readonly output: NodeJS.WritableStream}
  readonly onProgress?: (progress: Progress) => void
  readonly now?: () => Date
  /** Conversations looked up at once; the request budget paces them. */
  readonly concurrency?: number
  readonly bucketBytes?: number
}

// Open conversations untouched this long leave the spool; if one closes later it is fetched whole.
const SPOOL_TTL_DAYS = 30
const DEFAULT_CONCURRENCY = 16

interface Run {
  readonly options: ImportOptions
  saveState(): E.Either<AppError, void>
  readonly now: () => Date
  readonly http: GladlyHttp
  readonly gladlyStats: RequestStats
  readonly gladlyAppUrl: string
  readonly lookups: RunLookups
  readonly store: StateStore
  readonly spool: Spool
  readonly ledger: Ledger
  readonly journal: Journal
  readonly delivery: Delivery
  readonly customers: CustomerDirectory
  /** Customers whose merge was already followed in this run. */
  readonly mergesFollowed: Set<string>
  /** Downloads and scratch files; a dry run keeps them out of the state folder. */
  readonly workDir: string
  readonly summary: RunSummary
  state: State
  conversationsKnown: number
  conversationsDone: number
  records: number
}

function failure(message: string, exit: ExitCode = ExitCode.failure): AppError {
  return {_tag: 'RunError', exit, message}
}

/** Anything thrown below (a full disk, say) ends the run with its message instead of a stack trace. */
const guard = <A>(work: () => Promise<A>): TE.TaskEither<AppError, A> => TE.tryCatch(work, (error) => failure(`The run stopped: ${(error as Error).message}`))

// A dry run never talks to Enterpret, so it does not need its key.
function requiredCredentials(options: ImportOptions) {
  const names = ['GLADLY_API_URL', 'GLADLY_USERNAME', 'GLADLY_API_TOKEN', ...(options.dryRun ? [] : (['ENTERPRET_API_KEY'] as const))] as const
  return TE.fromEither(requireSettings(options.settings, names, options.dryRun ? 'dry-run' : 'import'))
}

function prepare(options: ImportOptions): TE.TaskEither<AppError, Run> {
  const {settings, logger} = options
  const {stateDir} = settings.paths
  const now = options.now ?? (() => new Date())
  const gladlyStats: RequestStats = {requests: 0, rateLimited: 0, retries: 0}
  return pipe(
    requiredCredentials(options),
    TE.bindTo('credentials'),
    TE.bindW('state', () => TE.fromEither(openStateStore(stateDir, settings.profile).read())),
    TE.bindW('http', ({credentials}) =>
      TE.right(
        createGladlyHttp({
          origin: credentials.GLADLY_API_URL,
          username: credentials.GLADLY_USERNAME,
          token: credentials.GLADLY_API_TOKEN,
          userAgent: options.userAgent,
          maxRetries: settings.values.MAX_RETRIES,
          retryDelayMs: settings.values.RETRY_DELAY,
          budget: createBudget(settings.values.GLADLY_MAX_RPS),
          logger,
          stats: gladlyStats,
        }),
      ),
    ),
    // Checked first: a wrong token should fail in one request, not after the first job.
    TE.bindW('organization', ({http}) => getOrganization(http)),
    TE.bindW('lookups', ({http}) => fetchLookups(http)),
    TE.bindW('stores', () =>
      guard(async () => {
        // A dry run must leave the state folder byte for byte as it was: its scratch goes elsewhere.
        const workDir = options.dryRun ? await mkdtemp(join(tmpdir(), 'gladly-enterpret-dry-run-')) : join(profileStateDir(stateDir, settings.profile), 'work')
        // Downloads of a run that was killed are of no use: the jobs are read again.
        if (!options.dryRun) await rm(workDir, {recursive: true, force: true})
        return {
          workDir,
          ledger: options.dryRun ? await readOnlyLedger(stateDir, settings.profile) : await openLedger(stateDir, settings.profile),
          journal: await openJournal(stateDir, settings.profile),
        }
      }),
    ),
    TE.map(({state, http, organization, lookups, stores}) => {
      const summary = emptySummary(options.dryRun ? 'dry-run' : 'import', settings.profile, now())
      const realSpool = openSpool(stateDir, settings.profile)
      const spool = options.dryRun ? overlaySpool(realSpool, join(stores.workDir, 'spool')) : realSpool
      const store = openStateStore(stateDir, settings.profile)
      const run: Run = {
        options,
        saveState: () => (options.dryRun ? E.right(undefined) : store.write(run.state)),
        now,
        http,
        gladlyStats,
        gladlyAppUrl: organization.gladlyUrl ?? http.origin,
        lookups,
        store,
        spool,
        ledger: stores.ledger,
        journal: stores.journal,
        summary,
        state,
        conversationsKnown: 0,
        conversationsDone: 0,
        records: 0,
        customers: customerDirectory(http, logger),
        mergesFollowed: new Set(),
        workDir: stores.workDir,
        delivery: undefined as unknown as Delivery,
      }
      return Object.assign(run, {delivery: createDelivery(run)})
    }),
  )
}

function progress(run: Run): void {
  run.options.onProgress?.({jobsDone: run.summary.jobs.processed, jobsPlanned: run.summary.jobs.planned, conversationsDone: run.conversationsDone, conversationsKnown: run.conversationsKnown})
}

function plan(run: Run): TE.TaskEither<AppError, {plan: JobPlan; listed: ExportJob[]; jobs: ExportJob[]}> {
  const {state, options} = run
  return pipe(
    TE.fromEither<AppError, JobPlan>(planJobs(options.selection, {watermark: state.watermark, processedJobIds: new Set(state.processedJobs.map((job) => job.id)), lastWindowEnd: lastWindowEnd(state)}, run.http.now())),
    TE.bindTo('plan'),
    TE.bindW('listed', ({plan: jobPlan}) => listCompletedJobs(run.http, {startAt: jobPlan.listFrom})),
    TE.map(({plan: jobPlan, listed}) => ({plan: jobPlan, listed, jobs: listed.filter(jobPlan.wants)})),
  )
}

/** Before any new job: the spool's stale entries, and the data lost if the last run is too old. */
function housekeeping(run: Run, jobPlan: JobPlan, jobs: readonly ExportJob[]): TE.TaskEither<AppError, void> {
  const {logger} = run.options
  return guard(async () => {
    for (const warning of jobPlan.warnings) {
      logger.warn(warning)
      run.summary.warnings.push(warning)
    }
    if (jobPlan.lostSince !== undefined) {
      const warning = lostPeriodWarning(jobPlan.lostSince, jobs[0]?.parameters.startAt, run.http.now())
      logger.warn(warning)
      run.summary.warnings.push(warning)
      // The spool no longer holds every item since `since` of its conversations.
      if (!run.options.dryRun) await run.spool.expire(0, new Date(run.now().getTime() + 1))
    }
    if (!run.options.dryRun) await run.spool.expire(SPOOL_TTL_DAYS, run.now())
    const checkpoint = run.state.checkpoint
    if (checkpoint !== null && !jobs.some((job) => job.id === checkpoint.jobId)) {
      logger.warn(`The interrupted run's job ${checkpoint.jobId} is no longer listed by Gladly; its checkpoint is dropped.`)
      if (!run.options.dryRun) await run.journal.clear()
      run.state = {...run.state, checkpoint: null}
    }
  })
}

/**
 * A conversation that vanished was most likely merged: Gladly moves its items, under new ids, into
 * the customer's open conversation (the customer itself may have been merged too, a 301). The spool
 * never saw those items, so that conversation is fetched whole when it closes.
 */
async function followMerge(run: Run, customerId: string, lastActivity: string | undefined): Promise<void> {
  if (run.mergesFollowed.has(customerId)) return
  run.mergesFollowed.add(customerId)
  const profile = await getCustomerProfile(run.http, customerId)()
  const survivor = profile._tag === 'Right' && profile.right._tag === 'Found' ? profile.right.customer.id : customerId
  const conversations = await getCustomerConversations(run.http, survivor)()
  if (conversations._tag === 'Left') {
    run.options.logger.warn(`Could not list the conversations of customer ${survivor} after a merge (${conversations.left.message}); a merged transcript may miss items.`)
    return
  }
  // The one that took the items was open when the merge happened, after the vanished one's last activity.
  const couldHaveTaken = (conversation: Conversation) =>
    conversation.closedAt === undefined || lastActivity === undefined || compareTimestamps(conversation.closedAt, lastActivity) >= 0
  for (const conversation of conversations.right ?? []) {
    if (couldHaveTaken(conversation) && run.ledger.closedAtOf(conversation.id) === undefined) await run.spool.markIncomplete(conversation.id)
  }
}

/** One feed event: transform a closed conversation and hand it to delivery; the rest is bookkeeping. */
async function handle(run: Run, job: ExportJob, event: FeedEvent): Promise<AppError | undefined> {
  const {summary, options} = run
  const c = summary.conversations
  switch (event._tag) {
    case 'Malformed':
      summary.malformedLines++
      options.logger.warn(`Job ${event.line.jobId}, ${event.line.file} line ${event.line.line}: ${event.line.reason}`)
      await malformedReport(run.options.settings.paths.logDir, options.runId, run.now()).add(event.line)
      summary.malformedReport = malformedReport(run.options.settings.paths.logDir, options.runId, run.now()).path
      return undefined
    case 'TimelineOnly':
      summary.timelineOnlyItems += event.count
      return undefined
    case 'Failed':
      return event.error
    case 'Skipped':
      if (event.reason !== 'done before an interruption') c.alreadySent++
      run.delivery.markDone(event.conversationId)
      break
    case 'Vanished':
      c.vanished++
      options.logger.info(`Conversation ${event.conversationId} no longer exists in Gladly (merged or deleted); skipped.`)
      await run.spool.drop(event.conversationId)
      if (event.customerId !== undefined) await followMerge(run, event.customerId, event.lastActivity)
      run.delivery.markDone(event.conversationId)
      break
    case 'Deferred':
      await run.spool.keep(event.conversationId, job.parameters.startAt, event.items)
      run.delivery.markDone(event.conversationId)
      return undefined
    case 'Open':
      c.keptOpen++
      await run.spool.keep(event.conversationId, job.parameters.startAt, event.items)
      run.delivery.markDone(event.conversationId)
      break
    case 'Closed': {
      if (event.fetchedItems) c.fetchedWhole++
      if (event.itemsTruncated) options.logger.warn(`Conversation ${event.conversation.id} has more items than Gladly returns (1,000): its record is marked truncated.`)
      const result = toEnterpretRecord(
        {conversation: event.conversation, items: event.items, customer: event.customer, lookups: run.lookups, gladlyAppUrl: run.gladlyAppUrl, itemsTruncated: event.itemsTruncated},
        run.delivery.transformOptions(run.now()),
      )
      run.records++
      if (result._tag === 'NoMessages') {
        c.noMessages++
        options.logger.info(`Conversation ${event.conversation.id} has no customer-visible message (${result.reason}); nothing to send.`)
        run.delivery.markDone(event.conversation.id)
        break
      }
      for (const type of result._tag === 'Record' ? result.unknownContentTypes : []) run.delivery.noteUnknownType(type)
      await run.delivery.add(event.conversation, result)
      break
    }
  }
  c.seen++
  run.conversationsDone++
  progress(run)
  return run.delivery.fatal
}

async function startCheckpoint(run: Run, job: ExportJob): Promise<void> {
  if (run.options.dryRun || run.state.checkpoint?.jobId === job.id) return
  await run.journal.clear()
  run.state = {...run.state, checkpoint: {runId: run.options.runId, startedAt: run.now().toISOString(), jobId: job.id}}
  const written = run.saveState()
  if (written._tag === 'Left') throw new Error(written.left.message)
}

type JobOutcome = 'done' | 'stopped'

function noteExpired(run: Run, job: ExportJob): void {
  const warning = `Export job ${job.id} (window ${job.parameters.startAt} – ${job.parameters.endAt}) expired before it could be read: conversations active only in that window were not imported.`
  run.options.logger.warn(warning)
  run.summary.warnings.push(warning)
  run.summary.jobs.lost++
}

/** Reads the job's files and works through its conversations; a fatal error stops after what is in flight is delivered. */
async function readJob(run: Run, job: ExportJob, files: ReadonlyMap<string, string>, dir: string, continuesLater: (conversationId: string) => boolean): Promise<E.Either<AppError, JobOutcome>> {
  const {options} = run
  const jobLookups = await readLookups(job, files)
  addFromJob(run.lookups, jobLookups)
  for (const line of jobLookups.malformed) await handle(run, job, {_tag: 'Malformed', line})
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
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    bucketBytes: options.bucketBytes,
  })
  for await (const event of feed) {
    if (event._tag === 'Open' || event._tag === 'Closed' || event._tag === 'Vanished' || event._tag === 'Skipped') run.conversationsKnown++
    const fatal = await handle(run, job, event)
    if (fatal !== undefined) {
      await run.delivery.drain()
      return E.left(fatal)
    }
    if (options.limit !== undefined && run.records >= options.limit) {
      await run.delivery.drain()
      run.summary.stopped = `--limit ${options.limit} reached`
      return E.right('stopped')
    }
  }
  await run.delivery.drain()
  return run.delivery.fatal === undefined ? E.right('done') : E.left(run.delivery.fatal)
}

/** fetch → transform → persist for one export job; the watermark passes it only when all of it is done. */
async function processJob(run: Run, jobs: readonly ExportJob[], index: number, window: JobWindow, listed: readonly ExportJob[]): Promise<E.Either<AppError, JobOutcome>> {
  const job = jobs[index] as ExportJob
  await startCheckpoint(run, job)
  const downloaded = await window.open(index)
  if (downloaded._tag === 'Left') return downloaded
  const {files, dir} = downloaded.right
  let outcome: E.Either<AppError, JobOutcome> = E.right('done')
  if (files === undefined) noteExpired(run, job)
  else outcome = await readJob(run, job, files, dir, (id) => window.continuesLater(index, id))
  await window.release(index)
  if (outcome._tag === 'Left' || outcome.right === 'stopped') return outcome
  run.summary.jobs.processed++
  progress(run)
  if (run.options.dryRun) return outcome
  run.state = completeJob(run.state, job, listed, run.now())
  const written = run.saveState()
  if (written._tag === 'Left') return written
  await run.journal.clear()
  return outcome
}

/** Works through the jobs in order; an error stops the run but what was done stays done. */
async function processJobs(run: Run, jobs: readonly ExportJob[], listed: readonly ExportJob[]): Promise<AppError | undefined> {
  run.summary.jobs.planned = jobs.length
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

function finish(run: Run, startedAt: Date): RunSummary {
  const {summary} = run
  const finishedAt = run.now()
  summary.finishedAt = finishedAt.toISOString()
  summary.durationMs = finishedAt.getTime() - startedAt.getTime()
  summary.conversationsPerSecond = summary.durationMs > 0 ? (summary.conversations.seen * 1000) / summary.durationMs : 0
  summary.gladly = {...run.gladlyStats}
  summary.enterpret = run.delivery.stats()
  summary.deadLetters.remaining = run.state.deadLetters.length
  summary.watermark = run.state.watermark?.updatedAt ?? null
  return summary
}

function withLock<A>(options: ImportOptions, work: () => TE.TaskEither<AppError, A>): TE.TaskEither<AppError, A> {
  if (options.dryRun) return work()
  const {settings, logger} = options
  return TE.bracket(
    TE.fromEither(
      acquireLock(settings.paths.stateDir, settings.profile, {
        command: options.dryRun ? 'dry-run' : 'import',
        onStaleLock: (holder) => logger.warn(`Took over the lock of an import that died (pid ${holder.pid}, started ${holder.startedAt}).`),
      }),
    ) as TE.TaskEither<AppError, Lock>,
    work,
    (lock) => TE.fromIO(() => lock.release()),
  )
}

export interface RunResult {
  readonly summary: RunSummary
  /** What stopped the run early; everything before it was delivered or kept, and the next run resumes. */
  readonly error?: AppError
}

/**
 * The product's job: for every export job selected, fetch the touched conversations, transform the
 * closed ones into Enterpret records, and persist them (deliver, or write them out in a dry run),
 * moving the watermark only past jobs that are entirely done.
 */
export function runImport(options: ImportOptions): TE.TaskEither<AppError, RunResult> {
  const startedAt = (options.now ?? (() => new Date()))()
  return withLock(options, () =>
    pipe(
      prepare(options),
      TE.chainFirst((run) => run.delivery.retryDeadLetters()),
      TE.bindTo('run'),
      TE.bind('selected', ({run}) => plan(run)),
      TE.chainFirst(({run, selected}) => housekeeping(run, selected.plan, selected.jobs)),
      TE.bind('error', ({run, selected}) => TE.fromTask(() => processJobs(run, selected.jobs, selected.listed))),
      TE.chainFirst(({run}) => (options.dryRun ? guard(() => rm(run.workDir, {recursive: true, force: true})) : TE.right(undefined))),
      TE.map(({run, error}) => {
        if (error !== undefined) run.summary.stopped = error.message
        const summary = finish(run, startedAt)
        if (!options.dryRun) {
          run.state = {...run.state, lastRun: {...summary}}
          run.saveState()
        }
        return {summary, error}
      }),
    ),
  )
}
