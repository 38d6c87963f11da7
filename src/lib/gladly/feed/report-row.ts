import {decode} from '../../common/index.js'
import {Conversation, type Topic} from '../codecs.js'
import type {ReportRow} from '../reports.js'

/** Topic ids by name; a name two topics share (names are not unique) maps to both, and so cannot be used. */
export function topicIdsByName(topics: Iterable<Topic>): Map<string, string[]> {
  const byName = new Map<string, string[]>()
  for (const topic of topics) {
    byName.set(topic.name, [...(byName.get(topic.name) ?? []), topic.id])
  }
  return byName
}

// The report joins a conversation's topic names with this; a name may itself hold it.
const TOPIC_SEPARATOR = ', '

/**
 * The topic ids of a report's "Topics" cell, when they can be told for sure: each name known and unique, and only one
 * way to cut the cell into names. Otherwise undefined, and the conversation is asked for instead.
 */
function topicIdsOfCell(
  cell: string | undefined,
  byName: ReadonlyMap<string, readonly string[]>,
): string[] | undefined {
  const ids: string[] = []
  let rest = cell ?? ''
  while (rest !== '') {
    const matches = [...byName.keys()].filter((name) => rest === name || rest.startsWith(name + TOPIC_SEPARATOR))
    const only = matches.length === 1 ? byName.get(matches[0] as string) : undefined
    if (only?.length !== 1) return undefined
    ids.push(only[0] as string)
    rest = rest.slice((matches[0] as string).length + TOPIC_SEPARATOR.length)
  }
  return ids
}

export interface RowUse {
  readonly topicsByName: ReadonlyMap<string, readonly string[]>
  /** Custom attributes are wanted in records: the report has none, so no row can stand for the conversation. */
  readonly customAttributes: () => boolean
}

/**
 * What `GET /conversations/{id}` would say, read from the conversation's report row, when the row can say all of it:
 * a closed conversation (a row in another status, MERGED included, is asked for: it may have changed or gone), its
 * customer, inbox, creation and close times that read as Gladly's timestamps, and topics that name topics for sure.
 * The report carries no custom attributes, so none is built where they are wanted. Undefined: ask Gladly.
 */
export function conversationOfRow(row: ReportRow, use: RowUse): Conversation | undefined {
  if (row.status !== 'CLOSED' || use.customAttributes()) return undefined
  const topicIds = topicIdsOfCell(row.topics, use.topicsByName)
  if (topicIds === undefined) return undefined
  const candidate = {
    id: row.conversationId,
    customerId: row.customerId,
    createdAt: row.createdAt,
    inboxId: row.inboxId,
    status: row.status,
    topicIds,
    customAttributes: [],
    closedAt: row.closedAt,
    ...(row.agentId === undefined ? {} : {agentId: row.agentId}),
  }
  const decoded = decode(Conversation, candidate, 'report row')
  return decoded._tag === 'Right' && decoded.right.closedAt !== undefined ? decoded.right : undefined
}
