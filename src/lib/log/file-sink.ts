import type {ConsolaReporter, LogObject} from 'consola'
import {appendFileSync, mkdirSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {format} from 'node:util'

const FILE_NAME = /^gladly-enterpret-(\d{4}-\d{2}-\d{2})(\.error|\.malformed)?\.log$/
const DAY_MS = 24 * 60 * 60 * 1000
const LOG_RETENTION_DAYS = 14

/** Log files are named by UTC day so that runs from different time zones land in the same file. */
export function logFileNames(date: Date): {all: string; errors: string} {
  const day = date.toISOString().slice(0, 10)
  return {all: `gladly-enterpret-${day}.log`, errors: `gladly-enterpret-${day}.error.log`}
}

export function removeExpiredLogs(logDir: string, now: Date): string[] {
  let names: string[]
  try {
    names = readdirSync(logDir)
  } catch {
    return []
  }
  const cutoff = now.getTime() - LOG_RETENTION_DAYS * DAY_MS
  const removed = names.filter((name) => {
    const day = FILE_NAME.exec(name)?.[1]
    return day !== undefined && Date.parse(`${day}T00:00:00Z`) + DAY_MS <= cutoff
  })
  for (const name of removed) {
    try {
      rmSync(join(logDir, name), {force: true})
    } catch {
      // A folder that cannot be written keeps its old files; the file reporter says so once.
    }
  }
  return removed
}

function serializable(arg: unknown): unknown {
  if (arg instanceof Error) return {name: arg.name, message: arg.message, stack: arg.stack}
  return arg
}

/**
 * Every level as JSON lines, one file per day, and errors again in their own file. Appends are
 * synchronous so that a run killed right after a line still has it on disk. A folder that cannot be
 * written (a read-only home, a full disk) costs the files, not the command: `onUnwritable` is told once.
 */
export function fileReporter(
  logDir: string,
  context: Record<string, unknown>,
  onUnwritable: (problem: string) => void = () => {},
): ConsolaReporter {
  let broken = false
  const append = (action: () => void) => {
    if (broken) return
    try {
      action()
    } catch (error) {
      broken = true
      onUnwritable(
        `The log files in ${logDir} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); this run logs to the terminal only. Free some space or make the folder writable (or set GLADLY_ENTERPRET_HOME).`,
      )
    }
  }
  append(() => mkdirSync(logDir, {recursive: true, mode: 0o700}))
  return {
    log(logObj: LogObject) {
      if (broken) return
      const texts = logObj.args.filter((arg) => typeof arg !== 'object' || arg === null)
      const data = logObj.args.filter((arg) => typeof arg === 'object' && arg !== null).map(serializable)
      const line = {
        time: logObj.date.toISOString(),
        level: logObj.type,
        ...context,
        ...(logObj.tag ? {tag: logObj.tag} : {}),
        msg: format(...texts),
        ...(data.length === 1 ? {data: data[0]} : data.length > 1 ? {data} : {}),
      }
      const text = `${JSON.stringify(line)}\n`
      const names = logFileNames(logObj.date)
      append(() => {
        appendFileSync(join(logDir, names.all), text, {mode: 0o600})
        if (logObj.level <= 0) appendFileSync(join(logDir, names.errors), text, {mode: 0o600})
      })
    },
  }
}
