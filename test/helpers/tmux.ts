import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {CLI} from './cli.js'

/**
 * The CLI in a real terminal emulator (tmux), for what a person sees: the screen as rendered, after every cursor
 * movement and erase, not the raw bytes.
 */
export interface TmuxSession {
  /** The rendered screen and its scrollback, one string per line, trailing blanks trimmed. */
  screen(): string[]
  /** Polls the screen until `done` says so; returns every distinct screen seen on the way. */
  watch(done: (screen: string[]) => boolean, timeoutMs?: number): Promise<string[][]>
  /** The CLI's exit code, once it ended (it is printed after it in the pane). */
  exitCode(): number | undefined
  close(): void
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`
const EXIT_MARK = '__exit='

export function startInTmux(
  dir: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  size = {columns: 160, rows: 50},
): TmuxSession {
  const socket = `ge-${randomBytes(4).toString('hex')}`
  const script = join(dir, `${socket}.sh`)
  const exports = Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `export ${name}=${quote(value as string)}`)
  const command = [process.execPath, CLI, ...args].map(quote).join(' ')
  // The pane stays open after the CLI ends, so its last screen can be read.
  writeFileSync(
    script,
    [...exports, 'export TERM=xterm-256color', command, `echo "${EXIT_MARK}$?"`, 'sleep 600'].join('\n'),
  )
  const tmux = (...words: string[]) => execFileSync('tmux', ['-L', socket, ...words], {encoding: 'utf8'})
  tmux('new-session', '-d', '-s', 'main', '-x', String(size.columns), '-y', String(size.rows), `sh ${quote(script)}`)
  const screen = () =>
    tmux('capture-pane', '-p', '-t', 'main', '-S', '-2000')
      .split('\n')
      .map((line) => line.trimEnd())
  const exitCode = () => {
    const line = screen().find((candidate) => candidate.startsWith(EXIT_MARK))
    return line === undefined ? undefined : Number(line.slice(EXIT_MARK.length))
  }
  return {
    screen,
    exitCode,
    async watch(done, timeoutMs = 60_000) {
      const seen: string[][] = []
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const current = screen()
        if (seen.at(-1)?.join('\n') !== current.join('\n')) seen.push(current)
        if (done(current)) return seen
        if (Date.now() > deadline) throw new Error(`timed out; the screen shows:\n${current.join('\n')}`)
        await sleep(100)
      }
    },
    close() {
      try {
        tmux('kill-server')
      } catch {
        // Already gone.
      }
    },
  }
}
