import {createHash} from 'node:crypto'
import type {UserAttributeGroup} from '../config/index.js'
import type {MetadataFields, UserRecord} from '../enterpret/schema.js'
import {slug, typedArray} from './metadata.js'
import {createdAtSeconds} from './record.js'
import type {CustomerSummary} from './types.js'

/*
 * A Gladly customer → one Enterpret user (the Users webhook). Its id is the identifier the conversation records carry
 * in their metadata, so that Enterpret can link the two; its attributes are typed like record metadata, every key a
 * string list, so that no key ever changes type.
 */

export interface UserOptions {
  /** ENTERPRET_USERS_ID: the records' `gladly_customer_id`, or the primary email (first of `customer_email`). */
  readonly idField: 'customer_id' | 'email'
  /** ENTERPRET_USERS_ATTRIBUTES: what of the profile may leave. */
  readonly attributes: readonly UserAttributeGroup[]
  readonly now: Date
}

export interface UserInput {
  /** The conversation's customer id: what its record carries as `gladly_customer_id`. */
  readonly customerId: string
  readonly customer: CustomerSummary
  /** The conversation's createdAt: the earliest sign of the customer when the profile has no creation time. */
  readonly conversationCreatedAt: string
  /** The createdAt this user was first sent with (epoch seconds), which a later update keeps. */
  readonly sentCreatedAt?: number
}

export type UserResult =
  | {readonly _tag: 'User'; readonly user: UserRecord; readonly fingerprint: string}
  | {readonly _tag: 'NoUser'; readonly reason: string}

const text = (value: string | undefined): string | undefined => (value?.trim() ? value.trim() : undefined)
const strings = (...values: ReadonlyArray<string | undefined>): string[] =>
  values.flatMap((value) => (text(value) === undefined ? [] : [text(value) as string]))

/** A custom attribute's value as strings: Gladly's profile definition may hold numbers, lists or objects. */
function customValues(value: unknown): string[] {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) return value.flatMap(customValues)
  if (typeof value === 'object') return [JSON.stringify(value)]
  return strings(String(value))
}

function attributesOf(input: UserInput, groups: ReadonlySet<UserAttributeGroup>): MetadataFields {
  const {customer} = input
  const lists: Array<[string, string[]]> = [['gladly_customer_id', [input.customerId]]]
  if (groups.has('name')) lists.push(['name', strings(customer.name)])
  if (groups.has('email')) lists.push(['email', strings(customer.emails[0])])
  if (groups.has('phone')) lists.push(['phone', strings(customer.phones?.[0])])
  if (groups.has('address')) lists.push(['address', strings(customer.address)])
  if (groups.has('external_ids')) {
    lists.push(['external_customer_id', strings(customer.externalCustomerId)])
    for (const [key, value] of Object.entries(customer.externalCustomerIds ?? {}))
      if (slug(key, false) !== '') lists.push([`external_id_${slug(key, false)}`, strings(value)])
  }
  if (groups.has('custom'))
    for (const [key, value] of Object.entries(customer.customAttributes ?? {}))
      if (slug(key) !== '') lists.push([`custom_${slug(key)}`, customValues(value)])
  const fields: MetadataFields = {}
  for (const [key, values] of lists) if (values.length > 0) fields[key] = typedArray('s', values)
  return fields
}

/** Same user, same fingerprint: its id and attributes (createdAt never changes what Enterpret has). */
function fingerprintOf(user: UserRecord): string {
  return createHash('sha256')
    .update(JSON.stringify([user.id, user.attributes]))
    .digest('base64url')
    .slice(0, 22)
}

/**
 * When the user was created, in epoch seconds: the profile's createdAt (the API has it), else what it was first
 * sent with, else its conversation's start (customers.jsonl has no creation time; the customer existed by then).
 */
function userCreatedAt(input: UserInput, now: Date): number | undefined {
  const fromProfile =
    input.customer.createdAt === undefined ? undefined : createdAtSeconds(input.customer.createdAt, now)
  if (fromProfile?._tag === 'Ok') return fromProfile.seconds
  if (input.sentCreatedAt !== undefined) return input.sentCreatedAt
  const fromConversation = createdAtSeconds(input.conversationCreatedAt, now)
  return fromConversation._tag === 'Ok' ? fromConversation.seconds : undefined
}

export function toEnterpretUser(input: UserInput, options: UserOptions): UserResult {
  const id = options.idField === 'email' ? text(input.customer.emails[0]) : input.customerId
  if (id === undefined)
    return {_tag: 'NoUser', reason: 'the customer has no email address to identify them by (ENTERPRET_USERS_ID=email)'}
  const createdAt = userCreatedAt(input, options.now)
  if (createdAt === undefined)
    return {_tag: 'NoUser', reason: 'neither the profile nor the conversation has a creation time Enterpret accepts'}
  const user: UserRecord = {id, createdAt, attributes: attributesOf(input, new Set(options.attributes))}
  return {_tag: 'User', user, fingerprint: fingerprintOf(user)}
}
