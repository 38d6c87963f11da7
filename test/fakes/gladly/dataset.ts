// A seeded, time-based Gladly org. Conversation i is derived from (seed, i) on demand and kept only in a small LRU
// cache, so a 100k-conversation org costs no more memory than a 30-conversation one. Every read takes `now`: what
// exists, a conversation's status, which export jobs are listed and what their files hold all follow from it.

import {
  type ConversationPlan,
  type CustomerFacts,
  type GenerationContext,
  MAX_REGULAR_SPAN_MS,
  type PlannedItem,
  regularHeader,
  regularLastMs,
  regularPlan,
} from './conversations.js'
import {
  DAY,
  formatInstant,
  formatMs,
  hash32,
  HOUR,
  IdCodec,
  type Instant,
  labelHash,
  MINUTE,
  rng,
  SECOND,
  type TimeArg,
  toMs,
} from './random.js'
import {
  alignDown,
  BIG_CUSTOMER_HISTORY,
  CUSTOMER_SLOT,
  mergeTimes,
  SLOT,
  SPECIAL_CUSTOMERS,
  SPECIAL_SLOTS,
  type SpecialLayout,
  specialPlan,
  specialSlotCustomer,
} from './specials.js'
import {AREA_CODES, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS} from './text.js'
import {
  type Agent,
  type Conversation,
  type ConversationItem,
  type CustomerProfile,
  EXPORT_FILES,
  type ExportedCustomer,
  type ExportJob,
  type ExportSchedule,
  type GladlyEvent,
  type CustomAttribute,
  type Inbox,
  type JobStatus,
  type Organization,
  type Party,
  type Topic,
} from './types.js'

interface EdgeCaseSwitches {
  /** One conversation holding every content type, initiator type and timestamp width (and a timeline-only item). */
  showcase: boolean
  /** A conversation that began before the oldest listed export job. */
  preHistory: boolean
  /** A conversation with more items than GET /conversations/{id}/items returns. */
  bigConversation: boolean
  /** A customer with more conversations than GET /customers/{id}/conversations returns. */
  bigCustomer: boolean
  /** A customer merged into another: old id → 301, one conversation moved, one vanished (404). */
  merge: boolean
  /** A conversation closed, reopened and closed again in a later export window. */
  reopened: boolean
  /** Conversations OPEN and WAITING at the dataset's end, closing a few hours later. */
  openAtEnd: boolean
  /** The export job of the window holding E − 7 days is FAILED. */
  failedJob: boolean
}

export interface DatasetOptions {
  seed?: number
  /** Regular conversations, created evenly over `days` before `end` (edge cases come on top). */
  conversations?: number
  itemsPerConversation?: number
  days?: number
  /** Export window length; must divide 24. 24 = daily jobs. */
  jobWindowHours?: number
  /** When conversations stop being created (their timelines may run up to 3 days past it). Default: now. */
  end?: TimeArg
  /** true/false for all, or per case. Default: all on, except bigCustomer above 5,000 conversations. */
  edgeCases?: boolean | Partial<EdgeCaseSwitches>
  bigConversationItems?: number
  /** How many conversations a regular customer has on average (1.25 by default; a backfill bench uses 3). */
  conversationsPerCustomer?: number
  /** Whether regular conversations carry custom attributes (some do by default). */
  customAttributes?: boolean
  /**
   * One-time export jobs, as Gladly Support makes them on request for a past period: the window, and when the job
   * completed (it is listed for 14 days from then). They belong to no schedule.
   */
  oneTimeExports?: ReadonlyArray<{start: TimeArg; end: TimeArg; completedAt: TimeArg}>
}

export interface ResolvedDatasetOptions {
  seed: number
  conversations: number
  itemsPerConversation: number
  days: number
  jobWindowHours: number
  end: number
  edgeCases: EdgeCaseSwitches
  bigConversationItems: number
  conversationsPerCustomer: number
  customAttributes: boolean
  oneTimeExports: Array<{startMs: number; endMs: number; completedMs: number}>
}

export interface EdgeCaseIds {
  showcaseConversationId?: string
  preHistoryConversationId?: string
  bigConversationId?: string
  bigCustomerId?: string
  /** Oldest first; only the first 100 come back from GET /customers/{id}/conversations. */
  bigCustomerConversationIds?: string[]
  reopenedConversationId?: string
  openAtEndConversationId?: string
  waitingAtEndConversationId?: string
  merge?: {
    oldCustomerId: string
    newCustomerId: string
    mergeAt: string
    /** Closed conversation of the old customer; after the merge its customerId is the new one. */
    movedConversationId: string
    /** Open conversation of the old customer; in export files before the merge, 404 after it. */
    vanishedConversationId: string
    /** Receives the vanished conversation's items (with new ids) at the merge. */
    destinationConversationId: string
  }
  failedJobId?: string
  /** Items without conversationId (from the showcase; regular conversations have more). */
  timelineOnlyItemIds: string[]
  /** Items whose content.type is not in Gladly's spec; GET /conversation-items/{id} answers 400 for them. */
  unknownTypeItemIds: string[]
}

export type CustomerLookup = {kind: 'found'; profile: CustomerProfile} | {kind: 'moved'; oldId: string; newId: string}

export type ItemLookup = {kind: 'found'; item: ConversationItem} | {kind: 'unsupported'; id: string}

export const EXPORT_RETENTION_MS = 14 * DAY
export const ITEMS_CAP = 1000
export const CUSTOMER_CONVERSATIONS_CAP = 100
const CUSTOMER_SEARCH_CAP = 50
export const EVENTS_MAX_AGE_MS = 24 * HOUR

const KNOWN_CONTENT_TYPES = new Set([
  'CHAT_MESSAGE',
  'CONVERSATION_NOTE',
  'CONVERSATION_STATUS_CHANGE',
  'CUSTOMER_ACTIVITY',
  'EMAIL',
  'FACEBOOK_MESSAGE',
  'INSTAGRAM_DIRECT',
  'PHONE_CALL',
  'SMS',
  'TOPIC_CHANGE',
  'TWITTER',
  'VOICE_AI_MESSAGE',
  'VOICEMAIL',
  'WHATSAPP',
])
const CONTACT_CHANNELS: Record<string, string> = {
  CHAT_MESSAGE: 'CHAT',
  EMAIL: 'EMAIL',
  FACEBOOK_MESSAGE: 'FB_MESSENGER',
  INSTAGRAM_DIRECT: 'INSTAGRAM_DIRECT',
  SMS: 'SMS',
  VOICEMAIL: 'VOICEMAIL',
  WHATSAPP: 'WHATSAPP',
}

const TOPICS: Array<{name: string; parent?: number; disabled?: boolean}> = [
  {name: 'Orders'},
  {name: 'Where Is My Order', parent: 0},
  {name: 'Order Returns', parent: 0},
  {name: 'Damaged Merchandise', parent: 0},
  {name: 'Billing'},
  {name: 'Refund Request', parent: 4},
  {name: 'Account'},
  {name: 'Account Access', parent: 6},
  {name: 'Product Question'},
  {name: 'Shipping Delay', parent: 0},
  {name: 'Holiday 2019', parent: 0, disabled: true},
  {name: 'Other'},
  {name: 'Other', parent: 4},
  {name: 'VIP'},
]
const THEME_TOPICS = [1, 2, 3, 5, 7, 8]
const EXTRA_TOPICS = [9, 11, 12, 13]
// The custom attributes conversations carry (customAttributeIds below): index → Gladly's key and label.
const CUSTOM_ATTRIBUTES = [
  {key: 'orderNumber', label: 'Order Number'},
  {key: 'carrier', label: 'Shipping Carrier'},
]
const INBOXES = ['Email Support', 'Chat Support', 'Phone Support', 'Social Media', 'SMS & WhatsApp', 'Legacy Inbox']
const DOMAIN = 'example-outfitters.com'
const PLAN_CACHE_SIZE = 1000
/** Jobs whose customers/agents/topics files are kept: they are small, and each costs a pass over the window. */
const SMALL_FILE_CACHE_SIZE = 3

const H = {
  header: labelHash('header'),
  body: labelHash('body'),
  customer: labelHash('customer'),
  agent: labelHash('agent'),
  delay: labelHash('job-delay'),
}

interface CustomerRecord extends CustomerFacts {
  index: number
  id: string
  address: string
  emailDomain: string
  phoneOriginal: string
  externalCustomerId?: string
  externalCustomerIds?: Record<string, string>
  createdAtMs: number
  updatedAtMs: number
  customAttributes: Record<string, string>
  image?: string
  smsPreference: 'FORBIDDEN' | 'OFF' | 'ON'
  phoneType: '' | 'HOME' | 'MOBILE' | 'OFFICE'
}

interface JobTiming {
  k: number
  id: string
  startMs: number
  endMs: number
  createdMs: number
  startedMs: number
  finished: Instant
  failed: boolean
  /** A one-time export (no schedule); its `k` is negative. */
  oneTime?: boolean
}

interface SpecialBounds {
  slot: number
  firstMs: number
  lastMs: number
  createdAt: Instant
}

interface WindowEntry {
  plan: ConversationPlan
  item: PlannedItem
}

export class GladlyDataset {
  readonly options: ResolvedDatasetOptions
  readonly startMs: number
  readonly endMs: number
  readonly windowMs: number
  readonly edgeCases: EdgeCaseIds
  /** How many conversation plans were generated (cache misses); lets tests check that generation is lazy. */
  readonly generation = {plansGenerated: 0, cacheCapacity: PLAN_CACHE_SIZE, cacheSize: 0}

  private readonly ids: IdCodec
  private readonly ctx: GenerationContext
  private readonly layout: SpecialLayout
  private readonly regularCount: number
  private readonly regularCustomers: number
  private readonly spacing: number
  private readonly agentCount: number
  private readonly failedWindow: number | undefined
  private readonly cache = new Map<number, ConversationPlan>()
  private readonly smallFiles = new Map<number, Map<string, string[]>>()
  private specialBoundsCache: SpecialBounds[] | undefined

  constructor(options: DatasetOptions = {}) {
    this.options = resolveOptions(options)
    const o = this.options
    this.ids = new IdCodec(o.seed)
    this.endMs = o.end
    this.startMs = o.end - o.days * DAY
    this.windowMs = o.jobWindowHours * HOUR
    this.regularCount = o.conversations
    this.regularCustomers = Math.max(1, Math.ceil(o.conversations / o.conversationsPerCustomer))
    this.spacing = (o.days * DAY) / o.conversations
    this.agentCount = 1 + Math.min(50, Math.max(6, Math.round(o.conversations / 400)))
    this.failedWindow = o.edgeCases.failedJob ? Math.floor((o.end - 7 * DAY) / this.windowMs) : undefined
    this.ctx = this.generationContext()
    this.layout = {
      endMs: o.end,
      windowMs: this.windowMs,
      oldestListedStartMs:
        this.listedTimings(o.end, false)[0]?.startMs ?? alignDown(o.end - EXPORT_RETENTION_MS, this.windowMs),
      ...mergeTimes(o.end, this.windowMs),
      bigConversationItems: o.bigConversationItems,
      firstIndex: this.regularCount,
      firstCustomer: this.regularCustomers,
      agentCount: this.agentCount,
    }
    this.edgeCases = this.edgeCaseIds()
  }

  // ----------------------------------------------------------------------------------------------------------
  // Conversations and items

  /** Total conversations ever created, including the edge cases and the one that vanishes in the merge. */
  get conversationCount(): number {
    return this.regularCount + this.enabledSlots().length
  }

  /** Every conversation id, in index order (creation order for regular ones, then the edge cases). */
  conversationIds(): string[] {
    return [...this.allIndexes()].map((index) => this.conversationIdOf(index))
  }

  conversationIdOf(index: number): string {
    return this.ids.encode('conversation', index)
  }

  /** The conversation as GET /conversations/{id} returns it at `now`; undefined when that is a 404. */
  conversation(id: string, now: TimeArg): Conversation | undefined {
    const nowMs = toMs(now)
    const plan = this.planById(id)
    return plan && this.exists(plan, nowMs) ? this.conversationView(plan, nowMs) : undefined
  }

  /**
   * Every item of the conversation at `now`, ascending, uncapped; undefined when the conversation is a 404.
   * `content` objects are shared with the plan cache: read them, do not mutate them.
   */
  items(id: string, now: TimeArg, sessionId?: string): ConversationItem[] | undefined {
    const nowMs = toMs(now)
    const plan = this.planById(id)
    if (!plan || !this.exists(plan, nowMs)) return undefined
    return plan.items
      .filter(
        (item) =>
          !item.timelineOnly &&
          visible(item, nowMs) &&
          (sessionId === undefined || item.sessionId === sessionId || item.content.sessionId === sessionId),
      )
      .map((item) => this.renderItem(plan, item, nowMs))
  }

  /** GET /conversation-items/{id}: the item, `unsupported` for content types the API refuses, or undefined (404). */
  item(id: string, now: TimeArg): ItemLookup | undefined {
    const nowMs = toMs(now)
    const decoded = this.ids.decode('item', id)
    const plan = decoded && this.plan(decoded.a)
    if (!plan || !this.exists(plan, nowMs)) return undefined
    const item = plan.items.find((candidate) => candidate.id === id)
    if (!item || !visible(item, nowMs)) return undefined
    return KNOWN_CONTENT_TYPES.has(item.content.type)
      ? {kind: 'found', item: this.renderItem(plan, item, nowMs)}
      : {kind: 'unsupported', id}
  }

  closedConversationIds(now: TimeArg): string[] {
    return this.conversationsWithStatus(toMs(now), (status) => status === 'CLOSED')
  }

  /** Conversations OPEN or WAITING at `now`. */
  openConversationIds(now: TimeArg): string[] {
    return this.conversationsWithStatus(toMs(now), (status) => status !== 'CLOSED')
  }

  /** Conversations with at least one item in a COMPLETED export job listed at `now`. */
  exportedConversationIds(now: TimeArg): string[] {
    const nowMs = toMs(now)
    const seen = new Set<string>()
    for (const timing of this.listedTimings(nowMs)) {
      if (this.status(timing, nowMs) !== 'COMPLETED') continue
      for (const {plan, item} of this.windowEntries(timing.startMs, timing.endMs, timing.finished.ms)) {
        if (!item.timelineOnly) seen.add(plan.id)
      }
    }

    return [...seen]
  }

  /**
   * Conversations created in [start, end) that still exist at `now` (not vanished in a merge), ascending by
   * creation: the ground truth of a ConversationExportReport over that window (see reports.ts for why creation).
   */
  conversationsCreatedBetween(start: TimeArg, end: TimeArg, now: TimeArg): string[] {
    const startMs = toMs(start)
    const endMs = toMs(end)
    const nowMs = toMs(now)
    const found: Array<{index: number; at: Instant}> = []
    const consider = (index: number): void => {
      const plan = this.plan(index)
      if (plan && this.exists(plan, nowMs) && plan.createdAt.ms >= startMs && plan.createdAt.ms < endMs) {
        found.push({index, at: plan.createdAt})
      }
    }

    // Regular conversation i is created in [i, i + 0.9] spacings after startMs, give or take quantize's < 1 s.
    const first = Math.max(0, Math.floor((startMs - SECOND - this.startMs) / this.spacing) - 1)
    const last = Math.min(this.regularCount - 1, Math.floor((endMs + SECOND - this.startMs) / this.spacing))
    for (let index = first; index <= last; index++) {
      const {createdAtMs} = this.header(index)
      if (createdAtMs >= startMs - SECOND && createdAtMs < endMs + SECOND) consider(index)
    }

    for (const bounds of this.specialBounds()) {
      if (bounds.createdAt.ms >= startMs && bounds.createdAt.ms < endMs) consider(this.regularCount + bounds.slot)
    }

    found.sort((a, b) => a.at.ms - b.at.ms || a.at.ns - b.at.ns || a.index - b.index)
    return found.map(({index}) => this.conversationIdOf(index))
  }

  /** Items without a conversationId that exist at `now`, over the whole org (scans every conversation). */
  timelineOnlyItems(now: TimeArg): ConversationItem[] {
    const nowMs = toMs(now)
    const found: ConversationItem[] = []
    for (const index of this.allIndexes()) {
      const plan = this.plan(index)
      for (const item of plan?.items ?? []) {
        if (plan && item.timelineOnly && visible(item, nowMs)) found.push(this.renderItem(plan, item, nowMs))
      }
    }

    return found
  }

  /** Every item whose timestamp is in [startMs, endMs), as an export job computed at `asOf` would list it. */
  *windowItems(start: TimeArg, end: TimeArg, asOf: TimeArg): Generator<ConversationItem> {
    const asOfMs = toMs(asOf)
    for (const {plan, item} of this.windowEntries(toMs(start), toMs(end), asOfMs)) {
      yield this.renderItem(plan, item, asOfMs)
    }
  }

  // ----------------------------------------------------------------------------------------------------------
  // Customers

  customerIdOf(index: number): string {
    return this.ids.encode('customer', index)
  }

  /** Renamed customers by id: a profile edited in Gladly, seen by the API and by export files made from then on. */
  private readonly renamed = new Map<string, string>()

  /** Edits a customer's name, as an agent would in Gladly (tests of what changes in a profile). */
  renameCustomer(id: string, name: string): void {
    this.renamed.set(id, name)
  }

  /** GET /customer-profiles/{id} at `now`. */
  customer(id: string, now: TimeArg): CustomerLookup | undefined {
    const nowMs = toMs(now)
    const index = this.customerIndex(id)
    if (index === undefined) return undefined
    const current = this.customerIndexAt(index, nowMs)
    if (current !== index) return {kind: 'moved', oldId: id, newId: this.customerIdOf(current)}
    return {kind: 'found', profile: this.profile(index, nowMs)}
  }

  /** GET /customer-profiles?email=|phoneNumber=|externalCustomerId= at `now` (≤ 50, updatedAt descending). */
  findCustomers(
    query: {email?: string; phoneNumber?: string; externalCustomerId?: string},
    now: TimeArg,
  ): CustomerProfile[] {
    const nowMs = toMs(now)
    let index: number | undefined
    if (query.email !== undefined) {
      const match = /\.(\d+)@/.exec(query.email)
      index = match ? Number(match[1]) : undefined
      if (index !== undefined && this.customerRecord(index)?.email.toLowerCase() !== query.email.toLowerCase()) {
        index = undefined
      }
    } else if (query.phoneNumber !== undefined) {
      const phone = query.phoneNumber.replaceAll(/[^\d+]/g, '')
      index = /^\+1\d{10}$/.test(phone) ? Number(phone.slice(-7)) : undefined
      if (index !== undefined && this.customerRecord(index)?.phone !== phone) index = undefined
    } else if (query.externalCustomerId !== undefined) {
      index = Number.parseInt(query.externalCustomerId.slice(-12), 16)
      if (this.customerRecord(index)?.externalCustomerId !== query.externalCustomerId) index = undefined
    }

    if (index === undefined) return []
    return [this.profile(this.customerIndexAt(index, nowMs), nowMs)].slice(0, CUSTOMER_SEARCH_CAP)
  }

  /** All conversations of a customer at `now`, ascending by creation, uncapped; moved/undefined like `customer`. */
  customerConversations(id: string, now: TimeArg): Conversation[] | {kind: 'moved'; newId: string} | undefined {
    const nowMs = toMs(now)
    const index = this.customerIndex(id)
    if (index === undefined) return undefined
    const current = this.customerIndexAt(index, nowMs)
    if (current !== index) return {kind: 'moved', newId: this.customerIdOf(current)}
    const owners = [index]
    const mergedAway = this.regularCustomers + CUSTOMER_SLOT.mergeOld
    if (this.isMergeCustomer(mergedAway) && this.customerIndexAt(mergedAway, nowMs) === index) owners.push(mergedAway)
    const plans: ConversationPlan[] = []
    for (const owner of owners) {
      for (const planIndex of this.conversationIndexesOfCustomer(owner)) {
        const plan = this.plan(planIndex)
        if (plan && this.exists(plan, nowMs)) plans.push(plan)
      }
    }

    plans.sort((a, b) => a.createdAt.ms - b.createdAt.ms || a.createdAt.ns - b.createdAt.ns || a.index - b.index)
    return plans.map((plan) => this.conversationView(plan, nowMs))
  }

  // ----------------------------------------------------------------------------------------------------------
  // Reference data

  organization(): Organization {
    return {
      id: this.ids.encode('organization', 0),
      loginDomain: DOMAIN,
      name: 'Example Outfitters',
      timezone: 'America/Los_Angeles',
      gladlyUrl: 'https://example-outfitters.us-1.gladly.com',
    }
  }

  agents(): Agent[] {
    return Array.from({length: this.agentCount}, (_, index) => this.agentRecord(index))
  }

  agent(id: string): Agent | undefined {
    const decoded = this.ids.decode('agent', id)
    return decoded && decoded.a < this.agentCount ? this.agentRecord(decoded.a) : undefined
  }

  topics(): Topic[] {
    return TOPICS.map((_, index) => this.topicRecord(index))
  }

  topic(id: string): Topic | undefined {
    const decoded = this.ids.decode('topic', id)
    return decoded && decoded.a < TOPICS.length ? this.topicRecord(decoded.a) : undefined
  }

  inboxes(): Inbox[] {
    return INBOXES.map((_, index) => this.inboxRecord(index))
  }

  /** GET /custom-attributes/{id} (getCustomAttribute): the conversations' custom attributes, by id. */
  customAttribute(id: string): CustomAttribute | undefined {
    const decoded = this.ids.decode('custom-attribute', id)
    const known = decoded && CUSTOM_ATTRIBUTES[decoded.a]
    return known
      ? {id, ...known, deactivated: false, createdAt: '2019-01-15T10:00:00.000Z', createdBy: this.agentRecord(0).id}
      : undefined
  }

  inbox(id: string): Inbox | undefined {
    const decoded = this.ids.decode('inbox', id)
    return decoded && decoded.a < INBOXES.length ? this.inboxRecord(decoded.a) : undefined
  }

  // ----------------------------------------------------------------------------------------------------------
  // Export jobs

  schedules(now: TimeArg): ExportSchedule[] {
    const nowMs = toMs(now)
    return [
      {
        id: this.ids.encode('schedule', 0),
        frequency: this.windowMs === DAY ? 'DAILY' : 'HOURLY',
        type: 'CONVERSATIONS',
        nextStartAt: formatMs(alignDown(nowMs, this.windowMs)),
        updatedAt: formatInstant({ms: alignDown(this.startMs - 30 * DAY, HOUR) + 7 * MINUTE, ns: 72_729_330}),
      },
    ]
  }

  /** Jobs listed at `now` (not expired), sorted by window start. The server hands them out unsorted. */
  jobs(now: TimeArg): ExportJob[] {
    const nowMs = toMs(now)
    return this.listedTimings(nowMs).map((timing) => this.jobView(timing, nowMs))
  }

  job(id: string, now: TimeArg): ExportJob | undefined {
    const nowMs = toMs(now)
    const timing = this.timingById(id)
    return timing && this.isListed(timing, nowMs) ? this.jobView(timing, nowMs) : undefined
  }

  /**
   * The lines (without newline) of an export file at `now`, generated one conversation at a time; undefined when
   * the server answers 404 (unknown or expired job, job not COMPLETED, unknown file name).
   */
  jobFile(jobId: string, name: string, now: TimeArg): Iterable<string> | undefined {
    const nowMs = toMs(now)
    const timing = this.timingById(jobId)
    if (!timing || !this.isListed(timing, nowMs) || this.status(timing, nowMs) !== 'COMPLETED') return undefined
    if (!(EXPORT_FILES as readonly string[]).includes(name)) return undefined
    return this.fileLines(timing, name)
  }

  // ----------------------------------------------------------------------------------------------------------
  // Events

  /**
   * Events with timestamp in [start, end] (and ≤ now) for the given entity types, ascending. Derived from the
   * conversations: CONVERSATION/* from statuses, topic changes and notes, CONTACT/MESSAGE_* from messages,
   * CUSTOMER/MERGED from the merge. Other entity types are accepted and have no events.
   */
  events(start: TimeArg, end: TimeArg, entities: Iterable<string>, now: TimeArg): GladlyEvent[] {
    const startMs = toMs(start)
    const endMs = Math.min(toMs(end), toMs(now))
    const wanted = new Set(entities)
    const events: Array<{at: Instant; event: GladlyEvent}> = []
    const keep = (at: Instant, event: GladlyEvent): void => {
      if (at.ms >= startMs && at.ms <= endMs) events.push({at, event})
    }

    for (const index of this.candidateIndexes(startMs, endMs + 1)) {
      const plan = this.plan(index)
      if (plan) this.conversationEvents(plan, wanted, keep)
    }

    if (wanted.has('CUSTOMER') && this.options.edgeCases.merge) {
      const merge = this.edgeCases.merge
      if (merge) {
        keep(
          {ms: this.layout.mergeAtMs, ns: 0},
          {
            id: this.ids.encode('merge-event', 0),
            type: 'CUSTOMER/MERGED',
            timestamp: formatMs(this.layout.mergeAtMs),
            initiator: {id: this.agentRecord(1).id, type: 'AGENT'},
            content: {
              destinationCustomerId: merge.newCustomerId,
              destinationConversationId: merge.destinationConversationId,
              sourceCustomerId: merge.oldCustomerId,
              sourceConversationId: merge.vanishedConversationId,
            },
          },
        )
      }
    }

    events.sort((a, b) => a.at.ms - b.at.ms || a.at.ns - b.at.ns || (a.event.id < b.event.id ? -1 : 1))
    return events.map(({event}) => event)
  }

  // ----------------------------------------------------------------------------------------------------------
  // Internals: plans

  private *allIndexes(): Generator<number> {
    for (let index = 0; index < this.regularCount; index++) yield index
    for (const slot of this.enabledSlots()) yield this.regularCount + slot
  }

  private enabledSlots(): number[] {
    const slots: number[] = []
    for (let slot = 0; slot < SPECIAL_SLOTS; slot++) if (this.slotEnabled(slot)) slots.push(slot)
    return slots
  }

  private slotEnabled(slot: number): boolean {
    const e = this.options.edgeCases
    switch (slot) {
      case SLOT.showcase: {
        return e.showcase
      }

      case SLOT.preHistory: {
        return e.preHistory
      }

      case SLOT.bigConversation: {
        return e.bigConversation
      }

      case SLOT.reopened: {
        return e.reopened
      }

      case SLOT.mergeMoved:
      case SLOT.mergeVanished:
      case SLOT.mergeDestination: {
        return e.merge
      }

      case SLOT.openAtEnd:
      case SLOT.waitingAtEnd: {
        return e.openAtEnd
      }

      default: {
        return e.bigCustomer && slot < SPECIAL_SLOTS
      }
    }
  }

  private planById(id: string): ConversationPlan | undefined {
    const decoded = this.ids.decode('conversation', id)
    return decoded && decoded.b === 0 ? this.plan(decoded.a) : undefined
  }

  private plan(index: number): ConversationPlan | undefined {
    const cached = this.cache.get(index)
    if (cached) {
      this.cache.delete(index)
      this.cache.set(index, cached)
      return cached
    }

    let plan: ConversationPlan | undefined
    if (index < this.regularCount) {
      plan = regularPlan(this.ctx, this.header(index), rng(this.options.seed, H.body, index))
    } else if (this.slotEnabled(index - this.regularCount)) {
      plan = specialPlan(this.ctx, this.layout, index - this.regularCount)
    }

    if (!plan) return undefined
    this.generation.plansGenerated++
    this.cache.set(index, plan)
    if (this.cache.size > PLAN_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as number)
    this.generation.cacheSize = this.cache.size
    return plan
  }

  private header(index: number) {
    const random = rng(this.options.seed, H.header, index)
    const createdAtMs = Math.floor(this.startMs + (index + random() * 0.9) * this.spacing)
    return regularHeader(
      random,
      index,
      createdAtMs,
      index % this.regularCustomers,
      this.agentCount,
      this.options.itemsPerConversation,
    )
  }

  /** Conversations that may have items in [startMs, endMs), ascending by index, without generating the others. */
  private *candidateIndexes(startMs: number, endMs: number): Generator<number> {
    const first = Math.max(0, Math.floor((startMs - MAX_REGULAR_SPAN_MS - this.startMs) / this.spacing) - 1)
    const last = Math.min(this.regularCount - 1, Math.floor((endMs - this.startMs) / this.spacing) + 1)
    for (let index = first; index <= last; index++) {
      const header = this.header(index)
      if (header.createdAtMs - SECOND < endMs && regularLastMs(header) >= startMs) yield index
    }

    for (const bounds of this.specialBounds()) {
      if (bounds.firstMs < endMs && bounds.lastMs >= startMs) yield this.regularCount + bounds.slot
    }
  }

  private specialBounds(): SpecialBounds[] {
    this.specialBoundsCache ??= this.enabledSlots().map((slot) => {
      const plan = specialPlan(this.ctx, this.layout, slot)
      return {slot, firstMs: plan.firstMs, lastMs: plan.lastMs, createdAt: plan.createdAt}
    })
    return this.specialBoundsCache
  }

  private *windowEntries(startMs: number, endMs: number, asOfMs: number): Generator<WindowEntry> {
    for (const index of this.candidateIndexes(startMs, endMs)) {
      const plan = this.plan(index)
      if (!plan || !this.exists(plan, asOfMs)) continue
      for (const item of plan.items) {
        if (item.at.ms >= startMs && item.at.ms < endMs && visible(item, asOfMs)) yield {plan, item}
      }
    }
  }

  private exists(plan: ConversationPlan, nowMs: number): boolean {
    return plan.createdAt.ms <= nowMs && (plan.vanishAtMs === undefined || plan.vanishAtMs > nowMs)
  }

  private conversationsWithStatus(nowMs: number, test: (status: Conversation['status']) => boolean): string[] {
    const ids: string[] = []
    for (const index of this.allIndexes()) {
      const plan = this.plan(index)
      if (plan && this.exists(plan, nowMs) && test(statusAt(plan, nowMs).status)) ids.push(plan.id)
    }

    return ids
  }

  private conversationView(plan: ConversationPlan, nowMs: number): Conversation {
    const status = statusAt(plan, nowMs)
    const topics = new Set<string>()
    for (const item of plan.items) {
      if (item.content.type !== 'TOPIC_CHANGE' || item.timelineOnly || !visible(item, nowMs)) continue
      for (const id of (item.content.addedTopicIds as string[] | undefined) ?? []) topics.add(id)
      for (const id of (item.content.removedTopicIds as string[] | undefined) ?? []) topics.delete(id)
    }

    const assigned = plan.agent !== undefined && plan.assignedAtMs !== undefined && plan.assignedAtMs <= nowMs
    return {
      id: plan.id,
      customerId: this.customerIdOf(this.customerIndexAt(plan.customer, nowMs)),
      status: status.status,
      createdAt: formatInstant(plan.createdAt),
      ...(status.status === 'CLOSED' ? {closedAt: formatInstant(status.at)} : {}),
      ...(assigned && plan.agent !== undefined ? {agentId: this.agentRecord(plan.agent).id} : {}),
      inboxId: this.inboxRecord(plan.inbox).id,
      topicIds: [...topics],
      customAttributes: plan.customAttributes,
    }
  }

  private renderItem(plan: ConversationPlan, item: PlannedItem, asOfMs: number): ConversationItem {
    const customerId = this.customerIdOf(this.customerIndexAt(plan.customer, asOfMs))
    const party = (p: Party): Party =>
      p.type === 'CUSTOMER' && p.id === undefined ? {id: customerId, type: p.type} : p
    return {
      id: item.id,
      ...(item.timelineOnly ? {} : {conversationId: plan.id}),
      customerId,
      ...(item.sessionId ? {sessionId: item.sessionId} : {}),
      timestamp: formatInstant(item.at),
      ...(item.omitInitiator ? {} : {initiator: party(item.initiator)}),
      ...(item.responder ? {responder: party(item.responder)} : {}),
      content: item.content,
    }
  }

  private conversationEvents(
    plan: ConversationPlan,
    wanted: Set<string>,
    keep: (at: Instant, event: GladlyEvent) => void,
  ): void {
    let seq = 0
    const event = (at: Instant, type: string, initiator: Party, content: Record<string, unknown>): void => {
      const customerId = this.customerIdOf(this.customerIndexAt(plan.customer, at.ms))
      const assignee = {
        inboxId: this.inboxRecord(plan.inbox).id,
        ...(plan.agent !== undefined && (plan.assignedAtMs ?? Infinity) <= at.ms
          ? {agentId: this.agentRecord(plan.agent).id}
          : {}),
      }
      keep(at, {
        id: this.ids.encode('event', plan.index, seq++),
        type,
        timestamp: formatInstant(at),
        initiator:
          initiator.type === 'CUSTOMER' && initiator.id === undefined ? {id: customerId, type: 'CUSTOMER'} : initiator,
        content: {customerId, conversationId: plan.id, ...content, context: {assignee}},
      })
    }

    // A status change shares its Instant object with the item that caused it.
    const byItem = new Map(plan.items.map((item) => [item.at, item]))
    if (wanted.has('CONVERSATION')) {
      event(plan.createdAt, 'CONVERSATION/CREATED', {type: 'CUSTOMER'}, {})
      let previous = 'OPEN'
      for (const change of plan.statuses.slice(1)) {
        const initiator = byItem.get(change.at)?.initiator ?? {id: this.ctx.ruleId, type: 'AUTOMATION'}
        if (change.status === 'CLOSED') event(change.at, 'CONVERSATION/CLOSED', initiator, {})
        if (change.status === 'OPEN' && previous === 'CLOSED') event(change.at, 'CONVERSATION/REOPENED', initiator, {})
        previous = change.status
      }
    }

    for (const item of plan.items) {
      if (item.timelineOnly || item.appearsAtMs !== undefined) continue
      const {content} = item
      if (wanted.has('CONVERSATION') && content.type === 'TOPIC_CHANGE') {
        for (const topicId of (content.addedTopicIds as string[] | undefined) ?? []) {
          event(item.at, 'CONVERSATION/TOPIC_ADDED', item.initiator, {topicId})
        }

        for (const topicId of (content.removedTopicIds as string[] | undefined) ?? []) {
          event(item.at, 'CONVERSATION/TOPIC_REMOVED', item.initiator, {topicId})
        }
      }

      if (wanted.has('CONVERSATION') && content.type === 'CONVERSATION_NOTE') {
        event(item.at, 'CONVERSATION/NOTE_CREATED', item.initiator, {noteId: item.id})
      }

      const channel = CONTACT_CHANNELS[content.type]
      if (wanted.has('CONTACT') && channel) {
        const received = item.initiator.type === 'CUSTOMER'
        event(item.at, received ? 'CONTACT/MESSAGE_RECEIVED' : 'CONTACT/MESSAGE_SENT', item.initiator, {
          channel,
          contactId: this.ids.encode('contact', plan.index, channel.length),
          messageId: item.id,
        })
      }
    }
  }

  // ----------------------------------------------------------------------------------------------------------
  // Internals: customers, agents, topics, inboxes

  private generationContext(): GenerationContext {
    return {
      seed: this.options.seed,
      ids: this.ids,
      domain: DOMAIN,
      supportEmail: `support@${DOMAIN}`,
      companyNumber: '+14155550100',
      facebookPageId: '104857392011',
      apiUserId: this.ids.encode('agent', 0),
      ruleId: this.ids.encode('rule', 0),
      customer: (index) => {
        const record = this.customerRecord(index)
        if (!record) throw new RangeError(`no customer ${index}`)
        return record
      },
      agent: (index) => {
        const agent = this.agentRecord(index)
        return {id: agent.id, firstName: agent.name.split(' ')[0] ?? agent.name, email: agent.emailAddress}
      },
      themeTopicId: (theme) => this.topicRecord(THEME_TOPICS[theme % THEME_TOPICS.length] ?? 0).id,
      extraTopicId: (random) => this.topicRecord(random.pick(EXTRA_TOPICS)).id,
      withCustomAttributes: this.options.customAttributes,
      customAttributeIds: {
        order: this.ids.encode('custom-attribute', 0),
        carrier: this.ids.encode('custom-attribute', 1),
      },
    }
  }

  private customerIndex(id: string): number | undefined {
    const decoded = this.ids.decode('customer', id)
    return decoded && decoded.b === 0 && this.customerRecord(decoded.a) ? decoded.a : undefined
  }

  private isMergeCustomer(index: number): boolean {
    return this.options.edgeCases.merge && index === this.regularCustomers + CUSTOMER_SLOT.mergeOld
  }

  /** Which customer `index` is at `ms`: the merged-away customer becomes the surviving one at the merge. */
  private customerIndexAt(index: number, ms: number): number {
    return this.isMergeCustomer(index) && ms >= this.layout.mergeAtMs
      ? this.regularCustomers + CUSTOMER_SLOT.mergeNew
      : index
  }

  private *conversationIndexesOfCustomer(customer: number): Generator<number> {
    if (customer < this.regularCustomers) {
      for (let index = customer; index < this.regularCount; index += this.regularCustomers) yield index
      return
    }

    const slot = customer - this.regularCustomers
    for (const planSlot of this.enabledSlots()) {
      if (specialSlotCustomer(planSlot) === slot) yield this.regularCount + planSlot
    }
  }

  private customerRecord(index: number): CustomerRecord | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.regularCustomers + SPECIAL_CUSTOMERS) return undefined
    const random = rng(this.options.seed, H.customer, index)
    const firstName = random.pick(FIRST_NAMES)
    const lastName = random.pick(LAST_NAMES)
    const middle = random.chance(0.2) ? ` ${String.fromCharCode(65 + random.int(0, 25))}` : ''
    const emailDomain = random.pick(EMAIL_DOMAINS)
    const area = random.pick(AREA_CODES)
    const line = String(index).padStart(7, '0')
    const big = index === this.regularCustomers + CUSTOMER_SLOT.bigCustomer
    const createdAtMs = big ? this.endMs - 800 * DAY : this.startMs - 20 * DAY - random.int(0, 700) * DAY
    const adaptor = random()
    const record: CustomerRecord = {
      index,
      id: this.customerIdOf(index),
      firstName,
      name: `${firstName}${middle} ${lastName}`,
      email: `${ascii(firstName)}.${ascii(lastName)}.${index}@${emailDomain}`,
      emailDomain,
      phone: `+1${area}${line}`,
      phoneOriginal: `(${area}) ${line.slice(0, 3)}-${line.slice(3)}`,
      facebookUserId: String(100_000_000_000 + hash32(this.options.seed, index)),
      order: `W${100_000 + (hash32(this.options.seed, H.customer, index) % 900_000)}`,
      address: `${random.int(1, 9999)} ${random.pick(STREETS)}${random.chance(0.3) ? ` Apt. ${random.int(1, 400)}` : ''}`,
      createdAtMs,
      updatedAtMs: createdAtMs + Math.floor(random() * (this.startMs - createdAtMs)),
      customAttributes: {
        membershipTier: random.pick(['bronze', 'silver', 'gold']),
        ...(random.chance(0.5) ? {membershipNumber: `RQ${random.int(100_000_000, 999_999_999)}`} : {}),
      },
      smsPreference: random.pick(['ON', 'OFF', 'FORBIDDEN'] as const),
      phoneType: random.pick(['MOBILE', 'HOME', 'OFFICE', ''] as const),
      ...(random.chance(0.3) ? {image: `https://images.example-cdn.com/avatars/${index}.jpg`} : {}),
    }
    if (adaptor < 0.4) {
      const hex = (n: number) => hash32(this.options.seed, index, n).toString(16).padStart(8, '0')
      record.externalCustomerId = `${hex(1)}-${hex(2).slice(0, 4)}-4${hex(3).slice(0, 3)}-a${hex(4).slice(0, 3)}-${index
        .toString(16)
        .padStart(12, '0')}`
    } else if (adaptor < 0.7) {
      record.externalCustomerIds = {SHOPIFY: String(7_000_000 + index)}
    }

    return record
  }

  private profile(index: number, nowMs: number): CustomerProfile {
    const record = this.customerRecord(index) as CustomerRecord
    const absorbed =
      this.options.edgeCases.merge &&
      index === this.regularCustomers + CUSTOMER_SLOT.mergeNew &&
      nowMs >= this.layout.mergeAtMs
        ? this.customerRecord(this.regularCustomers + CUSTOMER_SLOT.mergeOld)
        : undefined
    const sources = absorbed ? [record, absorbed] : [record]
    return {
      id: record.id,
      name: this.renamed.get(record.id) ?? record.name,
      ...(record.image ? {image: record.image} : {}),
      address: record.address,
      emails: sources.map((source, n) => ({
        original: source.email.replace(/^./, (c) => c.toUpperCase()),
        normalized: source.email.toLowerCase(),
        primary: n === 0,
      })),
      phones: sources.map((source, n) => ({
        original: source.phoneOriginal,
        normalized: source.phone,
        regionCode: 'US',
        primary: n === 0,
        smsPreference: source.smsPreference,
        type: source.phoneType,
      })),
      ...(record.externalCustomerId ? {externalCustomerId: record.externalCustomerId} : {}),
      ...(record.externalCustomerIds ? {externalCustomerIds: record.externalCustomerIds} : {}),
      customAttributes: record.customAttributes,
      createdAt: formatInstant({ms: record.createdAtMs, ns: hash32(this.options.seed, index) % 1_000_000}),
      updatedAt: formatInstant({
        ms: absorbed ? this.layout.mergeAtMs : record.updatedAtMs,
        ns: hash32(this.options.seed, index, 1) % 1_000_000,
      }),
    }
  }

  private exportedCustomer(index: number, asOfMs: number): ExportedCustomer {
    const profile = this.profile(index, asOfMs)
    return {
      id: profile.id,
      name: profile.name,
      address: profile.address,
      emailAddresses: profile.emails.map((email) => email.original),
      phoneNumbers: profile.phones.map((phone) => phone.normalized),
      ...(profile.externalCustomerId ? {externalCustomerId: profile.externalCustomerId} : {}),
      ...(profile.externalCustomerIds ? {externalCustomerIds: profile.externalCustomerIds} : {}),
    }
  }

  private agentRecord(index: number): Agent {
    if (index === 0) return {id: this.ids.encode('agent', 0), name: 'Integration API', emailAddress: `api@${DOMAIN}`}
    const random = rng(this.options.seed, H.agent, index)
    const first = random.pick(FIRST_NAMES)
    const last = random.pick(LAST_NAMES)
    return {
      id: this.ids.encode('agent', index),
      name: `${first} ${last}`,
      emailAddress: `${ascii(first)}.${ascii(last)}${index}@${DOMAIN}`.toLowerCase(),
    }
  }

  private topicRecord(index: number): Topic {
    const topic = TOPICS[index] ?? {name: 'Unknown'}
    return {
      id: this.ids.encode('topic', index),
      name: topic.name,
      disabled: topic.disabled ?? false,
      ...(topic.parent === undefined ? {} : {parentId: this.ids.encode('topic', topic.parent)}),
    }
  }

  private inboxRecord(index: number): Inbox {
    return {
      id: this.ids.encode('inbox', index),
      name: INBOXES[index] ?? 'Inbox',
      disabled: index === INBOXES.length - 1,
    }
  }

  // ----------------------------------------------------------------------------------------------------------
  // Internals: jobs

  private timing(k: number): JobTiming {
    const startMs = k * this.windowMs
    const endMs = startMs + this.windowMs
    const delay = 30 * MINUTE + (hash32(this.options.seed, H.delay, k) % (60 * MINUTE))
    return {
      k,
      id: this.ids.encode('job', k, this.options.jobWindowHours),
      startMs,
      endMs,
      createdMs: endMs + MINUTE + (hash32(this.options.seed, H.delay, k, 1) % (30 * SECOND)),
      startedMs: endMs + Math.floor(delay / 3),
      finished: {ms: endMs + delay, ns: hash32(this.options.seed, H.delay, k, 2) % 1_000_000},
      failed: k === this.failedWindow,
    }
  }

  private timingById(id: string): JobTiming | undefined {
    const decoded = this.ids.decode('job', id)
    if (decoded && decoded.b === this.options.jobWindowHours) return this.timing(decoded.a)
    const oneTime = this.ids.decode('one-time-job', id)
    return oneTime && oneTime.a < this.options.oneTimeExports.length ? this.oneTimeTiming(oneTime.a) : undefined
  }

  private oneTimeTiming(index: number): JobTiming {
    const {startMs, endMs, completedMs} = this.options.oneTimeExports[
      index
    ] as ResolvedDatasetOptions['oneTimeExports'][number]
    return {
      k: -1 - index,
      id: this.ids.encode('one-time-job', index),
      startMs,
      endMs,
      createdMs: completedMs - 2 * HOUR,
      startedMs: completedMs - HOUR,
      finished: {ms: completedMs, ns: 0},
      failed: false,
      oneTime: true,
    }
  }

  private status(timing: JobTiming, nowMs: number): JobStatus {
    if (nowMs < timing.startedMs) return 'PENDING'
    if (nowMs < timing.finished.ms) return 'IN_PROGRESS'
    return timing.failed ? 'FAILED' : 'COMPLETED'
  }

  private updatedAt(timing: JobTiming, nowMs: number): Instant {
    if (nowMs < timing.startedMs) return {ms: timing.createdMs, ns: 0}
    if (nowMs < timing.finished.ms) return {ms: timing.startedMs, ns: 0}
    return timing.finished
  }

  private isListed(timing: JobTiming, nowMs: number): boolean {
    return nowMs >= timing.createdMs && this.updatedAt(timing, nowMs).ms >= nowMs - EXPORT_RETENTION_MS
  }

  /** The scheduled jobs listed at `nowMs`, and the one-time ones with them unless `oneTime` is false, by window start. */
  private listedTimings(nowMs: number, oneTime = true): JobTiming[] {
    const first = Math.floor((nowMs - EXPORT_RETENTION_MS - 2 * HOUR) / this.windowMs) - 1
    const last = Math.floor(nowMs / this.windowMs) - 1
    const timings: JobTiming[] = []
    for (let k = first; k <= last; k++) {
      const timing = this.timing(k)
      if (this.isListed(timing, nowMs)) timings.push(timing)
    }

    if (!oneTime) return timings
    const oneTimes = this.options.oneTimeExports
      .map((_, index) => this.oneTimeTiming(index))
      .filter((timing) => this.isListed(timing, nowMs))
    return [...timings, ...oneTimes].sort((a, b) => a.startMs - b.startMs)
  }

  private jobView(timing: JobTiming, nowMs: number): ExportJob {
    const status = this.status(timing, nowMs)
    return {
      id: timing.id,
      ...(timing.oneTime ? {} : {scheduleId: this.ids.encode('schedule', 0)}),
      status,
      updatedAt: formatInstant(this.updatedAt(timing, nowMs)),
      parameters: {type: 'CONVERSATIONS', startAt: formatMs(timing.startMs), endAt: formatMs(timing.endMs)},
      files: status === 'COMPLETED' ? [...EXPORT_FILES] : [],
    }
  }

  /** File contents are fixed when the job finishes: generated as of its final updatedAt. */
  private *fileLines(timing: JobTiming, name: string): Generator<string> {
    const asOfMs = timing.finished.ms
    if (name !== 'conversation_items.jsonl') {
      yield* this.smallFileLines(timing).get(name) ?? []
      return
    }

    for (const {plan, item} of this.windowEntries(timing.startMs, timing.endMs, asOfMs)) {
      yield JSON.stringify(this.renderItem(plan, item, asOfMs))
    }
  }

  /** customers.jsonl, agents.jsonl and topics.jsonl of a job, built in one pass: the entities its items reference. */
  private smallFileLines(timing: JobTiming): Map<string, string[]> {
    const cached = this.smallFiles.get(timing.k)
    if (cached) return cached
    const asOfMs = timing.finished.ms
    const files = new Map<string, string[]>([
      ['agents.jsonl', []],
      ['customers.jsonl', []],
      ['topics.jsonl', []],
    ])
    const seen = new Set<string>()
    const add = (file: string, key: string, line: () => string): void => {
      if (seen.has(`${file}/${key}`)) return
      seen.add(`${file}/${key}`)
      files.get(file)?.push(line())
    }

    for (const {plan, item} of this.windowEntries(timing.startMs, timing.endMs, asOfMs)) {
      const customer = this.customerIndexAt(plan.customer, asOfMs)
      add('customers.jsonl', String(customer), () => JSON.stringify(this.exportedCustomer(customer, asOfMs)))
      for (const party of [item.initiator, item.responder]) {
        const agent =
          party && (party.type === 'AGENT' || party.type === 'API') && party.id ? this.agent(party.id) : undefined
        if (agent) add('agents.jsonl', agent.id, () => JSON.stringify(agent))
      }

      if (item.content.type !== 'TOPIC_CHANGE') continue
      for (const id of [
        ...((item.content.addedTopicIds as string[] | undefined) ?? []),
        ...((item.content.removedTopicIds as string[] | undefined) ?? []),
      ]) {
        const topic = this.topic(id)
        const parent = topic?.parentId ? this.topic(topic.parentId) : undefined
        for (const entry of [parent, topic]) if (entry) add('topics.jsonl', entry.id, () => JSON.stringify(entry))
      }
    }

    this.smallFiles.set(timing.k, files)
    if (this.smallFiles.size > SMALL_FILE_CACHE_SIZE)
      this.smallFiles.delete(this.smallFiles.keys().next().value as number)
    return files
  }

  // ----------------------------------------------------------------------------------------------------------

  private edgeCaseIds(): EdgeCaseIds {
    const e = this.options.edgeCases
    const slotId = (slot: number): string => this.conversationIdOf(this.regularCount + slot)
    const customerId = (slot: number): string => this.customerIdOf(this.regularCustomers + slot)
    const ids: EdgeCaseIds = {timelineOnlyItemIds: [], unknownTypeItemIds: []}
    if (e.showcase) {
      ids.showcaseConversationId = slotId(SLOT.showcase)
      const plan = specialPlan(this.ctx, this.layout, SLOT.showcase)
      ids.timelineOnlyItemIds = plan.items.filter((item) => item.timelineOnly).map((item) => item.id)
      ids.unknownTypeItemIds = plan.items
        .filter((item) => !KNOWN_CONTENT_TYPES.has(item.content.type))
        .map((item) => item.id)
    }

    if (e.preHistory) ids.preHistoryConversationId = slotId(SLOT.preHistory)
    if (e.bigConversation) ids.bigConversationId = slotId(SLOT.bigConversation)
    if (e.reopened) ids.reopenedConversationId = slotId(SLOT.reopened)
    if (e.openAtEnd) {
      ids.openAtEndConversationId = slotId(SLOT.openAtEnd)
      ids.waitingAtEndConversationId = slotId(SLOT.waitingAtEnd)
    }

    if (e.bigCustomer) {
      ids.bigCustomerId = customerId(CUSTOMER_SLOT.bigCustomer)
      ids.bigCustomerConversationIds = [
        ...Array.from({length: BIG_CUSTOMER_HISTORY}, (_, j) =>
          slotId(SLOT.bigCustomerHistory + BIG_CUSTOMER_HISTORY - 1 - j),
        ),
        slotId(SLOT.bigCustomerRecent),
      ]
    }

    if (e.merge) {
      ids.merge = {
        oldCustomerId: customerId(CUSTOMER_SLOT.mergeOld),
        newCustomerId: customerId(CUSTOMER_SLOT.mergeNew),
        mergeAt: formatMs(this.layout.mergeAtMs),
        movedConversationId: slotId(SLOT.mergeMoved),
        vanishedConversationId: slotId(SLOT.mergeVanished),
        destinationConversationId: slotId(SLOT.mergeDestination),
      }
    }

    if (this.failedWindow !== undefined) ids.failedJobId = this.timing(this.failedWindow).id
    return ids
  }
}

function visible(item: PlannedItem, nowMs: number): boolean {
  return item.at.ms <= nowMs && (item.appearsAtMs === undefined || item.appearsAtMs <= nowMs)
}

function statusAt(plan: ConversationPlan, nowMs: number): {status: Conversation['status']; at: Instant} {
  let current = plan.statuses[0] as {status: Conversation['status']; at: Instant}
  for (const change of plan.statuses) {
    if (change.at.ms > nowMs) break
    current = change
  }

  return current
}

function ascii(value: string): string {
  return value.normalize('NFD').replaceAll(/[^A-Za-z]/g, '')
}

function resolveOptions(options: DatasetOptions): ResolvedDatasetOptions {
  const conversations = options.conversations ?? 30
  const jobWindowHours = options.jobWindowHours ?? 24
  if (!Number.isInteger(conversations) || conversations < 1) throw new RangeError('conversations must be ≥ 1')
  if (!Number.isInteger(jobWindowHours) || jobWindowHours < 1 || 24 % jobWindowHours !== 0) {
    throw new RangeError('jobWindowHours must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)')
  }

  const itemsPerConversation = options.itemsPerConversation ?? 10
  // Bounded so a regular conversation always fits in MAX_REGULAR_SPAN_MS.
  if (itemsPerConversation < 2 || itemsPerConversation > 200) throw new RangeError('itemsPerConversation must be 2–200')
  const days = options.days ?? 10
  if (!(days > 0)) throw new RangeError('days must be > 0')
  const all = options.edgeCases ?? true
  const flag = (name: keyof EdgeCaseSwitches, fallback: boolean): boolean =>
    typeof all === 'boolean' ? all && fallback : (all[name] ?? fallback)
  return {
    seed: options.seed ?? 1,
    conversations,
    itemsPerConversation,
    days,
    jobWindowHours,
    end: Math.floor(toMs(options.end ?? Date.now())),
    edgeCases: {
      showcase: flag('showcase', true),
      preHistory: flag('preHistory', true),
      bigConversation: flag('bigConversation', true),
      bigCustomer: flag('bigCustomer', conversations <= 5000),
      merge: flag('merge', true),
      reopened: flag('reopened', true),
      openAtEnd: flag('openAtEnd', true),
      failedJob: flag('failedJob', true),
    },
    bigConversationItems: options.bigConversationItems ?? 1200,
    conversationsPerCustomer: options.conversationsPerCustomer ?? 1.25,
    customAttributes: options.customAttributes ?? true,
    oneTimeExports: (options.oneTimeExports ?? []).map((job) => ({
      startMs: toMs(job.start),
      endMs: toMs(job.end),
      completedMs: toMs(job.completedAt),
    })),
  }
}
