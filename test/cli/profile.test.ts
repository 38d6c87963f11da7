import {expect} from 'chai'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {DEMO_CREDENTIALS, startFakeGladly, type FakeGladly} from '../fakes/gladly/index.js'
import {createSandbox, parseJson, type Sandbox} from '../helpers/cli.js'
import {NO_DBUS} from '../helpers/keychain.js'

interface Listed {
  settingsFile: string
  current: string
  profiles: Array<{
    name: string
    current: boolean
    settings: Record<string, string>
    secrets: Record<string, {store: string; service?: string; account?: string; file?: string} | null>
    state: {dir: string; file: string; exists: boolean}
  }>
}

describe('profile list', function () {
  this.timeout(60_000)
  let gladly: FakeGladly
  let sandbox: Sandbox
  before(async () => {
    gladly = await startFakeGladly({dataset: {conversations: 3, edgeCases: false}, rateLimit: false})
  })
  after(() => gladly.close())
  beforeEach(() => (sandbox = createSandbox()))
  afterEach(() => sandbox.cleanup())

  const list = async (args: string[] = [], env: Record<string, string | undefined> = {}) => {
    const result = await sandbox.run(['profile', 'list', '--json', ...args], {env})
    expect(result.code, result.stderr).to.equal(0)
    return parseJson<Listed>(result)
  }

  it('on a fresh machine lists only the default profile, current, with nothing stored', async () => {
    expect(await list()).to.deep.equal({
      settingsFile: join(sandbox.home, 'settings.json'),
      current: 'default',
      profiles: [
        {
          name: 'default',
          current: true,
          settings: {},
          secrets: {GLADLY_API_TOKEN: null, ENTERPRET_API_KEY: null, REDACT_PII_KEY: null},
          state: {
            dir: join(sandbox.home, 'state', 'default'),
            file: join(sandbox.home, 'state', 'default', 'state.json'),
            exists: false,
          },
        },
      ],
    })
  })

  it("lists every profile with settings or state, and where each one's secrets are, without reading them", async () => {
    // acme: logged in for real, its token in the insecure file.
    const login = await sandbox.run(
      [
        ...['auth', 'login', '--profile', 'acme', '--gladly-url', gladly.url],
        ...['--gladly-username', DEMO_CREDENTIALS.username, '--with-token', '--insecure-storage'],
      ],
      {input: `${DEMO_CREDENTIALS.token}\n`, env: {DBUS_SESSION_BUS_ADDRESS: NO_DBUS}},
    )
    expect(login.code, login.stderr).to.equal(0)
    // beta: as auth login records a secret it put in the keychain.
    const settingsFile = join(sandbox.home, 'settings.json')
    const stored = JSON.parse(readFileSync(settingsFile, 'utf8'))
    stored.profiles.beta = {GLADLY_API_URL: 'https://beta.gladly.com', secrets: {ENTERPRET_API_KEY: 'keychain'}}
    writeFileSync(settingsFile, JSON.stringify(stored))
    // gamma: only state (an import ran with settings from the environment). default, with neither, is not current.
    mkdirSync(join(sandbox.home, 'state', 'gamma'), {recursive: true})
    writeFileSync(join(sandbox.home, 'state', 'gamma', 'state.json'), '{}')

    const listed = await list(['--profile', 'beta'])
    expect(listed.current).to.equal('beta')
    expect(listed.profiles.map(({name, current}) => [name, current])).to.deep.equal([
      ['acme', false],
      ['beta', true],
      ['gamma', false],
    ])
    const [acme, beta, gamma] = listed.profiles
    expect(acme?.settings).to.deep.equal({GLADLY_API_URL: gladly.url, GLADLY_USERNAME: DEMO_CREDENTIALS.username})
    expect(acme?.secrets).to.deep.equal({
      GLADLY_API_TOKEN: {store: 'file', file: join(sandbox.home, 'credentials.json')},
      ENTERPRET_API_KEY: null,
      REDACT_PII_KEY: null,
    })
    expect(beta?.secrets).to.deep.equal({
      GLADLY_API_TOKEN: null,
      ENTERPRET_API_KEY: {store: 'keychain', service: 'gladly-enterpret', account: 'beta:ENTERPRET_API_KEY'},
      REDACT_PII_KEY: null,
    })
    expect(gamma).to.deep.include({settings: {}})
    expect(gamma?.state).to.deep.include({dir: join(sandbox.home, 'state', 'gamma'), exists: true})

    const text = await sandbox.run(['profile', 'list'], {env: {GLADLY_ENTERPRET_PROFILE: 'acme'}})
    expect(text.code, text.stderr).to.equal(0)
    expect(text.stdout).to.include(`Settings file  ${settingsFile}\nacme (current)\n`)
    expect(text.stdout).to.include(
      `  GLADLY_API_TOKEN   ${join(sandbox.home, 'credentials.json')} (a plain file: auth login --insecure-storage)\n`,
    )
    expect(text.stdout).to.include(
      'beta\n  Settings           GLADLY_API_URL https://beta.gladly.com\n  GLADLY_API_TOKEN   not stored\n' +
        '  ENTERPRET_API_KEY  system keychain, service gladly-enterpret, account beta:ENTERPRET_API_KEY\n',
    )
    expect(text.stdout).to.include(`  State              ${join(sandbox.home, 'state', 'beta')} (no import has run)\n`)
    // Listing never reads a secret: reading the insecure file would warn, and nothing may show the token.
    expect(text.stderr).not.to.include('was read from')
    expect(text.stdout + text.stderr).not.to.include(DEMO_CREDENTIALS.token)
  })

  it("does not take the logs folder, which XDG puts among the profiles' state folders, for a profile", async function () {
    if (process.platform !== 'linux') this.skip()
    const xdg = {
      GLADLY_ENTERPRET_HOME: undefined,
      XDG_CONFIG_HOME: join(sandbox.dir, 'config'),
      XDG_STATE_HOME: join(sandbox.dir, 'state'),
    }
    const listed = await list([], xdg)
    expect(existsSync(join(sandbox.dir, 'state', 'gladly-enterpret', 'logs')), 'the run wrote its log there').to.equal(
      true,
    )
    expect(listed.settingsFile).to.equal(join(sandbox.dir, 'config', 'gladly-enterpret', 'settings.json'))
    expect(listed.profiles.map((profile) => profile.name)).to.deep.equal(['default'])
  })
})
