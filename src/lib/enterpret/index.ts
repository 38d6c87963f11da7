// Enterpret's Custom Webhook: the record schema, the key probe (auth status) and the record sink.
export {probeApiKey, WEBHOOK_PATH, type KeyCheck} from './probe.js'
export {ACTORS, ConversationRecord, Message, MetadataFields, MetadataValue, METADATA_NESTINGS, MIN_CREATED_AT, wrapMetadata, type Actor, type MetadataNesting} from './schema.js'
export {createBatcher, requestBody, type Batch, type Batcher, type BatcherLimits, type OversizedRecord, type WireRecord} from './batcher.js'
export {type EnterpretAuthError, type EnterpretFatal, type EnterpretUnavailable} from './errors.js'
export {createSink, UNAVAILABLE_AFTER_BATCHES, type BatchOutcome, type FailedRecord, type Sink, type SinkOptions, type SinkStats} from './sink.js'
