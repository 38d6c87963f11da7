import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {ExitCode, type AppError} from '../common/index.js'
import type {Batch, BatcherLimits, BatchOutcome, Envelope, FailedRecord, WireRecord} from '../enterpret/index.js'
import {createBatcher, createSink, requestBody, type Webhook} from '../enterpret/index.js'
import type {DeadLetterPayloads, State} from '../state/index.js'
import type {ImportOptions, StateCell} from './context.js'
import type {RunSummary} from './summary.js'

/*
 * The part of delivery every sink shares: records go out in request-sized batches while the feed keeps fetching,
 * at most QUEUE_LIMIT batches wait, and each outcome is booked as soon as it is known (the sink's bookkeeping, then
 * the dead letters), so a run killed at any point sends again at most the batch that was in flight. Records that
 * Enterpret does not take wait in a dead-letter store and are sent again, first, by the next run.
 */

/** Where a sink's batches go: an Enterpret webhook, or the dry run's output. */
export interface Target<R extends WireRecord> {
  send(batch: Batch<R>): Promise<E.Either<AppError, BatchOutcome<R>>>
  stats(): RunSummary['enterpret']
}

/** A record with what its sink needs to book it (for conversations: the conversation id, closedAt, channels). */
interface Entry<R extends WireRecord, M> {
  readonly record: R
  readonly meta: M
}

/** The base of every sink's dead letter; the sink adds what it needs to book the record when it is delivered later. */
export interface LetterBase {
  readonly recordId: string
  readonly reason: string
  readonly code?: string
  readonly failedAt: string
  readonly attempts: number
}

/** What a sink adds to the shared outbox: its wire, its dead letters' place in the state, and its bookkeeping. */
export interface SinkPlug<R extends WireRecord, M, L extends LetterBase> {
  readonly target: Target<R>
  /** The array the webhook's request body holds its records in. */
  readonly envelope: Envelope
  readonly limits: BatcherLimits
  readonly payloads: DeadLetterPayloads
  /** Where the sink's dead letters live in the state. */
  letters(state: State): readonly L[]
  withLetters(state: State, letters: readonly L[]): State
  /** The dead letter of an entry that failed, from the shared fields. */
  letterOf(entry: Entry<R, M>, base: LetterBase): L
  /** The booking data of a dead letter, to book its record when it is delivered at last. */
  metaOf(letter: L): M
  /** Records Enterpret took: counted and remembered as sent (live and retried ones alike). */
  delivered(entries: readonly Entry<R, M>[]): Promise<void>
  /** A record that will not be sent this run (dead-lettered, or would be in a dry run): counted and logged. */
  failed(entry: Entry<R, M>, reason: string): void
  /** A live batch is settled (each record delivered or dead-lettered): what may now be forgotten or marked done. */
  settled(entries: readonly Entry<R, M>[]): Promise<void>
  /** The record cut to fit `maxRecordBytes`, if the sink can cut its records (see TOO_LARGE_LEARNING). */
  recut?(record: R, maxRecordBytes: number): R | undefined
  /** A dead letter's record as it is to be sent now (redacted, should redaction have been enabled since it failed). */
  revise?(record: R): R
  /** A warning for the log and the run's summary. */
  warn(message: string): void
}

export interface Outbox<R extends WireRecord, M> {
  /** Takes one record; waits while the queue is full. A record too large for any request is dead-lettered at once. */
  add(record: R, meta: M): Promise<void>
  /** Sends what is batched and waits for every outcome. */
  drain(): Promise<void>
  /** Sends the dead letters again; those whose record cannot be read back are returned, for the sink to recover. */
  retryDeadLetters(): TE.TaskEither<AppError, readonly LetterBase[]>
  stats(): RunSummary['enterpret']
  /** The request body limit in force: ENTERPRET_MAX_BODY_BYTES, or lower once Enterpret refused a record under it. */
  maxBodyBytes(): number
  /** Set once delivery cannot go on (a rejected API key, Enterpret down, a state write failing). */
  readonly fatal: AppError | undefined
}

/** What a webhook's target takes of its own settings; the rest (address, body limit, retries) all sinks share. */
interface WebhookSettings {
  readonly apiKey: string
  readonly maxRecordsPerRequest: number
  readonly maxRequestsPerMinute: number
}

/** A live target: an Enterpret webhook, sent to with the run's delivery settings. */
export function webhookTarget<R extends WireRecord>(
  options: ImportOptions,
  webhook: Webhook,
  own: WebhookSettings,
): Target<R> {
  const values = options.settings.values
  const sink = createSink<R>({
    baseUrl: values.ENTERPRET_API_URL,
    webhook,
    ...own,
    userAgent: options.userAgent,
    maxBodyBytes: values.ENTERPRET_MAX_BODY_BYTES,
    maxRetries: values.MAX_RETRIES,
    retryDelayMs: values.RETRY_DELAY,
    logger: options.logger,
  })
  return {
    send: (batch) => sink.send(batch.records)(),
    stats: () => ({requests: sink.stats.requests, rateLimited: sink.stats.rateLimited, retries: sink.stats.retries}),
  }
}

/** A dry run's target: the exact bodies that would be POSTed, one per line. */
export function outputTarget<R extends WireRecord>(output: NodeJS.WritableStream, envelope: Envelope): Target<R> {
  return {
    async send(batch) {
      if (!output.write(`${requestBody(batch.records, envelope)}\n`))
        await new Promise((resolve) => output.once('drain', resolve))
      return E.right({delivered: batch.records.map((record) => record.id), failed: []})
    },
    stats: () => ({requests: 0, rateLimited: 0, retries: 0}),
  }
}

// Batches waiting for the sender: enough to keep it busy, few enough to bound memory.
const QUEUE_LIMIT = 2
/**
 * A record Enterpret answers 413 alone shows its real limit is below that request's size, by how much unknown; above
 * the largest body it took, as far as the run knows. The next try is in between (their geometric mean, or half the
 * refused size before anything was taken), so a few rounds reach any limit, and the rest of the run stays under it.
 */
function learntLimit(current: number, refusedBytes: number, largestAccepted: number): number {
  const between = largestAccepted > 0 ? Math.sqrt(refusedBytes * largestAccepted) : refusedBytes / 2
  return Math.min(current, Math.floor(between), refusedBytes - 1)
}

export interface OutboxDeps {
  readonly state: StateCell
  readonly now: () => Date
  readonly dryRun: boolean
}

export function createOutbox<R extends WireRecord, M, L extends LetterBase>(
  deps: OutboxDeps,
  plug: SinkPlug<R, M, L>,
): Outbox<R, M> {
  const {state, dryRun} = deps
  // The batcher reads the limits on every record: a limit learnt from a 413 applies to the next one.
  const limits = {...plug.limits}
  const batcher = createBatcher<R>(limits, plug.envelope)
  const envelopeBytes = Buffer.byteLength(requestBody([], plug.envelope))
  let largestAccepted = 0
  const pending = new Map<string, M>()
  let fatal: AppError | undefined
  const queue: Batch<R>[] = []
  let sending: Promise<void> | undefined
  let roomWaiters: Array<() => void> = []

  const save = () => {
    const written = state.save()
    if (written._tag === 'Left') fatal ??= written.left
  }
  const entriesOf = (records: readonly R[]): Entry<R, M>[] =>
    records.flatMap((record) => {
      const meta = pending.get(record.id)
      return meta === undefined ? [] : [{record, meta}]
    })

  async function deadLetter(entry: Entry<R, M>, reason: string, code: string | undefined): Promise<void> {
    plug.failed(entry, reason)
    if (dryRun) return
    const recordId = entry.record.id
    const previous = plug.letters(state.current).find((known) => known.recordId === recordId)
    const base: LetterBase = {
      recordId,
      reason,
      ...(code === undefined ? {} : {code}),
      failedAt: deps.now().toISOString(),
      attempts: (previous?.attempts ?? 0) + 1,
    }
    await plug.payloads.put(recordId, entry.record)
    const others = plug.letters(state.current).filter((known) => known.recordId !== recordId)
    state.current = plug.withLetters(state.current, [...others, plug.letterOf(entry, base)])
  }

  async function deadLetterAll(failed: readonly FailedRecord<R>[]): Promise<void> {
    for (const {record, reason, code} of failed) {
      const [entry] = entriesOf([record])
      if (entry !== undefined) await deadLetter(entry, reason, code)
    }
    if (failed.length > 0) save()
  }

  /** Records Enterpret refused as too large even alone, cut to fit a lower limit; the others are left to dead-letter. */
  function recutTooLarge(failed: readonly FailedRecord<R>[]): {recut: R[]; rest: FailedRecord<R>[]} {
    const recut: R[] = []
    const rest: FailedRecord<R>[] = []
    for (const failure of failed) {
      const refusedBytes = Buffer.byteLength(requestBody([failure.record], plug.envelope))
      if (failure.status !== 413 || plug.recut === undefined) {
        rest.push(failure)
        continue
      }
      limits.maxBodyBytes = learntLimit(limits.maxBodyBytes, refusedBytes, largestAccepted)
      const smaller = plug.recut(failure.record, limits.maxBodyBytes - envelopeBytes)
      if (smaller === undefined) {
        rest.push(failure)
        continue
      }
      plug.warn(
        `Enterpret refused record ${failure.record.id} (${refusedBytes} bytes) as too large even alone: it is cut to fit ${limits.maxBodyBytes} bytes and sent again, and this run keeps every request under that (ENTERPRET_MAX_BODY_BYTES=${limits.maxBodyBytes} starts there).`,
      )
      recut.push(smaller)
    }
    return {recut, rest}
  }

  /** The batches a record completes; one too large for any request, and that cannot be cut, is dead-lettered and settled. */
  async function place(record: R): Promise<readonly Batch<R>[]> {
    let {batches, oversized} = batcher.add(record)
    // Made before the run learnt a lower limit: cut to it rather than dead-lettered.
    const smaller = oversized === undefined ? undefined : plug.recut?.(record, limits.maxBodyBytes - envelopeBytes)
    if (smaller !== undefined) ({batches, oversized} = batcher.add(smaller))
    if (oversized === undefined) return batches
    const meta = pending.get(record.id) as M
    await deadLetter(
      {record, meta},
      `the record is ${oversized.bytes} bytes, over ENTERPRET_MAX_BODY_BYTES`,
      'RecordTooLarge',
    )
    pending.delete(record.id)
    if (!dryRun) {
      save()
      await plug.settled([{record, meta}])
    }
    return batches
  }

  /**
   * Books one live batch: delivered ones through the sink, failed ones as dead letters, then the batch is settled.
   * A record cut to fit after a 413 is not settled: it goes back to the queue, and is settled with its new batch.
   */
  async function book(batch: Batch<R>, outcome: BatchOutcome<R>): Promise<void> {
    const delivered = new Set(outcome.delivered)
    await plug.delivered(entriesOf(batch.records.filter((record) => delivered.has(record.id))))
    const {recut, rest} = recutTooLarge(outcome.failed)
    await deadLetterAll(rest)
    const again = new Set(recut.map((record) => record.id))
    const done = batch.records.filter((record) => !again.has(record.id))
    await plug.settled(entriesOf(done))
    for (const record of done) pending.delete(record.id)
    for (const record of recut) queue.push(...(await place(record)))
  }

  function startSending(): void {
    sending ??= (async () => {
      while (queue.length > 0 && fatal === undefined) {
        const batch = queue[0] as Batch<R>
        const outcome = await plug.target.send(batch)
        if (outcome._tag === 'Left') fatal ??= outcome.left
        else await book(batch, outcome.right)
        if (outcome._tag === 'Right' && outcome.right.failed.length === 0)
          largestAccepted = Math.max(largestAccepted, batch.bytes)
        queue.shift()
        const waiters = roomWaiters
        roomWaiters = []
        for (const wake of waiters) wake()
      }
      sending = undefined
    })()
  }

  async function enqueue(batches: readonly Batch<R>[]): Promise<void> {
    for (const batch of batches) {
      while (queue.length >= QUEUE_LIMIT && fatal === undefined)
        await new Promise<void>((resolve) => roomWaiters.push(resolve))
      if (fatal !== undefined) return
      queue.push(batch)
      startSending()
    }
  }

  /** Records of earlier runs that Enterpret did not take, sent again before anything new. */
  async function retryDeadLetters(): Promise<E.Either<AppError, readonly LetterBase[]>> {
    const letters = plug.letters(state.current)
    if (dryRun || letters.length === 0) return E.right([])
    const unreadable: L[] = []
    const retry = createBatcher<R>(limits, plug.envelope)
    const batches: Batch<R>[] = []
    for (const letter of letters) {
      const payload = (await plug.payloads.get(letter.recordId)) as R | undefined
      if (payload === undefined) {
        unreadable.push(letter)
        continue
      }
      pending.set(letter.recordId, plug.metaOf(letter))
      batches.push(...retry.add(plug.revise === undefined ? payload : plug.revise(payload)).batches)
    }
    batches.push(...retry.flush())
    for (const batch of batches) {
      const outcome = await plug.target.send(batch)
      if (outcome._tag === 'Left') return outcome
      const delivered = new Set(outcome.right.delivered)
      await plug.delivered(entriesOf(batch.records.filter((record) => delivered.has(record.id))))
      state.current = plug.withLetters(
        state.current,
        plug.letters(state.current).filter((letter) => !delivered.has(letter.recordId)),
      )
      for (const id of delivered) await plug.payloads.remove(id)
      const {recut, rest} = recutTooLarge(outcome.right.failed)
      await deadLetterAll(rest)
      const again = new Set(recut.map((record) => record.id))
      for (const record of batch.records) if (!again.has(record.id)) pending.delete(record.id)
      // Sent in a later round of this loop; until delivered each stays a dead letter, safe from a kill.
      for (const record of recut) batches.push(...retry.add(record).batches, ...retry.flush())
      save()
    }
    return fatal === undefined ? E.right(unreadable) : E.left(fatal)
  }

  return {
    async add(record, meta) {
      pending.set(record.id, meta)
      await enqueue(await place(record))
    },

    // Until nothing is left: a record cut after a 413 may come back to the batcher while the last batches go out.
    async drain() {
      for (;;) {
        while (sending !== undefined) await sending
        const rest = batcher.flush()
        if (rest.length === 0 || fatal !== undefined) return
        await enqueue(rest)
      }
    },

    retryDeadLetters: () =>
      pipe(
        TE.tryCatch(retryDeadLetters, (error): AppError => ({
          _tag: 'RunError',
          exit: ExitCode.failure,
          message: `Retrying dead letters failed: ${(error as Error).message}`,
        })),
        TE.chainEitherK((result) => result),
      ),

    stats: () => plug.target.stats(),
    maxBodyBytes: () => limits.maxBodyBytes,

    get fatal() {
      return fatal
    },
  }
}
