import * as E from 'fp-ts/lib/Either.js'
import {pipe} from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import {readFileSync} from 'node:fs'
import {extname, resolve} from 'node:path'
import {parse as parseYaml, YAMLParseError} from 'yaml'
import {decode, ExitCode, type AppError} from '../common/index.js'
import {
  DEFAULT_RECORD_ID_PREFIX,
  METADATA_FIELD_TYPES,
  type CustomAttributeTarget,
  type MetadataMapping,
  type MetadataType,
} from '../transform/index.js'
import type {MetadataFields, MetadataValue} from '../enterpret/index.js'

/*
 * The field-mapping file (IMPORT_MAPPING_FILE): YAML or JSON, checked with io-ts, every problem reported with its
 * path inside the file. README § The mapping file shows a full example.
 */

/** A codec of an object that refuses keys it does not know (a typo would otherwise be ignored silently). */
function closed<P extends t.Props>(name: string, props: P): t.Type<Partial<t.TypeOf<t.TypeC<P>>>, unknown, unknown> {
  const partial = t.partial(props)
  const known = Object.keys(props)
  return new t.Type<Partial<t.TypeOf<t.TypeC<P>>>, unknown, unknown>(
    name,
    (u): u is Partial<t.TypeOf<t.TypeC<P>>> => partial.is(u),
    (u, context) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, context)
      const unknownKey = Object.keys(u).find((key) => !known.includes(key))
      if (unknownKey !== undefined) {
        // Reads: "metadata.renam must be left out: metadata has only rename, drop, constants".
        return t.failure((u as Record<string, unknown>)[unknownKey], [
          ...context,
          {key: unknownKey, type: expected(`left out: ${name} has only ${known.join(', ')}`), actual: u},
        ])
      }
      return partial.validate(u, context) as t.Validation<Partial<t.TypeOf<t.TypeC<P>>>>
    },
    t.identity,
  )
}

/** A type that only names what was expected, for a failure at a path (a key of a map, a key not allowed). */
function expected(name: string): t.Decoder<unknown, never> & {name: string} {
  return new t.Type<never>(name, (_): _ is never => false, t.failure, t.identity)
}

/** A map whose keys must each pass `isKey` (reported at the key's own path) and whose values are `value`. */
function mapOf<V extends t.Mixed>(keyName: string, isKey: (key: string) => boolean, value: V) {
  const record = t.record(t.string, value)
  return new t.Type<Record<string, t.TypeOf<V>>, unknown, unknown>(
    `a map of ${keyName} to ${value.name}`,
    (u): u is Record<string, t.TypeOf<V>> => record.is(u),
    (u, context) => {
      if (typeof u === 'object' && u !== null && !Array.isArray(u)) {
        const badKey = Object.keys(u).find((key) => !isKey(key))
        if (badKey !== undefined)
          return t.failure(badKey, [...context, {key: badKey, type: expected(keyName), actual: u}])
      }
      return record.validate(u, context)
    },
    t.identity,
  )
}

const KEY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/
const MetadataKey = t.refinement(
  t.string,
  (key) => KEY_PATTERN.test(key),
  'a metadata key (lower-case letters, digits and _, starting with a letter, at most 64)',
)
const FIXED_KEYS = Object.keys(METADATA_FIELD_TYPES)
const FIXED_KEY_NAME = `one of the record's metadata keys (${FIXED_KEYS.join(', ')})`
const FixedKey = t.keyof(
  Object.fromEntries(FIXED_KEYS.map((key) => [key, null])) as Record<keyof typeof METADATA_FIELD_TYPES, null>,
  FIXED_KEY_NAME,
)
const TypeName = t.keyof({string: null, number: null, boolean: null}, 'string, number or boolean')
const TYPE_CODES: Record<t.TypeOf<typeof TypeName>, MetadataType> = {string: 's', number: 'n', boolean: 'b'}

/** A union reported as one expectation at its own path, rather than one per member and element. */
function oneOf<C extends t.Mixed>(union: C, name: string): t.Type<t.TypeOf<C>, unknown, unknown> {
  return new t.Type<t.TypeOf<C>, unknown, unknown>(
    name,
    union.is,
    (u, context) => (union.is(u) ? t.success(u) : t.failure(u, context)),
    t.identity,
  )
}

const Constant = oneOf(
  t.union([t.string, t.number, t.boolean, t.array(t.string), t.array(t.number), t.array(t.boolean)]),
  'a string, number or boolean, or a list of one of them',
)
const CustomTarget = t.union(
  [MetadataKey, closed('{key, type}', {key: MetadataKey, type: TypeName}), t.literal('drop')],
  "a metadata key, {key: …, type: string|number|boolean}, or 'drop'",
)
const Names = t.array(t.string, 'a list of names or ids')
const Lists = closed('{include, exclude}', {include: Names, exclude: Names})
const Pattern = new t.Type<RegExp, string, unknown>(
  'a regular expression that matches something (JavaScript syntax)',
  (u): u is RegExp => u instanceof RegExp,
  (u, context) => {
    if (typeof u !== 'string' || u === '') return t.failure(u, context)
    try {
      const pattern = new RegExp(u, 'g')
      // A pattern that matches nothing-at-all would mask the space between every two characters.
      return new RegExp(`^(?:${u})$`).test('') ? t.failure(u, context) : t.success(pattern)
    } catch (error) {
      return t.failure(u, context, `a regular expression (JavaScript syntax): ${(error as Error).message}`)
    }
  },
  (pattern) => pattern.source,
)
const WholeNumber = t.refinement(
  t.number,
  (n) => Number.isInteger(n) && n >= 0 && n <= 1000,
  'a whole number from 0 to 1000',
)
const IdPrefix = t.refinement(
  t.string,
  (prefix) => /^[A-Za-z0-9_.:-]{0,40}$/.test(prefix),
  'a record id prefix (letters, digits, _ . : -, at most 40)',
)
const NonEmpty = t.refinement(t.string, (text) => text.trim() !== '', 'a non-empty string')

const MappingFileCodec = closed('mapping file', {
  version: t.literal(1),
  record: closed('record', {idPrefix: IdPrefix, fileId: NonEmpty}),
  metadata: closed('metadata', {
    rename: mapOf(FIXED_KEY_NAME, (key) => FIXED_KEYS.includes(key), MetadataKey),
    drop: t.array(FixedKey),
    constants: mapOf(MetadataKey.name, (key) => KEY_PATTERN.test(key), Constant),
  }),
  customAttributes: closed('customAttributes', {
    byName: t.record(t.string, CustomTarget),
    others: t.keyof({id: null, name: null, drop: null}, 'id, name or drop'),
  }),
  filters: closed('filters', {
    inboxes: Lists,
    channels: Lists,
    topics: Lists,
    minCustomerMessages: WholeNumber,
  }),
  redact: closed('redact', {
    fields: t.array(MetadataKey),
    patterns: mapOf(MetadataKey.name, (key) => KEY_PATTERN.test(key), Pattern),
  }),
})
type MappingFileContent = t.TypeOf<typeof MappingFileCodec>

/** A list of the filters, with where it is in the file. */
interface FileList {
  readonly values: readonly string[]
  readonly where: string
}

/** What the file says, ready for the transform and the pipeline. */
export interface Mapping {
  /** The file, as an absolute path. */
  readonly path: string
  readonly metadata: MetadataMapping
  readonly recordIdPrefix: string
  readonly fileId?: string
  readonly filters: {
    readonly inboxes: {readonly include?: FileList; readonly exclude?: FileList}
    readonly channels: {readonly include?: FileList; readonly exclude?: FileList}
    readonly topics: {readonly include?: FileList; readonly exclude?: FileList}
    readonly minCustomerMessages?: number
  }
  readonly redact: {
    readonly fields: readonly string[]
    readonly patterns: ReadonlyArray<{readonly name: string; readonly pattern: RegExp}>
  }
  /** Whether custom attributes are keyed by name: their names must then be looked up in Gladly. */
  readonly needsAttributeNames: boolean
}

const mappingError = (message: string, suggestions?: string[]): AppError => ({
  _tag: 'ConfigError',
  exit: ExitCode.usage,
  message,
  ...(suggestions === undefined ? {} : {suggestions}),
})

function typed(value: t.TypeOf<typeof Constant>): MetadataValue {
  const list = Array.isArray(value) ? value : [value]
  const first = list[0]
  if (typeof first === 'number') return {array: {n: list as number[]}}
  if (typeof first === 'boolean') return {array: {b: list as boolean[]}}
  return {array: {s: list as string[]}}
}

/** Keys the mapping would send twice: one path of the file per clash, the first place each key is claimed named. */
function clashes(content: MappingFileContent, file: string): string[] {
  const claimed = new Map<string, string>()
  const problems: string[] = []
  const claim = (key: string, where: string) => {
    const before = claimed.get(key)
    if (before === undefined) claimed.set(key, where)
    else problems.push(`${where} in ${file} sends '${key}', which ${before} already sends`)
  }
  const rename = content.metadata?.rename ?? {}
  const drop = new Set(content.metadata?.drop ?? [])
  for (const key of Object.keys(METADATA_FIELD_TYPES)) {
    if (drop.has(key as never)) continue
    const target = rename[key]
    claim(target ?? key, target === undefined ? `the metadata key ${key}` : `metadata.rename.${key}`)
  }
  for (const [name, target] of Object.entries(content.customAttributes?.byName ?? {})) {
    if (target === 'drop') continue
    claim(typeof target === 'string' ? target : (target.key ?? ''), `customAttributes.byName.${name}`)
  }
  for (const key of Object.keys(content.metadata?.constants ?? {})) claim(key, `metadata.constants.${key}`)
  return problems
}

function compile(content: MappingFileContent, path: string): E.Either<AppError, Mapping> {
  const problems = clashes(content, path)
  for (const [name, target] of Object.entries(content.customAttributes?.byName ?? {}))
    if (typeof target === 'object' && target.key === undefined)
      problems.push(`customAttributes.byName.${name}.key in ${path} must be a metadata key, got nothing`)
  if (problems.length > 0) return E.left(mappingError(`${problems.join('; ')}.`))

  const customAttributes = new Map<string, CustomAttributeTarget>()
  for (const [name, target] of Object.entries(content.customAttributes?.byName ?? {})) {
    const resolved: CustomAttributeTarget =
      target === 'drop'
        ? 'drop'
        : typeof target === 'string'
          ? {key: target, type: 's'}
          : {key: target.key as string, type: TYPE_CODES[target.type ?? 'string']}
    // Ids are exact; names are matched without regard to case.
    customAttributes.set(name, resolved)
    customAttributes.set(name.trim().toLowerCase(), resolved)
  }
  const constants: MetadataFields = {}
  for (const [key, value] of Object.entries(content.metadata?.constants ?? {})) constants[key] = typed(value)
  const lists = (dimension: 'inboxes' | 'channels' | 'topics') => {
    const given = content.filters?.[dimension] ?? {}
    const side = (name: 'include' | 'exclude') =>
      given[name] === undefined ? {} : {[name]: {values: given[name], where: `filters.${dimension}.${name} in ${path}`}}
    return {...side('include'), ...side('exclude')}
  }
  const byName = content.customAttributes?.byName ?? {}
  return E.right({
    path,
    metadata: {
      rename: new Map(Object.entries(content.metadata?.rename ?? {})),
      drop: new Set(content.metadata?.drop ?? []),
      constants,
      customAttributes,
      otherCustomAttributes: content.customAttributes?.others ?? 'id',
    },
    recordIdPrefix: content.record?.idPrefix ?? DEFAULT_RECORD_ID_PREFIX,
    ...(content.record?.fileId === undefined ? {} : {fileId: content.record.fileId}),
    filters: {
      inboxes: lists('inboxes'),
      channels: lists('channels'),
      topics: lists('topics'),
      ...(content.filters?.minCustomerMessages === undefined
        ? {}
        : {minCustomerMessages: content.filters.minCustomerMessages}),
    },
    redact: {
      fields: content.redact?.fields ?? [],
      patterns: Object.entries(content.redact?.patterns ?? {}).map(([name, pattern]) => ({name, pattern})),
    },
    needsAttributeNames: Object.keys(byName).length > 0 || content.customAttributes?.others === 'name',
  })
}

function parseText(text: string, path: string): E.Either<AppError, unknown> {
  const json = extname(path).toLowerCase() === '.json'
  try {
    return E.right(json ? JSON.parse(text) : parseYaml(text, {prettyErrors: true}))
  } catch (error) {
    const detail =
      error instanceof YAMLParseError
        ? `line ${error.linePos?.[0].line ?? '?'}, column ${error.linePos?.[0].col ?? '?'}: ${error.message.split('\n')[0]}`
        : (error as Error).message
    return E.left(mappingError(`The mapping file ${path} is not valid ${json ? 'JSON' : 'YAML'} (${detail}).`))
  }
}

/**
 * Reads and checks the mapping file: YAML, or JSON when its name ends in .json. Every problem is one configuration
 * error (exit 2) naming the path inside the file, e.g. `metadata.rename.tags must be a metadata key …`.
 */
export function loadMappingFile(file: string, cwd: string): E.Either<AppError, Mapping> {
  const path = resolve(cwd, file)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return E.left(
      mappingError(`Cannot read the mapping file ${path} (${code ?? (error as Error).message}).`, [
        'Check IMPORT_MAPPING_FILE: a path to a YAML or JSON file, relative to the folder gladly-enterpret runs in.',
      ]),
    )
  }
  return pipe(
    parseText(text, path),
    E.chain((content) =>
      content === null || content === undefined
        ? E.left(mappingError(`The mapping file ${path} is empty.`))
        : E.right(content),
    ),
    E.chain((content) =>
      pipe(
        decode(MappingFileCodec, content, `The mapping file ${path}`),
        E.mapLeft((failure) => mappingError(`${failure.message}.`)),
      ),
    ),
    E.chain((content) => compile(content, path)),
  )
}
