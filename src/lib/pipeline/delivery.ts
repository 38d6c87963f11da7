import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {ExitCode, type AppError} from '../common/index.js'
import {createBatcher, createSink, requestBody, type Batch, type BatchOutcome, type ConversationRecord, type FailedRecord} from '../enterpret/index.js'
import type {Conversation} from '../gladly/index.js'
import {openDeadLetters, type DeadLetter, type Journal, type Ledger, type Spool, type State} from '../state/index.js'
import {recordId, type TransformOptions, type TransformResult} from '../transform/index.js'
import type {ImportOptions} from './context.js'
import type {RunSummary} from './summary.js'

/** What delivery needs of the run: its stores, its summary, and the state it keeps current. */
export interface DeliveryRun {
  readonly options: ImportOptions
  readonly summary: RunSummary
  readonly spool: Spool
  readonly ledger: Ledger
  readonly journal: Journal
  state: State
  readonly now: () => Date
  /** Writes `state` (atomically); a no-op in a dry run. */
  saveState(): E.Either<AppError, void>
}

/**
 * persist: records go out in request-sized batches while the feed keeps fetching, and each outcome
 * is booked as soon as it is known — ledger, spool, journal, dead letters — so a run killed at any
 * point sends again at most the batch that was in flight.
 */
export interface Delivery {
  transformOptions(now: Date): TransformOptions
  add(conversation: Conversation, result: Extract<TransformResult, {_tag: 'Record'}>): Promise<void>
  /** A conversation finished without a record (kept open, vanished, skipped…). */
  markDone(conversationId: string): void
  noteUnknownType(type: string): void
  /** Sends what is batched and waits for every outcome. */
  drain(): Promise<void>
  /** Sends the dead letters again; those whose record cannot be read back are returned, to be fetched again. */
  retryDeadLetters(): TE.TaskEither<AppError, readonly DeadLetter[]>
  stats(): RunSummary['enterpret']
  /** Set once delivery cannot go on (a rejected API key, Enterpret down, a state write failing). */
  readonly fatal: AppError | undefined
}

// Batches waiting for the sender: enough to keep it busy, few enough to bound memory.
const QUEUE_LIMIT = 2
const ENVELOPE_BYTES = Buffer.byteLength(requestBody([]))
const SAMPLE_MESSAGES = 12

interface Pending {
  readonly conversationId: string
  readonly closedAt: string
  readonly channels: readonly string[]
}

/** Where batches go: Enterpret, or the dry run's output. */
interface Target {
  send(batch: Batch): Promise<E.Either<AppError, BatchOutcome>>
  stats(): RunSummary['enterpret']
}

function enterpretTarget(options: ImportOptions): Target {
  const values = options.settings.values
  const sink = createSink({
    baseUrl: values.ENTERPRET_API_URL,
    apiKey: values.ENTERPRET_API_KEY ?? '',
    userAgent: options.userAgent,
    maxRecordsPerRequest: values.BATCH_SIZE,
    maxBodyBytes: values.ENTERPRET_MAX_BODY_BYTES,
    maxRequestsPerMinute: values.ENTERPRET_MAX_RPM,
    maxRetries: values.MAX_RETRIES,
    retryDelayMs: values.RETRY_DELAY,
    logger: options.logger,
  })
  return {
    send: (batch) => sink.send(batch.records)(),
    stats: () => ({requests: sink.stats.requests, rateLimited: sink.stats.rateLimited, retries: sink.stats.retries}),
  }
}

/** The exact bodies that would be POSTed, one per line. */
function outputTarget(output: NodeJS.WritableStream): Target {
  return {
    async send(batch) {
      if (!output.write(`${requestBody(batch.records)}\n`)) await new Promise((resolve) => output.once('drain', resolve))
      return E.right({delivered: batch.records.map((record) => record.id), failed: []})
    },
    stats: () => ({requests: 0, rateLimited: 0, retries: 0}),
  }
}

export function createDelivery(run: DeliveryRun): Delivery {
  const {options} = run
  const {settings, logger} = options
  const values = settings.values
  const dryRun = options.dryRun !== undefined
  const target = options.dryRun ? outputTarget(options.dryRun.output) : enterpretTarget(options)
  const batcher = createBatcher({maxRecords: values.BATCH_SIZE, maxBodyBytes: values.ENTERPRET_MAX_BODY_BYTES})
  const payloads = openDeadLetters(settings.paths.stateDir, settings.profile)
  const pending = new Map<string, Pending>()
  const unknownTypes = new Set<string>()
  let doneWithoutRecord: string[] = []
  let fatal: AppError | undefined
  const queue: Batch[] = []
  let sending: Promise<void> | undefined
  let roomWaiters: Array<() => void> = []

  const save = () => {
    const written = run.saveState()
    if (written._tag === 'Left') fatal ??= written.left
  }

  function countSent(records: readonly ConversationRecord[]): void {
    for (const record of records) {
      run.summary.conversations.sent++
      run.summary.messages += record.conversation.msgs.length
      for (const channel of pending.get(record.id)?.channels ?? []) run.summary.channels[channel] = (run.summary.channels[channel] ?? 0) + 1
    }
  }

  async function deadLetter(letter: Omit<DeadLetter, 'failedAt' | 'attempts'>, record: ConversationRecord | undefined): Promise<void> {
    const previous = run.state.deadLetters.find((known) => known.recordId === letter.recordId)
    const entry: DeadLetter = {...letter, failedAt: run.now().toISOString(), attempts: (previous?.attempts ?? 0) + 1}
    if (record !== undefined) await payloads.put(letter.recordId, record)
    run.state = {...run.state, deadLetters: [...run.state.deadLetters.filter((known) => known.recordId !== letter.recordId), entry]}
    run.summary.conversations.failed++
    logger.warn(`Record ${letter.recordId} failed: ${letter.reason}. It waits in the dead-letter store for the next run.`)
  }

  const failedLetter = (failed: FailedRecord, meta: Pending | undefined) =>
    deadLetter({recordId: failed.record.id, conversationId: meta?.conversationId ?? failed.record.id, reason: failed.reason, ...(failed.code ? {code: failed.code} : {}), ...(meta?.closedAt ? {closedAt: meta.closedAt} : {})}, failed.record)

  /** Books one batch's outcome: delivered ones in the ledger, failed ones in the dead letters, all in the journal. */
  async function book(batch: Batch, outcome: BatchOutcome): Promise<void> {
    const delivered = new Set(outcome.delivered)
    countSent(batch.records.filter((record) => delivered.has(record.id)))
    const metas = outcome.delivered.flatMap((id) => pending.get(id) ?? [])
    // A dry run's ledger only remembers in memory, so a conversation the run would send twice counts once.
    await run.ledger.record(metas.map(({conversationId, closedAt}) => ({conversationId, closedAt})))
    if (dryRun) return
    for (const failed of outcome.failed) await failedLetter(failed, pending.get(failed.record.id))
    if (outcome.failed.length > 0) save()
    const finished = [...batch.records.map((record) => pending.get(record.id)?.conversationId ?? record.id), ...doneWithoutRecord]
    doneWithoutRecord = []
    for (const {conversationId} of [...metas, ...outcome.failed.flatMap((failed) => pending.get(failed.record.id) ?? [])]) await run.spool.drop(conversationId)
    await run.journal.markDone(finished)
  }

  function startSending(): void {
    sending ??= (async () => {
      while (queue.length > 0 && fatal === undefined) {
        const batch = queue[0] as Batch
        const outcome = await target.send(batch)
        if (outcome._tag === 'Left') fatal ??= outcome.left
        else await book(batch, outcome.right)
        for (const record of batch.records) pending.delete(record.id)
        queue.shift()
        const waiters = roomWaiters
        roomWaiters = []
        for (const wake of waiters) wake()
      }
      sending = undefined
    })()
  }

  async function enqueue(batches: readonly Batch[]): Promise<void> {
    for (const batch of batches) {
      while (queue.length >= QUEUE_LIMIT && fatal === undefined) await new Promise<void>((resolve) => roomWaiters.push(resolve))
      if (fatal !== undefined) return
      queue.push(batch)
      startSending()
    }
  }

  async function failWithoutSending(conversation: Conversation, reason: string, code: string, record?: ConversationRecord): Promise<void> {
    if (dryRun) {
      run.summary.conversations.failed++
      logger.warn(`Conversation ${conversation.id} would fail: ${reason}`)
      return
    }
    await deadLetter({recordId: record?.id ?? recordId(conversation.id), conversationId: conversation.id, reason, code, ...(conversation.closedAt ? {closedAt: conversation.closedAt} : {})}, record)
    save()
    doneWithoutRecord.push(conversation.id)
  }

  /** Records of earlier runs that Enterpret did not take, sent again before anything new. */
  async function retryDeadLetters(): Promise<E.Either<AppError, readonly DeadLetter[]>> {
    const letters = run.state.deadLetters
    if (dryRun || letters.length === 0) return E.right([])
    const unreadable: DeadLetter[] = []
    logger.info(`Retrying ${letters.length} record(s) from the dead-letter store first.`)
    const retry = createBatcher({maxRecords: values.BATCH_SIZE, maxBodyBytes: values.ENTERPRET_MAX_BODY_BYTES})
    const batches: Batch[] = []
    for (const letter of letters) {
      const payload = (await payloads.get(letter.recordId)) as ConversationRecord | undefined
      if (payload === undefined) {
        unreadable.push(letter)
        continue
      }
      pending.set(letter.recordId, {conversationId: letter.conversationId, closedAt: letter.closedAt ?? '', channels: []})
      batches.push(...retry.add(payload).batches)
    }
    batches.push(...retry.flush())
    for (const batch of batches) {
      run.summary.deadLetters.retried += batch.records.length
      const outcome = await target.send(batch)
      if (outcome._tag === 'Left') return outcome
      const delivered = new Set(outcome.right.delivered)
      countSent(batch.records.filter((record) => delivered.has(record.id)))
      run.summary.deadLetters.delivered += delivered.size
      const metas = outcome.right.delivered.flatMap((id) => pending.get(id) ?? [])
      await run.ledger.record(metas.map(({conversationId, closedAt}) => ({conversationId, closedAt})))
      run.state = {...run.state, deadLetters: run.state.deadLetters.filter((letter) => !delivered.has(letter.recordId))}
      for (const id of delivered) await payloads.remove(id)
      for (const failed of outcome.right.failed) await failedLetter(failed, pending.get(failed.record.id))
      for (const record of batch.records) pending.delete(record.id)
      save()
    }
    return fatal === undefined ? E.right(unreadable) : E.left(fatal)
  }

  return {
    transformOptions: (now) => ({
      fileId: values.ENTERPRET_FILE_ID,
      includeNotes: options.includeNotes,
      metadataNesting: values.ENTERPRET_METADATA_NESTING,
      maxRecordBytes: values.ENTERPRET_MAX_BODY_BYTES - ENVELOPE_BYTES,
      now,
    }),

    async add(conversation, result) {
      if (dryRun && run.summary.sample === undefined) run.summary.sample = {conversationId: conversation.id, messages: result.record.conversation.msgs.slice(0, SAMPLE_MESSAGES)}
      pending.set(result.record.id, {conversationId: conversation.id, closedAt: conversation.closedAt ?? '', channels: result.channels})
      const {batches, oversized} = batcher.add(result.record)
      if (oversized !== undefined) {
        pending.delete(result.record.id)
        await failWithoutSending(conversation, `the record is ${oversized.bytes} bytes, over ENTERPRET_MAX_BODY_BYTES`, 'RecordTooLarge', oversized.record)
      }
      await enqueue(batches)
    },

    markDone(conversationId) {
      if (!dryRun) doneWithoutRecord.push(conversationId)
    },

    noteUnknownType(type) {
      if (unknownTypes.has(type)) return
      unknownTypes.add(type)
      logger.warn(`Gladly sent items of a content type this version does not know (${type}); their text is kept when they have one.`)
    },

    async drain() {
      await enqueue(batcher.flush())
      while (sending !== undefined) await sending
      if (fatal === undefined && doneWithoutRecord.length > 0) {
        await run.journal.markDone(doneWithoutRecord)
        doneWithoutRecord = []
      }
    },

    retryDeadLetters: () =>
      pipe(
        TE.tryCatch(retryDeadLetters, (error): AppError => ({_tag: 'RunError', exit: ExitCode.failure, message: `Retrying dead letters failed: ${(error as Error).message}`})),
        TE.chainEitherK((result) => result),
      ),

    stats: () => target.stats(),

    get fatal() {
      return fatal
    },
  }
}
