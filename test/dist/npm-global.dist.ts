import {expect} from 'chai'
import {cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import {DEMO_CREDENTIALS, startFakeGladly, type FakeGladly} from '../fakes/gladly/index.js'
import {keychainAvailable} from '../helpers/keychain.js'
import {
  expectDotenvFileReachesTheCli,
  freshMachine,
  parseJson,
  pjson,
  PROJECT_ROOT,
  removeScratch,
  runInstalled,
  scratchDir,
  step,
  VERSION_LINE,
  type CliResult,
} from './helpers.js'

const BINDING_MISSING = `the keychain binding for ${process.platform}-${process.arch} is missing`

interface Manifest {
  version: string
  commands: Record<string, {flags: Record<string, {hidden?: boolean}>}>
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
}

const ok = (result: CliResult) => `exit ${result.code}\n${result.stdout}\n${result.stderr}`

describe('npm pack, then npm install -g into an empty prefix', function () {
  this.timeout(60_000)
  let packed: string[]
  let unpacked: string
  let prefix: string
  let env: Record<string, string>
  const run = (args: string[], input?: string, extraEnv: Record<string, string> = {}) =>
    runInstalled(pjson.name, args, {...env, ...extraEnv}, input)

  before(function () {
    this.timeout(10 * 60_000)
    const work = scratchDir('npm')
    // prepack builds lib/, the manifest and the README command reference first.
    const tgz = join(
      work,
      step('npm', ['pack', '--silent', '--pack-destination', work], PROJECT_ROOT).trim().split('\n').pop() as string,
    )
    packed = step('tar', ['tzf', tgz], work).trim().split('\n')
    unpacked = scratchDir('unpacked')
    step('tar', ['xzf', tgz, '-C', unpacked], work)
    prefix = join(work, 'prefix')
    step('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tgz], work)
    // The system's node stays on PATH (an npm install runs on it); the project's folders do not.
    env = freshMachine([join(prefix, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':'))
  })
  after(removeScratch)

  it('packs only what runs: the launcher, bin/run.js, lib/, the manifest, README, LICENSE and .env.example', () => {
    const outside = packed.filter((file) => !file.startsWith('package/lib/'))
    expect(outside.sort()).to.deep.equal([
      'package/.env.example',
      'package/LICENSE',
      'package/README.md',
      'package/bin/gladly-enterpret',
      'package/bin/run.js',
      'package/oclif.manifest.json',
      'package/package.json',
    ])
    const compiled = filesUnder(join(PROJECT_ROOT, 'src'))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => `package/lib/${file.replace(/\.ts$/, '.js')}`)
    expect(compiled.length).to.be.greaterThan(10)
    expect(packed.filter((file) => file.startsWith('package/lib/')).sort()).to.deep.equal(compiled.sort())
  })

  it('packs a manifest and a README command reference made from the packed commands', () => {
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package', 'oclif.manifest.json'), 'utf8')) as Manifest
    expect(manifest.version).to.equal(pjson.version)
    // oclif names a topic's index.js after the topic itself (commands/watch/index.js is `watch`).
    const commandFiles = filesUnder(join(unpacked, 'package', 'lib', 'commands')).map((file) =>
      file
        .replace(/\.js$/, '')
        .replace(/\/index$/, '')
        .split('/')
        .join(':'),
    )
    expect(Object.keys(manifest.commands).sort()).to.deep.equal(commandFiles.sort())

    const readme = readFileSync(join(unpacked, 'package', 'README.md'), 'utf8')
    const sections = readme.split(/^## `/m)
    for (const [id, command] of Object.entries(manifest.commands)) {
      const section = sections.find((text) => text.startsWith(`${pjson.name} ${id.replaceAll(':', ' ')}\``))
      expect(section, `README has no section for ${id}`).to.be.a('string')
      for (const [flag, spec] of Object.entries(command.flags))
        if (!spec.hidden) expect(section, `README section of ${id}`).to.include(`--${flag}`)
    }
  })

  it('puts gladly-enterpret on the PATH of the prefix, running on the system Node', async () => {
    const which = await runInstalled('bash', ['-c', `command -v ${pjson.name}`], env)
    expect(which.stdout.trim()).to.equal(join(prefix, 'bin', pjson.name))
    const result = await run(['--version'])
    expect(result.code, ok(result)).to.equal(0)
    const [, version, node] = VERSION_LINE.exec(result.stdout) ?? []
    expect(version, result.stdout).to.equal(pjson.version)
    expect(node).to.equal(process.versions.node)
  })

  it("runs the CLI on the node of the PATH through npm's symlink, with the tarball launcher's Node options for import and dry-run only, and `--` ending node's options", async () => {
    // A node that notes its arguments, then is the real one.
    const spy = join(scratchDir('spy'), 'bin')
    const argsFile = join(spy, 'args')
    mkdirSync(spy)
    writeFileSync(
      join(spy, 'node'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nexec '${process.execPath}' "$@"\n`,
      {mode: 0o755},
    )
    const runJs = join(realpathSync(prefix), 'lib', 'node_modules', pjson.name, 'bin', 'run.js')
    const nodeArgs = async (args: string[]) => {
      const result = await runInstalled(pjson.name, args, {...env, PATH: `${spy}:${env.PATH}`})
      expect(result.code, ok(result)).to.equal(0)
      const noted = readFileSync(argsFile, 'utf8').trim().split('\n')
      const script = noted.findIndex((arg) => arg.endsWith('run.js'))
      expect(realpathSync(noted[script] as string)).to.equal(runJs)
      expect(noted.slice(script + 1)).to.deep.equal(args)
      return noted.slice(0, script)
    }
    expect(pjson.oclif.update.node.options.at(-1)).to.equal('--')
    expect(await nodeArgs(['--version'])).to.deep.equal(['--'])
    expect(await nodeArgs(['state', 'show', '--help'])).to.deep.equal(['--'])
    expect(await nodeArgs(['import', '--help'])).to.deep.equal(pjson.oclif.update.node.options)
    expect(await nodeArgs(['dry-run', '--help'])).to.deep.equal(pjson.oclif.update.node.options)
  })

  it('shows the help with every topic and command', async () => {
    const result = await run(['--help'])
    expect(result.code, ok(result)).to.equal(0)
    for (const command of ['auth', 'profile', 'state', 'import', 'dry-run', 'autocomplete', 'version'])
      expect(result.stdout).to.match(new RegExp(`^  ${command}( |$)`, 'm'))
  })

  it('hands --dotenv-file and the old --env-file to the CLI, never to node', async () => {
    await expectDotenvFileReachesTheCli((args) => run(args), env.HOME as string)
  })

  it('state show --json finds no state in the XDG folders of the empty HOME', async () => {
    const result = await run(['state', 'show', '--json'])
    expect(result.code, ok(result)).to.equal(0)
    const report = parseJson<{stateFile: string; exists: boolean; state: {watermark: unknown; deadLetters: unknown[]}}>(
      result,
    )
    expect(report.stateFile).to.equal(join(env.HOME as string, '.local', 'state', pjson.name, 'default', 'state.json'))
    expect(report).to.deep.include({exists: false})
    expect(report.state).to.deep.include({watermark: null, deadLetters: []})
  })

  it('auth status --offline reports every credential as not set', async () => {
    const result = await run(['auth', 'status', '--offline'])
    expect(result.code, ok(result)).to.equal(0)
    for (const name of ['GLADLY_API_URL', 'GLADLY_USERNAME', 'GLADLY_API_TOKEN', 'ENTERPRET_API_KEY'])
      expect(result.stdout).to.match(new RegExp(`^  ${name} +not set `, 'm'))
    expect(result.stdout).to.include('not checked (--offline)')
  })

  it('completes commands and flags in bash after the steps `autocomplete bash` prints', async () => {
    const instructions = await run(['autocomplete', 'bash'])
    expect(instructions.code, ok(instructions)).to.equal(0)
    const setup = `printf "$(${pjson.name} autocomplete script bash)" >> ~/.bashrc; source ~/.bashrc`
    expect(instructions.stdout).to.include(setup)
    const complete = (...words: string[]) =>
      `COMP_WORDS=(${[pjson.name, ...words].map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length}; _${pjson.name}_autocomplete; echo "\${COMPREPLY[*]}"`
    const result = await runInstalled(
      'bash',
      ['-c', [setup, complete('state', ''), complete('auth', 'status', '--of')].join('\n')],
      env,
    )
    expect(result.stdout.split('\n').slice(0, 2), ok(result)).to.deep.equal(['reset show', '--offline'])
  })

  describe('without the prebuilt keychain binding (npm install --omit=optional)', () => {
    let gladly: FakeGladly
    let strippedPath: string
    // A new empty HOME per test; the Secret Service that with-keyring.sh started stays reachable,
    // so only the binding is missing.
    const machine = (path: string) =>
      freshMachine(
        path,
        process.env.DBUS_SESSION_BUS_ADDRESS ? {DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS} : {},
      )
    const login = (environment: Record<string, string>, ...extra: string[]) =>
      runInstalled(
        pjson.name,
        [
          'auth',
          'login',
          '--gladly-url',
          gladly.url,
          '--gladly-username',
          DEMO_CREDENTIALS.username,
          '--with-token',
          ...extra,
        ],
        environment,
        `${DEMO_CREDENTIALS.token}\n`,
      )

    before(async () => {
      gladly = await startFakeGladly({dataset: {conversations: 3, edgeCases: false}, rateLimit: false})
      const stripped = join(dirname(prefix), 'stripped')
      cpSync(prefix, stripped, {recursive: true, verbatimSymlinks: true})
      const napi = join(stripped, 'lib', 'node_modules', pjson.name, 'node_modules', '@napi-rs')
      const bindings = readdirSync(napi).filter((name) => name.startsWith('keyring-'))
      expect(bindings, 'the install carried a prebuilt binding').to.have.length.greaterThan(0)
      for (const name of bindings) rmSync(join(napi, name), {recursive: true})
      strippedPath = [join(stripped, 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':')
    })
    after(() => gladly.close())

    it('auth login exits 2 naming the missing binding and the ways around it, without a crash', async () => {
      const result = await login(machine(strippedPath))
      expect(result.code, ok(result)).to.equal(2)
      expect(result.stderr).to.include(BINDING_MISSING)
      expect(result.stderr).to.include('--insecure-storage')
      expect(result.stderr, 'no stack trace').not.to.match(/^\s+at /m)
      expect(result.stdout + result.stderr).not.to.include(DEMO_CREDENTIALS.token)
    })

    it('auth status --offline, state show and the documented no-keychain paths still work', async () => {
      const strippedEnv = machine(strippedPath)
      for (const args of [
        ['auth', 'status', '--offline'],
        ['state', 'show', '--json'],
      ]) {
        const result = await runInstalled(pjson.name, args, strippedEnv)
        expect(result.code, `${args.join(' ')}: ${ok(result)}`).to.equal(0)
      }
      const fromEnv = await runInstalled(pjson.name, ['auth', 'status', '--offline', '--json'], {
        ...strippedEnv,
        GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
      })
      const token = (result: CliResult) =>
        parseJson<{credentials: Array<{name: string; source?: string}>}>(result).credentials.find(
          (c) => c.name === 'GLADLY_API_TOKEN',
        )
      expect(token(fromEnv)?.source, ok(fromEnv)).to.equal('env')

      const stored = await login(strippedEnv, '--insecure-storage')
      expect(stored.code, ok(stored)).to.equal(0)
      const fromFile = await runInstalled(pjson.name, ['auth', 'status', '--offline', '--json'], strippedEnv)
      expect(fromFile.code, ok(fromFile)).to.equal(0)
      expect(token(fromFile)?.source).to.equal('file')
    })

    it('reports secrets stored in the keychain as unreadable once the binding is gone', async function () {
      keychainAvailable(this)
      const strippedEnv = machine(strippedPath)
      const intactEnv = {...strippedEnv, PATH: env.PATH as string}
      // Control: the intact install stores the token in the keychain, from the same HOME.
      const intact = await login(intactEnv)
      expect(intact.code, ok(intact)).to.equal(0)
      try {
        const status = await runInstalled(pjson.name, ['auth', 'status', '--offline', '--json'], strippedEnv)
        expect(status.code, ok(status)).to.equal(0)
        const report = parseJson<{problems: string[]}>(status)
        expect(report.problems.join('\n'))
          .to.include(`GLADLY_API_TOKEN is stored in the keychain but could not be read`)
          .and.include(BINDING_MISSING)
      } finally {
        const logout = await runInstalled(pjson.name, ['auth', 'logout'], intactEnv)
        expect(logout.code, ok(logout)).to.equal(0)
      }
    })
  })
})
