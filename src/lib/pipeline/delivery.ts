import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type {AppError} from '../common/index.js'
import {FEEDBACK_WEBHOOK, requestBody, type EnterpretRecord, type ReviewRecord} from '../enterpret/index.js'
import type {Conversation, CustomerSummary} from '../gladly/index.js'
import type {Mapping} from '../mapping/index.js'
import {openDeadLetters, type DeadLetter, type Journal, type Ledger, type Spool} from '../state/index.js'
import {
  recutRecord,
  redactRecord,
  type ConversationFilter,
  type Redactor,
  type TransformOptions,
  type TransformResult,
} from '../transform/index.js'
import {noteWarning, type ImportOptions, type RunTally, type StateCell} from './context.js'
import {createOutbox, outputTarget, webhookTarget, type LetterBase, type SinkPlug, type Target} from './outbox.js'
import type {PreparedUser, UserDelivery} from './users.js'

/** What delivery needs of the run: its settings, its stores, the state it keeps current, and its tally. */
export interface DeliveryDeps {
  readonly options: ImportOptions
  readonly now: () => Date
  readonly spool: Spool
  readonly ledger: Ledger
  readonly journal: Journal
  readonly state: StateCell
  readonly tally: RunTally
  /** With ENTERPRET_USERS_API_KEY set: the customers of delivered conversations go to the Users webhook. */
  readonly users: UserDelivery | undefined
  /** REDACT_PII, when on: records and dead letters are redacted before they are sent. */
  readonly redactor?: Redactor
  /** Which conversations are sent; without one, all are. */
  readonly filter?: ConversationFilter
  /** The mapping file: metadata keys, record id prefix, fileID. */
  readonly mapping?: Mapping
}

/**
 * persist, for conversations: the conversation webhook plugged into the shared outbox (batching, queue, dead
 * letters), with their bookkeeping — ledger, spool, journal — done as each outcome is known.
 */
export interface Delivery {
  transformOptions(now: Date): TransformOptions
  add(
    conversation: Conversation,
    result: Extract<TransformResult, {_tag: 'Record'}>,
    customer: CustomerSummary | undefined,
  ): Promise<void>
  /** A survey result's record: booked in the ledger under its item id, like a conversation. */
  addSurvey(itemId: string, answeredAt: string, record: ReviewRecord): Promise<void>
  /** A conversation finished without a record (kept open, vanished, skipped…). */
  markDone(conversationId: string): void
  noteUnknownType(type: string): void
  /** Sends what is batched and waits for every outcome. */
  drain(): Promise<void>
  /**
   * Sends the dead letters again; those whose record cannot be read back are returned, to be fetched again. Then the
   * users' dead letters, and the users an earlier run left pending.
   */
  retryDeadLetters(): TE.TaskEither<AppError, readonly DeadLetter[]>
  stats(): ReturnType<Target<EnterpretRecord>['stats']>
  /** Set once delivery cannot go on (a rejected API key, Enterpret down, a state write failing). */
  readonly fatal: AppError | undefined
}

const ENVELOPE_BYTES = Buffer.byteLength(requestBody([]))
const SAMPLE_MESSAGES = 12

/** What booking a conversation's record needs once Enterpret took it. */
interface ConversationMeta {
  readonly conversationId: string
  readonly closedAt: string
  readonly channels: readonly string[]
  readonly customerId?: string
  /** Its customer as an Enterpret user, when it is to be sent (made with the record). */
  readonly user?: PreparedUser
}

/** A retried dead letter's user, made now: its record's createdAt stands for its conversation's. */
async function userOfLetter(
  users: UserDelivery,
  {record, meta}: {readonly record: EnterpretRecord; readonly meta: ConversationMeta},
): Promise<PreparedUser | undefined> {
  if (meta.customerId === undefined) return undefined
  return users.prepare(meta.customerId, undefined, new Date(record.createdAt * 1000).toISOString())
}

/** The conversation webhook's bookkeeping: what the shared outbox calls as outcomes are known. */
function conversationPlug(
  deps: DeliveryDeps,
  doneWithoutRecord: {ids: string[]},
): SinkPlug<EnterpretRecord, ConversationMeta, DeadLetter> {
  const {options, tally} = deps
  const {settings, logger} = options
  const dryRun = options.dryRun !== undefined
  return {
    target: options.dryRun
      ? outputTarget(options.dryRun.output, FEEDBACK_WEBHOOK.envelope)
      : webhookTarget(options, FEEDBACK_WEBHOOK, {
          apiKey: settings.values.ENTERPRET_API_KEY ?? '',
          maxRecordsPerRequest: settings.values.BATCH_SIZE,
          maxRequestsPerMinute: settings.values.ENTERPRET_MAX_RPM,
        }),
    envelope: FEEDBACK_WEBHOOK.envelope,
    limits: {maxRecords: settings.values.BATCH_SIZE, maxBodyBytes: settings.values.ENTERPRET_MAX_BODY_BYTES},
    payloads: openDeadLetters(settings.paths.stateDir, settings.profile),
    letters: (state) => state.deadLetters,
    withLetters: (state, deadLetters) => ({...state, deadLetters: [...deadLetters]}),
    letterOf: ({meta}, base: LetterBase) => ({
      ...base,
      conversationId: meta.conversationId,
      ...(meta.closedAt === '' ? {} : {closedAt: meta.closedAt}),
      ...(meta.customerId === undefined ? {} : {customerId: meta.customerId}),
    }),
    metaOf: (letter) => ({
      conversationId: letter.conversationId,
      closedAt: letter.closedAt ?? '',
      channels: [],
      ...(letter.customerId === undefined ? {} : {customerId: letter.customerId}),
    }),
    async delivered(entries) {
      const {summary} = tally
      // Before the conversations are booked: once booked they are not read again, so their users must be on disk.
      const {users} = deps
      if (users !== undefined && entries.length > 0) {
        const prepared = await Promise.all(entries.map((entry) => entry.meta.user ?? userOfLetter(users, entry)))
        await users.send(prepared.filter((user) => user !== undefined))
      }
      for (const {record, meta} of entries) {
        if (record.type === 'REVIEW') {
          summary.surveys.sent++
          continue
        }
        summary.conversations.sent++
        summary.messages += record.conversation.msgs.length
        for (const channel of meta.channels) summary.channels[channel] = (summary.channels[channel] ?? 0) + 1
      }
      // A dry run's ledger only remembers in memory, so a conversation the run would send twice counts once.
      const booked = entries.map(({meta}) => ({conversationId: meta.conversationId, closedAt: meta.closedAt}))
      await deps.ledger.record(booked)
      options.onDelivered?.(booked)
    },
    failed({record, meta}, reason) {
      if (record.type === 'REVIEW') tally.summary.surveys.failed++
      else tally.summary.conversations.failed++
      if (dryRun) logger.warn(`Conversation ${meta.conversationId} would fail: ${reason}`)
      else logger.warn(`Record ${record.id} failed: ${reason}. It waits in the dead-letter store for the next run.`)
    },
    // A single text is not cut: a survey too large for any request waits in the dead letters.
    recut: (record, maxRecordBytes) =>
      record.type === 'REVIEW' ? undefined : recutRecord(record, maxRecordBytes, deps.mapping?.metadata),
    ...(deps.redactor === undefined ? {} : {revise: (record) => redactRecord(record, deps.redactor as Redactor)}),
    warn: (message) => noteWarning(deps, message),
    async settled(entries) {
      if (dryRun) return
      const conversationIds = entries.map(({meta}) => meta.conversationId)
      for (const id of conversationIds) await deps.spool.drop(id)
      await deps.journal.markDone([...conversationIds, ...doneWithoutRecord.ids])
      doneWithoutRecord.ids = []
    },
  }
}

export function createDelivery(deps: DeliveryDeps): Delivery {
  const {options, tally} = deps
  const {logger} = options
  const values = options.settings.values
  const dryRun = options.dryRun !== undefined
  // Conversations done with nothing to send: journaled with the next settled batch, so never before one in flight.
  const doneWithoutRecord = {ids: [] as string[]}
  const outbox = createOutbox({state: deps.state, now: deps.now, dryRun}, conversationPlug(deps, doneWithoutRecord))
  const unknownTypes = new Set<string>()

  const retryRecords = (): TE.TaskEither<AppError, readonly DeadLetter[]> => {
    const letters = deps.state.current.deadLetters
    if (dryRun || letters.length === 0) return TE.right([])
    logger.info(`Retrying ${letters.length} record(s) from the dead-letter store first.`)
    const sentBefore = tally.summary.conversations.sent
    return pipe(
      outbox.retryDeadLetters(),
      TE.map((unreadable) => {
        tally.summary.deadLetters.retried += letters.length - unreadable.length
        tally.summary.deadLetters.delivered += tally.summary.conversations.sent - sentBefore
        return unreadable as readonly DeadLetter[]
      }),
    )
  }
  const {users} = deps
  const retryDeadLetters = (): TE.TaskEither<AppError, readonly DeadLetter[]> =>
    users === undefined ? retryRecords() : pipe(retryRecords(), TE.chainFirst(users.resume))

  return {
    transformOptions: (now) => ({
      fileId: deps.mapping?.fileId ?? values.ENTERPRET_FILE_ID,
      includeNotes: options.includeNotes,
      metadataNesting: values.ENTERPRET_METADATA_NESTING,
      maxRecordBytes: outbox.maxBodyBytes() - ENVELOPE_BYTES,
      now,
      ...(deps.redactor === undefined ? {} : {redactor: deps.redactor}),
      ...(deps.filter === undefined ? {} : {filter: deps.filter}),
      ...(deps.mapping === undefined
        ? {}
        : {mapping: deps.mapping.metadata, recordIdPrefix: deps.mapping.recordIdPrefix}),
    }),

    async add(conversation, result, customer) {
      if (dryRun && tally.summary.sample === undefined) {
        tally.summary.sample = {
          conversationId: conversation.id,
          messages: result.record.conversation.msgs.slice(0, SAMPLE_MESSAGES),
        }
      }
      const user = await deps.users?.prepare(conversation.customerId, customer, conversation.createdAt)
      const meta: ConversationMeta = {
        conversationId: conversation.id,
        closedAt: conversation.closedAt ?? '',
        channels: result.channels,
        customerId: conversation.customerId,
        ...(user === undefined ? {} : {user}),
      }
      await outbox.add(result.record, meta)
    },

    async addSurvey(itemId, answeredAt, record) {
      await outbox.add(record, {conversationId: itemId, closedAt: answeredAt, channels: []})
    },

    markDone(conversationId) {
      if (!dryRun) doneWithoutRecord.ids.push(conversationId)
    },

    noteUnknownType(type) {
      if (unknownTypes.has(type)) return
      unknownTypes.add(type)
      logger.warn(
        `Gladly sent items of a content type this version does not know (${type}); their text is kept when they have one.`,
      )
    },

    async drain() {
      await outbox.drain()
      await deps.users?.drain()
      if (outbox.fatal === undefined && doneWithoutRecord.ids.length > 0) {
        await deps.journal.markDone(doneWithoutRecord.ids)
        doneWithoutRecord.ids = []
      }
    },

    retryDeadLetters,
    stats: () => outbox.stats(),

    get fatal() {
      return outbox.fatal ?? deps.users?.fatal
    },
  }
}
