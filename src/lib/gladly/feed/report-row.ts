import {decode} from '../../common/index.js'
import {Conversation, isUnknownContent, type ConversationItem, type Topic} from '../codecs.js'
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
  readonly topicNamesById: ReadonlyMap<string, string>
  /** Custom attributes are wanted in records: the report has none, so no row can stand for the conversation. */
  readonly customAttributes: () => boolean
}

/** What a report row says of its conversation. */
export type RowReading =
  | {readonly _tag: 'Whole'; readonly conversation: Conversation}
  /**
   * All but its topics, whose names in the row are not unique (or not known): the conversation's items may tell
   * them (see `withTopicsOfItems`), else it is asked for. `conversation.topicIds` is empty.
   */
  | {readonly _tag: 'TopicsUnsure'; readonly conversation: Conversation; readonly topicNames: string}
  /** Ask Gladly: not closed (or merged: the lookup says where it went), custom attributes wanted, a bad time. */
  | {readonly _tag: 'Lookup'}

const LOOKUP: RowReading = {_tag: 'Lookup'}

/**
 * What `GET /conversations/{id}` would say, read from the conversation's report row, when the row can say it: a
 * closed conversation (a row in another status, MERGED included, is asked for: it may have changed or gone), its
 * customer, inbox, creation and close times that read as Gladly's timestamps, and topics that name topics for sure.
 * The report carries no custom attributes, so none is built where they are wanted.
 */
export function conversationOfRow(row: ReportRow, use: RowUse): RowReading {
  if (row.status !== 'CLOSED' || use.customAttributes()) return LOOKUP
  const topicIds = topicIdsOfCell(row.topics, use.topicsByName)
  const candidate = {
    id: row.conversationId,
    customerId: row.customerId,
    createdAt: row.createdAt,
    inboxId: row.inboxId,
    status: row.status,
    topicIds: topicIds ?? [],
    customAttributes: [],
    closedAt: row.closedAt,
    ...(row.agentId === undefined ? {} : {agentId: row.agentId}),
  }
  const decoded = decode(Conversation, candidate, 'report row')
  if (decoded._tag === 'Left' || decoded.right.closedAt === undefined) return LOOKUP
  return topicIds === undefined
    ? {_tag: 'TopicsUnsure', conversation: decoded.right, topicNames: row.topics ?? ''}
    : {_tag: 'Whole', conversation: decoded.right}
}

/**
 * The conversation with the topics its TOPIC_CHANGE items leave it with, replayed oldest first, when their names are
 * those of the row's cell (in any order): the items settle which of two topics of the same name it has, with no
 * lookup. Undefined where they do not (a change the items do not show, a topic not known): ask Gladly then.
 */
export function withTopicsOfItems(
  reading: Extract<RowReading, {_tag: 'TopicsUnsure'}>,
  items: readonly ConversationItem[],
  {topicNamesById}: RowUse,
): Conversation | undefined {
  const current = new Set<string>()
  for (const {content} of items) {
    if (isUnknownContent(content) || content.type !== 'TOPIC_CHANGE') continue
    for (const id of content.addedTopicIds ?? []) current.add(id)
    for (const id of content.removedTopicIds ?? []) current.delete(id)
  }
  const names = [...current].map((id) => topicNamesById.get(id))
  if (names.some((name) => name === undefined)) return undefined
  // The cell joins names with TOPIC_SEPARATOR, which a name may hold itself: compare the pieces.
  const pieces = (list: readonly string[]) => list.flatMap((name) => name.split(TOPIC_SEPARATOR)).sort()
  const cell = reading.topicNames === '' ? [] : [reading.topicNames]
  const same = JSON.stringify(pieces(names as string[])) === JSON.stringify(pieces(cell))
  return same ? {...reading.conversation, topicIds: [...current]} : undefined
}
