import * as E from 'fp-ts/lib/Either.js'
import {distance} from 'fastest-levenshtein'
import {ExitCode, type AppError} from '../common/index.js'
import type {Settings} from '../config/index.js'
import {registerSecret} from '../log/index.js'
import {loadMappingFile, type Mapping} from '../mapping/index.js'
import {
  CHANNELS,
  createRedactor,
  mappedKeyTypes,
  type ConversationFilter,
  type IncludeExclude,
  type MetadataType,
  type Redactor,
} from '../transform/index.js'
import type {RunLookups} from './lookups.js'

/*
 * What shapes the records of a run (issue 17): the settings joined into the pure transform's configuration.
 */

const shapingError = (message: string, suggestions?: string[]): AppError => ({
  _tag: 'ConfigError',
  exit: ExitCode.usage,
  message,
  ...(suggestions === undefined ? {} : {suggestions}),
})

/** The mapping file, when IMPORT_MAPPING_FILE names one. */
export function mappingOf(settings: Settings): E.Either<AppError, Mapping | undefined> {
  const file = settings.values.IMPORT_MAPPING_FILE
  return file === undefined ? E.right(undefined) : loadMappingFile(file, process.cwd())
}

/**
 * REDACT_PII's redactor (REDACT_PII_FIELDS and the mapping file's fields, the file's patterns), or none when it is
 * off; `hash` without REDACT_PII_KEY is a configuration error.
 */
export function redactorOf(
  settings: Settings,
  mapping: Mapping | undefined,
  warn: (message: string) => void,
): E.Either<AppError, Redactor | undefined> {
  const {REDACT_PII: mode, REDACT_PII_KEY: key} = settings.values
  const fields = [...(settings.values.REDACT_PII_FIELDS ?? []), ...(mapping?.redact.fields ?? [])]
  const patterns = mapping?.redact.patterns ?? []
  if (mode === 'off') {
    if (fields.length > 0 || patterns.length > 0)
      warn(
        `REDACT_PII is off: ${mapping !== undefined && (mapping.redact.fields.length > 0 || patterns.length > 0) ? `the redact section of ${mapping.path}` : 'REDACT_PII_FIELDS'} is not applied. Set REDACT_PII=mask or hash to redact.`,
      )
    return E.right(undefined)
  }
  if (mode === 'hash' && key === undefined) {
    return E.left(
      shapingError('REDACT_PII=hash needs REDACT_PII_KEY, the key its tokens are made with; it is not set.', [
        'Set REDACT_PII_KEY in the environment or a .env file (chmod 600), or use REDACT_PII=mask.',
      ]),
    )
  }
  registerSecret(key)
  return E.right(createRedactor({mode, ...(key === undefined ? {} : {key}), fields, patterns}))
}

/** A list of names or ids as given, and where it was given, for messages (`IMPORT_EXCLUDE_INBOXES from .env`). */
interface GivenList {
  readonly values: readonly string[]
  readonly where: string
}

/** A dimension's lists, from the settings and the mapping file (each kept apart, for its messages; they add up). */
interface GivenLists {
  readonly include: readonly GivenList[]
  readonly exclude: readonly GivenList[]
}

/** The filters as given: names or ids, before they are checked against the organization. */
export interface FilterSpec {
  readonly inboxes: GivenLists
  readonly channels: GivenLists
  readonly topics: GivenLists
  readonly minCustomerMessages: number
}

interface Named {
  readonly id: string
  readonly name: string
}

// A name this close to one given (edits, or a third of its length for long names) is offered as a correction.
const NEAR_MISS_EDITS = 2
const MAX_SUGGESTIONS = 3

function closeMatches(given: string, names: readonly string[]): string[] {
  const wanted = given.toLowerCase()
  const allowed = Math.max(NEAR_MISS_EDITS, Math.floor(wanted.length / 3))
  return names
    .map((name) => ({name, edits: distance(wanted, name.toLowerCase())}))
    .filter(({edits}) => edits <= allowed)
    .sort((a, b) => a.edits - b.edits)
    .slice(0, MAX_SUGGESTIONS)
    .map(({name}) => name)
}

/** What is wrong with one name, with the close matches. */
function unknownName(kind: string, given: string, names: readonly string[]): string {
  const near = closeMatches(given, names)
  const hint = near.length === 0 ? '' : `; did you mean ${near.map((name) => `'${name}'`).join(' or ')}?`
  return `${kind} '${given}', which the organization does not have${hint}`
}

/** Ids by id or by name (case and surrounding spaces aside; a name several share gives each of them). */
function resolveNames(
  list: GivenList,
  kind: 'inbox' | 'topic',
  entries: Iterable<Named>,
): E.Either<string, ReadonlySet<string>> {
  const all = [...entries]
  const ids = new Set<string>()
  const problems: string[] = []
  for (const given of list.values) {
    const wanted = given.trim().toLowerCase()
    const matches = all.filter((entry) => entry.id === given || entry.name.trim().toLowerCase() === wanted)
    if (matches.length === 0)
      problems.push(
        unknownName(
          kind,
          given,
          all.map((entry) => entry.name),
        ),
      )
    for (const match of matches) ids.add(match.id)
  }
  return problems.length === 0 ? E.right(ids) : E.left(`${list.where} names ${problems.join(', and ')}.`)
}

function resolveChannels(list: GivenList): E.Either<string, ReadonlySet<string>> {
  const unknown = list.values.filter((value) => !CHANNELS.includes(value.trim().toLowerCase()))
  if (unknown.length === 0) return E.right(new Set(list.values.map((value) => value.trim().toLowerCase())))
  const named = unknown.map((value) => {
    const near = closeMatches(value, CHANNELS)
    return `'${value}'${near.length === 0 ? '' : ` (did you mean '${near[0]}'?)`}`
  })
  return E.left(`${list.where} names channel ${named.join(', ')}, which is not one of ${CHANNELS.join(', ')}.`)
}

function resolveLists(
  lists: GivenLists,
  resolve: (list: GivenList) => E.Either<string, ReadonlySet<string>>,
  problems: string[],
): IncludeExclude {
  const resolved: {include?: ReadonlySet<string>; exclude?: ReadonlySet<string>} = {}
  for (const side of ['include', 'exclude'] as const) {
    if (lists[side].length === 0) continue
    const ids = new Set<string>()
    for (const list of lists[side]) {
      const found = resolve(list)
      if (found._tag === 'Left') problems.push(found.left)
      else for (const id of found.right) ids.add(id)
    }
    resolved[side] = ids
  }
  return resolved
}

const hasLists = (lists: GivenLists) => lists.include.length > 0 || lists.exclude.length > 0

/**
 * The filters, their names checked against the organization's inboxes and topics (and the known channels): one
 * that names something the organization does not have is a configuration error listing the close matches.
 * Undefined when there is nothing to filter.
 */
export function resolveFilter(
  spec: FilterSpec,
  lookups: Pick<RunLookups, 'inboxes' | 'topics'>,
): E.Either<AppError, ConversationFilter | undefined> {
  if (![spec.inboxes, spec.channels, spec.topics].some(hasLists) && spec.minCustomerMessages === 0)
    return E.right(undefined)
  const problems: string[] = []
  const filter: ConversationFilter = {
    inboxes: resolveLists(spec.inboxes, (list) => resolveNames(list, 'inbox', lookups.inboxes.values()), problems),
    channels: resolveLists(spec.channels, resolveChannels, problems),
    topics: resolveLists(spec.topics, (list) => resolveNames(list, 'topic', lookups.topics.values()), problems),
    minCustomerMessages: spec.minCustomerMessages,
  }
  return problems.length === 0 ? E.right(filter) : E.left(shapingError(problems.join(' ')))
}

/** The filters the settings and the mapping file give. */
export function filterSpecOf(settings: Settings, mapping: Mapping | undefined): FilterSpec {
  const list = (name: ListSettingName): GivenList[] => {
    const values = settings.values[name]
    const origin = settings.origins[name]
    return values === undefined ? [] : [{values, where: `${name} from ${origin?.where ?? 'the settings'}`}]
  }
  const fromFile = (dimension: 'inboxes' | 'channels' | 'topics', side: 'include' | 'exclude'): GivenList[] => {
    const given = mapping?.filters[dimension][side]
    return given === undefined ? [] : [given]
  }
  const lists = (
    dimension: 'inboxes' | 'channels' | 'topics',
    include: ListSettingName,
    exclude: ListSettingName,
  ): GivenLists => ({
    include: [...list(include), ...fromFile(dimension, 'include')],
    exclude: [...list(exclude), ...fromFile(dimension, 'exclude')],
  })
  return {
    inboxes: lists('inboxes', 'IMPORT_INCLUDE_INBOXES', 'IMPORT_EXCLUDE_INBOXES'),
    channels: lists('channels', 'IMPORT_INCLUDE_CHANNELS', 'IMPORT_EXCLUDE_CHANNELS'),
    topics: lists('topics', 'IMPORT_INCLUDE_TOPICS', 'IMPORT_EXCLUDE_TOPICS'),
    // The larger of the two minimums: each asks that fewer be sent.
    minCustomerMessages: Math.max(
      settings.values.IMPORT_MIN_CUSTOMER_MESSAGES,
      mapping?.filters.minCustomerMessages ?? 0,
    ),
  }
}

const TYPE_WORDS = {s: 'strings', n: 'numbers', b: 'booleans'} as const

/**
 * Enterpret gives a metadata key one type for good: a mapping that would send a key already sent with another type
 * is refused before anything is sent (the key's records would all be rejected).
 */
export function checkKeyTypes(
  mapping: Mapping | undefined,
  sentBefore: Readonly<Record<string, MetadataType>>,
): E.Either<AppError, void> {
  const changed = [...mappedKeyTypes(mapping?.metadata)].flatMap(([key, type]) => {
    const before = sentBefore[key]
    return before === undefined || before === type
      ? []
      : [`'${key}' as ${TYPE_WORDS[type]}, but earlier records sent it as ${TYPE_WORDS[before]}`]
  })
  if (changed.length === 0) return E.right(undefined)
  return E.left(
    shapingError(
      `The mapping ${mapping === undefined ? '(none: the default keys)' : `file ${mapping.path}`} would send ${changed.join('; ')}. Enterpret rejects a metadata key that changes type.`,
      ['Send the new type under a new key (rename it in the mapping file), or keep the type it had.'],
    ),
  )
}

type ListSettingName =
  | 'IMPORT_INCLUDE_INBOXES'
  | 'IMPORT_EXCLUDE_INBOXES'
  | 'IMPORT_INCLUDE_CHANNELS'
  | 'IMPORT_EXCLUDE_CHANNELS'
  | 'IMPORT_INCLUDE_TOPICS'
  | 'IMPORT_EXCLUDE_TOPICS'
