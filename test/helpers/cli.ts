import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..')
export const CLI = join(PROJECT_ROOT, 'bin', 'run.js')
/** npm's command (a sh script): it runs bin/run.js on the node found on PATH. */
export const LAUNCHER = join(PROJECT_ROOT, 'bin', 'gladly-enterpret')

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

interface CliOptions {
  /** Extra environment; `undefined` removes a variable. */
  readonly env?: Record<string, string | undefined>
  readonly input?: string
  readonly cwd?: string
  readonly timeoutMs?: number
  /** The program to run with the arguments, instead of bin/run.js on this process's node. */
  readonly program?: string
}

/** A scratch folder standing in for HOME and GLADLY_ENTERPRET_HOME, removed by `cleanup`. */
export interface Sandbox {
  readonly dir: string
  readonly home: string
  readonly env: Record<string, string | undefined>
  run(args: string[], options?: CliOptions): Promise<CliResult>
  /** Starts the CLI and returns at once, for tests that kill it. */
  start(args: string[], options?: CliOptions): ChildProcess
  cleanup(): void
}

// Only what a fresh machine would have: no settings of the developer's leak into a test.
function baseEnv(): Record<string, string | undefined> {
  const keep = ['PATH', 'LANG', 'TERM', 'SYSTEMROOT', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR']
  return Object.fromEntries(
    keep.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]),
  )
}

function runCli(args: string[], env: Record<string, string | undefined>, options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const merged = {...env, ...options.env}
    const [file, argv] = options.program === undefined ? [process.execPath, [CLI, ...args]] : [options.program, args]
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({code, signal, stdout, stderr})
    })
    // A child that exits without reading its input (e.g. --version) closes the pipe first: not an error.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

export function createSandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'ge-test-'))
  const home = join(dir, 'ge-home')
  const env = {
    ...baseEnv(),
    HOME: dir,
    GLADLY_ENTERPRET_HOME: home,
    GLADLY_ENTERPRET_SKIP_NEW_VERSION_CHECK: 'true',
    NO_COLOR: '1',
  }
  return {
    dir,
    home,
    env,
    run: (args, options = {}) => runCli(args, env, {cwd: dir, ...options}),
    start: (args, options = {}) =>
      spawn(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: Object.fromEntries(
          Object.entries({...env, ...options.env}).filter(([, value]) => value !== undefined),
        ) as NodeJS.ProcessEnv,
        stdio: 'ignore',
      }),
    cleanup: () => rmSync(dir, {recursive: true, force: true}),
  }
}

export function parseJson<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`)
  }
}
