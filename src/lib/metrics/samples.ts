import {OUTCOMES, type Figures} from './figures.js'

/**
 * Every metric name starts with this, so that one registry can serve these and those of `watch` (its /metrics).
 * Each sample carries the profile as a label (a tag for StatsD).
 */
export const METRIC_PREFIX = 'gladly_enterpret_'

export interface Sample {
  readonly name: string
  readonly help: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const toSeconds = (instant: string) => Date.parse(instant) / 1000

/** The figures as gauges, the same for the textfile, the Pushgateway and StatsD; unknown figures are left out. */
export function samplesOf(figures: Figures): Sample[] {
  const samples: Sample[] = []
  const add = (name: string, help: string, value: number | null, labels: Record<string, string> = {}) => {
    if (value !== null && Number.isFinite(value))
      samples.push({name: METRIC_PREFIX + name, help, labels: {profile: figures.profile, ...labels}, value})
  }
  const {lastRun} = figures
  if (lastRun !== null) {
    add('last_run_start_timestamp_seconds', 'When the last import started (Unix time).', toSeconds(lastRun.startedAt))
    add('last_run_end_timestamp_seconds', 'When the last import ended (Unix time).', toSeconds(lastRun.finishedAt))
    add('last_run_duration_seconds', 'How long the last import took.', lastRun.durationSeconds)
    add(
      'last_run_exit_code',
      'Exit code of the last import (0 ok, 1 failure, 2 configuration, 3 partial).',
      lastRun.exitCode,
    )
    for (const outcome of OUTCOMES)
      add(
        'last_run_outcome',
        'What became of the last import: 1 for its outcome, 0 for the others.',
        outcome === lastRun.outcome ? 1 : 0,
        {outcome},
      )
    for (const [result, count] of Object.entries(figures.conversations))
      add('last_run_conversations', 'Conversations of the last import, by what became of them.', count, {result})
    add('last_run_messages', 'Messages in the records the last import made.', figures.messages)
    for (const [api, stats] of Object.entries(figures.requests)) {
      add('last_run_requests', 'HTTP requests of the last import, by API.', stats.requests, {api})
      add('last_run_rate_limited', 'Answers 429 (rate limited) in the last import, by API.', stats.rateLimited, {api})
    }
  }
  add(
    'last_success_timestamp_seconds',
    'When the last import that got to its end (exit 0 or 3) ended (Unix time).',
    figures.lastSuccessAt === null ? null : toSeconds(figures.lastSuccessAt),
  )
  add('dead_letters', 'Records Enterpret rejected that wait for the next import.', figures.deadLetters)
  add('quarantined_conversations', 'Conversations set aside that the next import fetches again.', figures.quarantined)
  add(
    'watermark_timestamp_seconds',
    'Update time of the newest export job fully imported (Unix time).',
    figures.watermark === null ? null : toSeconds(figures.watermark),
  )
  add(
    'watermark_age_seconds',
    'How far behind Gladly the profile is, when the figures were taken.',
    figures.watermarkAgeSeconds,
  )
  add(
    'export_window_headroom_seconds',
    'Time left before Gladly deletes export data not imported yet (14 days after the watermark); negative once deleted.',
    figures.exportWindowHeadroomSeconds,
  )
  return samples
}
