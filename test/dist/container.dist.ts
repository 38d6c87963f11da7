import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {DockerfileParser, type Instruction} from 'dockerfile-ast'
import {startFakes, type Fakes} from '../helpers/e2e.js'
import {PROJECT_ROOT, removeScratch, runInstalled, scratchDir, step, VERSION_LINE} from './helpers.js'

/**
 * No container runtime here can pull the Node.js image (only the npm and Debian registries are reachable), so the
 * Dockerfile's own instructions are carried out in a clean folder standing in for the image's file system: each
 * stage's WORKDIR, COPY (from a clean checkout less .dockerignore, or from the build stage), RUN (by sh), ENV,
 * then the ENTRYPOINT and CMD. Container paths are rewritten under that folder; this machine's Node.js stands in
 * for the image's. What this cannot show: the image's Node.js and OS, and the USER's file permissions.
 */
describe('the container image, its Dockerfile carried out in a clean folder', function () {
  this.timeout(600_000)
  const root = scratchDir('image')
  // The folders the Dockerfile names, each under the stand-in root.
  const inRoot = (text: string) => text.replace(/(^|[\s="[])\/(build|tmp|home)\b/g, `$1${root}/$2`)
  const env: Record<string, string> = {
    PATH: [join(root, 'usr', 'local', 'bin'), dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
    HOME: join(root, 'home', 'node'),
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    // `npm install --global` of the image goes to its /usr/local; its `npm cache clean` must not clear this machine's.
    npm_config_prefix: join(root, 'usr', 'local'),
    npm_config_cache: join(root, 'root', '.npm'),
    // How this machine reaches the registry (its CA certificates, a proxy): the network, not the image.
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => /proxy|_CA_|CERT/i.test(entry[0]) && entry[1] !== undefined,
      ),
    ),
  }
  let entrypoint: string[] = []
  let cmd: string[] = []
  let fakes: Fakes

  /** What a clean clone holds (tracked files, and new ones not ignored), less what .dockerignore leaves out. */
  function buildContext(): string[] {
    const ignored = readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((pattern) => new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`))
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter(Boolean)
    return files.filter((file) => existsSync(join(PROJECT_ROOT, file)) && !ignored.some((regex) => regex.test(file)))
  }

  function copy(instruction: Instruction, cwd: string): void {
    // The arguments, without the flags (--from=<stage>).
    const args = instruction.getArguments().map((arg) => arg.getValue())
    const fromStage = /\s--from=/.test(instruction.getTextContent())
    const [sources, destination] = [args.slice(0, -1), inRoot(args.at(-1) as string)]
    const target = destination.startsWith('/') ? destination : join(cwd, destination)
    if (fromStage) {
      // COPY creates its destination, parents included.
      mkdirSync(target, {recursive: true})
      for (const source of sources) step('cp', ['-R', `${inRoot(source).replace(/\/$/, '')}/.`, target], root)
      return
    }
    const context = buildContext()
    const wanted = sources.includes('.') ? context : sources
    for (const file of wanted) {
      expect(context, `${file} is in the build context`).to.include(file)
      mkdirSync(dirname(join(target, file)), {recursive: true})
      copyFileSync(join(PROJECT_ROOT, file), join(target, file))
    }
  }

  before(function () {
    // The image's npm starts with this machine's packages at hand (hard links: its `npm cache clean` removes only its own).
    const machineCache = join(step('npm', ['config', 'get', 'cache'], root).trim(), '_cacache')
    if (existsSync(machineCache)) {
      mkdirSync(env['npm_config_cache'] as string, {recursive: true})
      try {
        step('cp', ['-al', machineCache, join(env['npm_config_cache'] as string, '_cacache')], root)
      } catch {
        // Another file system: the image's npm downloads what it needs from the registry.
      }
    }
    // The machine's npm settings (its cafile), which npm would look for under the image's prefix.
    env['npm_config_globalconfig'] = step('npm', ['config', 'get', 'globalconfig'], root).trim()
    const dockerfile = DockerfileParser.parse(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'))
    let cwd = root
    for (const instruction of dockerfile.getInstructions()) {
      const keyword = instruction.getKeyword()
      const text = instruction.getArgumentsContent() ?? ''
      if (keyword === 'FROM') cwd = root
      else if (keyword === 'WORKDIR') mkdirSync((cwd = inRoot(text)), {recursive: true})
      else if (keyword === 'COPY') copy(instruction, cwd)
      // Only the image's environment: its npm installs into its /usr/local and cleans its own cache.
      else if (keyword === 'RUN') step('sh', ['-c', `set -e; ${inRoot(text.replace(/\\\n/g, ' '))}`], cwd, env)
      else if (keyword === 'ENV')
        for (const pair of text.replace(/\\\n/g, ' ').trim().split(/\s+/)) {
          const [name, value] = pair.split(/=(.*)/s) as [string, string]
          env[name] = inRoot(value)
        }
      else if (keyword === 'ENTRYPOINT') entrypoint = JSON.parse(text) as string[]
      else if (keyword === 'CMD') cmd = JSON.parse(text) as string[]
    }
    env['PWD'] = cwd
  })
  beforeEach(async () => {
    fakes = await startFakes()
  })
  afterEach(async () => fakes.close())
  after(removeScratch)

  it('installs the packed CLI globally, and nothing of the build stays', () => {
    const installed = join(root, 'usr', 'local', 'lib', 'node_modules', 'gladly-enterpret')
    expect(existsSync(join(installed, 'lib', 'commands', 'import.js'))).to.equal(true)
    expect(existsSync(join(root, 'tmp', 'package')), 'the package copied in was removed').to.equal(false)
    expect(readdirSync(join(root, 'build', 'dist'))).to.have.length(1)
  })

  it('its entry point runs the CLI; the default command imports, state and logs in the volume', async () => {
    const [program, ...fixed] = entrypoint
    const version = await runInstalled(program as string, [...fixed, '--version'], env)
    expect(version.stdout, version.stderr).to.match(VERSION_LINE)
    const imported = await runInstalled(program as string, [...fixed, ...cmd], {...env, ...fakes.env()})
    expect(imported.code, imported.stderr).to.equal(0)
    expect(fakes.enterpret.records.size).to.be.greaterThan(0)
    const volume = env['GLADLY_ENTERPRET_HOME'] as string
    expect(volume.startsWith(join(root, 'home', 'node'))).to.equal(true)
    expect(existsSync(join(volume, 'state', 'default', 'state.json'))).to.equal(true)
    expect(readdirSync(join(volume, 'logs')).length).to.be.greaterThan(0)
  })
})
