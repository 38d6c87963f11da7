import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {rmSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {displayInstant, type AppError, type RequestStats} from '../common/index.js'
import {requireSettings} from '../config/index.js'
import {probeApiKey, USERS_WEBHOOK} from '../enterpret/index.js'
import {
  createBudget,
  createGladlyHttp,
  customerDirectory,
  getOrganization,
  isOneTimeExport,
  listCompletedJobs,
  lostPeriodWarning,
  planJobs,
  type ExportJob,
  type JobPlan,
} from '../gladly/index.js'
import {
  acquireLock,
  openJournal,
  openLedger,
  openPendingUsers,
  openSentUsers,
  openSpool,
  openStateStore,
  overlaySpool,
  profileStateDir,
  readOnlyLedger,
  readOnlySentUsers,
  type Backfill,
  type Journal,
  type Ledger,
  type Lock,
  type LockHeld,
} from '../state/index.js'
import {
  GLADLY_DOCUMENTED_RPS,
  guard,
  noteWarning,
  SPOOL_TTL_DAYS,
  type ImportOptions,
  type Run,
  type RunTally,
  type StateCell,
} from './context.js'
import {createDelivery} from './delivery.js'
import {createUserDelivery} from './users.js'
import {backfillUnits, backfillWindows, planBackfill} from './backfill-phase.js'
import {exportJobUnits} from './export-phase.js'
import {lastWindowEnd} from './jobs.js'
import {fetchLookups} from './lookups.js'
import {retryQuarantined} from './quarantine-phase.js'
import {checkKeyTypes, filterSpecOf, mappingOf, redactorOf, resolveFilter} from './shaping.js'
import {quarantined, requeueUnreadable} from './quarantine.js'
import {emptySummary, type RunSummary} from './summary.js'
import {processUnits, type FeedUnit} from './units.js'

export type {ImportOptions, Progress} from './context.js'

// A dry run's scratch holds export files (names, emails, messages): removed when the run ends, and by an exit
// handler should the process be stopped before (a second Ctrl-C, the end of the SIGTERM grace period).
const scratchCleanups = new Map<string, () => void>()

async function scratchDir(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'gladly-enterpret-dry-run-'))
  const cleanup = () => rmSync(path, {recursive: true, force: true})
  scratchCleanups.set(path, cleanup)
  process.on('exit', cleanup)
  return path
}

async function removeScratch(path: string): Promise<void> {
  const cleanup = scratchCleanups.get(path)
  if (cleanup !== undefined) process.off('exit', cleanup)
  scratchCleanups.delete(path)
  await rm(path, {recursive: true, force: true})
}

// A dry run never talks to Enterpret, so it does not need its key.
function requiredCredentials(options: ImportOptions) {
  const names = [
    'GLADLY_API_URL',
    'GLADLY_USERNAME',
    'GLADLY_API_TOKEN',
    ...(options.dryRun ? [] : (['ENTERPRET_API_KEY'] as const)),
  ] as const
  return TE.fromEither(requireSettings(options.settings, names, options.dryRun ? 'dry-run' : 'import'))
}

/** Stores a feed other than the import brings: `watch` keeps no journal of export jobs and its own scratch folder. */
export interface FeedStores {
  readonly workDir: string
  readonly ledger: Ledger
  readonly journal: Journal
}

export function prepare(options: ImportOptions, feedStores?: FeedStores): TE.TaskEither<AppError, Run> {
  const {settings, logger} = options
  const {stateDir} = settings.paths
  const usersEnabled = settings.values.ENTERPRET_USERS_API_KEY !== undefined
  const now = options.now ?? (() => new Date())
  const gladlyStats: RequestStats = {requests: 0, rateLimited: 0, retries: 0}
  if (settings.values.GLADLY_MAX_RPS > GLADLY_DOCUMENTED_RPS) {
    logger.warn(
      `GLADLY_MAX_RPS is ${settings.values.GLADLY_MAX_RPS}, above the ${GLADLY_DOCUMENTED_RPS} requests/s Gladly documents for a whole organization: expect 429s unless Gladly raised your limit.`,
    )
  }
  return pipe(
    // A mapping file or shaping setting that cannot work fails before anything is read or sent.
    TE.fromEither(mappingOf(settings)),
    TE.bindTo('mapping'),
    TE.bindW('redactor', ({mapping}) =>
      TE.fromEither(redactorOf(settings, mapping, (message) => logger.warn(message))),
    ),
    TE.bindW('credentials', () => requiredCredentials(options)),
    // A wrong Enterpret address or key fails here in seconds, before any Gladly work (a dry run sends nothing).
    TE.chainFirst(({credentials}) =>
      options.dryRun
        ? TE.right(undefined)
        : probeApiKey(settings.values.ENTERPRET_API_URL, credentials.ENTERPRET_API_KEY, options.userAgent),
    ),
    // The Users webhook has a key of its own: a wrong one fails here too, rather than after the first batch.
    TE.chainFirst(() => {
      const usersKey = settings.values.ENTERPRET_USERS_API_KEY
      return options.dryRun || usersKey === undefined
        ? TE.right(undefined)
        : probeApiKey(settings.values.ENTERPRET_API_URL, usersKey, options.userAgent, USERS_WEBHOOK)
    }),
    TE.bindW('state', () => TE.fromEither(openStateStore(stateDir, settings.profile).read())),
    TE.chainFirstW(({mapping, state}) => TE.fromEither(checkKeyTypes(mapping, state.metadataTypes ?? {}))),
    TE.bindW('http', ({credentials}) =>
      TE.right(
        createGladlyHttp({
          origin: credentials.GLADLY_API_URL,
          username: credentials.GLADLY_USERNAME,
          token: credentials.GLADLY_API_TOKEN,
          userAgent: options.userAgent,
          maxRetries: settings.values.MAX_RETRIES,
          retryDelayMs: settings.values.RETRY_DELAY,
          budget: options.budget ?? createBudget(settings.values.GLADLY_MAX_RPS),
          logger,
          stats: gladlyStats,
        }),
      ),
    ),
    // Checked first: a wrong token should fail in one request, not after the first job.
    TE.bindW('organization', ({http}) => getOrganization(http)),
    TE.bindW('lookups', ({http, state}) => fetchLookups(http, state.customAttributeNames ?? {})),
    // Names are checked against the organization before anything is sent.
    TE.bindW('filter', ({lookups, mapping}) => TE.fromEither(resolveFilter(filterSpecOf(settings, mapping), lookups))),
    TE.bindW('stores', () =>
      guard(async () => {
        const sentUsers = !usersEnabled
          ? undefined
          : options.dryRun
            ? await readOnlySentUsers(stateDir, settings.profile)
            : await openSentUsers(stateDir, settings.profile)
        if (feedStores !== undefined) return {...feedStores, sentUsers}
        // A dry run must leave the state folder byte for byte as it was: its scratch goes elsewhere.
        const workDir = options.dryRun ? await scratchDir() : join(profileStateDir(stateDir, settings.profile), 'work')
        // Downloads of a run that was killed are of no use: the jobs are read again.
        if (!options.dryRun) await rm(workDir, {recursive: true, force: true})
        return {
          workDir,
          ledger: options.dryRun
            ? await readOnlyLedger(stateDir, settings.profile)
            : await openLedger(stateDir, settings.profile),
          journal: await openJournal(stateDir, settings.profile),
          sentUsers,
        }
      }),
    ),
    TE.map(({mapping, redactor, filter, state, http, organization, lookups, stores}) => {
      const realSpool = openSpool(stateDir, settings.profile)
      const store = openStateStore(stateDir, settings.profile)
      const cell: StateCell = {
        current: state,
        save: () => (options.dryRun ? E.right(undefined) : store.write(cell.current)),
      }
      const tally: RunTally = {
        summary: emptySummary(options.dryRun ? 'dry-run' : 'import', settings.profile, now()),
        gladly: gladlyStats,
        conversationsKnown: 0,
        conversationsDone: 0,
        unitsOpened: 0,
        records: 0,
        mergesFollowed: new Set(),
        quarantineResolved: new Set(),
      }
      // A customer's profile is needed for the records' customer fields, or for the Users webhook.
      const customers = customerDirectory(http, logger, {
        profilesNeeded: options.settings.values.RECORD_CUSTOMER_FIELDS === 'yes' || stores.sentUsers !== undefined,
      })
      tally.summary.users.enabled = stores.sentUsers !== undefined
      const users =
        stores.sentUsers === undefined
          ? undefined
          : createUserDelivery({
              options,
              now,
              state: cell,
              tally,
              sentUsers: stores.sentUsers,
              pending: options.dryRun ? undefined : openPendingUsers(stateDir, settings.profile),
              directory: customers,
            })
      const stateParts = {
        options,
        now,
        spool: options.dryRun ? overlaySpool(realSpool, join(stores.workDir, 'spool')) : realSpool,
        ledger: stores.ledger,
        journal: stores.journal,
        state: cell,
        tally,
      }
      return Object.freeze<Run>({
        ...stateParts,
        http,
        gladlyAppUrl: organization.gladlyUrl ?? http.origin,
        lookups,
        customers,
        workDir: stores.workDir,
        delivery: createDelivery({
          ...stateParts,
          users,
          ...(redactor === undefined ? {} : {redactor}),
          ...(filter === undefined ? {} : {filter}),
          ...(mapping === undefined ? {} : {mapping}),
        }),
        ...(mapping === undefined ? {} : {mapping}),
      })
    }),
  )
}

function plan(
  run: Run,
): TE.TaskEither<AppError, {plan: JobPlan; listed: ExportJob[]; jobs: ExportJob[]; backfill: Backfill | undefined}> {
  const {options} = run
  const state = run.state.current
  return pipe(
    TE.fromEither<AppError, JobPlan>(
      planJobs(
        options.selection,
        {
          watermark: state.watermark,
          processedJobIds: new Set(state.processedJobs.map((job) => job.id)),
          lastWindowEnd: lastWindowEnd(state),
          historyDays: options.settings.values.IMPORT_HISTORY_DAYS,
        },
        run.http.now(),
      ),
    ),
    TE.bindTo('plan'),
    TE.bindW('listed', ({plan: jobPlan}) =>
      pipe(
        listCompletedJobs(run.http, {startAt: jobPlan.listFrom}),
        TE.map(({jobs, unusable}) => {
          for (const warning of unusable) noteWarning(run, warning)
          return jobs
        }),
      ),
    ),
    TE.map(({plan: jobPlan, listed}) => ({
      plan: jobPlan,
      listed,
      jobs: listed.filter(jobPlan.wants),
      backfill: planBackfill(state.backfill, jobPlan, listed, options.selection.mode === 'range', run.http.now()),
    })),
  )
}

/** Before any new job: the spool's stale entries, and the data lost if the last run is too old. */
function housekeeping(run: Run, jobPlan: JobPlan, jobs: readonly ExportJob[]): TE.TaskEither<AppError, void> {
  const {logger} = run.options
  return guard(async () => {
    for (const warning of jobPlan.warnings) noteWarning(run, warning)
    for (const job of jobs.filter(isOneTimeExport)) {
      run.tally.summary.jobs.oneTime++
      logger.info(
        `Export job ${job.id} is a one-time export of ${displayInstant(job.parameters.startAt)} – ${displayInstant(job.parameters.endAt)}: its conversations are read from its files (about one Gladly request each), not from reports.`,
      )
    }
    if (jobPlan.lostSince !== undefined) {
      noteWarning(run, lostPeriodWarning(jobPlan.lostSince, jobs[0]?.parameters.startAt, run.http.now()))
      // The spool no longer holds every item since `since` of its conversations.
      if (!run.options.dryRun) await run.spool.expire(0, new Date(run.now().getTime() + 1))
    }
    if (!run.options.dryRun) await run.spool.expire(SPOOL_TTL_DAYS, run.now())
    const checkpoint = run.state.current.checkpoint
    // A backfill window's checkpoint (report:<day>) is resumed by the backfill itself.
    if (
      checkpoint !== null &&
      !checkpoint.jobId.startsWith('report:') &&
      !jobs.some((job) => job.id === checkpoint.jobId)
    ) {
      logger.warn(
        `The interrupted run's job ${checkpoint.jobId} is no longer listed by Gladly; its checkpoint is dropped.`,
      )
      if (!run.options.dryRun) await run.journal.clear()
      run.state.current = {...run.state.current, checkpoint: null}
    }
  })
}

/** History first, oldest first: the export jobs then continue from where it ends. */
async function* allUnits(
  run: Run,
  backfill: Backfill | undefined,
  jobs: readonly ExportJob[],
  listed: readonly ExportJob[],
): AsyncGenerator<FeedUnit> {
  if (backfill) yield* backfillUnits(run, backfill)
  yield* exportJobUnits(run, jobs, listed)
}

function finish(run: Run, startedAt: Date): RunSummary {
  const {summary} = run.tally
  const finishedAt = run.now()
  summary.finishedAt = finishedAt.toISOString()
  summary.durationMs = finishedAt.getTime() - startedAt.getTime()
  summary.conversationsPerSecond = summary.durationMs > 0 ? (summary.conversations.seen * 1000) / summary.durationMs : 0
  summary.gladly = {...run.tally.gladly}
  summary.enterpret = run.delivery.stats()
  summary.deadLetters.remaining = run.state.current.deadLetters.length
  summary.users.remaining = run.state.current.userDeadLetters?.length ?? 0
  summary.users.profileRequests = run.customers.fetched
  summary.quarantine.remaining = quarantined(run).length
  summary.watermark = run.state.current.watermark?.updatedAt ?? null
  return summary
}

/**
 * Holds the profile's lock around the work. Should another process take it over (this one's lease went stale,
 * e.g. while it was frozen), the work is asked to stop as on a signal, so that the two overlap as little as possible.
 */
function withLock<A>(
  options: ImportOptions,
  work: (options: ImportOptions) => TE.TaskEither<AppError, A>,
): TE.TaskEither<AppError, A> {
  if (options.dryRun) return work(options)
  const {settings, logger} = options
  const lost = new AbortController()
  const signal = options.signal === undefined ? lost.signal : AbortSignal.any([options.signal, lost.signal])
  const acquire = () =>
    acquireLock(settings.paths.stateDir, settings.profile, {
      command: 'import',
      onStaleLock: (holder) =>
        logger.warn(
          `Took over the lock of an import that is gone (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}).`,
        ),
      onLost: () => {
        logger.warn(
          `Another process took over the lock of profile ${settings.profile}: this import's lease went stale. It stops at the next conversation.`,
        )
        lost.abort('the lock was taken over by another process')
      },
    })
  return TE.bracket(
    () => waitOutWatch(acquire, logger),
    () => work({...options, signal}),
    (lock) => TE.fromIO(() => lock.release()),
  )
}

/**
 * `watch` holds the state's lock only while it delivers a few conversations (seconds); an import that meets it waits
 * for it rather than failing, up to WATCH_HOLD_WAIT_MS. Any other holder is refused at once, as before.
 */
const WATCH_HOLD_WAIT_MS = 120_000
const WATCH_HOLD_POLL_MS = 200

async function waitOutWatch(
  acquire: () => E.Either<AppError, Lock>,
  logger: ImportOptions['logger'],
): Promise<E.Either<AppError, Lock>> {
  const deadline = Date.now() + WATCH_HOLD_WAIT_MS
  let told = false
  for (;;) {
    const taken = acquire()
    const heldByWatch = taken._tag === 'Left' && (taken.left as LockHeld).holder?.command === 'watch'
    if (!heldByWatch || Date.now() > deadline) return taken
    if (!told) logger.info('watch is delivering conversations for this profile; the import starts when it is done.')
    told = true
    await new Promise((resolve) => setTimeout(resolve, WATCH_HOLD_POLL_MS))
  }
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
  return withLock(options, (locked) =>
    pipe(
      prepare(locked),
      TE.chainFirst((run) =>
        pipe(
          run.delivery.retryDeadLetters(),
          TE.chain((unreadable) => guard(() => requeueUnreadable(run, unreadable))),
          TE.chain((stopped) => (stopped === undefined ? TE.right(undefined) : TE.left(stopped))),
        ),
      ),
      TE.bindTo('run'),
      TE.bind('selected', ({run}) => plan(run)),
      TE.chainFirst(({run, selected}) => housekeeping(run, selected.plan, selected.jobs)),
      TE.bind('error', ({run, selected}) =>
        TE.fromTask(async () => {
          const {backfill, jobs, listed} = selected
          // Those of earlier runs; the ones this run sets aside wait for the next.
          const quarantinedBefore = quarantined(run).map((entry) => entry.conversationId)
          run.tally.summary.jobs.planned = jobs.length + (backfill ? backfillWindows(backfill) : 0)
          if (backfill) run.tally.summary.backfill = {from: backfill.from, to: backfill.to, windows: 0, done: false}
          // Saved before its first window: a run stopped inside it must leave the next run a backfill to resume.
          if (backfill && run.state.current.backfill !== backfill) {
            run.state.current = {...run.state.current, backfill}
            const saved = run.state.save()
            if (saved._tag === 'Left') return saved.left
          }
          const stopped = await processUnits(run, allUnits(run, backfill, jobs, listed))
          if (backfill) run.tally.summary.backfill.done = run.state.current.backfill?.next === null
          if (stopped !== undefined || run.tally.summary.stopped !== undefined) return stopped
          return retryQuarantined(run, quarantinedBefore)
        }),
      ),
      TE.chainFirst(({run}) => (options.dryRun ? guard(() => removeScratch(run.workDir)) : TE.right(undefined))),
      TE.map(({run, error}) => {
        if (error !== undefined) run.tally.summary.stopped = error.message
        const summary = finish(run, startedAt)
        if (options.dryRun) return {summary, error}
        run.state.current = {...run.state.current, lastRun: {...summary}}
        // Everything owed was saved as it happened; a state that cannot be written now is still the run's failure.
        const written = run.state.save()
        return {summary, error: error ?? (written._tag === 'Left' ? written.left : undefined)}
      }),
    ),
  )
}
