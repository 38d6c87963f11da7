// What the importer remembers between runs, per profile: watermark, processed jobs, checkpoint and its
// journal, the spool of open conversations, the ledger of sent ones, dead letters, and the lock.
export {openStateStore, profileStateDir, type StateStore} from './store.js'
export {acquireLock, LEASE_STALE_MS, lockPath, lockStatus, type Lock, type LockStatus} from './lock.js'
export {
  EMPTY_STATE,
  MAX_SKIPPED_FOR_GOOD,
  STATE_SCHEMA_VERSION,
  type Backfill,
  type Checkpoint,
  type DeadLetter,
  type ProcessedJob,
  type Quarantined,
  type SkippedForGood,
  type State,
  type Watermark,
} from './schema.js'
export {forgetEverything, forgetSince, moveWatermark} from './reset.js'
export {openSpool, overlaySpool, spoolDir, type Spool, type SpooledConversation} from './spool.js'
export {openLedger, readOnlyLedger, type Ledger} from './ledger.js'
export {openJournal, journalPath, type Journal} from './journal.js'
export {openDeadLetters, deadLetterDir, type DeadLetterPayloads} from './dead-letters.js'
export type {LockHeld, LockInfo, StateError} from './errors.js'
