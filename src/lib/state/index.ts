// What the importer remembers between runs, per profile: watermark, processed jobs, checkpoint and its
// journal, the spool of open conversations, the ledger of sent ones, the users sent, dead letters, and the lock.
export {openStateStore, profileStateDir} from './store.js'
export type {LockHeld} from './errors.js'
export {acquireLock, LEASE_STALE_MS, lockPath, lockStatus, type Lock, type LockStatus} from './lock.js'
export {
  EMPTY_STATE,
  MAX_SKIPPED_FOR_GOOD,
  type Backfill,
  type DeadLetter,
  type ProcessedJob,
  type Quarantined,
  type State,
  type UserDeadLetter,
  type Watermark,
} from './schema.js'
export {forgetEverything, forgetSince, moveWatermark} from './reset.js'
export {openSpool, overlaySpool, spoolDir, type Spool} from './spool.js'
export {openLedger, readOnlyLedger, type Ledger} from './ledger.js'
export {openJournal, journalPath, type Journal} from './journal.js'
export {openDeadLetters, type DeadLetterPayloads} from './dead-letters.js'
export {openPendingUsers, openSentUsers, readOnlySentUsers, type PendingUsers, type SentUsers} from './users.js'
