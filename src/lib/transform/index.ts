// Pure: one Gladly conversation (metadata + items) → one Enterpret CONVERSATION record, or the reason there is
// none; one Gladly customer → one Enterpret user. No network, files, clock or logger: `now` comes in, warnings go out.
export {toEnterpretRecord, recordId, recutRecord} from './record.js'
export {conversationLink, METADATA_FIELD_TYPES, CUSTOM_ATTRIBUTE_PREFIX, CUSTOM_ATTRIBUTE_TYPE} from './metadata.js'
export {ACTOR_BY_INITIATOR} from './actors.js'
export {toEnterpretUser, type UserOptions, type UserResult} from './user.js'
export type {Lookups, TransformInput, TransformOptions, TransformResult} from './types.js'
