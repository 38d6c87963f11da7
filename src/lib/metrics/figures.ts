import {EXPORT_RETENTION_DAYS} from '../gladly/index.js'
import type {State} from '../state/index.js'
import type {RunRecord} from './record.js'

/** What became of a run, from its exit code (README, Exit codes). */
export const OUTCOMES = ['success', 'partial', 'failure', 'config_error', 'interrupted'] as const
export type Outcome = (typeof OUTCOMES)[number]

const SIGNAL_EXITS = new Set([130, 143])

export function outcomeOf(exitCode: number): Outcome {
  if (exitCode === 0) return 'success'
  if (exitCode === 3) return 'partial'
  if (exitCode === 2) return 'config_error'
  return SIGNAL_EXITS.has(exitCode) ? 'interrupted' : 'failure'
}

/**
 * A run that got to its end counts as a success even when it owes records (exit 3): its watermark moved, and what
 * it owes has figures (and alerts) of its own.
 */
export const isSuccess = (outcome: Outcome): boolean => outcome === 'success' || outcome === 'partial'

const DAY_MS = 24 * 60 * 60 * 1000

/** One profile's figures, the same for every metrics sink and for `state show --json`. */
export interface Figures {
  readonly profile: string
  readonly lastRun: {
    readonly startedAt: string
    readonly finishedAt: string
    readonly durationSeconds: number
    readonly exitCode: number
    readonly outcome: Outcome
  } | null
  /** End of the last import that got to its end (exit 0 or 3). */
  readonly lastSuccessAt: string | null
  /** The last run's conversations by what became of them (the run summary's counts). */
  readonly conversations: Readonly<Record<string, number>>
  readonly messages: number
  readonly requests: RunRecord['requests']
  /** Records and users waiting now; null when the state file could not be read. */
  readonly deadLetters: number | null
  readonly quarantined: number | null
  readonly watermark: string | null
  /** How far behind Gladly the profile is: from the watermark (the newest export job fully imported) to now. */
  readonly watermarkAgeSeconds: number | null
  /**
   * Time left before Gladly deletes the oldest export job not imported yet. That job was updated after the
   * watermark, so it lasts at least until the watermark + 14 days; negative once data has been deleted.
   */
  readonly exportWindowHeadroomSeconds: number | null
}

const seconds = (ms: number) => Math.round(ms / 1000)

export function figuresOf(
  profile: string,
  record: RunRecord | undefined,
  state: State | undefined,
  now: Date,
): Figures {
  const watermark = state?.watermark?.updatedAt ?? null
  const watermarkMs = watermark === null ? undefined : Date.parse(watermark)
  return {
    profile,
    lastRun:
      record === undefined
        ? null
        : {
            startedAt: record.startedAt,
            finishedAt: record.finishedAt,
            durationSeconds: (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000,
            exitCode: record.exitCode,
            outcome: outcomeOf(record.exitCode),
          },
    lastSuccessAt: record?.lastSuccessAt ?? null,
    conversations: record?.conversations ?? {},
    messages: record?.messages ?? 0,
    requests: record?.requests ?? {gladly: {requests: 0, rateLimited: 0}, enterpret: {requests: 0, rateLimited: 0}},
    deadLetters: state === undefined ? null : state.deadLetters.length + (state.userDeadLetters ?? []).length,
    quarantined: state === undefined ? null : (state.quarantine ?? []).length,
    watermark,
    watermarkAgeSeconds: watermarkMs === undefined ? null : seconds(now.getTime() - watermarkMs),
    exportWindowHeadroomSeconds:
      watermarkMs === undefined ? null : seconds(watermarkMs + EXPORT_RETENTION_DAYS * DAY_MS - now.getTime()),
  }
}
