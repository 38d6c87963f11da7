import type {AppError} from '../common/index.js'
import {conversationsById} from '../gladly/index.js'
import {DEFAULT_CONCURRENCY, type Run} from './context.js'
import {consumeFeed} from './events.js'
import {quarantined, settleQuarantine} from './quarantine.js'
import {skipRules} from './units.js'

/**
 * The conversations quarantined by earlier runs, fetched again whole from Gladly after this run's own units (so the
 * journal of an interrupted unit is not mixed with them). Those that fail again stay, with one more attempt.
 */
export async function retryQuarantined(run: Run, conversationIds: readonly string[]): Promise<AppError | undefined> {
  const pending = conversationIds.filter(
    (id) => quarantined(run).some((entry) => entry.conversationId === id) && !run.tally.quarantineResolved.has(id),
  )
  if (pending.length === 0) return undefined
  const {options} = run
  options.logger.info(`Fetching again ${pending.length} quarantined conversation(s) from Gladly.`)
  run.tally.summary.quarantine.retried += pending.length
  if (!options.dryRun && run.state.current.checkpoint === null) await run.journal.clear()
  const feed = conversationsById(
    {
      ...skipRules(run),
      // Not part of any unit: a journal left by an interrupted unit says nothing about these.
      isDone: () => false,
      http: run.http,
      directory: run.customers,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    },
    pending,
  )
  const outcome = await consumeFeed(run, {source: 'quarantine retry', keepSince: run.now().toISOString()}, feed)
  if (outcome._tag === 'Left') return outcome.left
  settleQuarantine(run)
  const written = run.state.save()
  return written._tag === 'Left' ? written.left : undefined
}
