import * as E from 'fp-ts/lib/Either.js'
import type {Settings} from '../config/index.js'
import type {Logger} from '../log/index.js'
import {openStateStore, type State} from '../state/index.js'
import {figuresOf, type Figures} from './figures.js'
import {publish, type SinkName} from './publish.js'
import {readRecord, recordOf, writeRecord, type FinishedRun, type RunRecord} from './record.js'
import {samplesOf} from './samples.js'

interface Sources {
  readonly record: RunRecord | undefined
  readonly state: State | undefined
}

/** The profile's record and state as they are now; what cannot be read is left out, with one warning. */
async function readSources(settings: Settings, logger: Logger): Promise<Sources> {
  const {stateDir} = settings.paths
  const record = await readRecord(stateDir, settings.profile)
  if (E.isLeft(record)) logger.warn(`The metrics record ${record.left}; it is written again.`)
  const state = openStateStore(stateDir, settings.profile).read()
  return {record: E.isRight(record) ? record.right : undefined, state: E.isRight(state) ? state.right : undefined}
}

/** The figures `state show` and `doctor` report: the last import's record, and the state now. */
export async function currentFigures(settings: Settings, logger: Logger, now: Date): Promise<Figures> {
  const {record, state} = await readSources(settings, logger)
  return figuresOf(settings.profile, record, state, now)
}

/**
 * When an import ends, however it ends: records it next to the state and sends its figures to the sinks the
 * settings name. Never fails: a record or a sink it cannot write costs a warning, not the import.
 */
export async function recordImport(
  settings: Settings,
  logger: Logger,
  end: FinishedRun,
): Promise<{figures: Figures; sent: SinkName[]}> {
  const {record: previous, state} = await readSources(settings, logger)
  const record = recordOf(end, previous, state)
  try {
    await writeRecord(settings.paths.stateDir, settings.profile, record)
  } catch (error) {
    logger.warn(
      `The metrics record of profile ${settings.profile} could not be written (${(error as Error).message}); the next run's "last success" may be older than it is.`,
    )
  }
  const figures = figuresOf(settings.profile, record, state, end.finishedAt)
  return {figures, sent: await publish(settings, samplesOf(figures), logger)}
}
