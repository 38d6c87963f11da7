import {parse} from 'csv-parse/sync'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {ExitCode, type RateLimiter} from '../common/index.js'
import type {GladlyError} from './errors.js'
import type {GladlyHttp, GladlyResponse} from './http.js'

/*
 * Gladly's Reports API: the only perpetual, date-ranged index of conversations (gladly-api.md §4.7).
 * `ConversationExportReport` lists conversations by day; the backfill reads their ids from it.
 */

export const REPORT_METRIC_SET = 'ConversationExportReport'

/**
 * Inferred: Gladly documents no row limit for a report. Exports of this kind are assumed to stop
 * silently at a cap (GLADLY_REPORT_ROW_CAP, 10,000 by default), so a window that comes back with 90%
 * of it is asked again in parts.
 */
const SPLIT_AT_SHARE = 0.9

/** Whole UTC days, both included, as the Reports API takes them; optionally only some inboxes. */
export interface ReportWindow {
  readonly startDay: string
  readonly endDay: string
  readonly inboxes?: readonly string[]
}

const DAY_MS = 24 * 60 * 60 * 1000

export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10)
}

export function addDays(day: string, days: number): string {
  return dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS))
}

/** Days from `startDay` to `endDay`, both included. */
export function daysBetween(startDay: string, endDay: string): number {
  return Math.round((Date.parse(`${endDay}T00:00:00Z`) - Date.parse(`${startDay}T00:00:00Z`)) / DAY_MS) + 1
}

function describe(window: ReportWindow): string {
  const days = window.startDay === window.endDay ? window.startDay : `${window.startDay} – ${window.endDay}`
  return window.inboxes ? `${days} (${window.inboxes.length} inbox${window.inboxes.length === 1 ? '' : 'es'})` : days
}

function windowError(window: ReportWindow, message: string): GladlyError {
  return {
    _tag: 'GladlyHttpError',
    status: 200,
    path: '/reports',
    exit: ExitCode.failure,
    message: `Gladly's conversation report for ${describe(window)} ${message}`,
  }
}

// Headers are matched loosely: Gladly's UI exports say "Conversation ID", API clients have seen conversation_id.
const normalizeHeader = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '')

/**
 * The columns of a ConversationExportReport row the backfill uses, each under the names it is known by (normalized:
 * lower case, letters and digits only): help.gladly.com's "Conversation Export" report and the snake_case columns
 * other integrations read (gladly-api.md §4.7). INFERRED where neither source is exact: "current" inbox and agent
 * columns are the conversation's assignee now, as `GET /conversations/{id}` gives them; "Topics" lists topic names.
 */
const REPORT_COLUMN_NAMES = {
  conversationId: ['conversationid'],
  createdAt: ['conversationcreatedat', 'createdat', 'timestampcreatedat'],
  customerId: ['customerid'],
  link: ['conversationlink'],
  status: ['status', 'conversationstatus'],
  agentId: ['assignedagentid', 'assignedagentidcurrent', 'currentassignedagentid', 'agentid'],
  inboxId: ['inboxid', 'inboxidcurrent', 'currentinboxid'],
  closedAt: ['lastclosedat', 'closedat', 'conversationclosedat'],
  topics: ['topics', 'topicnames'],
} as const

type ReportColumn = keyof typeof REPORT_COLUMN_NAMES

/** One row of a conversation report: its id, and whichever of the other columns the report has (empty = absent). */
export type ReportRow = {readonly conversationId: string} & {
  readonly [K in Exclude<ReportColumn, 'conversationId'>]?: string
}

/** The rows of a report body; an error when it is not the CSV Gladly documents. */
export function reportRows(response: GladlyResponse, window: ReportWindow): E.Either<GladlyError, ReportRow[]> {
  const type = String(response.headers['content-type'] ?? '')
  if (!/csv/i.test(type)) return E.left(windowError(window, `is not CSV (Content-Type ${type || 'missing'}).`))
  let rows: string[][]
  try {
    // A real CSV parser: fields may hold quoted commas and newlines; there may be a BOM and blank lines.
    rows = parse(response.body, {bom: true, skip_empty_lines: true, relax_column_count: true}) as string[][]
  } catch (error) {
    return E.left(windowError(window, `is not valid CSV (${(error as Error).message}).`))
  }
  const [header, ...records] = rows
  const names = (header ?? []).map(normalizeHeader)
  const columns = Object.entries(REPORT_COLUMN_NAMES).flatMap(([column, known]) => {
    const index = names.findIndex((name) => (known as readonly string[]).includes(name))
    return index === -1 ? [] : [[column as ReportColumn, index] as const]
  })
  if (!columns.some(([column]) => column === 'conversationId'))
    return E.left(
      windowError(window, `has no "Conversation ID" column (columns: ${(header ?? []).join(', ') || 'none'}).`),
    )
  const toRow = (record: string[]): ReportRow => {
    const row: Record<string, string> = {}
    for (const [column, index] of columns) {
      const value = (record[index] ?? '').trim()
      if (value !== '') row[column] = value
    }
    return row as ReportRow
  }
  return E.right(records.map(toRow).filter((row) => row.conversationId !== undefined))
}

/**
 * A 200 whose body is not the report (an HTML error page from a proxy, a login page, a CSV without the id column:
 * seen in production by other Gladly integrations) is asked for again this many times, each within the reports'
 * budget, before the window fails.
 */
const REPORT_REREADS = 3

/** One `POST /reports` for a window, paced by the reports' own limit as well as the org's; asked again if unusable. */
function requestReport(
  http: GladlyHttp,
  reportLimit: RateLimiter,
  window: ReportWindow,
  onReread?: (problem: string) => void,
): TE.TaskEither<GladlyError, ReportRow[]> {
  const attempt = (rereadsLeft: number): TE.TaskEither<GladlyError, ReportRow[]> =>
    pipe(
      askReport(http, reportLimit, window),
      TE.orElse((error) => {
        if (!isUnusableBody(error) || rereadsLeft === 0) return TE.left(error)
        onReread?.(error.message)
        return attempt(rereadsLeft - 1)
      }),
    )
  return attempt(REPORT_REREADS)
}

// A window error is a 200 whose body could not be used; any other status has its own handling (retries, auth).
const isUnusableBody = (error: GladlyError) => error._tag === 'GladlyHttpError' && error.status === 200

function askReport(
  http: GladlyHttp,
  reportLimit: RateLimiter,
  window: ReportWindow,
): TE.TaskEither<GladlyError, ReportRow[]> {
  const body = {
    metricSet: REPORT_METRIC_SET,
    startAt: window.startDay,
    endAt: window.endDay,
    timezone: 'UTC',
    ...(window.inboxes ? {filters: {inboxes: window.inboxes}} : {}),
  }
  return pipe(
    http.post('/reports', body, reportLimit),
    TE.chainEitherK((response) =>
      response.status === 200
        ? reportRows(response, window)
        : E.left<GladlyError, ReportRow[]>({
            _tag: 'GladlyHttpError',
            status: response.status,
            path: '/reports',
            exit: ExitCode.failure,
            message: `Gladly answered ${response.status} to the conversation report for ${describe(window)}: ${response.body.slice(0, 300)}`,
          }),
    ),
  )
}

function halves<A>(list: readonly A[]): [A[], A[]] {
  const middle = Math.ceil(list.length / 2)
  return [list.slice(0, middle), list.slice(middle)]
}

export interface WindowIds {
  readonly window: ReportWindow
  readonly rows: readonly ReportRow[]
  /** Rows at the cap with nothing left to split by: some conversations may be missing. */
  readonly possiblyCut: boolean
}

/**
 * The conversation ids of a window, asked again in smaller parts while a report comes back near
 * the row cap: days first, then, within a single day, groups of inboxes. Nothing is silently cut.
 */
export interface ReportSource {
  readonly http: GladlyHttp
  /** The Reports API's own limit, on top of the org's requests per second. */
  readonly limit: RateLimiter
  readonly rowCap: number
  /** Every inbox, to split a single day that is still full. */
  readonly inboxIds: readonly string[]
  /** Told when a report's body was unusable and it is asked for again. */
  readonly onReread?: (problem: string) => void
}

export async function* reportConversations(
  source: ReportSource,
  window: ReportWindow,
): AsyncGenerator<E.Either<GladlyError, WindowIds>> {
  const ids = await requestReport(source.http, source.limit, window, source.onReread)()
  if (ids._tag === 'Left' || ids.right.length < Math.floor(source.rowCap * SPLIT_AT_SHARE)) {
    yield E.map((rows: ReportRow[]) => ({window, rows, possiblyCut: false}))(ids)
    return
  }
  const days = daysBetween(window.startDay, window.endDay)
  if (days > 1) {
    const firstEnd = addDays(window.startDay, Math.ceil(days / 2) - 1)
    yield* reportConversations(source, {...window, endDay: firstEnd})
    yield* reportConversations(source, {...window, startDay: addDays(firstEnd, 1)})
    return
  }
  const inboxes = window.inboxes ?? source.inboxIds
  if (inboxes.length > 1) {
    for (const part of halves(inboxes)) yield* reportConversations(source, {...window, inboxes: part})
    return
  }
  yield E.right({window, rows: ids.right, possiblyCut: true})
}
