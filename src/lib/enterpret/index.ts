// Enterpret's Custom Webhook: the record schema, the key probe (auth status) and the record sink.
export {probeApiKey, WEBHOOK_PATH, type KeyCheck} from './probe.js'
export {ACTORS, ConversationRecord, Message, MetadataFields, MetadataValue, METADATA_NESTINGS, MIN_CREATED_AT, wrapMetadata, type Actor, type MetadataNesting} from './schema.js'
