import type * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {ExitCode, localFileProblem, type AppError, type RequestStats} from '../common/index.js'
import type {Settings} from '../config/index.js'
import type {Budget, CustomerDirectory, GladlyHttp, Selection} from '../gladly/index.js'
import type {Logger} from '../log/index.js'
import type {Mapping} from '../mapping/index.js'
import type {FilterReason} from '../transform/index.js'
import type {Journal, Ledger, Spool, State} from '../state/index.js'
import type {Delivery} from './delivery.js'
import type {RunLookups} from './lookups.js'
import type {RunSummary} from './summary.js'

/** Where a run stands, for a progress view: totals grow as feeds learn them (a job's count once its files are split). */
export interface Progress {
  /** The unit at work: `export job <id>`, `backfill window <days>`, `quarantine retry`; absent between units. */
  readonly unit?: string
  readonly unitsDone: number
  readonly unitsPlanned: number
  /** Units whose conversations are counted: the others' are not known yet. */
  readonly unitsOpened: number
  readonly conversationsDone: number
  readonly conversationsKnown: number
  /** Records made so far (each to be delivered), and those Enterpret took. */
  readonly recordsMade: number
  readonly recordsDelivered: number
  readonly gladlyRequests: number
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
  /** Each closed conversation the filters leave out (mapping check lists them). */
  readonly onFiltered?: (conversationId: string, reason: FilterReason, detail: string) => void
  readonly now?: () => Date
  /** Conversations looked up at once; the request budget paces them. */
  readonly concurrency?: number
  /**
   * Aborted on SIGTERM/SIGINT (its reason says why, e.g. `SIGTERM received`): the run takes no new conversation,
   * delivers what it has, saves its checkpoint and returns, stopped.
   */
  readonly signal?: AbortSignal
  readonly bucketBytes?: number
  /** Gladly's request budget, when the run shares it with other work of the process (watch's Events API poller). */
  readonly budget?: Budget
  /** Told of each conversation Enterpret took, with the closedAt it was sent with (watch's close→delivery lag). */
  readonly onDelivered?: (
    conversations: ReadonlyArray<{readonly conversationId: string; readonly closedAt: string}>,
  ) => void
}

// Open conversations untouched this long leave the spool; if one closes later it is fetched whole.
export const SPOOL_TTL_DAYS = 30
export const DEFAULT_CONCURRENCY = 16
export const GLADLY_DOCUMENTED_RPS = 10

/** Where feed events come from: for the spool (from when it holds a conversation's items) and for reports. */
export interface Unit {
  /** The unit's start: with this unit's items added, the spool holds a conversation's items from then on. */
  readonly keepSince: string
  /** For people: `export job <id>`, `backfill window <day>`, `quarantine retry`. */
  readonly source: string
}

/** The state a run keeps current: changed as each outcome is known, and saved then. */
export interface StateCell {
  current: State
  /** Writes `current` atomically; a no-op in a dry run. */
  save(): E.Either<AppError, void>
}

/** What a run adds up and remembers as it goes, kept apart from its environment. */
export interface RunTally {
  readonly summary: RunSummary
  readonly gladly: RequestStats
  conversationsKnown: number
  conversationsDone: number
  /** Units opened so far (their conversations are counted in conversationsKnown). */
  unitsOpened: number
  records: number
  /** Quarantined conversations that reached an outcome in the unit at work (`settleQuarantine`). */
  readonly quarantineResolved: Set<string>
  /** Customers whose merge was already followed in this run. */
  readonly mergesFollowed: Set<string>
}

/**
 * A run's environment, built once by `prepare` and frozen: its settings, clock, connections and stores. The two
 * things that change as the run goes are behind their own fields: the state (`state`) and the counters (`tally`).
 */
export interface Run {
  readonly options: ImportOptions
  readonly now: () => Date
  readonly http: GladlyHttp
  readonly gladlyAppUrl: string
  /** Agents, topics and inboxes: the organization's, and those each export job brings (a cache that only grows). */
  readonly lookups: RunLookups
  readonly spool: Spool
  readonly ledger: Ledger
  readonly journal: Journal
  readonly delivery: Delivery
  readonly customers: CustomerDirectory
  /** Downloads and scratch files; a dry run keeps them out of the state folder. */
  readonly workDir: string
  readonly state: StateCell
  readonly tally: RunTally
  /** The mapping file (IMPORT_MAPPING_FILE), when there is one. */
  readonly mapping?: Mapping
}

function failure(message: string, exit: ExitCode = ExitCode.failure): AppError {
  return {_tag: 'RunError', exit, message}
}

/** Anything thrown below (a full disk, say) ends the run with one line saying what and how to fix it. */
export const guard = <A>(work: () => Promise<A>): TE.TaskEither<AppError, A> =>
  TE.tryCatch(work, (error) => failure(localFileProblem(error) ?? `The run stopped: ${(error as Error).message}`))

/** Why the run must stop taking new work, if it must: a signal, or its lock taken over. */
export function stopRequested(run: Run): string | undefined {
  const {signal} = run.options
  return signal?.aborted ? String(signal.reason) : undefined
}

/** A warning for the log and for the summary, which the command shows again at the end. */
export function noteWarning(run: Pick<Run, 'options' | 'tally'>, warning: string): void {
  run.options.logger.warn(warning)
  run.tally.summary.warnings.push(warning)
}

export function progress(run: Run, unit?: Unit): void {
  const {tally} = run
  run.options.onProgress?.({
    ...(unit === undefined ? {} : {unit: unit.source}),
    unitsDone: tally.summary.jobs.processed,
    unitsPlanned: tally.summary.jobs.planned,
    unitsOpened: tally.unitsOpened,
    conversationsDone: tally.conversationsDone,
    conversationsKnown: tally.conversationsKnown,
    recordsMade: tally.records,
    recordsDelivered: tally.summary.conversations.sent,
    gladlyRequests: tally.gladly.requests,
  })
}
