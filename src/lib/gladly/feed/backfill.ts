import * as E from 'fp-ts/lib/Either.js'
import type {Topic} from '../codecs.js'
import type {GladlyError} from '../errors.js'
import {reportConversations, type ReportSource, type ReportWindow, type WindowIds} from '../reports.js'
import {conversationsOfRows, type ByIdOptions} from './by-id.js'
import type {FeedEvent} from './feed.js'
import {topicIdsByName} from './report-row.js'

/** A window's report, every part of it once it was asked again in parts; or why it could not be read. */
export type WindowReport = E.Either<GladlyError, readonly WindowIds[]>

/**
 * Every part of a window's report, read to the end, so that it can be asked for ahead of the window's conversations
 * (its rows are ids and a few short columns: a full report of 10,000 rows is about 2 MB).
 */
export async function windowReport(source: ReportSource, window: ReportWindow): Promise<WindowReport> {
  const parts: WindowIds[] = []
  for await (const part of reportConversations(source, window)) {
    if (part._tag === 'Left') return part
    parts.push(part.right)
  }
  return E.right(parts)
}

/** The rows a window's report returned, all parts together. */
export const reportRowCount = (parts: readonly WindowIds[]): number =>
  parts.reduce((sum, part) => sum + part.rows.length, 0)

export interface BackfillOptions extends ByIdOptions {
  /** The window's report, asked for already (while the window before was read). */
  readonly report: Promise<WindowReport>
  readonly onWarning: (message: string) => void
  /** The organization's topics as known now, to tell the ids of a row's topic names. */
  readonly topics: () => Iterable<Topic>
  /** Asked per row: custom attributes are wanted (or still looked for), and the report has none. */
  readonly customAttributes: () => boolean
}

/**
 * The conversations of one backfill window, from Gladly's conversation report: each closed one with
 * its whole transcript, the rest accounted for. The report's row stands for GET /conversations/{id} where it
 * can, so a closed conversation costs one request (its items).
 */
export async function* backfillFeed(options: BackfillOptions): AsyncGenerator<FeedEvent> {
  const report = await options.report
  if (report._tag === 'Left') {
    yield {_tag: 'UnitFailed', error: report.left}
    return
  }
  for (const part of report.right) {
    if (part.possiblyCut) {
      options.onWarning(
        `Gladly's conversation report for ${part.window.startDay} returned ${part.rows.length} rows, at its row limit, for a single inbox and day: conversations beyond the limit may be missing.`,
      )
    }
    const topics = [...options.topics()]
    const use = {
      topicsByName: topicIdsByName(topics),
      topicNamesById: new Map(topics.map((topic) => [topic.id, topic.name])),
      customAttributes: options.customAttributes,
    }
    yield* conversationsOfRows(options, use, part.rows)
  }
}
