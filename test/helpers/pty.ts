import {spawn} from 'node:child_process'
import {CLI} from './cli.js'

/** The CLI on a real pseudo-terminal (util-linux `script`), as a person at a terminal runs it. */
export interface PtySession {
  /** Everything the terminal showed so far (stdout and stderr share it, as on a screen). */
  readonly screen: () => string
  /** Resolves once the screen matches, or rejects with what it shows after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Types on the terminal's keyboard. */
  type(text: string): void
  /** Resolves with the CLI's exit code once it ends. */
  readonly exited: Promise<number | null>
  /** Ends the session if it still runs: a test that failed half-way must not leave a CLI waiting for input. */
  stop(): void
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

export function startOnPty(args: readonly string[], env: Record<string, string | undefined>): PtySession {
  const command = [process.execPath, CLI, ...args].map(quote).join(' ')
  // -e: script exits with the command's code; -f: output flushed as it comes; /dev/null: no typescript file.
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: Object.fromEntries(Object.entries({TERM: 'xterm', ...env}).filter(([, value]) => value !== undefined)),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let screen = ''
  const watchers = new Set<() => void>()
  const onOutput = (chunk: Buffer) => {
    screen += chunk.toString('utf8')
    for (const watcher of watchers) watcher()
  }
  child.stdout.on('data', onOutput)
  child.stderr.on('data', onOutput)
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    screen: () => screen,
    exited,
    type: (text) => child.stdin.write(text),
    // The terminal closes with script, and the CLI gets its hangup.
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(screen)) return
          watchers.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(() => {
          watchers.delete(check)
          reject(new Error(`the terminal never showed ${pattern}; it shows:\n${screen}`))
        }, timeoutMs)
        watchers.add(check)
        check()
      }),
  }
}
