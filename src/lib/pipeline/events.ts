import * as E from 'fp-ts/lib/Either.js'
import type {AppError} from '../common/index.js'
import {compareTimestamps, concernsWholeRun, getCustomerConversations, getCustomerProfile, type Conversation, type FeedEvent, type UnreadableItem} from '../gladly/index.js'
import {toEnterpretRecord, type TransformResult} from '../transform/index.js'
import {progress, type Run, type Unit} from './context.js'
import {malformedReport} from './malformed.js'
import {noteResolved, quarantine} from './quarantine.js'

/**
 * A conversation that vanished was most likely merged: Gladly moves its items, under new ids, into
 * the customer's open conversation (the customer itself may have been merged too, a 301). The spool
 * never saw those items, so that conversation is fetched whole when it closes.
 */
async function followMerge(run: Run, customerId: string, lastActivity: string | undefined): Promise<void> {
  if (run.mergesFollowed.has(customerId)) return
  run.mergesFollowed.add(customerId)
  const profile = await getCustomerProfile(run.http, customerId)()
  const survivor = profile._tag === 'Right' && profile.right._tag === 'Found' ? profile.right.customer.id : customerId
  const conversations = await getCustomerConversations(run.http, survivor)()
  if (conversations._tag === 'Left') {
    run.options.logger.warn(`Could not list the conversations of customer ${survivor} after a merge (${conversations.left.message}); a merged transcript may miss items.`)
    return
  }
  // The one that took the items was open when the merge happened, after the vanished one's last activity.
  const couldHaveTaken = (conversation: Conversation) =>
    conversation.closedAt === undefined || lastActivity === undefined || compareTimestamps(conversation.closedAt, lastActivity) >= 0
  for (const conversation of conversations.right ?? []) {
    if (couldHaveTaken(conversation) && run.ledger.closedAtOf(conversation.id) === undefined) await run.spool.markIncomplete(conversation.id)
  }
}

/** Items of Gladly's answer to GET /items that were not valid items: each reported, the conversation goes on. */
async function reportUnreadable(run: Run, conversationId: string, unreadable: readonly UnreadableItem[]): Promise<void> {
  if (unreadable.length === 0) return
  const {summary, options} = run
  const report = malformedReport(options.settings.paths.logDir, options.runId, run.now())
  const source = `GET /conversations/${conversationId}/items`
  for (const item of unreadable) {
    summary.unreadableItems++
    options.logger.warn(`Conversation ${conversationId}, item ${item.itemId ?? `[${item.index}]`} of ${source}: ${item.reason}. The transcript goes on without it.`)
    await report.add({conversationId, source, index: item.index, ...(item.itemId === undefined ? {} : {itemId: item.itemId}), reason: item.reason})
  }
  summary.malformedReport = report.path
}

/** The transform is pure but fed real data: anything it throws is this conversation's problem, not the run's. */
function transform(run: Run, event: Extract<FeedEvent, {_tag: 'Closed'}>): E.Either<string, TransformResult> {
  return E.tryCatch(
    () =>
      toEnterpretRecord(
        {conversation: event.conversation, items: event.items, customer: event.customer, lookups: run.lookups, gladlyAppUrl: run.gladlyAppUrl, itemsTruncated: event.itemsTruncated},
        run.delivery.transformOptions(run.now()),
      ),
    (error) => `its transform failed (${error instanceof Error ? error.message : String(error)})`,
  )
}

async function handleClosed(run: Run, unit: Unit, event: Extract<FeedEvent, {_tag: 'Closed'}>): Promise<AppError | undefined> {
  const {summary, options} = run
  const {id} = event.conversation
  await reportUnreadable(run, id, event.unreadable)
  if (event.fetchedItems) summary.conversations.fetchedWhole++
  if (event.itemsTruncated) options.logger.warn(`Conversation ${id} has more items than Gladly returns (1,000): its record is marked truncated.`)
  const result = transform(run, event)
  run.records++
  // Gladly's data, not Enterpret, is what cannot be used: fetched again next run rather than resent as it is.
  if (result._tag === 'Left') return quarantineAndFinish(run, unit, id, result.left)
  if (result.right._tag === 'Invalid') return quarantineAndFinish(run, unit, id, result.right.reason)
  noteResolved(run, id)
  if (result.right._tag === 'NoMessages') {
    summary.conversations.noMessages++
    options.logger.info(`Conversation ${id} has no customer-visible message (${result.right.reason}); nothing to send.`)
    run.delivery.markDone(id)
    return undefined
  }
  for (const type of result.right.unknownContentTypes) run.delivery.noteUnknownType(type)
  await run.delivery.add(event.conversation, result.right)
  return undefined
}

async function quarantineAndFinish(run: Run, unit: Unit, conversationId: string, reason: string): Promise<AppError | undefined> {
  const stopped = await quarantine(run, unit, conversationId, reason)
  if (stopped === undefined) run.delivery.markDone(conversationId)
  return stopped
}

/**
 * One feed event: transform a closed conversation and hand it to delivery; the rest is bookkeeping. A failure
 * that concerns only its conversation quarantines it; one that concerns the whole run is returned, to stop it.
 */
export async function handle(run: Run, unit: Unit, event: FeedEvent): Promise<AppError | undefined> {
  const {summary, options} = run
  const c = summary.conversations
  switch (event._tag) {
    case 'Malformed': {
      summary.malformedLines++
      options.logger.warn(`Job ${event.line.jobId}, ${event.line.file} line ${event.line.line}: ${event.line.reason}`)
      const report = malformedReport(options.settings.paths.logDir, options.runId, run.now())
      await report.add(event.line)
      summary.malformedReport = report.path
      return undefined
    }
    case 'TimelineOnly':
      summary.timelineOnlyItems += event.count
      return undefined
    case 'UnitFailed':
      return event.error
    case 'Failed': {
      if (concernsWholeRun(event.error)) return event.error
      const stopped = await quarantineAndFinish(run, unit, event.conversationId, event.error.message)
      if (stopped !== undefined) return stopped
      break
    }
    case 'Skipped':
      if (event.reason === 'still open') c.keptOpen++
      else if (event.reason !== 'done before an interruption') c.alreadySent++
      noteResolved(run, event.conversationId)
      run.delivery.markDone(event.conversationId)
      break
    case 'Vanished':
      c.vanished++
      options.logger.info(`Conversation ${event.conversationId} no longer exists in Gladly (merged or deleted); skipped.`)
      await run.spool.drop(event.conversationId)
      if (event.customerId !== undefined) await followMerge(run, event.customerId, event.lastActivity)
      noteResolved(run, event.conversationId)
      run.delivery.markDone(event.conversationId)
      break
    case 'Deferred':
      await run.spool.keep(event.conversationId, unit.keepSince, event.items)
      run.delivery.markDone(event.conversationId)
      return undefined
    case 'Open':
      c.keptOpen++
      await run.spool.keep(event.conversationId, unit.keepSince, event.items)
      noteResolved(run, event.conversationId)
      run.delivery.markDone(event.conversationId)
      break
    case 'Closed': {
      const stopped = await handleClosed(run, unit, event)
      if (stopped !== undefined) return stopped
      break
    }
  }
  c.seen++
  run.conversationsDone++
  progress(run)
  return run.delivery.fatal
}

export type UnitOutcome = 'done' | 'stopped'

/**
 * Works through one unit's events (an export job, or a backfill window) and waits for every record
 * of it to be delivered: what a unit's checkpoint may only then move past. Stops early on a fatal
 * error, or once --limit records are made, after delivering what is in flight.
 */
export async function consumeFeed(run: Run, unit: Unit, feed: AsyncIterable<FeedEvent>): Promise<E.Either<AppError, UnitOutcome>> {
  const {limit} = run.options
  for await (const event of feed) {
    if (event._tag !== 'Malformed' && event._tag !== 'TimelineOnly' && event._tag !== 'Deferred' && event._tag !== 'UnitFailed') run.conversationsKnown++
    const fatal = await handle(run, unit, event)
    if (fatal !== undefined) {
      await run.delivery.drain()
      return E.left(fatal)
    }
    if (limit !== undefined && run.records >= limit) {
      await run.delivery.drain()
      run.summary.stopped = `--limit ${limit} reached`
      return E.right('stopped')
    }
  }
  await run.delivery.drain()
  return run.delivery.fatal === undefined ? E.right('done') : E.left(run.delivery.fatal)
}
