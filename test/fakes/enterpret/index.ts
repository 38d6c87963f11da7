// Fake Enterpret Custom Webhook for tests, the demo and the benchmark: start one with startFakeEnterpret(),
// point the client's base URL at its `url`, then assert on `records`, `requests` or the /_fake/* hooks.
export {
  DEFAULT_API_KEY,
  type DroppedRecord,
  type FakeEnterpret,
  type FakeEnterpretConfig,
  type FakeEnterpretOptions,
  type RequestLogEntry,
  startFakeEnterpret,
  type StoredRecord,
  type StoreResult,
  WEBHOOK_PATH,
} from './server.js'
export {
  ACTORS,
  type Actor,
  type EnterpretRecord,
  type ErrorCode,
  type MetadataNesting,
  type MetadataType,
  MIN_CREATED_AT,
  RECORD_TYPES,
  type RecordType,
} from './validate.js'
