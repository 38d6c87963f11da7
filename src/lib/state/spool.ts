import {readdir, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {appendLines, readJsonLines, removeFile, safeFileName, writeAtomically} from '../common/index.js'
import {profileStateDir} from './store.js'

/**
 * Items of conversations that are not closed yet, one append-only file per conversation, so that
 * when a later export job closes a conversation its whole transcript is already here. The first
 * line records since when the spool has the conversation's items.
 */
interface SpooledConversation {
  /** The export window start from which every item of the conversation is here. */
  readonly since: string
  /** Items as they were stored (JSON values), in the order they were appended; may repeat an item. */
  readonly items: readonly unknown[]
  /** Some of what was stored could not be read back: the transcript must not be built from this copy alone. */
  readonly damaged?: boolean
}

export interface Spool {
  read(conversationId: string): Promise<SpooledConversation | undefined>
  /** Appends items; the first call for a conversation records `since`. */
  keep(conversationId: string, since: string, items: readonly unknown[]): Promise<void>
  drop(conversationId: string): Promise<void>
  /**
   * Records that items of the conversation exist that the spool never saw (a merge moved them in):
   * when it closes, it is fetched whole.
   */
  markIncomplete(conversationId: string): Promise<void>
  /** Removes conversations with no activity for `days`: they are fetched whole if they ever close. */
  expire(days: number, now: Date): Promise<number>
  count(): Promise<number>
}

/** A `since` later than any conversation's start: the transcript is never complete locally. */
const INCOMPLETE = '9999-12-31T23:59:59Z'

interface Header {
  readonly since: string
}

const isHeader = (value: unknown): value is Header =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as {since?: unknown}).since === 'string' &&
  !('id' in value)

export function spoolDir(stateDir: string, profile: string): string {
  return join(profileStateDir(stateDir, profile), 'spool')
}

export function openSpool(stateDir: string, profile: string): Spool {
  return openSpoolAt(spoolDir(stateDir, profile))
}

function openSpoolAt(dir: string): Spool {
  const file = (conversationId: string) => join(dir, `${safeFileName(conversationId)}.jsonl`)
  const names = async () => {
    try {
      return (await readdir(dir)).filter((name) => name.endsWith('.jsonl'))
    } catch {
      return []
    }
  }

  return {
    async read(conversationId) {
      const {values, damaged} = await readJsonLines(file(conversationId))
      const [header, ...items] = values
      if (header === undefined) return damaged ? {since: INCOMPLETE, items: [], damaged} : undefined
      // Without its header the file's start is lost: its items are not all the conversation's since any date.
      if (!isHeader(header)) return {since: INCOMPLETE, items: values, damaged: true}
      return {since: header.since, items, ...(damaged ? {damaged} : {})}
    },
    async keep(conversationId, since, items) {
      const path = file(conversationId)
      const fresh = (await readJsonLines(path)).values.length === 0
      await appendLines(path, [
        ...(fresh ? [JSON.stringify({since})] : []),
        ...items.map((item) => JSON.stringify(item)),
      ])
    },
    drop: (conversationId) => removeFile(file(conversationId)),
    async markIncomplete(conversationId) {
      const [, ...items] = (await readJsonLines(file(conversationId))).values
      await writeAtomically(
        file(conversationId),
        [JSON.stringify({since: INCOMPLETE}), ...items.map((item) => JSON.stringify(item))]
          .map((line) => `${line}\n`)
          .join(''),
      )
    },
    async expire(days, now) {
      const cutoff = now.getTime() - days * 24 * 60 * 60 * 1000
      let removed = 0
      for (const name of await names()) {
        const path = join(dir, name)
        if ((await stat(path)).mtimeMs < cutoff) {
          await removeFile(path)
          removed++
        }
      }
      return removed
    },
    count: async () => (await names()).length,
  }
}

/**
 * A dry run's spool: reads see the real spool plus what this run kept, writes go to a scratch folder,
 * so a multi-job dry run assembles transcripts like an import while the real spool stays untouched.
 */
export function overlaySpool(real: Spool, scratchDir: string): Spool {
  const scratch = openSpoolAt(scratchDir)
  return {
    async read(conversationId) {
      const [base, added] = await Promise.all([real.read(conversationId), scratch.read(conversationId)])
      if (base === undefined) return added
      if (added === undefined) return base
      const damaged = base.damaged === true || added.damaged === true
      return {
        since: added.since === INCOMPLETE ? INCOMPLETE : base.since,
        items: [...base.items, ...added.items],
        ...(damaged ? {damaged} : {}),
      }
    },
    keep: (conversationId, since, items) => scratch.keep(conversationId, since, items),
    markIncomplete: (conversationId) => scratch.markIncomplete(conversationId),
    drop: (conversationId) => scratch.drop(conversationId),
    expire: async () => 0,
    count: () => real.count(),
  }
}
