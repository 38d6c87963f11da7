import * as E from 'fp-ts/lib/Either.js'
import {closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {ExitCode} from '../common/index.js'
import type {LockHeld, LockInfo, StateError} from './errors.js'
import {profileStateDir} from './store.js'

/**
 * A pid and a host name do not identify a process in containers: a restarted pod may get another host name, or the
 * same pid 1 in a new PID namespace. So a lock is also a lease, renewed every LEASE_RENEW_MS while the import
 * runs; one not renewed for LEASE_STALE_MS is stale wherever it was taken (a holder frozen that long loses it).
 */
const LEASE_RENEW_MS = 30_000
export const LEASE_STALE_MS = 120_000

export interface Lock {
  readonly path: string
  readonly release: () => void
}

export interface LockStatus {
  readonly path: string
  readonly holder?: LockInfo & {readonly alive: boolean; readonly leaseAgeMs?: number}
}

export function lockPath(stateDir: string, profile: string, file = 'import.lock'): string {
  return join(profileStateDir(stateDir, profile), file)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The lock files this process holds. */
const heldHere = new Set<string>()

function readInfo(path: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo> | null
    return typeof info?.pid === 'number' && typeof info.host === 'string' ? (info as LockInfo) : undefined
  } catch {
    return undefined
  }
}

/** Whether the holder still runs: its lease is fresh, and on this host its pid is alive and not ours. */
function readHolder(path: string, now = Date.now()): (LockInfo & {alive: boolean; leaseAgeMs?: number}) | undefined {
  const info = readInfo(path)
  if (info === undefined) return undefined
  const renewed = info.refreshedAt === undefined ? undefined : Date.parse(info.refreshedAt)
  const leaseAgeMs = renewed === undefined || Number.isNaN(renewed) ? undefined : Math.max(0, now - renewed)
  const here = info.host === hostname()
  // A lock naming this process that it does not hold comes from an earlier PID namespace (a restarted container).
  const pidLive = !here || (info.pid === process.pid ? heldHere.has(path) : isAlive(info.pid))
  // A lock without a lease (an older version's) is judged by its pid alone, as it was then.
  const leaseLive = info.refreshedAt === undefined || (leaseAgeMs !== undefined && leaseAgeMs < LEASE_STALE_MS)
  return {...info, alive: pidLive && leaseLive, ...(leaseAgeMs === undefined ? {} : {leaseAgeMs})}
}

export function lockStatus(stateDir: string, profile: string): LockStatus {
  const path = lockPath(stateDir, profile)
  return {path, holder: readHolder(path)}
}

function held(path: string, holder: LockInfo & {leaseAgeMs?: number}): LockHeld {
  const lease = holder.leaseAgeMs === undefined ? '' : `, lease renewed ${Math.round(holder.leaseAgeMs / 1000)} s ago`
  return {
    _tag: 'LockHeld',
    exit: ExitCode.failure,
    holder,
    message: `Another ${holder.command === 'watch' ? 'watch' : 'import'} is running for this profile: pid ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.startedAt}${lease}).`,
    suggestions: [
      holder.refreshedAt === undefined
        ? `Wait for it to finish. If that process is gone for good, remove ${path}.`
        : `Wait for it to finish. A lock whose holder is gone is taken over once its lease is ${LEASE_STALE_MS / 60_000} minutes old.`,
    ],
  }
}

/** Rewrites the lease as a whole file (a reader never sees half of it), as long as the lock is still this one's. */
function renewLease(path: string, info: LockInfo): boolean {
  const current = readInfo(path)
  if (current?.pid !== info.pid || current.host !== info.host || current.startedAt !== info.startedAt) return false
  const next = `${path}.${process.pid}.tmp`
  writeFileSync(next, JSON.stringify({...info, refreshedAt: new Date().toISOString()}), {mode: 0o600})
  renameSync(next, path)
  return true
}

export interface AcquireOptions {
  readonly command: string
  readonly onStaleLock?: (holder: LockInfo) => void
  /** Another process took the lock over (this one's lease had gone stale, e.g. while it was frozen). */
  readonly onLost?: () => void
  readonly renewEveryMs?: number
  /** Another lock file of the profile than the state's (`import.lock`), e.g. `watch.lock`. */
  readonly file?: string
}

/**
 * An exclusive lock file created with O_EXCL, so two imports of one profile never overlap. A lock
 * left by a dead process on this host is taken over (and reported through `onStaleLock`).
 */
export function acquireLock(
  stateDir: string,
  profile: string,
  options: AcquireOptions,
): E.Either<LockHeld | StateError, Lock> {
  const path = lockPath(stateDir, profile, options.file)
  mkdirSync(profileStateDir(stateDir, profile), {recursive: true, mode: 0o700})
  const startedAt = new Date().toISOString()
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    command: options.command,
    startedAt,
    refreshedAt: startedAt,
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, JSON.stringify(info))
      closeSync(fd)
      const renewal = setInterval(() => {
        let renewed: boolean
        try {
          renewed = renewLease(path, info)
        } catch {
          // A full disk or a read-only folder: the lease is retried at the next tick, and goes stale if it never is.
          return
        }
        if (!renewed) {
          clearInterval(renewal)
          options.onLost?.()
        }
      }, options.renewEveryMs ?? LEASE_RENEW_MS)
      renewal.unref()
      heldHere.add(path)
      const release = () => {
        clearInterval(renewal)
        heldHere.delete(path)
        const current = readInfo(path)
        if (current?.pid === info.pid && current.host === info.host && current.startedAt === info.startedAt)
          rmSync(path, {force: true})
        process.off('exit', release)
      }
      process.on('exit', release)
      return E.right({path, release})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        return E.left({
          _tag: 'StateError',
          exit: ExitCode.failure,
          message: `Could not create the lock file ${path}: ${(error as Error).message}`,
        })
      }
    }
    const holder = readHolder(path)
    if (holder?.alive) return E.left(held(path, holder))
    // Dead holder (or an empty file from a crash between create and write): take over once; if
    // another process wins that race, the next attempt sees it as the live holder.
    if (holder) options.onStaleLock?.(holder)
    rmSync(path, {force: true})
  }
  const holder = readHolder(path)
  return E.left(
    holder
      ? held(path, holder)
      : {_tag: 'StateError', exit: ExitCode.failure, message: `Could not take the lock ${path}.`},
  )
}
