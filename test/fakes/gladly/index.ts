// A fake Gladly REST API and its seeded, time-based dataset, for end-to-end tests, the demo and the benchmark.
export {
  DEMO_CREDENTIALS,
  FakeClock,
  REPORT_LATENCY_MS,
  REPORT_RATE_LIMIT,
  REPORT_ROW_CAP,
  RequestStats,
  startFakeGladly,
  type Credentials,
  type FailNextFault,
  type FakeGladly,
  type FakeGladlyOptions,
  type FaultSwitches,
  type ConversationDamage,
  type RateLimitOptions,
  type ReportRateLimitOptions,
} from './server.js'
export {CONVERSATION_EXPORT_REPORT, csvField, REPORT_COLUMNS, reportWindow} from './reports.js'
export {
  CUSTOMER_CONVERSATIONS_CAP,
  CUSTOMER_SEARCH_CAP,
  EVENTS_MAX_AGE_MS,
  EXPORT_RETENTION_MS,
  GladlyDataset,
  ITEMS_CAP,
  type CustomerLookup,
  type DatasetOptions,
  type EdgeCaseIds,
  type EdgeCaseSwitches,
  type ItemLookup,
  type ResolvedDatasetOptions,
} from './dataset.js'
export {
  DAY as DAY_MS,
  formatInstant,
  HOUR as HOUR_MS,
  MINUTE as MINUTE_MS,
  parseTime,
  type Instant,
  type TimeArg,
} from './random.js'
export type * from './types.js'
export {EXPORT_FILES} from './types.js'
