// Request-body validation of the fake Enterpret Custom Webhook, after enterpret-api.md §1.3 and §5.2, and of its
// Users webhook (§1.6).
// Pure (no I/O, no clock): the server passes in "now", the remembered metadata types and its switches.

const RECORD_TYPES = ['REVIEW', 'CONVERSATION', 'SURVEY', 'AUDIO_RECORDING', 'FORUM_CONVERSATION_THREAD'] as const
type RecordType = (typeof RECORD_TYPES)[number]

const ACTORS = ['user', 'agent', 'bot'] as const
type Actor = (typeof ACTORS)[number]

/** Metadata type keys: string, number, boolean. */
export type MetadataType = 's' | 'n' | 'b'

/** `nested`: record.metadata.metadata is the field map (the reference's reading of the docs); `flat`: record.metadata is. */
export type MetadataNesting = 'nested' | 'flat'

export type ErrorCode =
  | 'ErrCodeExceededBatchLimit'
  | 'ErrCodeInternalError'
  | 'ErrCodeInvalidAPIKey'
  | 'ErrCodeInvalidFieldFormat'
  | 'ErrCodeInvalidRequestArgument'
  | 'ErrCodeMissingRequiredField'
  | 'ErrCodeNotFound'
  | 'ErrCodePayloadTooLarge'
  | 'ErrCodeRateLimitExceeded'

/** A record as the fake stores it: what the client sent, with createdAt normalised to epoch seconds. */
export interface EnterpretRecord {
  [field: string]: unknown
  id: string
  fileID: string
  type: RecordType
  createdAt: number
  metadata: Record<string, unknown>
  text?: string
  conversation?: {msgs: Array<{actor: Actor; text: string}>}
}

export interface ValidationContext {
  strict: boolean
  legacy: boolean
  metadataNesting: MetadataNesting
  maxRecords: number
  poisonIds: ReadonlySet<string>
  nowSeconds: number
  /** Types of every metadata key accepted so far: a key keeps its first type forever. */
  knownTypes: ReadonlyMap<string, MetadataType>
}

export interface ValidRecord {
  record: EnterpretRecord
  metadataTypes: Map<string, MetadataType>
  /** Legacy mode only: why this record is acknowledged but silently not stored. */
  dropReason?: string
}

interface Rejection {
  code: ErrorCode
  msg: string
}

export type BatchResult =
  | {ok: true; recordCount: number; records: ValidRecord[]}
  | {ok: false; recordCount: number | null; rejection: Rejection}

/** 2000-01-01T00:00:00Z, the documented lower bound of createdAt. */
const MIN_CREATED_AT = 946_684_800

const RECORD_FIELDS = new Set([
  'audioRecording',
  'conversation',
  'createdAt',
  'fileID',
  'id',
  'metadata',
  'surveyResponse',
  'text',
  'type',
])
const CONVERSATION_FIELDS = new Set(['msgs'])
const MESSAGE_FIELDS = new Set(['actor', 'text'])
const THREADED_TYPES: ReadonlySet<RecordType> = new Set(['CONVERSATION', 'FORUM_CONVERSATION_THREAD'])

const ELEMENT_CHECKS: Record<MetadataType, (value: unknown) => boolean> = {
  b: (value) => typeof value === 'boolean',
  n: (value) => typeof value === 'number' && Number.isFinite(value),
  s: (value) => typeof value === 'string',
}
const TYPE_NAMES: Record<MetadataType, string> = {b: 'booleans', n: 'finite numbers', s: 'strings'}

class Rejected extends Error {
  constructor(
    readonly code: ErrorCode,
    msg: string,
  ) {
    super(msg)
  }
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// Whitespace-only counts as empty: stricter than the docs say, so the client learns to trim.
function isBlank(value: string): boolean {
  return value.trim() === ''
}

function absent(value: unknown): boolean {
  return value === undefined || value === null
}

function missing(where: string, field: string, detail = 'is missing'): never {
  throw new Rejected('ErrCodeMissingRequiredField', `${where}: required field "${field}" ${detail}`)
}

function badFormat(where: string, field: string, detail: string): never {
  throw new Rejected('ErrCodeInvalidFieldFormat', `${where}: field "${field}" ${detail}`)
}

function rejectUnknown(object: Json, allowed: ReadonlySet<string>, where: string, prefix: string): void {
  const unknown = Object.keys(object).find((key) => !allowed.has(key))
  if (unknown !== undefined) {
    throw new Rejected('ErrCodeInvalidRequestArgument', `${where}: unknown field "${prefix}${unknown}"`)
  }
}

function requireString(record: Json, field: string, where: string): string {
  const value = record[field]
  if (absent(value)) missing(where, field)
  if (typeof value !== 'string') badFormat(where, field, 'must be a string')
  if (isBlank(value)) missing(where, field, 'is empty')
  return value
}

function checkCreatedAt(value: unknown, where: string, nowSeconds: number, acceptMilliseconds = true): number {
  if (absent(value)) missing(where, 'createdAt')
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    badFormat(where, 'createdAt', `must be an integer (Unix epoch seconds), got ${JSON.stringify(value)}`)
  }
  // 13 digits are milliseconds, which the docs say feedback converts; for users they say nothing (then 13 digits are
  // simply far in the future).
  const seconds = acceptMilliseconds && value >= 1e12 && value < 1e13 ? Math.floor(value / 1000) : value
  if (seconds < MIN_CREATED_AT) badFormat(where, 'createdAt', `is before 2000-01-01 (${seconds})`)
  if (seconds > nowSeconds) badFormat(where, 'createdAt', `is in the future (${seconds} > ${nowSeconds})`)
  return seconds
}

function metadataFieldMap(metadata: unknown, where: string, nesting: MetadataNesting): [Json, string] {
  if (absent(metadata)) missing(where, 'metadata')
  if (!isObject(metadata)) badFormat(where, 'metadata', 'must be an object')
  if (nesting === 'flat') return [metadata, 'metadata']
  // A flat map sent to a nested endpoint is always an error, strict or not: otherwise it would vanish unnoticed.
  const stray = Object.keys(metadata).find((key) => key !== 'metadata')
  if (stray !== undefined) badFormat(where, `metadata.${stray}`, 'is misplaced: fields belong in metadata.metadata')
  const inner = metadata.metadata
  if (inner === undefined) return [{}, 'metadata.metadata']
  if (!isObject(inner)) badFormat(where, 'metadata.metadata', 'must be an object')
  return [inner, 'metadata.metadata']
}

function metadataFieldType(value: unknown, where: string, path: string): MetadataType {
  if (!isObject(value) || Object.keys(value).length !== 1 || !isObject(value.array)) {
    badFormat(where, path, 'must be {"array": {"s"|"n"|"b": [...]}}')
  }
  const typed = value.array as Json
  const keys = Object.keys(typed)
  const type = keys[0]
  if (keys.length !== 1 || (type !== 's' && type !== 'n' && type !== 'b')) {
    badFormat(where, `${path}.array`, `must hold exactly one of "s", "n", "b", got ${JSON.stringify(keys)}`)
  }
  const elements = typed[type]
  if (!Array.isArray(elements) || !elements.every((element) => ELEMENT_CHECKS[type](element))) {
    badFormat(where, `${path}.array.${type}`, `must be an array of ${TYPE_NAMES[type]}`)
  }
  return type
}

/** Types a map of typed arrays (record metadata, user attributes); a key keeps the type it was first received with. */
function checkTypedFields(
  fields: Json,
  where: string,
  prefix: string,
  knownTypes: ReadonlyMap<string, MetadataType>,
  batchTypes: ReadonlyMap<string, MetadataType>,
): Map<string, MetadataType> {
  const types = new Map<string, MetadataType>()
  for (const [key, value] of Object.entries(fields)) {
    const path = `${prefix}.${key}`
    if (isBlank(key)) badFormat(where, path, 'has an empty key')
    const type = metadataFieldType(value, where, path)
    const earlier = knownTypes.get(key) ?? batchTypes.get(key)
    if (earlier !== undefined && earlier !== type) {
      badFormat(
        where,
        path,
        `is type "${type}" but key "${key}" was already received as "${earlier}"; a key keeps one type`,
      )
    }
    types.set(key, type)
  }
  return types
}

function checkMetadata(
  metadata: unknown,
  where: string,
  context: ValidationContext,
  batchTypes: ReadonlyMap<string, MetadataType>,
): Map<string, MetadataType> {
  const [fields, prefix] = metadataFieldMap(metadata, where, context.metadataNesting)
  return checkTypedFields(fields, where, prefix, context.knownTypes, batchTypes)
}

/** Returns a drop reason when legacy mode swallows an empty message instead of rejecting it. */
function checkConversation(record: Json, where: string, context: ValidationContext): string | undefined {
  const conversation = record.conversation
  if (absent(conversation)) missing(where, 'conversation.msgs')
  if (!isObject(conversation)) badFormat(where, 'conversation', 'must be an object')
  if (context.strict) rejectUnknown(conversation, CONVERSATION_FIELDS, where, 'conversation.')
  const msgs = conversation.msgs
  if (absent(msgs)) missing(where, 'conversation.msgs')
  if (!Array.isArray(msgs)) badFormat(where, 'conversation.msgs', 'must be an array')
  if (msgs.length === 0) missing(where, 'conversation.msgs', 'is empty (at least one message is required)')
  let dropReason: string | undefined
  for (const [index, msg] of msgs.entries()) {
    const path = `conversation.msgs[${index}]`
    if (!isObject(msg)) badFormat(where, path, 'must be an object')
    if (context.strict) rejectUnknown(msg, MESSAGE_FIELDS, where, `${path}.`)
    if (absent(msg.actor)) missing(where, `${path}.actor`)
    if (!ACTORS.includes(msg.actor as Actor)) {
      badFormat(where, `${path}.actor`, `must be one of ${ACTORS.join(', ')}, got ${JSON.stringify(msg.actor)}`)
    }
    if (absent(msg.text)) missing(where, `${path}.text`)
    if (typeof msg.text !== 'string') badFormat(where, `${path}.text`, 'must be a string')
    if (isBlank(msg.text)) {
      if (!context.legacy) missing(where, `${path}.text`, 'is empty')
      dropReason ??= `${path}.text is empty`
    }
  }
  return dropReason
}

// SURVEY and AUDIO_RECORDING are known only second-hand and unused by this project: shallow checks only.
function checkSurvey(record: Json, where: string): void {
  const survey = record.surveyResponse
  if (!isObject(survey) || !Array.isArray(survey.responses) || survey.responses.length === 0) {
    missing(where, 'surveyResponse.responses', 'must be a non-empty array')
  }
  for (const [index, response] of survey.responses.entries()) {
    const path = `surveyResponse.responses[${index}]`
    if (!isObject(response)) badFormat(where, path, 'must be an object')
    if (!absent(response.answer) && (typeof response.question !== 'string' || isBlank(response.question))) {
      missing(where, `${path}.question`, 'is required when an answer is given')
    }
  }
}

function checkAudio(record: Json, where: string): void {
  const audio = record.audioRecording
  if (!isObject(audio)) missing(where, 'audioRecording.audioURL')
  const url = requireString(audio, 'audioURL', where)
  if (!/^https?:\/\//.test(url)) badFormat(where, 'audioRecording.audioURL', 'must be an http(s) URL')
}

function checkRecord(
  raw: unknown,
  index: number,
  context: ValidationContext,
  batchTypes: ReadonlyMap<string, MetadataType>,
): ValidRecord {
  if (!isObject(raw)) throw new Rejected('ErrCodeInvalidRequestArgument', `records[${index}]: must be an object`)
  const id = requireString(raw, 'id', `records[${index}]`)
  const where = `record "${id}" (records[${index}])`
  if (context.strict) rejectUnknown(raw, RECORD_FIELDS, where, '')
  requireString(raw, 'fileID', where)
  if (absent(raw.type)) missing(where, 'type')
  if (!RECORD_TYPES.includes(raw.type as RecordType)) {
    badFormat(where, 'type', `must be one of ${RECORD_TYPES.join(', ')}, got ${JSON.stringify(raw.type)}`)
  }
  const type = raw.type as RecordType
  const createdAt = checkCreatedAt(raw.createdAt, where, context.nowSeconds)
  const metadataTypes = checkMetadata(raw.metadata, where, context, batchTypes)
  let dropReason: string | undefined
  if (THREADED_TYPES.has(type)) dropReason = checkConversation(raw, where, context)
  else if (type === 'REVIEW') requireString(raw, 'text', where)
  else if (type === 'SURVEY') checkSurvey(raw, where)
  else checkAudio(raw, where)
  if (context.poisonIds.has(id)) badFormat(where, 'id', 'was rejected (poisoned id)')
  const record = {...raw, createdAt} as EnterpretRecord
  return dropReason === undefined ? {metadataTypes, record} : {dropReason, metadataTypes, record}
}

/** The body's one array: `records` of the feedback webhook, `users` of the Users webhook. */
function parseEnvelope(text: string, envelope: 'records' | 'users', strict: boolean): unknown[] {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw new Rejected('ErrCodeInvalidRequestArgument', `request body is not valid JSON: ${(error as Error).message}`)
  }
  if (!isObject(body)) throw new Rejected('ErrCodeInvalidRequestArgument', 'request body must be a JSON object')
  const items = body[envelope]
  if (absent(items)) missing('request', envelope)
  if (!Array.isArray(items)) throw new Rejected('ErrCodeInvalidRequestArgument', `field "${envelope}" must be an array`)
  if (strict) rejectUnknown(body, new Set([envelope]), 'request', '')
  return items
}

function checkRecords(records: unknown[], context: ValidationContext): ValidRecord[] {
  if (records.length === 0) missing('request', 'records', 'is empty')
  if (records.length > context.maxRecords) {
    throw new Rejected(
      'ErrCodeExceededBatchLimit',
      `batch has ${records.length} records; the limit is ${context.maxRecords}`,
    )
  }
  // Types declared earlier in the same batch bind later records, as they would once stored.
  const batchTypes = new Map<string, MetadataType>()
  return records.map((raw, index) => {
    const checked = checkRecord(raw, index, context, batchTypes)
    if (checked.dropReason === undefined) for (const [key, type] of checked.metadataTypes) batchTypes.set(key, type)
    return checked
  })
}

/**
 * Validates a whole request body. Any invalid record rejects the batch: the docs do not say whether a 400
 * is per batch or per record, and the reference assumes the conservative reading (whole batch).
 */
export function validateBatch(text: string, context: ValidationContext): BatchResult {
  let recordCount: number | null = null
  try {
    const records = parseEnvelope(text, 'records', context.strict)
    recordCount = records.length
    return {ok: true, recordCount, records: checkRecords(records, context)}
  } catch (error) {
    if (!(error instanceof Rejected)) throw error
    return {ok: false, recordCount, rejection: {code: error.code, msg: error.message}}
  }
}

/** A user as the fake stores it: what the client sent. */
export interface EnterpretUser {
  [field: string]: unknown
  id: string
  createdAt: number
  attributes: Record<string, unknown>
}

export interface UserValidationContext {
  strict: boolean
  maxUsers: number
  poisonIds: ReadonlySet<string>
  nowSeconds: number
  /** Types of every attribute key accepted so far (users only; feedback metadata keeps its own). */
  knownTypes: ReadonlyMap<string, MetadataType>
}

export interface ValidUser {
  user: EnterpretUser
  attributeTypes: Map<string, MetadataType>
}

export type UserBatchResult =
  {ok: true; userCount: number; users: ValidUser[]} | {ok: false; userCount: number | null; rejection: Rejection}

const USER_FIELDS = new Set(['attributes', 'createdAt', 'id'])

// The fake's choices, the docs being second-hand here (§1.6): attributes are required (`{}` when there are none) and
// typed as record metadata is, in a flat map; createdAt is epoch seconds only.
function checkUser(
  raw: unknown,
  index: number,
  context: UserValidationContext,
  batchTypes: ReadonlyMap<string, MetadataType>,
): ValidUser {
  if (!isObject(raw)) throw new Rejected('ErrCodeInvalidRequestArgument', `users[${index}]: must be an object`)
  const id = requireString(raw, 'id', `users[${index}]`)
  const where = `user "${id}" (users[${index}])`
  if (context.strict) rejectUnknown(raw, USER_FIELDS, where, '')
  const createdAt = checkCreatedAt(raw.createdAt, where, context.nowSeconds, false)
  if (absent(raw.attributes)) missing(where, 'attributes')
  if (!isObject(raw.attributes)) badFormat(where, 'attributes', 'must be an object')
  const attributeTypes = checkTypedFields(raw.attributes, where, 'attributes', context.knownTypes, batchTypes)
  if (context.poisonIds.has(id)) badFormat(where, 'id', 'was rejected (poisoned id)')
  return {attributeTypes, user: {...raw, attributes: raw.attributes, createdAt, id}}
}

function checkUsers(users: unknown[], context: UserValidationContext): ValidUser[] {
  if (users.length === 0) missing('request', 'users', 'is empty')
  if (users.length > context.maxUsers) {
    throw new Rejected('ErrCodeExceededBatchLimit', `batch has ${users.length} users; the limit is ${context.maxUsers}`)
  }
  const batchTypes = new Map<string, MetadataType>()
  return users.map((raw, index) => {
    const checked = checkUser(raw, index, context, batchTypes)
    for (const [key, type] of checked.attributeTypes) batchTypes.set(key, type)
    return checked
  })
}

/** Validates a whole Users webhook body; like feedback, one invalid user rejects the batch. */
export function validateUsers(text: string, context: UserValidationContext): UserBatchResult {
  let userCount: number | null = null
  try {
    const users = parseEnvelope(text, 'users', context.strict)
    userCount = users.length
    return {ok: true, userCount, users: checkUsers(users, context)}
  } catch (error) {
    if (!(error instanceof Rejected)) throw error
    return {ok: false, rejection: {code: error.code, msg: error.message}, userCount}
  }
}
