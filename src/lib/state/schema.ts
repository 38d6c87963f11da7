import * as t from 'io-ts'

export const STATE_SCHEMA_VERSION = 1

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i

/** Instants as the importer writes them; anything else read back means the file was damaged or edited. */
const Timestamp = new t.Type<string, string, unknown>(
  'an RFC 3339 timestamp',
  (u): u is string => typeof u === 'string' && RFC_3339.test(u) && !Number.isNaN(Date.parse(u)),
  (u, c) =>
    typeof u === 'string' && RFC_3339.test(u) && !Number.isNaN(Date.parse(u)) ? t.success(u) : t.failure(u, c),
  t.identity,
)

/** The newest export job fully handled, and every job at that same instant, so none is skipped or redone. */
export const Watermark = t.type({updatedAt: Timestamp, jobIds: t.array(t.string)})

export const ProcessedJob = t.type({
  id: t.string,
  updatedAt: Timestamp,
  windowStart: Timestamp,
  windowEnd: Timestamp,
  processedAt: Timestamp,
})

/** The job an interrupted run was in; what of it is done is journaled next to the state (journal.ts). */
const Checkpoint = t.type({
  runId: t.string,
  startedAt: Timestamp,
  jobId: t.string,
})

/** A record Enterpret did not take; its payload waits in dead-letters/<recordId>.json for the next run. */
export const DeadLetter = t.intersection([
  t.type({recordId: t.string, conversationId: t.string, reason: t.string, failedAt: Timestamp, attempts: t.number}),
  t.partial({code: t.string, closedAt: Timestamp, customerId: t.string}),
])

/** A user the Users webhook did not take; its payload waits in dead-letters/users/<id>.json for the next run. */
export const UserDeadLetter = t.intersection([
  t.type({recordId: t.string, fingerprint: t.string, reason: t.string, failedAt: Timestamp, attempts: t.number}),
  t.partial({code: t.string}),
])

/**
 * A conversation that could not be read or turned into a record (its lookup or items did not decode, its transform
 * failed): kept out of its run without holding the others back, and fetched again from Gladly by the next run.
 */
export const Quarantined = t.type({
  conversationId: t.string,
  reason: t.string,
  /** Where it was met: an export job, a backfill window, or an earlier quarantine retry. */
  source: t.string,
  firstFailedAt: Timestamp,
  failedAt: Timestamp,
  attempts: t.number,
})

/**
 * A conversation that can never become a record Enterpret accepts (created before 2000, say): reported once, kept
 * here for `state show` (the most recent MAX_SKIPPED_FOR_GOOD), and remembered in the ledger as done so it is not
 * fetched again unless it changes.
 */
const SkippedForGood = t.type({conversationId: t.string, reason: t.string, source: t.string, at: Timestamp})
export const MAX_SKIPPED_FOR_GOOD = 500

/**
 * A backfill from the Reports API: whole UTC days, `next` is the first day not done (null once finished). `exported`:
 * spans of days inside it that export jobs listed when it was planned cover whole (a one-time export), not reported.
 */
export const Backfill = t.intersection([
  t.type({from: t.string, to: t.string, next: t.union([t.null, t.string])}),
  t.partial({exported: t.array(t.type({from: t.string, to: t.string}))}),
])

/** What GET /custom-attributes/{id} said of one (nothing when Gladly no longer has it). */
const CustomAttributeName = t.partial({key: t.string, label: t.string})

const StateFields = t.type({
  schemaVersion: t.literal(STATE_SCHEMA_VERSION),
  watermark: t.union([t.null, Watermark]),
  processedJobs: t.array(ProcessedJob),
  checkpoint: t.union([t.null, Checkpoint]),
  deadLetters: t.array(DeadLetter),
  lastRun: t.union([t.null, t.UnknownRecord]),
})

// Fields added after a schema version was first written are optional, so that version still reads.
export const StateV1 = t.intersection(
  [
    StateFields,
    t.partial({
      backfill: t.union([t.null, Backfill]),
      quarantine: t.array(Quarantined),
      skippedForGood: t.array(SkippedForGood),
      userDeadLetters: t.array(UserDeadLetter),
      /** A conversation of this profile had custom attributes: backfills then read each conversation whole. */
      customAttributesSeen: t.boolean,
      // Issue 17: custom attribute names looked up in Gladly, and the type each metadata key was sent with.
      customAttributeNames: t.record(t.string, CustomAttributeName),
      metadataTypes: t.record(t.string, t.keyof({s: null, n: null, b: null})),
      /** The pattern of Gladly's conversation links, learned from a report's (see `conversationLinkTemplate`). */
      conversationLinkTemplate: t.string,
    }),
  ],
  'state',
)

export type State = t.TypeOf<typeof StateV1>
export type Backfill = t.TypeOf<typeof Backfill>
export type Watermark = t.TypeOf<typeof Watermark>
export type ProcessedJob = t.TypeOf<typeof ProcessedJob>
export type DeadLetter = t.TypeOf<typeof DeadLetter>
export type UserDeadLetter = t.TypeOf<typeof UserDeadLetter>
export type Quarantined = t.TypeOf<typeof Quarantined>

export const EMPTY_STATE: State = Object.freeze({
  schemaVersion: STATE_SCHEMA_VERSION,
  watermark: null,
  processedJobs: [],
  checkpoint: null,
  deadLetters: [],
  lastRun: null,
})
