import * as E from 'fp-ts/lib/Either.js'
import type {AppError} from '../common/index.js'
import {compareTimestamps, getCustomerConversations, getCustomerProfile, type Conversation, type FeedEvent} from '../gladly/index.js'
import {toEnterpretRecord} from '../transform/index.js'
import {progress, type Run} from './context.js'
import {malformedReport} from './malformed.js'

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

/**
 * One feed event: transform a closed conversation and hand it to delivery; the rest is bookkeeping.
 * `keepSince`: from when the spool has a conversation's items once this event's are added (the unit's start).
 */
export async function handle(run: Run, keepSince: string, event: FeedEvent): Promise<AppError | undefined> {
  const {summary, options} = run
  const c = summary.conversations
  switch (event._tag) {
    case 'Malformed':
      summary.malformedLines++
      options.logger.warn(`Job ${event.line.jobId}, ${event.line.file} line ${event.line.line}: ${event.line.reason}`)
      await malformedReport(run.options.settings.paths.logDir, options.runId, run.now()).add(event.line)
      summary.malformedReport = malformedReport(run.options.settings.paths.logDir, options.runId, run.now()).path
      return undefined
    case 'TimelineOnly':
      summary.timelineOnlyItems += event.count
      return undefined
    case 'Failed':
      return event.error
    case 'Skipped':
      if (event.reason === 'still open') c.keptOpen++
      else if (event.reason !== 'done before an interruption') c.alreadySent++
      run.delivery.markDone(event.conversationId)
      break
    case 'Vanished':
      c.vanished++
      options.logger.info(`Conversation ${event.conversationId} no longer exists in Gladly (merged or deleted); skipped.`)
      await run.spool.drop(event.conversationId)
      if (event.customerId !== undefined) await followMerge(run, event.customerId, event.lastActivity)
      run.delivery.markDone(event.conversationId)
      break
    case 'Deferred':
      await run.spool.keep(event.conversationId, keepSince, event.items)
      run.delivery.markDone(event.conversationId)
      return undefined
    case 'Open':
      c.keptOpen++
      await run.spool.keep(event.conversationId, keepSince, event.items)
      run.delivery.markDone(event.conversationId)
      break
    case 'Closed': {
      if (event.fetchedItems) c.fetchedWhole++
      if (event.itemsTruncated) options.logger.warn(`Conversation ${event.conversation.id} has more items than Gladly returns (1,000): its record is marked truncated.`)
      const result = toEnterpretRecord(
        {conversation: event.conversation, items: event.items, customer: event.customer, lookups: run.lookups, gladlyAppUrl: run.gladlyAppUrl, itemsTruncated: event.itemsTruncated},
        run.delivery.transformOptions(run.now()),
      )
      run.records++
      if (result._tag === 'NoMessages') {
        c.noMessages++
        options.logger.info(`Conversation ${event.conversation.id} has no customer-visible message (${result.reason}); nothing to send.`)
        run.delivery.markDone(event.conversation.id)
        break
      }
      for (const type of result._tag === 'Record' ? result.unknownContentTypes : []) run.delivery.noteUnknownType(type)
      await run.delivery.add(event.conversation, result)
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
export async function consumeFeed(run: Run, keepSince: string, feed: AsyncIterable<FeedEvent>): Promise<E.Either<AppError, UnitOutcome>> {
  const {limit} = run.options
  for await (const event of feed) {
    if (event._tag !== 'Malformed' && event._tag !== 'TimelineOnly' && event._tag !== 'Deferred') run.conversationsKnown++
    const fatal = await handle(run, keepSince, event)
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
