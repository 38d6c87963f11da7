import type {Progress} from '../lib/pipeline/index.js'

export interface Estimate {
  /** Conversations of the run: those counted, plus for units not opened yet the mean of those opened. */
  readonly total: number
  /** False while some units are not opened: `total` is then an estimate. */
  readonly exact: boolean
  /** Conversations per second so far. */
  readonly rate: number
  /** Seconds left, undefined until there is anything to base it on. */
  readonly etaSeconds?: number
}

// Below this, the observed rate is mostly start-up (listing and downloading jobs): the budget alone is a better guide.
const MIN_SAMPLE = {conversations: 20, ms: 5000}

/**
 * Gladly's request budget bounds the run (GLADLY_MAX_RPS requests a second for the whole organization), so the time
 * left is at least the requests left at that rate; each conversation costs what conversations have cost so far (a
 * lookup, sometimes its items or customer). Once the run has a sample, its own pace counts too: the slower wins.
 */
export function estimate(progress: Progress, elapsedMs: number, maxRequestsPerSecond: number): Estimate {
  const done = progress.conversationsDone
  const unopened = Math.max(0, progress.unitsPlanned - progress.unitsOpened)
  const perUnit = progress.unitsOpened > 0 ? progress.conversationsKnown / progress.unitsOpened : undefined
  const total = Math.max(done, progress.conversationsKnown + Math.round(unopened * (perUnit ?? 0)))
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0
  const base = {total, exact: unopened === 0, rate}
  if (perUnit === undefined && unopened > 0) return base
  const requestsPerConversation = done > 0 ? Math.max(progress.gladlyRequests / done, 0.1) : 1
  const budgetRate = maxRequestsPerSecond / requestsPerConversation
  const sampled = done >= MIN_SAMPLE.conversations && elapsedMs >= MIN_SAMPLE.ms
  const pace = sampled ? Math.min(rate, budgetRate) : budgetRate
  return {...base, etaSeconds: pace > 0 ? (total - done) / pace : undefined}
}

/** `2h 05m`, `3m 20s`, `45s`. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds))
  const hours = Math.floor(whole / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`
  if (minutes > 0) return `${minutes}m ${String(whole % 60).padStart(2, '0')}s`
  return `${whole}s`
}
