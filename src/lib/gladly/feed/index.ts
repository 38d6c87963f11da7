// The incremental feed: which export jobs to read, their files streamed from disk, and the touched
// conversations resolved to complete transcripts (spool + job items, GET /items only when needed).
export {
  EXPORT_RETENTION_DAYS,
  exportCoverage,
  isOneTimeExport,
  planJobs,
  lostPeriodWarning,
  type JobPlan,
  type Selection,
  type Span,
} from './selection.js'
export {downloadJob, scanConversationIds, ITEMS_FILE} from './job-files.js'
export {readLookups, type CustomerSummary} from './job-lookups.js'
export {jobFeed, customerDirectory, type CustomerDirectory, type FeedEvent} from './feed.js'
export {backfillFeed, reportRowCount, windowReport, type WindowReport} from './backfill.js'
export {conversationsById} from './by-id.js'
export type {SkipRules} from './skip.js'
