import {expect} from 'chai'
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {basename, join} from 'node:path'
import {DEMO_CREDENTIALS, startFakeGladly, type FakeGladly} from '../fakes/gladly/index.js'
import {keychainAvailable} from '../helpers/keychain.js'
import {
  expectDotenvFileReachesTheCli,
  freshMachine,
  parseJson,
  pathWithoutNode,
  pjson,
  PROJECT_ROOT,
  removeScratch,
  runInstalled,
  scratchDir,
  step,
  VERSION_LINE,
  type CliResult,
} from './helpers.js'

const NODE_VERSION = pjson.oclif.update.node.version
const TARGETS = ['linux-arm64', 'linux-x64'] as const
// ELF e_machine of each target's binaries.
const MACHINE = {'linux-x64': 0x3e, 'linux-arm64': 0xb7} as const

const ok = (result: CliResult) => `exit ${result.code}\n${result.stdout}\n${result.stderr}`

function elfMachine(file: string): number {
  const header = readFileSync(file).subarray(0, 20)
  expect(header.subarray(0, 4).toString('latin1'), `${file} is an ELF binary`).to.equal('\x7fELF')
  return header.readUInt16LE(18)
}

describe('npm run tarball, then the linux-x64 tarball unpacked into an empty folder', function () {
  this.timeout(60_000)
  let sha: string
  let tarballs: Record<(typeof TARGETS)[number], string>
  let root: string
  let noNode: string
  const launcher = () => join(root, 'bin', pjson.name)

  before(function () {
    if (process.platform !== 'linux' || process.arch !== 'x64') this.skip()
    this.timeout(15 * 60_000)
    step('bash', ['scripts/tarball.sh', ...TARGETS], PROJECT_ROOT)
    sha = step('git', ['rev-parse', '--short', 'HEAD'], PROJECT_ROOT).trim()
    tarballs = Object.fromEntries(
      TARGETS.map((target) => [
        target,
        join(PROJECT_ROOT, 'dist', `${pjson.name}-v${pjson.version}-${sha}-${target}.tar.gz`),
      ]),
    ) as typeof tarballs
    const unpacked = scratchDir('tarball')
    step('tar', ['xzf', tarballs['linux-x64'], '-C', unpacked], unpacked)
    root = join(unpacked, pjson.name)
    noNode = pathWithoutNode()
  })
  after(removeScratch)

  it('builds one tarball per target, named with the version and the commit', () => {
    expect(readdirSync(join(PROJECT_ROOT, 'dist')).sort()).to.deep.equal(
      Object.values(tarballs)
        .map((file) => basename(file))
        .sort(),
    )
  })

  for (const target of TARGETS) {
    it(`gives the ${target} tarball Node ${NODE_VERSION} and the keychain binding of ${target} only`, () => {
      const listing = step('tar', ['tzf', tarballs[target]], PROJECT_ROOT).split('\n')
      const bindings = [
        ...new Set(
          listing.map((file) => /^[^/]+\/node_modules\/@napi-rs\/(keyring-[^/]+)\//.exec(file)?.[1]).filter(Boolean),
        ),
      ]
      expect(bindings).to.deep.equal([`keyring-${target}-gnu`])
      const binary = `${pjson.name}/node_modules/@napi-rs/keyring-${target}-gnu/keyring.${target}-gnu.node`
      const dir = scratchDir(target)
      step('tar', ['xzf', tarballs[target], '-C', dir, `${pjson.name}/bin/node`, binary], dir)
      expect(elfMachine(join(dir, pjson.name, 'bin', 'node')), 'bin/node').to.equal(MACHINE[target])
      expect(elfMachine(join(dir, binary)), 'keychain binding').to.equal(MACHINE[target])
    })
  }

  it("starts its Node with package.json's Node options (which the npm launcher gives import and dry-run)", () => {
    const options = pjson.oclif.update.node.options
    expect(options).to.have.length.above(0)
    expect(readFileSync(launcher(), 'utf8')).to.include(`"$NODE" ${options.join(' ')} "$DIR/run" "$@"`)
  })

  it('runs --version on its own Node, with no node on the PATH and an empty HOME', async () => {
    const env = freshMachine(noNode)
    const which = await runInstalled('bash', ['-c', 'command -v node'], env)
    expect(which.code, 'node is not on the PATH').to.equal(1)
    const result = await runInstalled(launcher(), ['--version'], env)
    expect(result.code, ok(result)).to.equal(0)
    const [, version, node] = VERSION_LINE.exec(result.stdout) ?? []
    expect(version, result.stdout).to.equal(pjson.version)
    expect(node).to.equal(NODE_VERSION)
  })

  it('runs state show --json, finding no state in the XDG folders of the empty HOME', async () => {
    const env = freshMachine(noNode)
    const result = await runInstalled(launcher(), ['state', 'show', '--json'], env)
    expect(result.code, ok(result)).to.equal(0)
    expect(parseJson(result)).to.deep.include({
      exists: false,
      stateFile: join(env.HOME as string, '.local', 'state', pjson.name, 'default', 'state.json'),
    })
  })

  it('hands --dotenv-file and the old --env-file to the CLI, never to its node', async () => {
    const env = freshMachine(noNode)
    await expectDotenvFileReachesTheCli((args) => runInstalled(launcher(), args, env), env.HOME as string)
  })

  it('builds its shell completion cache', async () => {
    const env = freshMachine(noNode)
    const result = await runInstalled(launcher(), ['autocomplete', '--refresh-cache'], env)
    expect(result.code, ok(result)).to.equal(0)
    const functions = readFileSync(
      join(env.HOME as string, '.cache', pjson.name, 'autocomplete', 'functions', 'bash', `${pjson.name}.bash`),
      'utf8',
    )
    expect(functions).to.include('state:show').and.include(`complete -F _${pjson.name}_autocomplete ${pjson.name}`)
  })

  describe('the Homebrew formula', () => {
    let formula: string

    before(() => {
      const out = join(scratchDir('formula'), `${pjson.name}.rb`)
      step(
        join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
        ['scripts/formula.ts', '--base-url', 'https://downloads.test/ge/', '--out', out],
        PROJECT_ROOT,
      )
      formula = readFileSync(out, 'utf8')
    })

    it('has a url and the sha256 of each tarball, under its OS and CPU', () => {
      const entry = (target: (typeof TARGETS)[number]) =>
        `      url "https://downloads.test/ge/${basename(tarballs[target])}"\n      sha256 "${createHash('sha256').update(readFileSync(tarballs[target])).digest('hex')}"\n`
      expect(formula).to.include(
        `  on_linux do\n    on_arm do\n${entry('linux-arm64')}    end\n    on_intel do\n${entry('linux-x64')}    end\n  end\n`,
      )
      expect(formula, 'no macOS tarball was built').not.to.include('on_macos')
      expect(formula)
        .to.match(/^class GladlyEnterpret < Formula$/m)
        .and.match(new RegExp(`^  version "${pjson.version}"$`, 'm'))
    })

    it('installs the way its install block says: the tarball in libexec, the launcher linked into bin', async () => {
      expect(formula).to.include(`    libexec.install Dir["*"]\n    bin.install_symlink libexec/"bin/${pjson.name}"\n`)
      const cellar = scratchDir('cellar')
      const libexec = join(cellar, 'libexec')
      cpSync(root, libexec, {recursive: true, verbatimSymlinks: true})
      mkdirSync(join(cellar, 'bin'))
      symlinkSync(join(libexec, 'bin', pjson.name), join(cellar, 'bin', pjson.name))
      // The formula's test block: --version through the link, found on the PATH.
      const result = await runInstalled(pjson.name, ['--version'], freshMachine(`${join(cellar, 'bin')}:${noNode}`))
      expect(result.code, ok(result)).to.equal(0)
      expect(result.stdout).to.match(new RegExp(`^${pjson.name}/${pjson.version.replaceAll('.', '\\.')} `))
    })
  })

  describe('the keychain', () => {
    let gladly: FakeGladly
    const login = (command: string, env: Record<string, string>) =>
      runInstalled(
        command,
        [
          'auth',
          'login',
          '--gladly-url',
          gladly.url,
          '--gladly-username',
          DEMO_CREDENTIALS.username,
          '--with-token',
          '--json',
        ],
        env,
        `${DEMO_CREDENTIALS.token}\n`,
      )
    const withDbus = () =>
      freshMachine(
        noNode,
        process.env.DBUS_SESSION_BUS_ADDRESS ? {DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS} : {},
      )

    before(async () => {
      gladly = await startFakeGladly({dataset: {conversations: 3, edgeCases: false}, rateLimit: false})
    })
    after(() => gladly.close())

    it('stores, reads and removes secrets through the bundled binding on the bundled Node', async function () {
      keychainAvailable(this)
      const env = withDbus()
      const stored = await login(launcher(), env)
      expect(stored.code, ok(stored)).to.equal(0)
      expect(parseJson(stored)).to.deep.include({storage: 'keychain'})
      try {
        const status = await runInstalled(launcher(), ['auth', 'status', '--offline', '--json'], env)
        const token = parseJson<{credentials: Array<{name: string; source?: string}>}>(status).credentials.find(
          (c) => c.name === 'GLADLY_API_TOKEN',
        )
        expect(token?.source, ok(status)).to.equal('keychain')
      } finally {
        const logout = await runInstalled(launcher(), ['auth', 'logout', '--json'], env)
        expect(parseJson<{removed: string[]}>(logout).removed).to.deep.equal(['GLADLY_API_TOKEN'])
      }
    })

    it('exits 2 naming the missing binding when a copy lacks it, and still runs auth status --offline', async () => {
      const copy = join(scratchDir('stripped'), pjson.name)
      cpSync(root, copy, {recursive: true, verbatimSymlinks: true})
      const binding = join(copy, 'node_modules', '@napi-rs', 'keyring-linux-x64-gnu')
      expect(existsSync(binding)).to.equal(true)
      rmSync(binding, {recursive: true})
      const env = withDbus()
      const result = await login(join(copy, 'bin', pjson.name), env)
      expect(result.code, ok(result)).to.equal(2)
      expect(parseJson<{error: {message: string}}>(result).error.message).to.include(
        'the keychain binding for linux-x64 is missing',
      )
      const status = await runInstalled(join(copy, 'bin', pjson.name), ['auth', 'status', '--offline'], env)
      expect(status.code, ok(status)).to.equal(0)
    })
  })
})
