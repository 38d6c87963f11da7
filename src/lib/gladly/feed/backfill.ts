import {reportConversations, type ReportSource, type ReportWindow} from '../reports.js'
import {conversationsById, type ByIdOptions} from './by-id.js'
import type {FeedEvent} from './feed.js'

export interface BackfillOptions extends ByIdOptions {
  readonly reports: ReportSource
  readonly window: ReportWindow
  readonly onWarning: (message: string) => void
}

/**
 * The conversations of one backfill window, from Gladly's conversation report: each closed one with
 * its whole transcript (GET /conversations/{id} and /items), the rest accounted for.
 */
export async function* backfillFeed(options: BackfillOptions): AsyncGenerator<FeedEvent> {
  for await (const part of reportConversations(options.reports, options.window)) {
    if (part._tag === 'Left') {
      yield {_tag: 'UnitFailed', error: part.left}
      return
    }
    if (part.right.possiblyCut) {
      options.onWarning(
        `Gladly's conversation report for ${part.right.window.startDay} returned ${part.right.conversationIds.length} rows, at its row limit, for a single inbox and day: conversations beyond the limit may be missing.`,
      )
    }
    yield* conversationsById(options, part.right.conversationIds)
  }
}
