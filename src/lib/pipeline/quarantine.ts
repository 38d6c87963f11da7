import type {AppError} from '../common/index.js'
import {MAX_SKIPPED_FOR_GOOD, type DeadLetter, type Quarantined} from '../state/index.js'
import type {Run, Unit} from './context.js'

/*
 * A conversation that fails on the source side (its lookup or items do not decode, Gladly answers about another
 * conversation, its transform fails) is set aside here instead of stopping the run: recorded in the state with the
 * reason, counted, and fetched again from Gladly by the next run. Its unit still completes, so it never holds the
 * watermark back; while any stays the run exits 3, like a dead letter.
 */

export function quarantined(run: Run): readonly Quarantined[] {
  return run.state.current.quarantine ?? []
}

/**
 * Records the conversation before its unit may count it as done, so that a run killed right after cannot forget
 * it. Its spooled items may miss this unit's: the spool is marked so that its transcript is fetched whole.
 */
export async function quarantine(
  run: Run,
  unit: Unit,
  conversationId: string,
  reason: string,
): Promise<AppError | undefined> {
  const {options} = run
  const {summary} = run.tally
  const now = run.now().toISOString()
  const previous = quarantined(run).find((entry) => entry.conversationId === conversationId)
  const entry: Quarantined = {
    conversationId,
    reason,
    source: unit.source,
    firstFailedAt: previous?.firstFailedAt ?? now,
    failedAt: now,
    attempts: (previous?.attempts ?? 0) + 1,
  }
  run.state.current = {
    ...run.state.current,
    quarantine: [...quarantined(run).filter((known) => known.conversationId !== conversationId), entry],
  }
  run.tally.quarantineResolved.delete(conversationId)
  summary.conversations.quarantined++
  if (options.dryRun) {
    options.logger.warn(`Conversation ${conversationId} (${unit.source}) would be quarantined: ${reason}.`)
    return undefined
  }
  options.logger.warn(
    `Conversation ${conversationId} (${unit.source}) is quarantined: ${reason}. The next import fetches it again from Gladly (state show lists it).`,
  )
  const written = run.state.save()
  if (written._tag === 'Left') return written.left
  await run.spool.markIncomplete(conversationId)
  return undefined
}

/**
 * Dead letters whose record cannot be read back (its file is gone or damaged): nothing to resend, so their
 * conversations are fetched again from Gladly, like quarantined ones, instead of waiting for ever.
 */
export async function requeueUnreadable(run: Run, letters: readonly DeadLetter[]): Promise<AppError | undefined> {
  for (const letter of letters) {
    run.state.current = {
      ...run.state.current,
      deadLetters: run.state.current.deadLetters.filter((known) => known.recordId !== letter.recordId),
    }
    const stopped = await quarantine(
      run,
      {keepSince: run.now().toISOString(), source: 'the dead-letter store'},
      letter.conversationId,
      `its record ${letter.recordId} could not be read back from the dead-letter store (it had failed: ${letter.reason})`,
    )
    if (stopped !== undefined) return stopped
  }
  return undefined
}

/** A conversation that reached an outcome (sent, kept open, vanished…): it leaves the quarantine once its unit is settled. */
export function noteResolved(run: Run, conversationId: string): void {
  if (quarantined(run).some((entry) => entry.conversationId === conversationId))
    run.tally.quarantineResolved.add(conversationId)
}

/**
 * Drops the resolved conversations from the quarantine. Only once their unit is drained: until then a record may
 * still be in flight, and a run killed before it was delivered must find the conversation still quarantined.
 */
export function settleQuarantine(run: Run): void {
  if (run.tally.quarantineResolved.size === 0) return
  const resolved = run.tally.quarantineResolved
  run.tally.summary.quarantine.recovered += quarantined(run).filter((entry) =>
    resolved.has(entry.conversationId),
  ).length
  run.state.current = {
    ...run.state.current,
    quarantine: quarantined(run).filter((entry) => !resolved.has(entry.conversationId)),
  }
  run.tally.quarantineResolved.clear()
}

/**
 * A conversation that can never become a record Enterpret accepts: said once, listed by `state show`, and booked in
 * the ledger as done with this version of it, so that no run fetches it again unless it changes. It leaves the
 * quarantine if it was there: trying again would not help.
 */
export async function skipForGood(
  run: Run,
  unit: Unit,
  conversationId: string,
  closedAt: string | undefined,
  reason: string,
): Promise<AppError | undefined> {
  const {options} = run
  run.tally.summary.conversations.unsendable++
  noteResolved(run, conversationId)
  if (options.dryRun) {
    options.logger.warn(`Conversation ${conversationId} (${unit.source}) could never be sent: ${reason}.`)
    return undefined
  }
  options.logger.warn(
    `Conversation ${conversationId} (${unit.source}) can never be sent to Enterpret: ${reason}. It is skipped for good (state show lists it).`,
  )
  const entry = {conversationId, reason, source: unit.source, at: run.now().toISOString()}
  const earlier = (run.state.current.skippedForGood ?? []).filter((known) => known.conversationId !== conversationId)
  run.state.current = {...run.state.current, skippedForGood: [...earlier, entry].slice(-MAX_SKIPPED_FOR_GOOD)}
  const written = run.state.save()
  if (written._tag === 'Left') return written.left
  await run.ledger.record([{conversationId, closedAt: closedAt ?? ''}])
  return undefined
}
