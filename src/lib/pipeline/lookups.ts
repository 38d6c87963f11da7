import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {
  getAgents,
  getInboxes,
  getTopics,
  type Agent,
  type GladlyError,
  type GladlyHttp,
  type Inbox,
  type Topic,
} from '../gladly/index.js'
import type {CustomAttributeName} from '../transform/index.js'

/** The reference lists a transform resolves ids against: fetched once per run, topped up by job files. */
export interface RunLookups {
  readonly agents: Map<string, Agent>
  readonly topics: Map<string, Topic>
  readonly inboxes: Map<string, Inbox>
  /** Custom attribute names, from the state and looked up as conversations bring new ones (a mapping keys by name). */
  readonly customAttributes: Map<string, CustomAttributeName>
}

const byId = <A extends {readonly id: string}>(list: readonly A[]) => new Map(list.map((entry) => [entry.id, entry]))

export function fetchLookups(
  http: GladlyHttp,
  knownAttributes: Readonly<Record<string, CustomAttributeName>>,
): TE.TaskEither<GladlyError, RunLookups> {
  return pipe(
    TE.Do,
    TE.bind('agents', () => getAgents(http)),
    TE.bind('topics', () => getTopics(http)),
    TE.bind('inboxes', () => getInboxes(http)),
    TE.map(({agents, topics, inboxes}) => ({
      agents: byId(agents),
      topics: byId(topics),
      inboxes: byId(inboxes),
      customAttributes: new Map(Object.entries(knownAttributes)),
    })),
  )
}

export function addFromJob(
  lookups: RunLookups,
  job: {readonly agents: readonly Agent[]; readonly topics: readonly Topic[]},
): void {
  for (const agent of job.agents) lookups.agents.set(agent.id, agent)
  for (const topic of job.topics) lookups.topics.set(topic.id, topic)
}
