// Pure: one Gladly conversation (metadata + items) → one Enterpret CONVERSATION record, or the reason there is
// none; one Gladly customer → one Enterpret user. No network, files, clock or logger: `now` comes in, warnings go out.
export {toEnterpretRecord, recordId, recordMetadataFields, recutRecord, redactRecord} from './record.js'
export {createRedactor, type Redaction, type RedactionCounts, type Redactor} from './pii.js'
export {
  conversationLink,
  conversationLinkTemplate,
  linkFromTemplate,
  mappedKeyTypes,
  metadataTypeOf,
  METADATA_FIELD_TYPES,
  CUSTOM_ATTRIBUTE_PREFIX,
  CUSTOM_ATTRIBUTE_TYPE,
  type MetadataType,
} from './metadata.js'
export {
  DEFAULT_RECORD_ID_PREFIX,
  type CustomAttributeName,
  type CustomAttributeTarget,
  type MetadataMapping,
} from './mapping.js'
export {ACTOR_BY_INITIATOR} from './actors.js'
export {toEnterpretUser, type UserOptions, type UserResult} from './user.js'
export type {Lookups, TransformInput, TransformOptions, TransformResult} from './types.js'
export {CHANNELS} from './messages.js'
export type {ConversationFilter, FilterReason, IncludeExclude} from './filter.js'
export {SURVEY_LINK_DAYS, toSurveyRecord} from './survey.js'
