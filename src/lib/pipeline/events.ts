import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type {AppError} from '../common/index.js'
import {
  compareTimestamps,
  concernsWholeRun,
  getCustomAttribute,
  getCustomerConversations,
  getCustomerProfile,
  type Conversation,
  type FeedEvent,
} from '../gladly/index.js'
import {
  conversationLinkTemplate,
  linkFromTemplate,
  metadataTypeOf,
  recordMetadataFields,
  SURVEY_LINK_DAYS,
  toEnterpretRecord,
  toSurveyRecord,
  type TransformResult,
} from '../transform/index.js'
import {noteCustomAttributes} from './custom-attributes.js'
import {guard, progress, stopRequested, type Run, type Unit} from './context.js'
import {malformedReport} from './malformed.js'
import {noteResolved, quarantine, skipForGood} from './quarantine.js'

/**
 * A conversation that vanished was most likely merged: Gladly moves its items, under new ids, into
 * the customer's open conversation (the customer itself may have been merged too, a 301). The spool
 * never saw those items, so that conversation is fetched whole when it closes.
 */
async function followMerge(run: Run, customerId: string, lastActivity: string | undefined): Promise<void> {
  if (run.tally.mergesFollowed.has(customerId)) return
  run.tally.mergesFollowed.add(customerId)
  const profile = await getCustomerProfile(run.http, customerId)()
  const survivor = profile._tag === 'Right' && profile.right._tag === 'Found' ? profile.right.customer.id : customerId
  const conversations = await getCustomerConversations(run.http, survivor)()
  if (conversations._tag === 'Left') {
    run.options.logger.warn(
      `Could not list the conversations of customer ${survivor} after a merge (${conversations.left.message}); a merged transcript may miss items.`,
    )
    return
  }
  // The one that took the items was open when the merge happened, after the vanished one's last activity.
  const couldHaveTaken = (conversation: Conversation) =>
    conversation.closedAt === undefined ||
    lastActivity === undefined ||
    compareTimestamps(conversation.closedAt, lastActivity) >= 0
  for (const conversation of conversations.right ?? []) {
    if (couldHaveTaken(conversation) && run.ledger.closedAtOf(conversation.id) === undefined)
      await run.spool.markIncomplete(conversation.id)
  }
}

type ClosedEvent = Extract<FeedEvent, {_tag: 'Closed'}>

/** Items of Gladly's answer to GET /items that were not valid items: each reported, the conversation goes on. */
function reportUnreadable(run: Run, event: ClosedEvent): TE.TaskEither<AppError, void> {
  const {options} = run
  const {summary} = run.tally
  const conversationId = event.conversation.id
  const source = `GET /conversations/${conversationId}/items`
  const report = malformedReport(options.settings.paths.logDir, options.runId, run.now())
  return guard(async () => {
    for (const item of event.unreadable) {
      summary.unreadableItems++
      options.logger.warn(
        `Conversation ${conversationId}, item ${item.itemId ?? `[${item.index}]`} of ${source}: ${item.reason}. The transcript goes on without it.`,
      )
      await report.add({
        conversationId,
        source,
        index: item.index,
        ...(item.itemId === undefined ? {} : {itemId: item.itemId}),
        reason: item.reason,
      })
      summary.malformedReport = report.path
    }
  })
}

/** What the transform makes of a closed conversation; `Unusable` when Gladly's data cannot become a record. */
type Transformed =
  | Extract<TransformResult, {_tag: 'Record' | 'NoMessages' | 'Unsendable' | 'Filtered'}>
  | {readonly _tag: 'Unusable'; readonly reason: string}

/**
 * Gladly's own link to the conversation: the one the event brings (a report's), which also teaches the profile the
 * pattern of such links, or one made from the pattern learned so far (else the transform infers one).
 */
function linkOf(run: Run, {conversation, link}: ClosedEvent): string | undefined {
  const learned = run.state.current.conversationLinkTemplate
  if (link === undefined)
    return learned === undefined ? undefined : linkFromTemplate(learned, conversation.customerId, conversation.id)
  const template = conversationLinkTemplate(link, conversation.customerId, conversation.id)
  if (template !== undefined && template !== learned)
    run.state.current = {...run.state.current, conversationLinkTemplate: template}
  return link
}

/** The transform is pure but fed real data: anything it throws is this conversation's problem, not the run's. */
function transform(run: Run, event: ClosedEvent): Transformed {
  const link = linkOf(run, event)
  const input = {
    conversation: event.conversation,
    items: event.items,
    // Customer fields only where records carry them (RECORD_CUSTOMER_FIELDS); the Users webhook has its own.
    customer: run.options.settings.values.RECORD_CUSTOMER_FIELDS === 'yes' ? event.customer : undefined,
    lookups: run.lookups,
    gladlyAppUrl: run.gladlyAppUrl,
    itemsTruncated: event.itemsTruncated,
    ...(link === undefined ? {} : {conversationLink: link}),
  }
  try {
    const result = toEnterpretRecord(input, run.delivery.transformOptions(run.now()))
    return result._tag === 'Invalid' ? {_tag: 'Unusable', reason: result.reason} : result
  } catch (error) {
    return {
      _tag: 'Unusable',
      reason: `its transform failed (${error instanceof Error ? error.message : String(error)})`,
    }
  }
}

/** Set aside for the next run, then done for this unit (only once the quarantine is saved). */
function quarantineStep(run: Run, unit: Unit, conversationId: string, reason: string): TE.TaskEither<AppError, void> {
  return pipe(
    guard(() => quarantine(run, unit, conversationId, reason)),
    TE.chain((stopped) =>
      stopped === undefined ? TE.fromIO(() => run.delivery.markDone(conversationId)) : TE.left(stopped),
    ),
  )
}

/** The record to delivery (batched, sent while the feed goes on); nothing to send is done at once. */
function deliverStep(
  run: Run,
  unit: Unit,
  event: ClosedEvent,
  transformed: Transformed,
): TE.TaskEither<AppError, void> {
  const {options} = run
  const {summary} = run.tally
  const {id} = event.conversation
  switch (transformed._tag) {
    case 'Unusable':
      // Gladly's data, not Enterpret, is what cannot be used: fetched again next run rather than resent as it is.
      return quarantineStep(run, unit, id, transformed.reason)
    case 'Unsendable':
      return pipe(
        guard(() => skipForGood(run, unit, id, event.conversation.closedAt, transformed.reason)),
        TE.chain((stopped) => (stopped === undefined ? TE.fromIO(() => run.delivery.markDone(id)) : TE.left(stopped))),
      )
    case 'Filtered':
      return TE.fromIO(() => {
        summary.filtered[transformed.reason]++
        options.onFiltered?.(id, transformed.reason, transformed.detail)
        options.logger.info(`Conversation ${id} is left out by the filters (${transformed.detail}); not sent.`)
        noteResolved(run, id)
        run.delivery.markDone(id)
      })
    case 'NoMessages':
      return TE.fromIO(() => {
        summary.conversations.noMessages++
        options.logger.info(
          `Conversation ${id} has no customer-visible message (${transformed.reason}); nothing to send.`,
        )
        noteResolved(run, id)
        run.delivery.markDone(id)
      })
    case 'Record':
      for (const warning of transformed.warnings) {
        summary.transformWarnings++
        options.logger.warn(`Conversation ${id}: ${warning}.`)
      }
      for (const type of transformed.unknownContentTypes) run.delivery.noteUnknownType(type)
      rememberKeyTypes(run, transformed)
      for (const [kind, count] of Object.entries(transformed.redactions))
        summary.redacted[kind] = (summary.redacted[kind] ?? 0) + count
      noteResolved(run, id)
      return guard(() => run.delivery.add(event.conversation, transformed, event.customer))
  }
}

/**
 * The names of the conversation's custom attributes not known yet, looked up in Gladly when the mapping keys them by
 * name, and remembered in the state. Undefined when all are known; otherwise why one could not be looked up.
 */
async function lookUpAttributeNames(run: Run, event: ClosedEvent): Promise<E.Either<AppError, string | undefined>> {
  if (run.mapping?.needsAttributeNames !== true) return E.right(undefined)
  const known = run.lookups.customAttributes
  const missing = new Set(
    event.conversation.customAttributes.flatMap((attribute) =>
      attribute.id === undefined || known.has(attribute.id) ? [] : [attribute.id],
    ),
  )
  for (const id of missing) {
    const found = await getCustomAttribute(run.http, id)()
    if (found._tag === 'Left')
      return concernsWholeRun(found.left)
        ? found
        : E.right(`custom attribute ${id} could not be looked up (${found.left.message})`)
    // One Gladly no longer has keeps its id as its name (remembered, so it is not asked for again).
    const name = {
      ...(found.right?.key === undefined ? {} : {key: found.right.key}),
      ...(found.right?.label === undefined ? {} : {label: found.right.label}),
    }
    known.set(id, name)
    const state = run.state.current
    run.state.current = {...state, customAttributeNames: {...state.customAttributeNames, [id]: name}}
  }
  return E.right(undefined)
}

/** The type each metadata key of a record is sent with, remembered for the mapping's type check of later runs. */
function rememberKeyTypes(run: Run, transformed: Extract<Transformed, {_tag: 'Record'}>): void {
  const types = run.state.current.metadataTypes ?? {}
  let added: Record<string, 's' | 'n' | 'b'> | undefined
  for (const [key, value] of Object.entries(recordMetadataFields(transformed.record))) {
    if (types[key] !== undefined) continue
    added ??= {...types}
    added[key] = metadataTypeOf(value)
  }
  if (added !== undefined) run.state.current = {...run.state.current, metadataTypes: added}
}

type SurveyEvent = Extract<FeedEvent, {_tag: 'Survey'}>

/** When a survey was answered, as the item says it (its record's createdAt comes from the same fields). */
function answeredAt(item: SurveyEvent['item']): string {
  const content = item.content as {occurredAt?: string; receivedAt?: string}
  return content.occurredAt ?? content.receivedAt ?? item.timestamp
}

/**
 * The conversation a survey is about: the customer's one closed last within SURVEY_LINK_DAYS before it was answered.
 * Undefined when there is none, or the customer's conversations cannot be listed (the record then links to the
 * customer alone, with a warning); a failure that concerns the whole run stops it.
 */
function surveyLink(run: Run, item: SurveyEvent['item']): TE.TaskEither<AppError, string | undefined> {
  const answered = Date.parse(answeredAt(item))
  const since = answered - SURVEY_LINK_DAYS * 24 * 60 * 60 * 1000
  return pipe(
    getCustomerConversations(run.http, item.customerId),
    TE.map((conversations) => {
      const closedBefore = (conversations ?? []).flatMap((conversation) => {
        const closed = conversation.closedAt === undefined ? Number.NaN : Date.parse(conversation.closedAt)
        return closed >= since && closed <= answered ? [{id: conversation.id, closed}] : []
      })
      return closedBefore.sort((a, b) => b.closed - a.closed)[0]?.id
    }),
    TE.orElse((error) => {
      if (concernsWholeRun(error)) return TE.left<AppError, string | undefined>(error)
      run.options.logger.warn(
        `Survey item ${item.id}: the conversations of customer ${item.customerId} could not be listed (${error.message}); it is sent linked to the customer only.`,
      )
      return TE.right(undefined)
    }),
  )
}

/** A survey result of the timeline: already sent → skipped; else linked, made a single-text record, delivered. */
function handleSurvey(run: Run, event: SurveyEvent): TE.TaskEither<AppError, void> {
  const {summary} = run.tally
  const {item} = event
  summary.surveys.seen++
  if (run.ledger.closedAtOf(item.id) !== undefined) {
    summary.surveys.alreadySent++
    return TE.right(undefined)
  }
  return pipe(
    surveyLink(run, item),
    TE.chain((conversationId) => {
      const result = toSurveyRecord(
        {
          item,
          ...(event.customer === undefined ? {} : {customer: event.customer}),
          ...(conversationId === undefined ? {} : {conversationId}),
        },
        run.delivery.transformOptions(run.now()),
      )
      if (result._tag !== 'Record') {
        summary.surveys.skipped++
        run.options.logger.warn(`Survey item ${item.id} of customer ${item.customerId}: ${result.reason}; not sent.`)
        return TE.right(undefined)
      }
      if (conversationId !== undefined) summary.surveys.linked++
      for (const [kind, count] of Object.entries(result.redactions))
        summary.redacted[kind] = (summary.redacted[kind] ?? 0) + count
      return guard(() => run.delivery.addSurvey(item.id, answeredAt(item), result.record))
    }),
  )
}

/** A closed conversation: report what could not be read of it → custom attribute names → transform → deliver. */
function handleClosed(run: Run, unit: Unit, event: ClosedEvent): TE.TaskEither<AppError, void> {
  return pipe(
    reportUnreadable(run, event),
    TE.chain(() => TE.fromTask(() => lookUpAttributeNames(run, event))),
    TE.chainEitherK((result) => result),
    TE.chain((unnamed) =>
      unnamed === undefined
        ? handleTransform(run, unit, event)
        : quarantineStep(run, unit, event.conversation.id, unnamed),
    ),
  )
}

function handleTransform(run: Run, unit: Unit, event: ClosedEvent): TE.TaskEither<AppError, void> {
  return pipe(
    TE.right<AppError, void>(undefined),
    TE.map(() => {
      noteCustomAttributes(run, event.conversation)
      if (event.fetchedItems) run.tally.summary.conversations.fetchedWhole++
      run.tally.records++
      return transform(run, event)
    }),
    TE.chain((transformed) => deliverStep(run, unit, event, transformed)),
  )
}

/** The conversation is settled for this unit: kept open, vanished or skipped, with nothing to send. */
function finishWithoutRecord(run: Run, conversationId: string): void {
  noteResolved(run, conversationId)
  run.delivery.markDone(conversationId)
}

/** One conversation's event, counted as seen once handled. */
function handleConversation(
  run: Run,
  unit: Unit,
  event: Exclude<FeedEvent, {_tag: 'Malformed' | 'TimelineOnly' | 'UnitFailed' | 'Deferred' | 'Planned' | 'Survey'}>,
): TE.TaskEither<AppError, void> {
  const {options} = run
  const {summary} = run.tally
  const c = summary.conversations
  switch (event._tag) {
    case 'Failed':
      return concernsWholeRun(event.error)
        ? TE.left(event.error)
        : quarantineStep(run, unit, event.conversationId, event.error.message)
    case 'Skipped':
      return TE.fromIO(() => {
        if (event.reason === 'still open') c.keptOpen++
        else if (event.reason !== 'done before an interruption') c.alreadySent++
        finishWithoutRecord(run, event.conversationId)
      })
    case 'Vanished':
      return guard(async () => {
        c.vanished++
        options.logger.info(
          `Conversation ${event.conversationId} no longer exists in Gladly (merged or deleted); skipped.`,
        )
        await run.spool.drop(event.conversationId)
        if (event.customerId !== undefined) await followMerge(run, event.customerId, event.lastActivity)
        finishWithoutRecord(run, event.conversationId)
      })
    case 'Open':
      return guard(async () => {
        c.keptOpen++
        await run.spool.keep(event.conversationId, unit.keepSince, event.items)
        finishWithoutRecord(run, event.conversationId)
      })
    case 'Closed':
      return handleClosed(run, unit, event)
  }
}

/**
 * One feed event: a closed conversation is transformed and handed to delivery; the rest is bookkeeping. A
 * failure that concerns only its conversation quarantines it; one that concerns the whole run is a Left, to stop it.
 */
function handle(run: Run, unit: Unit, event: FeedEvent): TE.TaskEither<AppError, void> {
  const {options} = run
  const {summary} = run.tally
  switch (event._tag) {
    case 'Malformed': {
      const report = malformedReport(options.settings.paths.logDir, options.runId, run.now())
      return guard(async () => {
        summary.malformedLines++
        options.logger.warn(`Job ${event.line.jobId}, ${event.line.file} line ${event.line.line}: ${event.line.reason}`)
        await report.add(event.line)
        summary.malformedReport = report.path
      })
    }
    case 'TimelineOnly':
      return TE.fromIO(() => {
        summary.timelineOnlyItems += event.count
      })
    case 'Survey':
      return handleSurvey(run, event)
    case 'UnitFailed':
      return TE.left(event.error)
    case 'Planned':
      return TE.fromIO(() => {
        run.tally.conversationsKnown += event.conversations
        progress(run, unit)
      })
    case 'Deferred':
      // Looked up in a later job of this run; its items wait in the spool until then.
      return guard(async () => {
        await run.spool.keep(event.conversationId, unit.keepSince, event.items)
        run.delivery.markDone(event.conversationId)
        run.tally.conversationsDone++
      })
    default:
      return pipe(
        handleConversation(run, unit, event),
        TE.chain(() => {
          summary.conversations.seen++
          run.tally.conversationsDone++
          progress(run, unit)
          return run.delivery.fatal === undefined ? TE.right(undefined) : TE.left(run.delivery.fatal)
        }),
      )
  }
}

export type UnitOutcome = 'done' | 'stopped'

/**
 * Works through one unit's events (an export job, or a backfill window) and waits for every record
 * of it to be delivered: what a unit's checkpoint may only then move past. Stops early on a fatal
 * error, or once --limit records are made, after delivering what is in flight.
 */
export async function consumeFeed(
  run: Run,
  unit: Unit,
  feed: AsyncIterable<FeedEvent>,
): Promise<E.Either<AppError, UnitOutcome>> {
  const {limit} = run.options
  for await (const event of feed) {
    const handled = await handle(run, unit, event)()
    if (handled._tag === 'Left') {
      await run.delivery.drain()
      return handled
    }
    if (limit !== undefined && run.tally.records >= limit) {
      await run.delivery.drain()
      run.tally.summary.stopped = `--limit ${limit} reached`
      return E.right('stopped')
    }
    const stop = stopRequested(run)
    if (stop !== undefined) {
      await run.delivery.drain()
      run.tally.summary.stopped = `${stop}; the next import resumes ${unit.source} where this one stopped`
      return run.delivery.fatal === undefined ? E.right('stopped') : E.left(run.delivery.fatal)
    }
  }
  await run.delivery.drain()
  return run.delivery.fatal === undefined ? E.right('done') : E.left(run.delivery.fatal)
}
