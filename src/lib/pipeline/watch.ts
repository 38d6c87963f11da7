import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {join} from 'node:path'
import type {AppError} from '../common/index.js'
import {conversationsById} from '../gladly/index.js'
import {acquireLock, openLedger, openStateStore, profileStateDir, type Journal, type Ledger} from '../state/index.js'
import {DEFAULT_CONCURRENCY, guard, type ImportOptions, type Run, type RunTally} from './context.js'
import {consumeFeed, type UnitOutcome} from './events.js'
import {settleQuarantine} from './quarantine.js'
import {prepare} from './run.js'
import {skipRules} from './units.js'

/**
 * watch: conversations Gladly said closed (a webhook, the Events API), read whole by id and sent through the same
 * core as the import: transform, outbox, ledger, dead letters, quarantine. It shares the profile's state with the
 * import, so it holds the state's lock (`import.lock`) only while it delivers a few conversations; the state and
 * the ledger are read again each time, since an import may have changed them in between.
 */
export interface WatchSession {
  /** Closed ones sent, the rest accounted for (still open, vanished, already sent). Left: nothing of it is owed done. */
  deliver(conversationIds: readonly string[], source: string): Promise<E.Either<AppError, UnitOutcome>>
  /** What the session added up so far: conversations sent, quarantined, Gladly requests and 429s… */
  readonly tally: RunTally
  enterpretStats(): Run['tally']['summary']['enterpret']
}

/** The ledger as the import last left it: opened again, under the lock, before each delivery. */
function reloadableLedger(stateDir: string, profile: string): Ledger & {reload(): Promise<void>} {
  let current: Ledger | undefined
  const opened = (): Ledger => {
    if (current === undefined) throw new Error('the ledger of sent conversations was used before it was read')
    return current
  }
  return {
    closedAtOf: (conversationId) => opened().closedAtOf(conversationId),
    record: (entries) => opened().record(entries),
    async reload() {
      current = await openLedger(stateDir, profile)
    },
  }
}

/** watch has no export job to checkpoint: its durable queue is what it has done and not done. */
const noJournal: Journal = {
  has: () => false,
  markDone: async () => undefined,
  clear: async () => undefined,
  size: 0,
}

export function openWatchSession(options: ImportOptions): TE.TaskEither<AppError, WatchSession> {
  const {settings} = options
  const {stateDir} = settings.paths
  const ledger = reloadableLedger(stateDir, settings.profile)
  const workDir = join(profileStateDir(stateDir, settings.profile), 'watch', 'work')
  const store = openStateStore(stateDir, settings.profile)
  return pipe(
    prepare(options, {workDir, ledger, journal: noJournal}),
    TE.map((run) => {
      const underLock = async (conversationIds: readonly string[], source: string) => {
        const lock = acquireLock(stateDir, settings.profile, {command: 'watch'})
        if (lock._tag === 'Left') return lock
        try {
          const state = store.read()
          if (state._tag === 'Left') return state
          run.state.current = state.right
          await ledger.reload()
          const feed = conversationsById(
            {
              ...skipRules(run),
              http: run.http,
              directory: run.customers,
              concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
            },
            conversationIds,
          )
          const outcome = await consumeFeed(run, {source, keepSince: run.now().toISOString()}, feed)
          if (outcome._tag === 'Left') return outcome
          settleQuarantine(run)
          const written = run.state.save()
          return written._tag === 'Left' ? written : outcome
        } finally {
          lock.right.release()
        }
      }
      return {
        deliver: async (conversationIds, source) => E.flatten(await guard(() => underLock(conversationIds, source))()),
        tally: run.tally,
        enterpretStats: () => run.delivery.stats(),
      }
    }),
  )
}
