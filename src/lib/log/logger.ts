import {createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject} from 'consola'
import {fileReporter, removeExpiredLogs} from './file-sink.js'
import {redact} from './redact.js'

export type Logger = ConsolaInstance

export interface LoggerOptions {
  readonly verbose?: boolean
  readonly terminal?: NodeJS.WriteStream
}

const LEVEL = {info: 3, debug: 4} as const
const RECORD_TAG = 'record'

/** A logger whose lines go to the log files only: run start, end, summary, and errors oclif prints itself. */
export function recordOnly(logger: Logger): Logger {
  return logger.withTag(RECORD_TAG)
}

// C0 and C1 controls but tab and newline: customer text (a dry run's sample, a line quoted in a warning) may carry
// escape sequences that would move the cursor, retitle the window or hide what follows.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/** Control characters shown as `\u001b`-style escapes, so that text from Gladly cannot drive the terminal. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function redacting(reporter: ConsolaReporter): ConsolaReporter {
  return {
    log: (logObj, ctx) =>
      reporter.log(
        {
          ...logObj,
          args: logObj.args.map((arg) => redact(arg)),
          message: logObj.message === undefined ? undefined : redact(logObj.message),
        },
        ctx,
      ),
  }
}

/**
 * Humans read consola on stderr (stdout carries data and --json); files get every level once
 * attached. Every sink receives only redacted arguments.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.terminal ?? process.stderr
  const terminal = createConsola({
    level: options.verbose ? LEVEL.debug : LEVEL.info,
    stdout: stream,
    stderr: stream,
    throttle: 0,
  })
  const terminalLevel = terminal.level
  const toTerminal: ConsolaReporter = {
    log(logObj: LogObject) {
      if (logObj.level > terminalLevel || logObj.tag === RECORD_TAG) return
      const shown = {...logObj, args: logObj.args.map((arg) => (typeof arg === 'string' ? escapeControls(arg) : arg))}
      for (const reporter of terminal.options.reporters) reporter.log(shown, {options: terminal.options})
    },
  }
  // Level debug for the instance so the files always get it; the terminal filters for itself.
  return createConsola({level: LEVEL.debug, reporters: [redacting(toTerminal)], throttle: 0})
}

/** For library use and tests: drops everything. */
export function silentLogger(): Logger {
  return createConsola({level: -999, reporters: []})
}

/** Adds the daily files to a logger made before the log folder was known. */
export function attachLogFiles(
  logger: Logger,
  logDir: string,
  context: Record<string, unknown>,
  now: Date = new Date(),
): void {
  removeExpiredLogs(logDir, now)
  logger.addReporter(redacting(fileReporter(logDir, {pid: process.pid, ...context}, (problem) => logger.warn(problem))))
}
