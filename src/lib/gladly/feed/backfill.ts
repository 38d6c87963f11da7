import {reportConversations, type ReportSource, type ReportWindow} from '../reports.js'
import type {Topic} from '../codecs.js'
import {conversationsOfRows, type ByIdOptions} from './by-id.js'
import type {FeedEvent} from './feed.js'
import {topicIdsByName} from './report-row.js'

export interface BackfillOptions extends ByIdOptions {
  readonly reports: ReportSource
  readonly window: ReportWindow
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
  for await (const part of reportConversations(options.reports, options.window)) {
    if (part._tag === 'Left') {
      yield {_tag: 'UnitFailed', error: part.left}
      return
    }
    if (part.right.possiblyCut) {
      options.onWarning(
        `Gladly's conversation report for ${part.right.window.startDay} returned ${part.right.rows.length} rows, at its row limit, for a single inbox and day: conversations beyond the limit may be missing.`,
      )
    }
    const use = {topicsByName: topicIdsByName(options.topics()), customAttributes: options.customAttributes}
    yield* conversationsOfRows(options, use, part.right.rows)
  }
}
