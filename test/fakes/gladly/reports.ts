// Gladly's Reports API (POST /api/v1/reports) for the one report an importer can use, ConversationExportReport:
// request validation with Gladly's error shapes, a report's days in its timezone, and the CSV body (UTF-8 BOM, CRLF
// records, RFC 4180 quoting) that Gladly's UI exports open in Excel with.

import type {GladlyDataset} from './dataset.js'
import type {ConversationItem} from './types.js'

const CONVERSATION_EXPORT_REPORT = 'ConversationExportReport'

/** Header row of a ConversationExportReport, in the human style of Gladly's UI exports. */
export const REPORT_COLUMNS = [
  'Conversation Created At',
  'Conversation ID',
  'Customer ID',
  'Conversation Link',
  'Status',
  'Assigned Agent ID',
  'Inbox ID',
  'Inbox Name',
  'Last Closed At',
  'Topics',
  'First Message',
] as const

export interface ReportError {
  attr?: string
  code: string
  detail: string
}

export interface ReportRequest {
  metricSet: string
  /** YYYY-MM-DD, as given. */
  startAt: string
  endAt: string
  /** As given, or the organization's when omitted. */
  timezone: string
  inboxIds: string[]
  /** Midnight of startAt in the timezone, and midnight after endAt (endAt is inclusive). */
  startMs: number
  endMs: number
}

const AGGREGATION_LEVELS = new Set(['daily', 'halfHourly', 'monthly', 'quarterly', 'weekly'])
const BOM = '\uFEFF'
const CRLF = '\r\n'

/** Validates a parsed JSON body as Gladly does, reporting every error at once. */
export function parseReportRequest(body: unknown, dataset: GladlyDataset): ReportError[] | ReportRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{code: 'invalid', detail: 'the request body must be a JSON object'}]
  }

  const fields = body as Record<string, unknown>
  const errors: ReportError[] = []
  const text = (attr: string): string | undefined => {
    const value = fields[attr]
    if (value === undefined || value === null || value === '') {
      errors.push({attr, code: 'blank', detail: `${attr} must be specified`})
      return undefined
    }

    if (typeof value === 'string') return value
    errors.push({attr, code: 'invalid', detail: `${attr} must be a string`})
    return undefined
  }

  const date = (attr: string): string | undefined => {
    const value = text(attr)
    if (value === undefined || isDate(value)) return value
    errors.push({attr, code: 'invalid', detail: `${attr} must be a date in the format YYYY-mm-dd`})
    return undefined
  }

  const metricSet = text('metricSet')
  if (metricSet !== undefined && metricSet !== CONVERSATION_EXPORT_REPORT) {
    errors.push({
      attr: 'metricSet',
      code: 'invalid',
      detail: `metricSet [${metricSet}] is not supported here: only ${CONVERSATION_EXPORT_REPORT} is generated`,
    })
  }

  const startAt = date('startAt')
  const endAt = date('endAt')
  if (startAt !== undefined && endAt !== undefined && endAt < startAt) {
    errors.push({attr: 'endAt', code: 'invalid', detail: 'endAt must not be before startAt'})
  }

  for (const attr of ['startAtTime', 'endAtTime']) {
    if (fields[attr] !== undefined) {
      errors.push({
        attr,
        code: 'invalid',
        detail: `${attr} only applies to the AgentSummaryReport and ContactExportReportV3 metricSets`,
      })
    }
  }

  const timezone = fields.timezone ?? dataset.organization().timezone
  if (typeof timezone !== 'string' || !zoneFormatter(timezone)) {
    errors.push({attr: 'timezone', code: 'invalid', detail: 'timezone must be an IANA timezone, e.g. America/Denver'})
  }

  const level = fields.aggregationLevel
  if (level !== undefined && (typeof level !== 'string' || !AGGREGATION_LEVELS.has(level))) {
    errors.push({
      attr: 'aggregationLevel',
      code: 'invalid',
      detail: 'the specified value is not a valid aggregation level',
    })
  }

  const inboxIds = parseFilters(fields.filters, dataset, errors)
  if (errors.length > 0) return errors
  const window = reportWindow(startAt as string, endAt as string, timezone as string)
  return {
    metricSet: metricSet as string,
    startAt: startAt as string,
    endAt: endAt as string,
    timezone: timezone as string,
    inboxIds,
    ...window,
  }
}

/** The inbox ids of `filters`; the other filters do not apply to ConversationExportReport, which Gladly refuses. */
function parseFilters(filters: unknown, dataset: GladlyDataset, errors: ReportError[]): string[] {
  if (filters === undefined || filters === null) return []
  if (typeof filters !== 'object' || Array.isArray(filters)) {
    errors.push({attr: 'filters', code: 'invalid', detail: 'filters must be an object'})
    return []
  }

  const {channel, inboxes, teams, phoneNumber} = filters as Record<string, unknown>
  const refuse = (name: string): void => {
    errors.push({
      attr: `filters.${name}`,
      code: 'invalid',
      detail: `the ${name} filter cannot be applied to the ${CONVERSATION_EXPORT_REPORT} metricSet`,
    })
  }

  if (channel !== undefined && channel !== 'allChannels') refuse('channel')
  if (teams !== undefined && !(Array.isArray(teams) && teams.length === 0)) refuse('teams')
  if (phoneNumber !== undefined) refuse('phoneNumber')
  if (inboxes === undefined) return []
  if (!Array.isArray(inboxes) || !inboxes.every((id) => typeof id === 'string')) {
    errors.push({attr: 'filters.inboxes', code: 'invalid', detail: 'inboxes must be an array of inbox ids'})
    return []
  }

  if (inboxes.some((id) => !dataset.inbox(id))) {
    errors.push({attr: 'filters.inboxes', code: 'present', detail: 'the requested inbox does not exist'})
  }

  return inboxes
}

/**
 * The instants a report over the days startAt..endAt (inclusive) covers in `timezone`: from midnight of startAt to
 * midnight after endAt. Throws on a timezone that is not IANA's.
 */
export function reportWindow(startAt: string, endAt: string, timezone: string): {startMs: number; endMs: number} {
  const formatter = zoneFormatter(timezone)
  if (!formatter) throw new RangeError(`unknown timezone ${timezone}`)
  const dayAfter = new Date(Date.parse(`${endAt}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
  return {startMs: midnight(startAt, formatter), endMs: midnight(dayAfter, formatter)}
}

export interface RenderedReport {
  csv: string
  rows: number
  filename: string
}

/**
 * A ConversationExportReport as of `now`: its conversations, in creation order, are those of
 * `reportConversationIds`, in the requested inboxes, cut silently to the first `rowCap`.
 */
export function conversationExportReport(
  dataset: GladlyDataset,
  request: ReportRequest,
  now: number,
  rowCap: number,
): RenderedReport {
  const {gladlyUrl} = dataset.organization()
  const inboxes = new Set(request.inboxIds)
  const records: string[][] = []
  for (const id of reportConversationIds(dataset, request, now)) {
    if (records.length >= rowCap) break
    const conversation = dataset.conversation(id, now)
    if (!conversation || (inboxes.size > 0 && !inboxes.has(conversation.inboxId))) continue
    records.push([
      conversation.createdAt,
      conversation.id,
      conversation.customerId,
      `${gladlyUrl}/agent/customer/${conversation.customerId}/conversation/${conversation.id}`,
      conversation.status,
      conversation.agentId ?? '',
      conversation.inboxId,
      dataset.inbox(conversation.inboxId)?.name ?? '',
      conversation.closedAt ?? '',
      conversation.topicIds.map((topicId) => dataset.topic(topicId)?.name ?? topicId).join(', '),
      firstCustomerMessage(dataset.items(id, now) ?? []),
    ])
  }

  const csv = BOM + [[...REPORT_COLUMNS], ...records].map((record) => record.map(csvField).join(',') + CRLF).join('')
  const compact = (day: string): string => day.replaceAll('-', '')
  return {
    csv,
    rows: records.length,
    filename: `${request.metricSet}-${compact(request.startAt)}-${compact(request.endAt)}.csv`,
  }
}

/**
 * Which conversations a report's days hold. Gladly does not document the timestamp a ConversationExportReport
 * filters on; creation is the inference (gladly-api.md §4.7): a conversation is listed once, in the days holding
 * its createdAt, whatever happens to it later. Conversations deleted by a merge are gone from reports too.
 */
function reportConversationIds(dataset: GladlyDataset, request: ReportRequest, now: number): string[] {
  return dataset.conversationsCreatedBetween(request.startMs, request.endMs, now)
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** The text of the customer's first message: chat, email, SMS and social messages hold `content`, Voice AI `body`. */
function firstCustomerMessage(items: ConversationItem[]): string {
  for (const item of items) {
    const text = item.content.content ?? item.content.body
    if (item.initiator?.type === 'CUSTOMER' && typeof text === 'string') return text
  }

  return ''
}

function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** A formatter showing `zone`'s wall clock, or undefined when Intl does not know the zone. */
function zoneFormatter(zone: string): Intl.DateTimeFormat | undefined {
  let formatter = formatters.get(zone)
  if (formatter) return formatter
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch {
    return undefined
  }

  formatters.set(zone, formatter)
  return formatter
}

/** How far the zone's wall clock is ahead of UTC at `ms` (a whole second). */
function offsetMs(formatter: Intl.DateTimeFormat, ms: number): number {
  const part = Object.fromEntries(formatter.formatToParts(new Date(ms)).map(({type, value}) => [type, Number(value)]))
  const wall = Date.UTC(
    part.year ?? 0,
    (part.month ?? 1) - 1,
    part.day ?? 1,
    part.hour ?? 0,
    part.minute ?? 0,
    part.second ?? 0,
  )
  return wall - Math.floor(ms / 1000) * 1000
}

/** The instant the zone's clock shows 00:00 on `day`; the second correction lands on the right side of a DST change. */
function midnight(day: string, formatter: Intl.DateTimeFormat): number {
  const wall = Date.parse(`${day}T00:00:00Z`)
  return wall - offsetMs(formatter, wall - offsetMs(formatter, wall))
}
