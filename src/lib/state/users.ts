import {join} from 'node:path'
import {appendLines, readJsonLines, removeFile} from '../common/index.js'
import {KeyedLog} from './keyed-log.js'
import {profileStateDir} from './store.js'

/** What was last sent of one Enterpret user: the fingerprint of its record, and the createdAt it went with. */
interface SentUser {
  readonly id: string
  readonly fingerprint: string
  /** Epoch seconds, kept so that a user sent again keeps the createdAt Enterpret first got. */
  readonly createdAt: number
}

/** The users Enterpret took, by user id: a user is sent again only when its fingerprint changes. */
export interface SentUsers {
  get(userId: string): SentUser | undefined
  record(users: readonly SentUser[]): Promise<void>
}

/** A user handed to the Users webhook and not yet delivered or dead-lettered: the next run sends it if this one stops. */
interface PendingUser {
  readonly user: {readonly id: string}
  readonly fingerprint: string
}

export interface PendingUsers {
  add(users: readonly PendingUser[]): Promise<void>
  read(): Promise<readonly PendingUser[]>
  /** Every pending user was delivered or dead-lettered. */
  clear(): Promise<void>
}

function sentUserOf(text: string): SentUser | undefined {
  try {
    const value = JSON.parse(text) as Partial<SentUser> | null
    return typeof value?.id === 'string' && typeof value.fingerprint === 'string' && typeof value.createdAt === 'number'
      ? {id: value.id, fingerprint: value.fingerprint, createdAt: value.createdAt}
      : undefined
  } catch {
    return undefined
  }
}

const sentUsersPath = (stateDir: string, profile: string) => join(profileStateDir(stateDir, profile), 'users.jsonl')
const pendingUsersPath = (stateDir: string, profile: string) =>
  join(profileStateDir(stateDir, profile), 'users-pending.jsonl')

export async function openSentUsers(stateDir: string, profile: string): Promise<SentUsers> {
  const file = await KeyedLog.open(sentUsersPath(stateDir, profile), sentUserOf, true)
  return {
    get: (userId) => file.get(userId),
    async record(users) {
      file.append(users.map(({id, fingerprint, createdAt}) => ({id, fingerprint, createdAt})))
    },
  }
}

/** A dry run's: what it would send is remembered in memory only, so a user it previews once is not previewed again. */
export async function readOnlySentUsers(stateDir: string, profile: string): Promise<SentUsers> {
  const file = await KeyedLog.open(sentUsersPath(stateDir, profile), sentUserOf, false)
  const wouldSend = new Map<string, SentUser>()
  return {
    get: (userId) => wouldSend.get(userId) ?? file.get(userId),
    async record(users) {
      for (const user of users) wouldSend.set(user.id, user)
    },
  }
}

const isPending = (value: unknown): value is PendingUser => {
  const line = value as Partial<PendingUser> | null
  return typeof line?.fingerprint === 'string' && typeof line.user?.id === 'string'
}

export function openPendingUsers(stateDir: string, profile: string): PendingUsers {
  const path = pendingUsersPath(stateDir, profile)
  return {
    add: (users) =>
      appendLines(
        path,
        users.map((user) => JSON.stringify(user)),
      ),
    // A line torn by a kill is left out: its user was not handed to the webhook yet, and its conversation's
    // delivery is booked only after this file is written.
    read: async () => (await readJsonLines(path)).values.filter(isPending),
    clear: () => removeFile(path),
  }
}

/** Forgets which users were sent (state reset): each goes again with the next conversation of its customer. */
export async function forgetSentUsers(stateDir: string, profile: string): Promise<void> {
  await removeFile(sentUsersPath(stateDir, profile))
}
