import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {decode, writeAtomically} from '../common/index.js'
import {emptySummary, type RunSummary} from '../pipeline/index.js'
import {profileStateDir, type State} from '../state/index.js'
import {isSuccess, outcomeOf} from './figures.js'

const Requests = t.type({requests: t.number, rateLimited: t.number})

/**
 * What metrics.json keeps of a profile's last import, next to its state: written at the end of every import,
 * including those that failed before the state could be read or written, which the state file cannot tell.
 */
const RunRecord = t.type({
  startedAt: t.string,
  finishedAt: t.string,
  exitCode: t.number,
  lastSuccessAt: t.union([t.null, t.string]),
  conversations: t.record(t.string, t.number),
  messages: t.number,
  requests: t.type({gladly: Requests, enterpret: Requests}),
})
export type RunRecord = t.TypeOf<typeof RunRecord>

const recordPath = (stateDir: string, profile: string): string =>
  join(profileStateDir(stateDir, profile), 'metrics.json')

/** The last import's record; undefined when there is none yet. A damaged one is a Left the caller warns about. */
export async function readRecord(stateDir: string, profile: string): Promise<E.Either<string, RunRecord | undefined>> {
  const path = recordPath(stateDir, profile)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return E.right(undefined)
    return E.left(`${path} could not be read (${(error as Error).message})`)
  }
  try {
    return E.mapLeft((error: {message: string}) => `${path} is damaged: ${error.message}`)(
      decode(RunRecord, JSON.parse(text), 'metrics record'),
    )
  } catch {
    return E.left(`${path} is damaged: not valid JSON`)
  }
}

export async function writeRecord(stateDir: string, profile: string, record: RunRecord): Promise<void> {
  await writeAtomically(recordPath(stateDir, profile), JSON.stringify(record, null, 2) + '\n')
}

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

/** The end of the last run that got to its end: the previous record's, or (before any record) the state's last run. */
function previousSuccess(previous: RunRecord | undefined, state: State | undefined): string | null {
  if (previous !== undefined) return previous.lastSuccessAt
  const lastRun = state?.lastRun as Partial<RunSummary> | null | undefined
  return lastRun?.stopped === undefined && typeof lastRun?.finishedAt === 'string' ? lastRun.finishedAt : null
}

export interface FinishedRun {
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly exitCode: number
  /** Absent when the run failed before it had one (credentials, the lock, Gladly out of reach). */
  readonly summary?: RunSummary
}

export function recordOf(run: FinishedRun, previous: RunRecord | undefined, state: State | undefined): RunRecord {
  // A run that failed before it had a summary did nothing: zeros, so that its figures replace the last run's.
  const summary = run.summary ?? emptySummary('import', '', run.startedAt)
  const finishedAt = run.finishedAt.toISOString()
  return {
    startedAt: run.startedAt.toISOString(),
    finishedAt,
    exitCode: run.exitCode,
    lastSuccessAt: isSuccess(outcomeOf(run.exitCode)) ? finishedAt : previousSuccess(previous, state),
    // Every count the summary has, so one added there (say, filtered) becomes a metric without a change here.
    conversations: Object.fromEntries(
      Object.entries(summary.conversations).map(([result, count]) => [snakeCase(result), count]),
    ),
    messages: summary.messages,
    requests: {
      gladly: {requests: summary.gladly.requests, rateLimited: summary.gladly.rateLimited},
      enterpret: {requests: summary.enterpret.requests, rateLimited: summary.enterpret.rateLimited},
    },
  }
}
