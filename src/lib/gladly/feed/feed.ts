import {LRUCache} from 'lru-cache'
import {decode, mapOrdered} from '../../common/index.js'
import type {Logger} from '../../log/index.js'
import {getConversation, getConversationItems, getCustomerProfile, type UnreadableItem} from '../client.js'
import {ConversationItem, type Conversation, type ExportJob} from '../codecs.js'
import type {GladlyError} from '../errors.js'
import type {GladlyHttp} from '../http.js'
import {compareTimestamps, parseTimestamp} from '../time.js'
import {decodeItems, itemBuckets, ITEMS_FILE, type MalformedLine, type RawItem} from './job-files.js'
import {summarizeProfile, type CustomerLookup, type CustomerSummary} from './job-lookups.js'
import {skipBeforeLookup, skipUnchanged, type SkipReason, type SkipRules} from './skip.js'

/** What a job says about one conversation it touched, in the order the feed works through them. */
export type FeedEvent =
  | {
      readonly _tag: 'Closed'
      readonly conversation: Conversation
      /** Every item of the conversation, oldest first, without repeats. */
      readonly items: readonly ConversationItem[]
      /** Items of Gladly's answer to GET /items that are not valid items: the transcript goes on without them. */
      readonly unreadable: readonly UnreadableItem[]
      readonly customer?: CustomerSummary
      /** Gladly cut the item list at its cap (Gladly-Limited-Data). */
      readonly itemsTruncated: boolean
      /** The local items did not cover the conversation's life, so GET /items was needed. */
      readonly fetchedItems: boolean
      /** Gladly's own link to the conversation (a report's "Conversation Link"), where known. */
      readonly link?: string
    }
  | {
      readonly _tag: 'Open'
      readonly conversationId: string
      readonly status: string
      readonly items: readonly ConversationItem[]
    }
  /** Touched again by a later job of this run: kept without asking Gladly, it is resolved there. */
  | {readonly _tag: 'Deferred'; readonly conversationId: string; readonly items: readonly ConversationItem[]}
  /** 404: merged into another conversation or deleted. Its items name the customer, and when it was last active. */
  | {
      readonly _tag: 'Vanished'
      readonly conversationId: string
      readonly customerId?: string
      readonly lastActivity?: string
    }
  | {readonly _tag: 'Skipped'; readonly conversationId: string; readonly reason: SkipReason | 'still open'}
  | {readonly _tag: 'Malformed'; readonly line: MalformedLine}
  | {readonly _tag: 'TimelineOnly'; readonly count: number}
  /** A survey result on the customer's timeline (only when FeedOptions.surveys asks for them). */
  | {readonly _tag: 'Survey'; readonly item: ConversationItem; readonly customer?: CustomerSummary}
  /** This conversation could not be read; whether that stops the run or only sets it aside is the core's call. */
  | {readonly _tag: 'Failed'; readonly conversationId: string; readonly error: GladlyError}
  /** The unit itself could not be read (a backfill window's report): nothing of it can be trusted as done. */
  | {readonly _tag: 'UnitFailed'; readonly error: GladlyError}
  /** As soon as the feed knows it: this many more conversations follow, each with one event (for progress). */
  | {readonly _tag: 'Planned'; readonly conversations: number}

/** Items stored by earlier runs for conversations that were still open (the state's spool). */
interface SpoolReader {
  /** `damaged`: some of what was stored could not be read back, so the local history is not whole. */
  read(
    conversationId: string,
  ): Promise<{readonly since: string; readonly items: readonly unknown[]; readonly damaged?: boolean} | undefined>
}

/**
 * Customers of the job's file first, then the API (following a merge), each looked up once per run while it is among
 * the `PROFILES_KEPT` most recently used (a backfill's conversations are in creation order, so a customer's come close
 * together; one evicted is asked again, never lost).
 */
export interface CustomerDirectory {
  /** Undefined without a request when nothing needs the API's profile (`profilesNeeded` false). */
  find(customerId: string, fromJob: CustomerLookup): Promise<CustomerSummary | undefined>
  /** The API's profile, custom attributes and creation time included (the job's file has neither). */
  profile(customerId: string): Promise<CustomerSummary | undefined>
  /** GET /customer-profiles requests made so far. */
  readonly fetched: number
}

/** Profiles kept in memory at most (a summary is a few hundred bytes: about 10 MB). */
const PROFILES_KEPT = 20_000

export interface DirectoryOptions {
  /** Whether records need a customer the job's file does not have (customer fields); else `find` asks no one. */
  readonly profilesNeeded: boolean
  readonly kept?: number
}

export function customerDirectory(http: GladlyHttp, logger: Logger, options: DirectoryOptions): CustomerDirectory {
  const answers = new LRUCache<string, Promise<CustomerSummary | undefined>>({max: options.kept ?? PROFILES_KEPT})
  let fetched = 0
  const fetch = async (customerId: string): Promise<CustomerSummary | undefined> => {
    fetched++
    const result = await getCustomerProfile(http, customerId)()
    if (result._tag === 'Left') {
      logger.warn(
        `Customer ${customerId} could not be read (${result.left.message}); its conversation is sent without customer details.`,
      )
      return undefined
    }
    if (result.right._tag === 'Missing') return undefined
    const {customer} = result.right
    return summarizeProfile(customer.id, customer)
  }
  const profile = (customerId: string) => {
    let pending = answers.get(customerId)
    if (pending === undefined) answers.set(customerId, (pending = fetch(customerId)))
    return pending
  }
  return {
    async find(customerId, fromJob) {
      return fromJob.get(customerId) ?? (options.profilesNeeded ? profile(customerId) : undefined)
    },
    profile,
    get fetched() {
      return fetched
    },
  }
}

export interface FeedOptions extends SkipRules {
  readonly http: GladlyHttp
  readonly job: ExportJob
  /** The job's downloaded files (see downloadJob). */
  readonly files: ReadonlyMap<string, string>
  readonly customers: CustomerLookup
  readonly directory: CustomerDirectory
  readonly workDir: string
  readonly spool: SpoolReader
  /** Whether a later job of this run touches the conversation too. */
  readonly continuesLater: (conversationId: string) => boolean
  /**
   * Transcripts from GET /conversations/{id}/items for every closed conversation, not from the export files alone:
   * for organizations whose content types the export leaves out (voice AI). One more request per conversation.
   */
  readonly itemsFromApi: boolean
  /** Conversation lookups in flight at once; the request budget paces them. */
  readonly concurrency: number
  readonly bucketBytes?: number
  /** Yield the survey results of the timeline (IMPORT_SURVEYS). */
  readonly surveys?: boolean
}

function mergeItems(...lists: ReadonlyArray<readonly ConversationItem[]>): ConversationItem[] {
  const seen = new Set<string>()
  const merged: ConversationItem[] = []
  for (const list of lists) {
    for (const item of list) {
      if (seen.has(item.id)) continue
      seen.add(item.id)
      merged.push(item)
    }
  }
  // Each timestamp parsed once; the sort is stable, so items at the same instant keep Gladly's order.
  return merged
    .map((item) => ({item, at: parseTimestamp(item.timestamp)}))
    .sort((a, b) => (a.at && b.at ? a.at.epochMillis - b.at.epochMillis || a.at.subMilliNanos - b.at.subMilliNanos : 0))
    .map(({item}) => item)
}

/** The stored items that still decode; `whole` is false when any did not (the spool's copy is then not trusted). */
function decodeSpooled(items: readonly unknown[]): {readonly items: ConversationItem[]; readonly whole: boolean} {
  const decoded: ConversationItem[] = []
  for (const item of items) {
    const result = decode(ConversationItem, item, 'spooled item')
    if (result._tag === 'Right') decoded.push(result.right)
  }
  return {items: decoded, whole: decoded.length === items.length}
}

/**
 * A conversation's transcript is complete locally when every item since it began is here: it began
 * inside the window the spool (or this job) covers, nothing happened after this job's window, and the
 * spool's copy reads back whole. Otherwise GET /conversations/{id}/items fills the gap (at most 1,000 items),
 * as it does for every conversation when transcripts come from the API.
 */
async function closedEvent(
  options: FeedOptions,
  conversation: Conversation,
  jobItems: readonly ConversationItem[],
): Promise<FeedEvent> {
  const {http, job} = options
  const spooled = await options.spool.read(conversation.id)
  const since = spooled?.since ?? job.parameters.startAt
  const stored = spooled ? decodeSpooled(spooled.items) : {items: [], whole: true}
  const local = mergeItems(stored.items, jobItems)
  const closedLater =
    conversation.closedAt !== undefined && compareTimestamps(conversation.closedAt, job.parameters.endAt) >= 0
  const spoolWhole = stored.whole && spooled?.damaged !== true
  const complete =
    !options.itemsFromApi && spoolWhole && compareTimestamps(conversation.createdAt, since) >= 0 && !closedLater
  let items = local
  let unreadable: readonly UnreadableItem[] = []
  let itemsTruncated = false
  if (!complete) {
    const page = await getConversationItems(http, conversation.id)()
    if (page._tag === 'Left') return {_tag: 'Failed', conversationId: conversation.id, error: page.left}
    if (page.right === undefined) return {_tag: 'Vanished', conversationId: conversation.id}
    items = mergeItems(page.right.items, local)
    unreadable = page.right.unreadable
    itemsTruncated = page.right.limited
  }
  const customer = await options.directory.find(conversation.customerId, options.customers)
  return {_tag: 'Closed', conversation, items, unreadable, customer, itemsTruncated, fetchedItems: !complete}
}

async function resolve(options: FeedOptions, conversationId: string, lines: readonly RawItem[]): Promise<FeedEvent[]> {
  const skipped = skipBeforeLookup(options, conversationId)
  if (skipped !== undefined) return [{_tag: 'Skipped', conversationId, reason: skipped}]
  const {items: jobItems, malformed} = decodeItems(options.job.id, conversationId, lines)
  const withMalformed = (event: FeedEvent): FeedEvent[] => [
    ...malformed.map((line): FeedEvent => ({_tag: 'Malformed', line})),
    event,
  ]
  // One lookup per conversation rather than one per job it spans: its last job of the run decides.
  if (options.continuesLater(conversationId)) return withMalformed({_tag: 'Deferred', conversationId, items: jobItems})
  const lookup = await getConversation(options.http, conversationId)()
  if (lookup._tag === 'Left') return withMalformed({_tag: 'Failed', conversationId, error: lookup.left})
  if (lookup.right._tag === 'Vanished')
    return withMalformed({
      _tag: 'Vanished',
      conversationId,
      customerId: jobItems[0]?.customerId,
      lastActivity: jobItems.at(-1)?.timestamp,
    })
  const {conversation} = lookup.right
  if (conversation.status !== 'CLOSED')
    return withMalformed({_tag: 'Open', conversationId, status: conversation.status, items: jobItems})
  const unchanged = skipUnchanged(options, conversation)
  if (unchanged !== undefined) return withMalformed({_tag: 'Skipped', conversationId, reason: unchanged})
  return withMalformed(await closedEvent(options, conversation, jobItems))
}

/**
 * The conversations one export job touched, each resolved with GET /conversations/{id} (several in
 * flight, paced by the shared budget): closed ones with their complete transcript, open ones with
 * this job's items to keep, vanished ones, and every line that could not be used.
 */
export async function* jobFeed(options: FeedOptions): AsyncGenerator<FeedEvent> {
  const itemsPath = options.files.get(ITEMS_FILE)
  if (itemsPath === undefined) return
  for await (const bucket of itemBuckets(itemsPath, options.job.id, options.workDir, options.bucketBytes)) {
    for (const line of bucket.malformed) yield {_tag: 'Malformed', line}
    if (bucket.timelineOnly > 0) yield {_tag: 'TimelineOnly', count: bucket.timelineOnly}
    if (options.surveys === true)
      for (const item of bucket.surveys) {
        const customer = await options.directory.find(item.customerId, options.customers)
        yield {_tag: 'Survey', item, ...(customer === undefined ? {} : {customer})}
      }
    yield {_tag: 'Planned', conversations: bucket.conversations.size}
    for await (const events of mapOrdered(bucket.conversations, options.concurrency, ([conversationId, lines]) =>
      resolve(options, conversationId, lines),
    ))
      yield* events
  }
}
