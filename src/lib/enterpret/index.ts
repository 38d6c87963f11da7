// Enterpret's Custom Webhook: the record schema, the address and key probe (auth, import) and the record sink.
export {probeApiKey, WEBHOOK_PATH} from './probe.js'
export {
  ConversationRecord,
  ReviewRecord,
  UserRecord,
  type EnterpretRecord,
  type MetadataFields,
  type MetadataValue,
} from './schema.js'
export {createBatcher, type Batch, type BatcherLimits, type WireRecord} from './batcher.js'
export {FEEDBACK_WEBHOOK, requestBody, USERS_WEBHOOK, type Envelope, type Webhook} from './webhooks.js'
export {type EnterpretFatal} from './errors.js'
export {
  createSink,
  UNAVAILABLE_AFTER_BATCHES,
  type BatchOutcome,
  type FailedRecord,
  type Sink,
  type SinkOptions,
} from './sink.js'
