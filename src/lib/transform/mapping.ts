import type {MetadataFields} from '../enterpret/schema.js'
import type {MetadataType} from './metadata.js'

/*
 * The mapping file's say over a record, as the pure transform takes it: fixed metadata keys renamed or dropped,
 * constant fields, custom attributes keyed by their Gladly name and typed, the record id prefix. Read, checked and
 * compiled from the file by src/lib/mapping.
 */

/** The record id of a conversation is this prefix and its id, unless the mapping file chooses another prefix. */
export const DEFAULT_RECORD_ID_PREFIX = 'gladly_'

/** What Gladly says of a custom attribute (GET /custom-attributes/{id}); both optional in the spec. */
export interface CustomAttributeName {
  readonly key?: string
  readonly label?: string
}

/** Where a custom attribute goes: a metadata key and its type, or nowhere. */
export type CustomAttributeTarget = {readonly key: string; readonly type: MetadataType} | 'drop'

export interface MetadataMapping {
  /** Fixed key → the key it is sent under. */
  readonly rename: ReadonlyMap<string, string>
  /** Fixed keys never sent. */
  readonly drop: ReadonlySet<string>
  /** Added to every record, typed. */
  readonly constants: MetadataFields
  /** By a custom attribute's id, or its Gladly key or label lower-cased. */
  readonly customAttributes: ReadonlyMap<string, CustomAttributeTarget>
  /**
   * The custom attributes not named: `id` keeps `custom_<id>` (as without a mapping file), `name` sends them as
   * `custom_<slug of their Gladly key>`, `drop` leaves them out.
   */
  readonly otherCustomAttributes: 'id' | 'name' | 'drop'
}

/** The key a fixed key is sent under, or undefined when it is dropped. */
export function mappedKey(key: string, mapping: MetadataMapping | undefined): string | undefined {
  if (mapping === undefined) return key
  return mapping.drop.has(key) ? undefined : (mapping.rename.get(key) ?? key)
}

/** The explicit target of a custom attribute: by id, then by its Gladly key, then by its label. */
export function namedTarget(
  id: string,
  name: CustomAttributeName | undefined,
  mapping: MetadataMapping,
): CustomAttributeTarget | undefined {
  for (const candidate of [id, id.toLowerCase(), name?.key?.toLowerCase(), name?.label?.toLowerCase()]) {
    const target = candidate === undefined ? undefined : mapping.customAttributes.get(candidate)
    if (target !== undefined) return target
  }
  return undefined
}
