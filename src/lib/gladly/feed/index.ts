// The incremental feed: which export jobs to read, their files streamed from disk, and the touched
// conversations resolved to complete transcripts (spool + job items, GET /items only when needed).
export {planJobs, lostPeriodWarning, oldestListable, EXPORT_RETENTION_DAYS, type JobPlan, type Selection, type SelectionState} from './selection.js'
export {downloadJob, scanConversationIds, ITEMS_FILE, type MalformedLine} from './job-files.js'
export {readLookups, type CustomerSummary, type JobLookups} from './job-lookups.js'
export {jobFeed, customerDirectory, type CustomerDirectory, type FeedEvent, type FeedOptions, type SpoolReader} from './feed.js'
export {backfillFeed, type BackfillOptions} from './backfill.js'
export {conversationsById, type ByIdOptions} from './by-id.js'
export type {SkipReason, SkipRules} from './skip.js'
