import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {ExitCode, type AppError} from '../common/index.js'
import {USERS_WEBHOOK, type UserRecord} from '../enterpret/index.js'
import type {CustomerDirectory, CustomerSummary} from '../gladly/index.js'
import {openDeadLetters, type PendingUsers, type SentUsers, type UserDeadLetter} from '../state/index.js'
import {toEnterpretUser, type UserOptions} from '../transform/index.js'
import {noteWarning, type ImportOptions, type RunTally, type StateCell} from './context.js'
import {createOutbox, outputTarget, webhookTarget, type LetterBase, type SinkPlug} from './outbox.js'

/*
 * persist, for customers: with ENTERPRET_USERS_API_KEY set, the customer of every delivered conversation goes to
 * Enterpret's Users webhook, once, and again only when what would be sent of them changed (a fingerprint per user in
 * users.jsonl). A user is made with its conversation's record, and handed to the webhook once that record is
 * delivered: written to users-pending.jsonl first, so that a run stopped before the user went out sends it next time.
 */

/** A user ready to go, and what tells it apart from what Enterpret already has. */
export interface PreparedUser {
  readonly user: UserRecord
  readonly fingerprint: string
}

export interface UserDeliveryDeps {
  readonly options: ImportOptions
  readonly now: () => Date
  readonly state: StateCell
  readonly tally: RunTally
  readonly sentUsers: SentUsers
  /** None in a dry run: it writes nothing down. */
  readonly pending: PendingUsers | undefined
  readonly directory: CustomerDirectory
}

export interface UserDelivery {
  /**
   * The user of a conversation whose record was made, unless Enterpret has it as it is; `customer` is the profile the
   * conversation was made with (the API's is asked for when custom attributes are to leave and it came from the job).
   */
  prepare(
    customerId: string,
    customer: CustomerSummary | undefined,
    conversationCreatedAt: string,
  ): Promise<PreparedUser | undefined>
  /** The users of conversations Enterpret just took: written down as pending, then handed to the webhook. */
  send(users: readonly PreparedUser[]): Promise<void>
  /** Before anything new: dead letters of earlier runs, then users a stopped run left pending. */
  resume(): TE.TaskEither<AppError, void>
  drain(): Promise<void>
  readonly fatal: AppError | undefined
}

interface UserMeta {
  readonly fingerprint: string
}

function usersPlug(deps: UserDeliveryDeps): SinkPlug<UserRecord, UserMeta, UserDeadLetter> {
  const {options, tally} = deps
  const {settings, logger} = options
  const users = tally.summary.users
  return {
    target: options.dryRun
      ? outputTarget(options.dryRun.output, USERS_WEBHOOK.envelope)
      : webhookTarget(options, USERS_WEBHOOK, {
          apiKey: settings.values.ENTERPRET_USERS_API_KEY ?? '',
          maxRecordsPerRequest: USERS_WEBHOOK.maxPerRequest ?? settings.values.BATCH_SIZE,
          maxRequestsPerMinute: settings.values.ENTERPRET_USERS_MAX_RPM,
        }),
    envelope: USERS_WEBHOOK.envelope,
    limits: {
      maxRecords: USERS_WEBHOOK.maxPerRequest ?? settings.values.BATCH_SIZE,
      maxBodyBytes: settings.values.ENTERPRET_MAX_BODY_BYTES,
    },
    payloads: openDeadLetters(settings.paths.stateDir, settings.profile, 'users'),
    letters: (state) => state.userDeadLetters ?? [],
    withLetters: (state, userDeadLetters) => ({...state, userDeadLetters: [...userDeadLetters]}),
    letterOf: ({meta}, base: LetterBase) => ({...base, fingerprint: meta.fingerprint}),
    metaOf: (letter) => ({fingerprint: letter.fingerprint}),
    async delivered(entries) {
      users.sent += entries.length
      await deps.sentUsers.record(
        entries.map(({record, meta}) => ({id: record.id, fingerprint: meta.fingerprint, createdAt: record.createdAt})),
      )
    },
    failed({record}, reason) {
      users.failed++
      if (options.dryRun) logger.warn(`User ${record.id} would fail: ${reason}`)
      else logger.warn(`User ${record.id} failed: ${reason}. It waits in the dead-letter store for the next run.`)
    },
    async settled() {},
    warn: (message) => noteWarning(deps, message),
  }
}

export function createUserDelivery(deps: UserDeliveryDeps): UserDelivery {
  const {options, tally} = deps
  const {settings, logger} = options
  const users = tally.summary.users
  const outbox = createOutbox({state: deps.state, now: deps.now, dryRun: options.dryRun !== undefined}, usersPlug(deps))
  const userOptions = (): UserOptions => ({
    idField: settings.values.ENTERPRET_USERS_ID,
    attributes: settings.values.ENTERPRET_USERS_ATTRIBUTES,
    now: deps.now(),
  })
  // What this run handed to the webhook, by user id: a customer with many conversations goes once.
  const handed = new Map<string, string>()
  const unchanged = new Set<string>()
  const wantsCustomAttributes = settings.values.ENTERPRET_USERS_ATTRIBUTES.includes('custom')

  async function hand(prepared: readonly PreparedUser[]): Promise<void> {
    const fresh = prepared.filter(({user, fingerprint}) => handed.get(user.id) !== fingerprint)
    if (fresh.length === 0) return
    for (const {user, fingerprint} of fresh) handed.set(user.id, fingerprint)
    await deps.pending?.add(fresh)
    for (const {user, fingerprint} of fresh) await outbox.add(user, {fingerprint})
  }

  async function resumePending(): Promise<void> {
    if (deps.pending === undefined) return
    const waiting = new Set((deps.state.current.userDeadLetters ?? []).map((letter) => letter.recordId))
    const left = (await deps.pending.read()).filter(
      ({user, fingerprint}) => !waiting.has(user.id) && deps.sentUsers.get(user.id)?.fingerprint !== fingerprint,
    ) as PreparedUser[]
    if (left.length > 0) logger.info(`Sending ${left.length} user(s) an earlier run did not finish sending.`)
    users.resumed += left.length
    await hand(left)
    await outbox.drain()
  }

  const retryDeadLetters = (): TE.TaskEither<AppError, void> => {
    const letters = deps.state.current.userDeadLetters ?? []
    if (options.dryRun || letters.length === 0) return TE.right(undefined)
    logger.info(`Retrying ${letters.length} user(s) from the dead-letter store first.`)
    const sentBefore = users.sent
    return pipe(
      outbox.retryDeadLetters(),
      TE.map((unreadable) => {
        users.retried += letters.length - unreadable.length
        users.recovered += users.sent - sentBefore
        // Its payload is gone: the user goes again with the next conversation of its customer.
        const lost = new Set(unreadable.map((letter) => letter.recordId))
        if (lost.size > 0) {
          noteWarning(
            deps,
            `${lost.size} user dead letter(s) could not be read back (${[...lost].slice(0, 5).join(', ')}); each is sent again with the next conversation of its customer.`,
          )
          deps.state.current = {
            ...deps.state.current,
            userDeadLetters: (deps.state.current.userDeadLetters ?? []).filter((letter) => !lost.has(letter.recordId)),
          }
        }
      }),
    )
  }

  return {
    async prepare(customerId, given, conversationCreatedAt) {
      const customer =
        given === undefined || (wantsCustomAttributes && given.customAttributes === undefined)
          ? ((await deps.directory.profile(customerId)) ?? given)
          : given
      if (customer === undefined) {
        users.skipped++
        logger.info(`Customer ${customerId}: no profile could be read from Gladly; not sent as a user.`)
        return undefined
      }
      const result = toEnterpretUser({customerId, customer, conversationCreatedAt}, userOptions())
      if (result._tag === 'NoUser') {
        users.skipped++
        logger.info(`Customer ${customerId} is not sent as a user: ${result.reason}.`)
        return undefined
      }
      const sent = deps.sentUsers.get(result.user.id)
      if (sent?.fingerprint === result.fingerprint) {
        // Counted once, and only when an earlier run sent it: this run's own is no news.
        if (!unchanged.has(result.user.id) && handed.get(result.user.id) !== result.fingerprint) users.unchanged++
        unchanged.add(result.user.id)
        return undefined
      }
      // Sent before: Enterpret keeps the createdAt it first got unless the profile says otherwise.
      const user =
        sent !== undefined && customer.createdAt === undefined
          ? {...result.user, createdAt: sent.createdAt}
          : result.user
      return {user, fingerprint: result.fingerprint}
    },

    send: hand,

    resume: () =>
      pipe(
        retryDeadLetters(),
        TE.chain(() =>
          TE.tryCatch(resumePending, (error): AppError => ({
            _tag: 'RunError',
            exit: ExitCode.failure,
            message: `Sending the users an earlier run left failed: ${(error as Error).message}`,
          })),
        ),
        TE.chain(() => (outbox.fatal === undefined ? TE.right(undefined) : TE.left(outbox.fatal))),
      ),

    async drain() {
      await outbox.drain()
      if (outbox.fatal === undefined) await deps.pending?.clear()
      const stats = outbox.stats()
      users.requests = stats.requests
      users.rateLimited = stats.rateLimited
      users.profileRequests = deps.directory.fetched
    },

    get fatal() {
      return outbox.fatal
    },
  }
}
