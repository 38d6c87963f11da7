import * as E from 'fp-ts/lib/Either.js'
import {closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {ExitCode} from '../common/index.js'
import type {LockHeld, LockInfo, StateError} from './errors.js'
import {profileStateDir} from './store.js'

export interface Lock {
  readonly path: string
  readonly release: () => void
}

export interface LockStatus {
  readonly path: string
  readonly holder?: LockInfo & {readonly alive: boolean}
}

export function lockPath(stateDir: string, profile: string): string {
  return join(profileStateDir(stateDir, profile), 'import.lock')
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

function readHolder(path: string): (LockInfo & {alive: boolean}) | undefined {
  let info: LockInfo
  try {
    info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo
  } catch {
    return undefined
  }
  // A pid is only meaningful on its own host; a lock from another host is treated as live.
  const alive = info.host !== hostname() || isAlive(info.pid)
  return {...info, alive}
}

export function lockStatus(stateDir: string, profile: string): LockStatus {
  const path = lockPath(stateDir, profile)
  return {path, holder: readHolder(path)}
}

function held(path: string, holder: LockInfo): LockHeld {
  return {
    _tag: 'LockHeld',
    exit: ExitCode.failure,
    holder,
    message: `Another import is running for this profile: pid ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.startedAt}).`,
    suggestions: [`Wait for it to finish. If that process is gone for good, remove ${path}.`],
  }
}

export interface AcquireOptions {
  readonly command: string
  readonly onStaleLock?: (holder: LockInfo) => void
}

/**
 * An exclusive lock file created with O_EXCL, so two imports of one profile never overlap. A lock
 * left by a dead process on this host is taken over (and reported through `onStaleLock`).
 */
export function acquireLock(stateDir: string, profile: string, options: AcquireOptions): E.Either<LockHeld | StateError, Lock> {
  const path = lockPath(stateDir, profile)
  mkdirSync(profileStateDir(stateDir, profile), {recursive: true, mode: 0o700})
  const info: LockInfo = {pid: process.pid, host: hostname(), command: options.command, startedAt: new Date().toISOString()}
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, JSON.stringify(info))
      closeSync(fd)
      const release = () => {
        if (readHolder(path)?.pid === process.pid) rmSync(path, {force: true})
        process.off('exit', release)
      }
      process.on('exit', release)
      return E.right({path, release})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        return E.left({_tag: 'StateError', exit: ExitCode.failure, message: `Could not create the lock file ${path}: ${(error as Error).message}`})
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
  return E.left(holder ? held(path, holder) : {_tag: 'StateError', exit: ExitCode.failure, message: `Could not take the lock ${path}.`})
}
