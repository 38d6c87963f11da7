import {expect} from 'chai'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {startFakeEnterpret, type FakeEnterpret} from '../fakes/enterpret/index.js'
import {DEMO_CREDENTIALS, startFakeGladly, type FakeGladly} from '../fakes/gladly/index.js'
import {createSandbox, parseJson, type CliResult, type Sandbox} from '../helpers/cli.js'
import {keychainAvailable, NO_DBUS} from '../helpers/keychain.js'

const ENTERPRET_KEY = 'enterpret-e2e-key-0123456789'

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('auth commands against the fake Gladly and Enterpret', function () {
  this.timeout(60_000)
  let gladly: FakeGladly
  let enterpret: FakeEnterpret
  let sandbox: Sandbox

  before(async () => {
    gladly = await startFakeGladly({dataset: {conversations: 5, edgeCases: false}, rateLimit: false})
    enterpret = await startFakeEnterpret({apiKeys: [ENTERPRET_KEY]})
  })
  after(async () => {
    await gladly.close()
    await enterpret.close()
  })
  beforeEach(() => (sandbox = createSandbox()))
  afterEach(() => sandbox.cleanup())

  const loginArgs = (url = gladly.url) => [
    'auth',
    'login',
    '--gladly-url',
    url,
    '--gladly-username',
    DEMO_CREDENTIALS.username,
    '--enterpret-url',
    enterpret.url,
    '--with-token',
    '--with-enterpret-key',
    '--json',
  ]
  const secretsOnStdin = (token = DEMO_CREDENTIALS.token) => `${token}\n${ENTERPRET_KEY}\n`
  const expectNoSecrets = (...results: CliResult[]) => {
    for (const result of results) {
      expect(result.stdout + result.stderr).not.to.include(ENTERPRET_KEY)
      expect(result.stdout + result.stderr).not.to.include(DEMO_CREDENTIALS.token)
    }
  }
  const settingsFile = () => join(sandbox.home, 'settings.json')

  describe('with the system keychain', () => {
    before(function () {
      keychainAvailable(this)
    })

    it('verifies, stores, reports and removes the credentials', async () => {
      const login = await sandbox.run(loginArgs(), {input: secretsOnStdin()})
      expect(login.code, login.stderr).to.equal(0)
      expect(parseJson<{gladly: {organization: {name: string}}; storage: string}>(login)).to.deep.include({
        storage: 'keychain',
      })
      expect(parseJson<{gladly: {organization: {name: string}}}>(login).gladly.organization.name).to.equal(
        'Example Outfitters',
      )
      const stored = readFileSync(settingsFile(), 'utf8')
      expect(stored).to.include(gladly.url)
      expect(stored).not.to.include(DEMO_CREDENTIALS.token)
      expect(stored).not.to.include(ENTERPRET_KEY)

      const status = await sandbox.run(['auth', 'status', '--json'])
      expect(status.code, status.stderr).to.equal(0)
      const report = parseJson<{
        ok: boolean
        credentials: Array<{name: string; source?: string}>
        checks: Array<{service: string; status: string}>
      }>(status)
      expect(report.ok).to.equal(true)
      expect(report.credentials.find((c) => c.name === 'GLADLY_API_TOKEN')?.source).to.equal('keychain')
      expect(report.credentials.find((c) => c.name === 'ENTERPRET_API_KEY')?.source).to.equal('keychain')
      expect(report.checks.map((check) => check.status)).to.deep.equal(['ok', 'ok'])
      expect(enterpret.records.size, 'the key check sends no record').to.equal(0)

      const logout = await sandbox.run(['auth', 'logout', '--json'])
      expect(parseJson<{removed: string[]}>(logout).removed.sort()).to.deep.equal([
        'ENTERPRET_API_KEY',
        'GLADLY_API_TOKEN',
      ])
      const after = parseJson<{credentials: Array<{name: string; set: boolean}>}>(
        await sandbox.run(['auth', 'status', '--offline', '--json']),
      )
      expect(after.credentials.find((c) => c.name === 'GLADLY_API_TOKEN')?.set).to.equal(false)
      expectNoSecrets(login, status, logout)
    })

    it('takes the secrets from the environment when none are piped in', async () => {
      const result = await sandbox.run(
        ['auth', 'login', '--gladly-url', gladly.url, '--gladly-username', DEMO_CREDENTIALS.username],
        {env: {GLADLY_API_TOKEN: DEMO_CREDENTIALS.token}},
      )
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include('Logged in to Gladly organization "Example Outfitters"')
      expect(result.stderr).to.include('No Enterpret API key is stored')
    })
  })

  describe('failures name the cause and store nothing', () => {
    const attempt = (args: string[], input = secretsOnStdin(), env: Record<string, string> = {}) =>
      sandbox.run(args, {input, env: {RETRY_DELAY: '10', ...env}})

    it('a wrong token: 401', async () => {
      const result = await attempt(loginArgs(), secretsOnStdin('not-the-right-token'))
      expect(result.code).to.equal(2)
      expect(parseJson<{error: {message: string; code: string}}>(result).error).to.include({
        code: 'GladlyAuthError',
        message: `Gladly at ${gladly.url} rejected the username or API token (401).`,
      })
      expect(existsSync(settingsFile())).to.equal(false)
      expect(result.stdout).not.to.include('not-the-right-token')
    })

    it('a URL that is not Gladly: 404', async () => {
      const result = await attempt(loginArgs(enterpret.url))
      expect(result.code).to.equal(2)
      expect(parseJson<{error: {message: string}}>(result).error.message).to.equal(
        `There is no Gladly API at ${enterpret.url} (404 on /api/v1/organization).`,
      )
    })

    it('nothing listening', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`
      const result = await attempt(loginArgs(url))
      expect(result.code).to.equal(1)
      expect(parseJson<{error: {message: string}}>(result).error.message).to.match(
        /^Gladly at 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED/,
      )
    })

    it('a host that does not resolve', async () => {
      const result = await attempt(loginArgs('https://gladly-enterpret-test.invalid'))
      expect(result.code).to.equal(2)
      expect(parseJson<{error: {message: string}}>(result).error.message).to.match(
        /^Cannot resolve gladly-enterpret-test\.invalid \((ENOTFOUND|EAI_AGAIN)\)\.$/,
      )
    })

    it('no token at all', async () => {
      const result = await attempt(
        ['auth', 'login', '--gladly-url', gladly.url, '--gladly-username', DEMO_CREDENTIALS.username],
        '',
      )
      expect(result.code).to.equal(2)
      expect(result.stderr).to.include('No Gladly API token was given.')
    })
  })

  describe('on a machine without a keychain', () => {
    const noKeychain = {DBUS_SESSION_BUS_ADDRESS: NO_DBUS}

    it('refuses to fall back silently, and says what to do instead', async () => {
      const result = await sandbox.run(loginArgs(), {input: secretsOnStdin(), env: noKeychain})
      expect(result.code).to.equal(2)
      const error = parseJson<{error: {code: string; message: string; suggestions: string[]}}>(result).error
      expect(error.code).to.equal('KeychainUnavailable')
      expect(error.message).to.match(/^The system keychain is not available: /)
      expect(error.suggestions.join(' ')).to.include('GLADLY_API_TOKEN and ENTERPRET_API_KEY in the environment')
      expect(error.suggestions.join(' ')).to.include('--insecure-storage')
      expect(existsSync(settingsFile())).to.equal(false)
    })

    it('stores in a 0600 file with --insecure-storage and warns on every read', async () => {
      const login = await sandbox.run([...loginArgs(), '--insecure-storage'], {
        input: secretsOnStdin(),
        env: noKeychain,
      })
      expect(login.code, login.stderr).to.equal(0)
      expect(login.stderr).to.include('UNENCRYPTED')
      const file = join(sandbox.home, 'credentials.json')
      expect(statSync(file).mode & 0o777).to.equal(0o600)

      const status = await sandbox.run(['auth', 'status', '--json'], {env: noKeychain})
      expect(status.code, status.stderr).to.equal(0)
      expect(status.stderr).to.match(/GLADLY_API_TOKEN was read from .*credentials\.json, a plain file/)
      expect(status.stderr).to.match(/ENTERPRET_API_KEY was read from .*credentials\.json, a plain file/)
      expect(
        parseJson<{credentials: Array<{name: string; source?: string}>}>(status).credentials.find(
          (c) => c.name === 'GLADLY_API_TOKEN',
        )?.source,
      ).to.equal('file')
      expectNoSecrets(login, status)
    })

    it('works with secrets in the environment only', async () => {
      const status = await sandbox.run(['auth', 'status', '--json'], {
        env: {
          ...noKeychain,
          GLADLY_API_URL: gladly.url,
          GLADLY_USERNAME: DEMO_CREDENTIALS.username,
          GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
          ENTERPRET_API_URL: enterpret.url,
          ENTERPRET_API_KEY: 'wrong-enterpret-key-value',
        },
      })
      expect(status.code).to.equal(1)
      const report = parseJson<{checks: Array<{service: string; status: string; detail: string}>}>(status)
      expect(report.checks.find((check) => check.service === 'gladly')?.status).to.equal('ok')
      expect(report.checks.find((check) => check.service === 'enterpret')).to.include({status: 'failed'})
      expect(status.stdout + status.stderr).not.to.include('wrong-enterpret-key-value')
    })
  })
})
