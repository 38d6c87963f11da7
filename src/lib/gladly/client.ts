import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type * as t from 'io-ts'
import {checkOrDecode, decode, ExitCode} from '../common/index.js'
import {
  AgentList,
  Conversation,
  ConversationList,
  CustomAttribute,
  CustomerProfile,
  ExportJobList,
  GladlyErrorBody,
  InboxList,
  MovedCustomerBody,
  Organization,
  TopicList,
  ConversationItem,
  usableJob,
  type ExportJob,
} from './codecs.js'
import {wrongUrl, type GladlyError} from './errors.js'
import type {GladlyHttp, GladlyResponse} from './http.js'
import {compareTimestamps} from './time.js'

function decodeError(path: string, message: string): GladlyError {
  return {_tag: 'GladlyDecodeError', path, exit: ExitCode.failure, message}
}

function parseJson(response: GladlyResponse, label: string): E.Either<GladlyError, unknown> {
  try {
    return E.right(JSON.parse(response.body))
  } catch {
    return E.left(decodeError(label, `Gladly's answer to GET ${label} is not JSON.`))
  }
}

function parseBody<A>(
  codec: t.Type<A, unknown, unknown>,
  response: GladlyResponse,
  label: string,
): E.Either<GladlyError, A> {
  return pipe(
    parseJson(response, label),
    E.chain((json) =>
      pipe(
        decode(codec, json, `Gladly's answer to GET ${label}`),
        E.mapLeft((failure) => decodeError(label, failure.message)),
      ),
    ),
  )
}

function unexpected(response: GladlyResponse, label: string): GladlyError {
  const detail = pipe(
    parseJson(response, label),
    E.chainW((json) => GladlyErrorBody.decode(json)),
    E.map((body) =>
      body.errors.map((error) => [error.attr, error.code, error.detail].filter(Boolean).join(' ')).join('; '),
    ),
    E.getOrElse(() => ''),
  )
  return {
    _tag: 'GladlyHttpError',
    status: response.status,
    path: label,
    exit: ExitCode.failure,
    message: `Gladly answered ${response.status} to GET ${label}${detail ? `: ${detail}` : ''}.`,
  }
}

function getOk<A>(
  http: GladlyHttp,
  path: string,
  codec: t.Type<A, unknown, unknown>,
  searchParams?: Record<string, string>,
): TE.TaskEither<GladlyError, A> {
  return pipe(
    http.get(path, searchParams),
    TE.chainEitherK((response) =>
      response.status === 200 ? parseBody(codec, response, path) : E.left(unexpected(response, path)),
    ),
  )
}

/** `GET /organization`: the cheapest call that proves URL, username, token and permission are right. */
export function getOrganization(http: GladlyHttp): TE.TaskEither<GladlyError, Organization> {
  return pipe(
    http.get('/organization'),
    TE.chainEitherK((response) =>
      response.status === 404
        ? E.left(wrongUrl(http.origin))
        : response.status === 200
          ? parseBody(Organization, response, '/organization')
          : E.left(unexpected(response, '/organization')),
    ),
  )
}

/**
 * `GET /custom-attributes/{id}` (getCustomAttribute): its key and label, to key a conversation's attribute by name
 * (Gladly has no list of them). Undefined when Gladly no longer has it (404).
 */
export function getCustomAttribute(
  http: GladlyHttp,
  id: string,
): TE.TaskEither<GladlyError, CustomAttribute | undefined> {
  const path = `/custom-attributes/${encodeURIComponent(id)}`
  return pipe(
    http.get(path),
    TE.chainEitherK((response) =>
      response.status === 404
        ? E.right(undefined)
        : response.status === 200
          ? parseBody(CustomAttribute, response, path)
          : E.left(unexpected(response, path)),
    ),
  )
}

export const getAgents = (http: GladlyHttp) => getOk(http, '/agents', AgentList)
export const getTopics = (http: GladlyHttp) => getOk(http, '/topics', TopicList)
export const getInboxes = (http: GladlyHttp) => getOk(http, '/inboxes', InboxList)

/** Oldest first by `updatedAt`, then id: the order the watermark advances in (Gladly documents no order). */
function sortJobs(jobs: readonly ExportJob[]): ExportJob[] {
  return [...jobs].sort(
    (a, b) => compareTimestamps(a.updatedAt, b.updatedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  )
}

export interface CompletedJobs {
  /** Oldest first. */
  readonly jobs: ExportJob[]
  /** One line per listed COMPLETED job that lacks what an import needs: it cannot be read and is skipped. */
  readonly unusable: readonly string[]
}

/** `GET /export/jobs?status=COMPLETED&startAt=…`: jobs updated in the window, oldest first. */
export function listCompletedJobs(
  http: GladlyHttp,
  window: {readonly startAt: Date; readonly endAt?: Date},
): TE.TaskEither<GladlyError, CompletedJobs> {
  const searchParams: Record<string, string> = {status: 'COMPLETED', startAt: window.startAt.toISOString()}
  if (window.endAt) searchParams.endAt = window.endAt.toISOString()
  return pipe(
    getOk(http, '/export/jobs', ExportJobList, searchParams),
    TE.map((listings) => {
      const jobs: ExportJob[] = []
      const unusable: string[] = []
      for (const listing of listings) {
        // Asked for COMPLETED only: a job without a status is taken at Gladly's word, one with another is not ours.
        if (listing.status !== undefined && listing.status !== 'COMPLETED') continue
        const usable = usableJob({...listing, status: listing.status ?? 'COMPLETED'})
        if (usable._tag === 'Usable') jobs.push(usable.job)
        else
          unusable.push(
            `Gladly listed a completed export job${listing.id === undefined ? '' : ` (${listing.id})`} without ${usable.missing.join(', ')}: it cannot be read and is skipped. Ask Gladly Support about it if conversations of that period are missing.`,
          )
      }
      return {jobs: sortJobs(jobs), unusable}
    }),
  )
}

export type ConversationLookup =
  {readonly _tag: 'Found'; readonly conversation: Conversation} | {readonly _tag: 'Vanished'}

/**
 * `GET /conversations/{id}`; a 404 means the conversation was merged away or deleted. An answer about another
 * conversation is an error of that one conversation, like an answer that does not decode.
 */
export function getConversation(http: GladlyHttp, id: string): TE.TaskEither<GladlyError, ConversationLookup> {
  const path = `/conversations/${encodeURIComponent(id)}`
  return pipe(
    http.get(path),
    TE.chainEitherK((response): E.Either<GladlyError, ConversationLookup> => {
      if (response.status === 404) return E.right({_tag: 'Vanished'})
      if (response.status !== 200) return E.left(unexpected(response, path))
      return pipe(
        parseBody(Conversation, response, path),
        E.chain((conversation) =>
          conversation.id === id
            ? E.right({_tag: 'Found' as const, conversation})
            : E.left(
                decodeError(
                  path,
                  `Gladly's answer to GET ${path} is conversation ${JSON.stringify(conversation.id)}, not the one asked for.`,
                ),
              ),
        ),
      )
    }),
  )
}

/** An item of a conversation's list that is not a valid item: left out, and reported with where it was. */
export interface UnreadableItem {
  /** Its place in Gladly's answer, from 0. */
  readonly index: number
  readonly itemId?: string
  readonly reason: string
}

export interface ItemsPage {
  readonly items: readonly ConversationItem[]
  readonly unreadable: readonly UnreadableItem[]
  /** Gladly returns at most 1000 items and says so in `Gladly-Limited-Data`. */
  readonly limited: boolean
}

// The header's value is undocumented; anything but absent or "false" is read as "cut".
function isLimited(value: string | string[] | undefined): boolean {
  const text = Array.isArray(value) ? value[0] : value
  return text !== undefined && text.trim().toLowerCase() !== 'false'
}

/** Each element decoded on its own, like the lines of an export file: one bad item does not cost the others. */
function decodeItemList(json: unknown, path: string): E.Either<GladlyError, Pick<ItemsPage, 'items' | 'unreadable'>> {
  if (!Array.isArray(json)) return E.left(decodeError(path, `Gladly's answer to GET ${path} is not a list of items.`))
  const items: ConversationItem[] = []
  const unreadable: UnreadableItem[] = []
  json.forEach((element: unknown, index) => {
    const decoded = checkOrDecode(ConversationItem, element, `item [${index}]`)
    if (decoded._tag === 'Right') {
      items.push(decoded.right)
      return
    }
    const itemId =
      typeof element === 'object' && element !== null && typeof (element as {id?: unknown}).id === 'string'
        ? (element as {id: string}).id
        : undefined
    unreadable.push({index, ...(itemId === undefined ? {} : {itemId}), reason: decoded.left.message})
  })
  return E.right({items, unreadable})
}

/** `GET /conversations/{id}/items`: every item, ascending, at most 1000. Undefined when the conversation is gone. */
export function getConversationItems(http: GladlyHttp, id: string): TE.TaskEither<GladlyError, ItemsPage | undefined> {
  const path = `/conversations/${encodeURIComponent(id)}/items`
  return pipe(
    http.get(path),
    TE.chainEitherK((response): E.Either<GladlyError, ItemsPage | undefined> => {
      if (response.status === 404) return E.right(undefined)
      if (response.status !== 200) return E.left(unexpected(response, path))
      return pipe(
        parseJson(response, path),
        E.chain((json) => decodeItemList(json, path)),
        E.map((page) => ({...page, limited: isLimited(response.headers['gladly-limited-data'])})),
      )
    }),
  )
}

/** `GET /customers/{id}/conversations`: at most 100, oldest first; undefined when the customer is gone. */
export function getCustomerConversations(
  http: GladlyHttp,
  customerId: string,
): TE.TaskEither<GladlyError, readonly Conversation[] | undefined> {
  const path = `/customers/${encodeURIComponent(customerId)}/conversations`
  return pipe(
    http.get(path),
    TE.chainEitherK((response) =>
      response.status === 404 || response.status === 301
        ? E.right(undefined)
        : response.status === 200
          ? parseBody(ConversationList, response, path)
          : E.left(unexpected(response, path)),
    ),
  )
}

export type CustomerLookup =
  | {readonly _tag: 'Found'; readonly customer: CustomerProfile & {readonly id: string}; readonly mergedFrom?: string}
  | {readonly _tag: 'Missing'}

/**
 * `GET /customer-profiles/{id}`. A merged profile answers 301 with the new id in `meta.new`; it is
 * followed once (a second move in a row means something is wrong, and the profile is treated as missing).
 */
export function getCustomerProfile(http: GladlyHttp, id: string): TE.TaskEither<GladlyError, CustomerLookup> {
  const fetch = (customerId: string, followed: boolean): TE.TaskEither<GladlyError, CustomerLookup> => {
    const path = `/customer-profiles/${encodeURIComponent(customerId)}`
    return pipe(
      http.get(path),
      TE.chain((response): TE.TaskEither<GladlyError, CustomerLookup> => {
        if (response.status === 404) return TE.right({_tag: 'Missing'})
        if (response.status === 301) {
          if (followed) return TE.right({_tag: 'Missing'})
          const moved = pipe(
            parseJson(response, path),
            E.chainW((json) => MovedCustomerBody.decode(json)),
          )
          const location = response.headers.location?.split('/').pop()
          const newId = moved._tag === 'Right' ? moved.right.newCustomerId : location
          if (newId === undefined || newId === '') return TE.left(unexpected(response, path))
          return pipe(
            fetch(newId, true),
            TE.map((found) => (found._tag === 'Found' ? {...found, mergedFrom: customerId} : found)),
          )
        }
        if (response.status !== 200) return TE.left(unexpected(response, path))
        return TE.fromEither(
          pipe(
            parseBody(CustomerProfile, response, path),
            E.map((customer) => ({_tag: 'Found' as const, customer: {...customer, id: customer.id ?? customerId}})),
          ),
        )
      }),
    )
  }
  return fetch(id, false)
}

/** Streams one export file to `destination`; Undefined when Gladly no longer has it (expired after 14 days). */
export function downloadExportFile(
  http: GladlyHttp,
  jobId: string,
  name: string,
  destination: string,
): TE.TaskEither<GladlyError, {readonly bytes: number} | undefined> {
  return pipe(
    http.download(`/export/jobs/${encodeURIComponent(jobId)}/files/${encodeURIComponent(name)}`, destination),
    TE.orElseW((error) => (error._tag === 'GladlyNotFound' ? TE.right(undefined) : TE.left(error))),
  )
}
