import {expect} from 'chai'
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseJson, PROJECT_ROOT, type CliResult} from '../helpers/cli.js'

export {PROJECT_ROOT, parseJson, type CliResult} from '../helpers/cli.js'

/** The project's package.json: what npm installs and what the tarballs are built from. */
export const pjson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  name: string
  version: string
  oclif: {update: {node: {version: string; options: string[]}}}
}

const scratch: string[] = []

/** A new empty folder under the system temp folder, removed by removeScratch(). */
export function scratchDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ge-dist-${label}-`))
  scratch.push(dir)
  return dir
}

export function removeScratch(): void {
  for (const dir of scratch.splice(0)) rmSync(dir, {recursive: true, force: true})
}

/** `gladly-enterpret --version` on this platform; the groups are the CLI's version and the Node version that runs it. */
export const VERSION_LINE = new RegExp(
  `^gladly-enterpret/(\\d+\\.\\d+\\.\\d+) ${process.platform}-${process.arch} node-v(\\d+\\.\\d+\\.\\d+)\\n$`,
)

/** Runs a build step (npm, tar, the tarball script), failing with its output when it fails. */
export function step(file: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(file, args, {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    })
  } catch (error) {
    const {stdout, stderr} = error as {stdout?: string; stderr?: string}
    throw new Error(`${file} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, {cause: error})
  }
}

/**
 * The environment of a machine that has never seen the project: an empty HOME (so XDG folders,
 * settings and caches start empty), the given PATH, and nothing of this process's settings.
 */
export function freshMachine(path: string, extra: Record<string, string> = {}): Record<string, string> {
  const home = scratchDir('home')
  return {HOME: home, PATH: path, LANG: 'C.UTF-8', NO_COLOR: '1', ...extra}
}

/** A PATH folder with only what the tarball's launcher needs (bash, dirname, readlink): no node. */
export function pathWithoutNode(): string {
  const dir = join(scratchDir('path'), 'bin')
  mkdirSync(dir)
  for (const tool of ['bash', 'dirname', 'readlink'])
    symlinkSync(step('bash', ['-c', `command -v ${tool}`], dir).trim(), join(dir, tool))
  return dir
}

/** Runs an installed command as a shell would (looked up on env.PATH unless a path is given). */
export function runInstalled(
  command: string,
  args: string[],
  env: Record<string, string>,
  input = '',
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {cwd: env.HOME, env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({code, signal, stdout, stderr})
    })
    // A child that exits without reading its input (e.g. --version) closes the pipe first: not an error.
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

/**
 * Settings from a .env file given with --dotenv-file or its old name --env-file, which node also takes for
 * itself wherever it sees it on its command line: an installed command must hand both to the CLI, never to
 * node (a node that read the file would apply its NODE_OPTIONS, and exit 9 on a file that is missing).
 * `run` runs the installed command in `dir`.
 */
export async function expectDotenvFileReachesTheCli(
  run: (args: string[]) => Promise<CliResult>,
  dir: string,
): Promise<void> {
  const marker = join(dir, 'node-read-the-file')
  writeFileSync(join(dir, 'marker.cjs'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')\n`)
  const file = join(dir, 'job.env')
  writeFileSync(file, `GLADLY_USERNAME=from-the-file@acme.com\nNODE_OPTIONS=--require ${join(dir, 'marker.cjs')}\n`)
  for (const flag of ['--dotenv-file', '--env-file']) {
    const result = await run(['auth', 'status', '--offline', '--json', flag, file])
    const username = parseJson<{credentials: Array<{name: string; source?: string; display?: string}>}>(
      result,
    ).credentials.find((c) => c.name === 'GLADLY_USERNAME')
    expect(username, `${flag}: exit ${result.code}\n${result.stderr}`).to.include({
      source: '.env',
      display: 'from-the-file@acme.com',
    })
    for (const command of [['import'], ['state', 'show']]) {
      const missing = await run([...command, flag, join(dir, 'missing.env')])
      expect(missing.code, `${command.join(' ')} ${flag}: ${missing.stderr}`).to.equal(2)
      expect(missing.stderr).to.include(`Cannot read the .env file ${join(dir, 'missing.env')}`)
    }
  }
  expect(existsSync(marker), 'node itself read the file').to.equal(false)
}
