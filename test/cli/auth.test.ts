import {expect} from 'chai'
import {randomUUID} from 'node:crypto'
import {existsSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {startFakeEnterpret, type FakeEnterpret} from '../fakes/enterpret/index.js'
import {DEMO_CREDENTIALS, startFakeGladly, type FakeGladly} from '../fakes/gladly/index.js'
import {createSandbox, parseJson, type CliResult, type Sandbox} from '../helpers/cli.js'
import {keychainAvailable, NO_DBUS} from '../helpers/keychain.js'
import {startOnPty, type PtySession} from '../helpers/pty.js'

const ENTERPRET_KEY = 'enterpret-e2e-key-0123456789'
const USERS_KEY = 'test-users-key-not-real'
// Made per run: nothing secret-looking is written down.
const REJECTED_KEY = `rejected-${randomUUID()}`
const DOWN = '\x1b[B'

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
    enterpret = await startFakeEnterpret({apiKeys: [ENTERPRET_KEY], usersApiKeys: [USERS_KEY]})
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
      expect(result.stdout + result.stderr).not.to.include(USERS_KEY)
      expect(result.stdout + result.stderr).not.to.include(DEMO_CREDENTIALS.token)
    }
  }
  const settingsFile = () => join(sandbox.home, 'settings.json')

  describe('with the system keychain', () => {
    before(function () {
      keychainAvailable(this)
    })

    it('stores REDACT_PII_KEY piped after the others, shows it masked and removes it with the rest', async () => {
      const redactionKey = 'test-not-a-real-redaction-key'
      const login = await sandbox.run([...loginArgs(), '--with-redaction-key'], {
        input: `${secretsOnStdin()}${redactionKey}\n`,
      })
      expect(login.code, login.stderr).to.equal(0)
      expect(readFileSync(settingsFile(), 'utf8')).not.to.include(redactionKey)
      const status = await sandbox.run(['auth', 'status', '--offline', '--json'])
      const key = parseJson<{credentials: Array<{name: string; source?: string; display?: string}>}>(
        status,
      ).credentials.find((c) => c.name === 'REDACT_PII_KEY')
      expect(key).to.include({source: 'keychain', display: '****-key'})
      expect(status.stdout + status.stderr + login.stdout + login.stderr).not.to.include(redactionKey)
      const logout = await sandbox.run(['auth', 'logout', '--json'])
      expect(parseJson<{removed: string[]}>(logout).removed).to.include('REDACT_PII_KEY')
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
      expect(report.checks.map((check) => check.status)).to.deep.equal(['ok', 'ok', 'skipped'])
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

    it('says of a secret in the keychain that cannot be read just that, never "not set", and exits 2', async () => {
      const login = await sandbox.run([...loginArgs(), '--with-users-key'], {
        input: `${secretsOnStdin()}${USERS_KEY}\n`,
      })
      expect(login.code, login.stderr).to.equal(0)
      try {
        const status = await sandbox.run(['auth', 'status'], {env: {DBUS_SESSION_BUS_ADDRESS: NO_DBUS}})
        expect(status.code, status.stdout + status.stderr).to.equal(2)
        const token = status.stdout.split('\n').find((line) => line.trim().startsWith('GLADLY_API_TOKEN'))
        expect(token).to.match(/could not be read +stored in the keychain: The system keychain is not available: /)
        expect(status.stdout + status.stderr).not.to.include('not set')
        expect(status.stdout).to.include('not checked: GLADLY_API_TOKEN could not be read')
        expect(status.stdout, 'the optional Users webhook key too').to.include(
          'not checked: ENTERPRET_USERS_API_KEY could not be read',
        )
        expect(status.stderr, 'said once, on its line').not.to.include('could not be read')
        const report = parseJson<{problems: string[]}>(
          await sandbox.run(['auth', 'status', '--offline', '--json'], {env: {DBUS_SESSION_BUS_ADDRESS: NO_DBUS}}),
        )
        expect(report.problems[0]).to.match(/^GLADLY_API_TOKEN is stored in the keychain but could not be read: /)
      } finally {
        expect((await sandbox.run(['auth', 'logout'])).code).to.equal(0)
      }
    })

    it('takes the secrets from the environment when none are piped in', async () => {
      const result = await sandbox.run(
        ['auth', 'login', '--gladly-url', gladly.url, '--gladly-username', DEMO_CREDENTIALS.username],
        {env: {GLADLY_API_TOKEN: DEMO_CREDENTIALS.token}},
      )
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include('Logged in to Gladly organization "Example Outfitters"')
      expect(result.stderr).to.include('No Enterpret API key is stored')
      expect(result.stderr).to.include(
        'No Users webhook key (ENTERPRET_USERS_API_KEY, optional): customers are not sent as Enterpret users.',
      )
    })

    it('stores the Users webhook key piped after the other secrets, reports it masked and checked, and removes it', async () => {
      const login = await sandbox.run([...loginArgs(), '--with-users-key'], {
        input: `${secretsOnStdin()}${USERS_KEY}\n`,
      })
      expect(login.code, login.stderr).to.equal(0)
      expect(parseJson<{enterpret: {key: string; usersKey: string}}>(login).enterpret).to.include({
        key: 'stored',
        usersKey: 'stored',
      })
      const rendered = await sandbox.run(['auth', 'status'])
      try {
        expect(rendered.code, rendered.stdout + rendered.stderr).to.equal(0)
        expect(rendered.stdout).to.match(/ENTERPRET_USERS_API_KEY +\*\*\*\*real +from the system keychain/)
        expect(rendered.stdout).to.match(/Enterpret Users webhook\n.*\n +check +✔ the Users webhook key was accepted/)
        const report = parseJson<{
          credentials: Array<{name: string; source?: string}>
          checks: Array<{service: string; status: string}>
        }>(await sandbox.run(['auth', 'status', '--json']))
        expect(report.credentials.find((c) => c.name === 'ENTERPRET_USERS_API_KEY')?.source).to.equal('keychain')
        expect(report.checks.find((check) => check.service === 'enterpret-users')?.status).to.equal('ok')
        expect(enterpret.users.size, 'the key check sends no user').to.equal(0)
        expect(readFileSync(settingsFile(), 'utf8')).not.to.include(USERS_KEY)
      } finally {
        const logout = await sandbox.run(['auth', 'logout', '--json'])
        expect(parseJson<{removed: string[]}>(logout).removed.sort()).to.deep.equal([
          'ENTERPRET_API_KEY',
          'ENTERPRET_USERS_API_KEY',
          'GLADLY_API_TOKEN',
        ])
      }
      const after = parseJson<{credentials: Array<{name: string; set: boolean}>}>(
        await sandbox.run(['auth', 'status', '--offline', '--json']),
      )
      expect(after.credentials.find((c) => c.name === 'ENTERPRET_USERS_API_KEY')?.set).to.equal(false)
      expectNoSecrets(login, rendered)
    })

    it('stores nothing when Enterpret rejects the Users webhook key, and says which key and where to find it', async () => {
      const login = await sandbox.run([...loginArgs(), '--with-users-key'], {
        input: `${secretsOnStdin()}${ENTERPRET_KEY}\n`,
      })
      expect(login.code, login.stderr).to.equal(2)
      const error = parseJson<{error: {code: string; message: string; suggestions: string[]}}>(login).error
      expect(error.code).to.equal('EnterpretAuthError')
      expect(error.message).to.equal(
        `Enterpret at ${new URL(enterpret.url).host} rejected the Users webhook key (ENTERPRET_USERS_API_KEY) (401).`,
      )
      expect(error.suggestions.join(' ')).to.include('not the feedback webhook key')
      expect(existsSync(settingsFile())).to.equal(false)
      const status = parseJson<{credentials: Array<{name: string; set: boolean}>}>(
        await sandbox.run(['auth', 'status', '--offline', '--json']),
      )
      expect(status.credentials.filter((c) => c.set).map((c) => c.name)).to.deep.equal(['ENTERPRET_API_URL'])
      expectNoSecrets(login)
    })

    it('takes the Users webhook key from the environment like the Enterpret key, and stores it', async () => {
      const login = await sandbox.run(
        ['auth', 'login', '--gladly-url', gladly.url, '--gladly-username', DEMO_CREDENTIALS.username, '--json'],
        {
          env: {
            GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
            ENTERPRET_API_URL: enterpret.url,
            ENTERPRET_USERS_API_KEY: USERS_KEY,
          },
        },
      )
      try {
        expect(login.code, login.stderr).to.equal(0)
        expect(parseJson<{enterpret: {key: string; usersKey: string}}>(login).enterpret).to.include({
          key: 'not set',
          usersKey: 'stored',
        })
        expect(login.stderr).to.include(
          'accepted the Users webhook key: imports also send customers as Enterpret users.',
        )
        const report = parseJson<{credentials: Array<{name: string; source?: string}>}>(
          await sandbox.run(['auth', 'status', '--offline', '--json']),
        )
        expect(report.credentials.find((c) => c.name === 'ENTERPRET_USERS_API_KEY')?.source).to.equal('keychain')
      } finally {
        expect((await sandbox.run(['auth', 'logout'])).code).to.equal(0)
      }
    })
  })

  describe('failures name the cause and store nothing', () => {
    // In the file, so that they run with or without a keychain: where secrets go is settled before any check.
    const attempt = (args: string[], input = secretsOnStdin(), env: Record<string, string> = {}) =>
      sandbox.run([...args, '--insecure-storage'], {input, env: {RETRY_DELAY: '10', ...env}})
    afterEach(() => expect(existsSync(join(sandbox.home, 'credentials.json'))).to.equal(false))

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

    it('an Enterpret key that Enterpret rejects: 401, checked before anything is stored', async () => {
      const result = await attempt(loginArgs(), `${DEMO_CREDENTIALS.token}\nnot-the-enterpret-key\n`)
      expect(result.code, result.stderr).to.equal(2)
      expect(parseJson<{error: {code: string; message: string}}>(result).error).to.deep.include({
        code: 'EnterpretAuthError',
        message: `Enterpret at ${new URL(enterpret.url).host} rejected the API key (401).`,
      })
      expect(existsSync(settingsFile())).to.equal(false)
      expect(enterpret.records.size).to.equal(0)
      expect(result.stdout + result.stderr).not.to.include('not-the-enterpret-key')
    })

    it('--with-users-key reads the line after those of the other flags given, whichever they are', async () => {
      const args = [
        ...loginArgs().filter((arg) => arg !== '--with-enterpret-key'),
        '--with-users-key',
        '--insecure-storage',
      ]
      const login = await sandbox.run(args, {input: `${DEMO_CREDENTIALS.token}\n${USERS_KEY}\n`})
      expect(login.code, login.stderr).to.equal(0)
      expect(parseJson<{enterpret: {key: string; usersKey: string}}>(login).enterpret).to.include({
        key: 'not set',
        usersKey: 'stored',
      })
      const stored = JSON.parse(readFileSync(join(sandbox.home, 'credentials.json'), 'utf8')) as unknown
      expect(JSON.stringify(stored)).to.include(USERS_KEY).and.not.include(ENTERPRET_KEY)
      const missing = await sandbox.run([...loginArgs(), '--with-users-key'], {input: secretsOnStdin()})
      expect(missing.code).to.equal(2)
      rmSync(join(sandbox.home, 'credentials.json'))
      expect(parseJson<{error: {message: string}}>(missing).error.message).to.equal(
        '--with-users-key was given but stdin had no line for the Users webhook key.',
      )
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

    it('refuses to fall back silently, before checking anything, and says what to do instead', async () => {
      const gladlyRequests = gladly.stats.total
      const result = await sandbox.run(loginArgs(), {input: secretsOnStdin(), env: noKeychain})
      expect(result.code).to.equal(2)
      expect(gladly.stats.total, 'decided before the token is checked').to.equal(gladlyRequests)
      const error = parseJson<{error: {code: string; message: string; suggestions: string[]}}>(result).error
      expect(error.code).to.equal('KeychainUnavailable')
      expect(error.message).to.match(/^The system keychain is not available: /)
      expect(error.suggestions.join(' ')).to.include('GLADLY_API_TOKEN and ENTERPRET_API_KEY in the environment')
      expect(error.suggestions.join(' ')).to.include('--insecure-storage')
      expect(existsSync(settingsFile())).to.equal(false)
    })

    it('stores in a 0600 file with --insecure-storage and warns once for every command that reads it', async () => {
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
      expect(status.stderr.match(/a plain file/g), status.stderr).to.have.length(1)
      expect(status.stderr).to.match(
        /GLADLY_API_TOKEN and ENTERPRET_API_KEY were read from .*credentials\.json, a plain file/,
      )
      expect(
        parseJson<{credentials: Array<{name: string; source?: string}>}>(status).credentials.find(
          (c) => c.name === 'GLADLY_API_TOKEN',
        )?.source,
      ).to.equal('file')
      expectNoSecrets(login, status)
    })

    it('checks secrets that come from the environment and leaves them there, without advising to put them there', async () => {
      const env = {
        ...noKeychain,
        GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
        ENTERPRET_API_URL: enterpret.url,
        ENTERPRET_API_KEY: ENTERPRET_KEY,
      }
      const login = await sandbox.run(
        ['auth', 'login', '--gladly-url', gladly.url, '--gladly-username', DEMO_CREDENTIALS.username, '--json'],
        {env},
      )
      expect(login.code, login.stderr).to.equal(0)
      expect(parseJson(login)).to.deep.include({storage: 'environment', setInEnvironment: []})
      expect(login.stderr).to.include('GLADLY_API_TOKEN and ENTERPRET_API_KEY come from the environment')
      expect(login.stderr).not.to.match(/set .* in the environment/i)
      expect(existsSync(join(sandbox.home, 'credentials.json'))).to.equal(false)
      expect(readFileSync(settingsFile(), 'utf8')).to.include(gladly.url)

      const status = await sandbox.run(['auth', 'status', '--json'], {env})
      expect(status.code, status.stdout).to.equal(0)

      const wrongKey = await sandbox.run(['auth', 'login', '--json'], {env: {...env, ENTERPRET_API_KEY: 'wrong-key'}})
      expect(wrongKey.code).to.equal(2)
      expect(parseJson<{error: {code: string}}>(wrongKey).error.code).to.equal('EnterpretAuthError')

      const withUsersKey = await sandbox.run(['auth', 'login', '--json'], {
        env: {...env, ENTERPRET_USERS_API_KEY: USERS_KEY},
      })
      expect(withUsersKey.code, withUsersKey.stderr).to.equal(0)
      expect(parseJson<{enterpret: {usersKey: string}}>(withUsersKey).enterpret.usersKey).to.equal('environment')
      expect(withUsersKey.stderr).to.include(
        'GLADLY_API_TOKEN, ENTERPRET_API_KEY, and ENTERPRET_USERS_API_KEY come from the environment',
      )
      expect(existsSync(join(sandbox.home, 'credentials.json'))).to.equal(false)
      expectNoSecrets(login, withUsersKey)
    })

    it('works with secrets in the environment only', async () => {
      const status = await sandbox.run(['auth', 'status', '--json'], {
        env: {
          ...noKeychain,
          GLADLY_API_URL: gladly.url,
          GLADLY_USERNAME: DEMO_CREDENTIALS.username,
          GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
          ENTERPRET_API_URL: enterpret.url,
          ENTERPRET_API_KEY: REJECTED_KEY,
        },
      })
      expect(status.code, 'a rejected credential, as the README’s exit codes say').to.equal(2)
      const report = parseJson<{checks: Array<{service: string; status: string; detail: string}>}>(status)
      expect(report.checks.find((check) => check.service === 'gladly')?.status).to.equal('ok')
      expect(report.checks.find((check) => check.service === 'enterpret')).to.include({status: 'failed'})
      expect(status.stdout + status.stderr).not.to.include(REJECTED_KEY)
    })
  })

  describe('auth login at a terminal', () => {
    const sessions: PtySession[] = []
    const onTerminal = (args: string[], extra: Record<string, string> = {}) => {
      const session = startOnPty(['auth', 'login', ...args], {
        ...sandbox.env,
        ENTERPRET_API_URL: enterpret.url,
        RETRY_DELAY: '10',
        ...extra,
      })
      sessions.push(session)
      return session
    }
    afterEach(() => {
      for (const session of sessions.splice(0)) session.stop()
    })
    /** Answers Gladly's questions as they come: the address, its API user, the token. */
    const answerGladly = async (login: PtySession, token = DEMO_CREDENTIALS.token) => {
      await login.waitFor(/Gladly address/)
      login.type(`${gladly.url}\r`)
      await login.waitFor(/Email of the Gladly API user/)
      login.type(`${DEMO_CREDENTIALS.username}\r`)
      await login.waitFor(/Gladly API token/)
      login.type(`${token}\r`)
    }
    /** Answers every question; the optional Users webhook key is skipped (Enter) unless given. */
    const answerAll = async (login: PtySession, usersKey = '') => {
      await answerGladly(login)
      await login.waitFor(/Enterpret API key/)
      login.type(`${ENTERPRET_KEY}\r`)
      await login.waitFor(/Enterpret Users webhook key \(leave empty to skip\)/)
      login.type(`${usersKey}\r`)
    }
    const noKeychain = {DBUS_SESSION_BUS_ADDRESS: NO_DBUS}
    const credentialsFile = () => join(sandbox.home, 'credentials.json')

    describe('on a machine without a keychain', () => {
      it('offers the choice before the first question, then keeps the secrets in the file chosen', async () => {
        const gladlyRequests = gladly.stats.total
        const login = onTerminal([], noKeychain)
        await login.waitFor(/Where should the secrets go\?/)
        expect(login.screen()).to.include('The system keychain is not available')
        expect(login.screen(), 'nothing asked before').not.to.include('Gladly address')
        expect(gladly.stats.total).to.equal(gladlyRequests)

        login.type(DOWN)
        await login.waitFor(/❯ A plain file only you can read/)
        login.type('\r')
        await answerAll(login, USERS_KEY)
        expect(await login.exited, login.screen()).to.equal(0)

        expect(login.screen()).to.include('Logged in to Gladly organization "Example Outfitters"')
        expect(login.screen()).to.include('UNENCRYPTED')
        expect(login.screen()).to.include('accepted the Users webhook key')
        expect(statSync(credentialsFile()).mode & 0o777).to.equal(0o600)
        expect(readFileSync(credentialsFile(), 'utf8'))
          .to.include(DEMO_CREDENTIALS.token)
          .and.include(ENTERPRET_KEY)
          .and.include(USERS_KEY)
        expect(login.screen(), 'typed secrets are masked').not.to.include(DEMO_CREDENTIALS.token)
        expect(login.screen(), 'typed secrets are masked').not.to.include(USERS_KEY)
      })

      it('with environment variables chosen, checks what is typed, stores no secret and says what to set', async () => {
        const login = onTerminal([], noKeychain)
        await login.waitFor(/Where should the secrets go\?/)
        login.type('\r')
        await answerAll(login)
        expect(await login.exited, login.screen()).to.equal(0)

        expect(login.screen()).to.match(
          /Nothing secret was stored: set GLADLY_API_TOKEN and ENTERPRET_API_KEY in the environment, or in a \.env file/,
        )
        expect(existsSync(credentialsFile())).to.equal(false)
        expect(readFileSync(settingsFile(), 'utf8')).to.include(gladly.url).and.not.include(DEMO_CREDENTIALS.token)
      })

      it('asks no secret that the environment already holds, and offers no choice', async () => {
        const login = onTerminal([], {
          ...noKeychain,
          GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
          ENTERPRET_API_KEY: ENTERPRET_KEY,
        })
        await login.waitFor(/Gladly address/)
        login.type(`${gladly.url}\r`)
        await login.waitFor(/Email of the Gladly API user/)
        login.type(`${DEMO_CREDENTIALS.username}\r`)
        expect(await login.exited, login.screen()).to.equal(0)
        expect(login.screen()).to.include('GLADLY_API_TOKEN and ENTERPRET_API_KEY come from the environment')
        expect(login.screen()).not.to.match(
          /Where should the secrets go|Gladly API token|Enterpret API key \(|Enterpret Users webhook key/,
        )
        expect(login.screen()).to.include('No Users webhook key (ENTERPRET_USERS_API_KEY, optional)')
      })
    })

    describe('with the system keychain', () => {
      before(function () {
        keychainAvailable(this)
      })

      it('asks again for a token Gladly refuses and a key Enterpret rejects, and stores what passed', async () => {
        const login = onTerminal([])
        await answerGladly(login, 'not-the-right-token')
        expect(login.screen()).not.to.include('Where should the secrets go')
        await login.waitFor(
          /rejected the username or API token \(401\)[^]*Try again \(2 tries left\)[^]*Gladly address/,
        )
        // The last answers are the defaults: Enter keeps them.
        login.type('\r')
        await login.waitFor(/Try again[^]*Email of the Gladly API user/)
        login.type('\r')
        await login.waitFor(/Try again[^]*Gladly API token/)
        login.type(`${DEMO_CREDENTIALS.token}\r`)

        await login.waitFor(/Enterpret API key/)
        login.type('not-the-enterpret-key\r')
        await login.waitFor(/rejected the API key \(401\)[^]*Try again \(2 tries left\)[^]*Enterpret API key/)
        login.type(`${ENTERPRET_KEY}\r`)

        // The feedback key is another integration's: the Users webhook rejects it.
        await login.waitFor(/Enterpret Users webhook key/)
        login.type(`${ENTERPRET_KEY}\r`)
        await login.waitFor(
          /rejected the Users webhook key \(ENTERPRET_USERS_API_KEY\) \(401\)[^]*Try again \(2 tries left\)[^]*Enterpret Users webhook key/,
        )
        login.type(`${USERS_KEY}\r`)
        expect(await login.exited, login.screen()).to.equal(0)
        expect(login.screen()).to.include('Secrets are in the system keychain.')
        expect(login.screen()).not.to.include('not-the-right-token')

        try {
          const status = await sandbox.run(['auth', 'status', '--json'], {env: {ENTERPRET_API_URL: enterpret.url}})
          expect(status.code, status.stdout).to.equal(0)
          const report = parseJson<{
            credentials: Array<{name: string; source?: string}>
            checks: Array<{status: string}>
          }>(status)
          expect(report.checks.map((check) => check.status)).to.deep.equal(['ok', 'ok', 'ok'])
          expect(report.credentials.find((c) => c.name === 'GLADLY_API_TOKEN')?.source).to.equal('keychain')
          expect(report.credentials.find((c) => c.name === 'ENTERPRET_API_KEY')?.source).to.equal('keychain')
          expect(report.credentials.find((c) => c.name === 'ENTERPRET_USERS_API_KEY')?.source).to.equal('keychain')
        } finally {
          expect((await sandbox.run(['auth', 'logout'])).code).to.equal(0)
        }
      })
    })

    it('gives up after three refused tokens with the reason, storing nothing', async () => {
      const login = onTerminal([
        '--insecure-storage',
        '--gladly-url',
        gladly.url,
        '--gladly-username',
        DEMO_CREDENTIALS.username,
      ])
      for (const left of ['2 tries', '1 try']) {
        await login.waitFor(/Gladly API token/)
        login.type('not-the-right-token\r')
        await login.waitFor(new RegExp(`Try again \\(${left} left\\)[^]*Gladly API token`))
      }
      login.type('still-not-the-token\r')
      expect(await login.exited, login.screen()).to.equal(2)
      expect(login.screen()).to.match(/Error: Gladly at \S+ rejected the username or API token \(401\)\./)
      // The address and user came as flags: only the token is asked again.
      expect(login.screen()).not.to.include('Gladly address')
      expect(existsSync(settingsFile())).to.equal(false)
      expect(existsSync(credentialsFile())).to.equal(false)
    })
  })

  describe('auth status exit codes, as the README’s table has them', () => {
    it('2 when the credentials are missing; --offline only reports', async () => {
      const status = await sandbox.run(['auth', 'status', '--json'])
      expect(status.code).to.equal(2)
      const report = parseJson<{checks: Array<{status: string; detail: string}>}>(status)
      expect(report.checks.map((check) => check.status)).to.deep.equal(['incomplete', 'incomplete', 'skipped'])
      expect(report.checks[0]?.detail).to.equal(
        'not checked: GLADLY_API_URL is not set, GLADLY_USERNAME is not set, GLADLY_API_TOKEN is not set',
      )
      expect((await sandbox.run(['auth', 'status', '--offline'])).code).to.equal(0)
    })

    it('1 when a service cannot be reached', async () => {
      const status = await sandbox.run(['auth', 'status', '--json'], {
        env: {
          GLADLY_API_URL: gladly.url,
          GLADLY_USERNAME: DEMO_CREDENTIALS.username,
          GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
          ENTERPRET_API_URL: `http://127.0.0.1:${await closedPort()}`,
          ENTERPRET_API_KEY: ENTERPRET_KEY,
        },
      })
      expect(status.code).to.equal(1)
      const report = parseJson<{checks: Array<{service: string; status: string}>}>(status)
      expect(report.checks.map((check) => check.status)).to.deep.equal(['ok', 'failed', 'skipped'])
    })
  })

  describe('auth status and the optional Users webhook key', () => {
    const withKeys = (users: Record<string, string | undefined>) => ({
      GLADLY_API_URL: gladly.url,
      GLADLY_USERNAME: DEMO_CREDENTIALS.username,
      GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
      ENTERPRET_API_URL: enterpret.url,
      ENTERPRET_API_KEY: ENTERPRET_KEY,
      ...users,
    })
    type Report = {
      ok: boolean
      credentials: Array<{name: string; set: boolean; display?: string}>
      checks: Array<{service: string; status: string; detail: string; exit: number}>
    }
    const usersCheck = (report: Report) => report.checks.find((check) => check.service === 'enterpret-users')

    it('probes a Users webhook key that is set, on the Users webhook, masked, and exits 0 when it is accepted', async () => {
      const json = await sandbox.run(['auth', 'status', '--json'], {
        env: withKeys({ENTERPRET_USERS_API_KEY: USERS_KEY}),
      })
      expect(json.code, json.stdout).to.equal(0)
      const report = parseJson<Report>(json)
      expect(report.ok).to.equal(true)
      expect(report.credentials.find((c) => c.name === 'ENTERPRET_USERS_API_KEY')).to.include({
        set: true,
        display: '****real',
      })
      expect(usersCheck(report)).to.deep.include({status: 'ok', exit: 0})
      const probe = enterpret.requests.at(-1)
      expect(probe).to.include({path: '/webhook/users/custom', status: 400, userCount: 0})
      expect(enterpret.users.size).to.equal(0)
      const text = await sandbox.run(['auth', 'status'], {env: withKeys({ENTERPRET_USERS_API_KEY: USERS_KEY})})
      expect(text.code).to.equal(0)
      expect(text.stdout).to.match(/Enterpret Users webhook\n +ENTERPRET_USERS_API_KEY +\*\*\*\*real +from /)
      expect(text.stdout).to.match(/check +✔ the Users webhook key was accepted/)
      expectNoSecrets(json, text)
    })

    it('exits 2 on a Users webhook key Enterpret rejects, naming ENTERPRET_USERS_API_KEY and where to find it', async () => {
      // The feedback key is a key of another integration: the Users webhook rejects it.
      const status = await sandbox.run(['auth', 'status', '--json'], {
        env: withKeys({ENTERPRET_USERS_API_KEY: ENTERPRET_KEY}),
      })
      expect(status.code, status.stdout).to.equal(2)
      const report = parseJson<Report>(status)
      expect(report.ok).to.equal(false)
      expect(report.checks.map((check) => check.status)).to.deep.equal(['ok', 'ok', 'failed'])
      const detail = usersCheck(report)?.detail ?? ''
      expect(detail).to.match(/^Enterpret at \S+ rejected the Users webhook key \(ENTERPRET_USERS_API_KEY\) \(401\)\. /)
      expect(detail).to.include('ENTERPRET_USERS_API_KEY must be the token Enterpret generates for User data')
      const text = await sandbox.run(['auth', 'status'], {env: withKeys({ENTERPRET_USERS_API_KEY: ENTERPRET_KEY})})
      expect(text.code).to.equal(2)
      expect(text.stdout).to.match(
        /check +✖ Enterpret at \S+ rejected the Users webhook key \(ENTERPRET_USERS_API_KEY\)/,
      )
      expectNoSecrets(status, text)
    })

    it('reports a Users webhook key that is not set as optional and skipped, without changing the exit code', async () => {
      const requests = enterpret.requests.length
      const status = await sandbox.run(['auth', 'status', '--json'], {env: withKeys({})})
      expect(status.code, status.stdout).to.equal(0)
      const report = parseJson<Report>(status)
      expect(report.ok).to.equal(true)
      expect(report.credentials.find((c) => c.name === 'ENTERPRET_USERS_API_KEY')).to.deep.equal({
        name: 'ENTERPRET_USERS_API_KEY',
        set: false,
      })
      expect(usersCheck(report)).to.deep.equal({
        service: 'enterpret-users',
        status: 'skipped',
        detail: 'not set: customers are not sent as users',
        exit: 0,
      })
      expect(
        enterpret.requests.slice(requests).map((request) => request.path),
        'only the feedback webhook was probed',
      ).to.deep.equal(['/webhook/custom/all'])
      const text = await sandbox.run(['auth', 'status'], {env: withKeys({})})
      expect(text.stdout).to.match(/ENTERPRET_USERS_API_KEY +not set +optional: customers are not sent as users/)
      expect(text.stdout).to.match(/check +– not set: customers are not sent as users/)
    })

    it('does not probe it with --offline', async () => {
      const requests = enterpret.requests.length
      const status = await sandbox.run(['auth', 'status', '--offline', '--json'], {
        env: withKeys({ENTERPRET_USERS_API_KEY: ENTERPRET_KEY}),
      })
      expect(status.code).to.equal(0)
      expect(usersCheck(parseJson<Report>(status))).to.include({status: 'skipped', detail: 'not checked (--offline)'})
      expect(enterpret.requests.length).to.equal(requests)
    })
  })

  describe('variables that look like settings and are not', () => {
    it('are named once each, with the closest setting; oclif’s own variables pass', async () => {
      writeFileSync(join(sandbox.dir, '.env'), 'ENTERPRET_API_KY=some-value\n')
      const result = await sandbox.run(['auth', 'status', '--offline'], {
        env: {GLADLY_BASE_URL: gladly.url, GLADLY_ENTERPRET_PROFIEL: 'acme'},
      })
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr.match(/is not a setting/g), result.stderr).to.have.length(3)
      expect(result.stderr).to.include(
        'GLADLY_BASE_URL (in the environment) is not a setting of gladly-enterpret and is ignored; did you mean GLADLY_API_URL?',
      )
      expect(result.stderr).to.match(
        /ENTERPRET_API_KY \(in \S+\.env\) is not a setting .*; did you mean ENTERPRET_API_KEY\?/,
      )
      expect(result.stderr).to.include('GLADLY_ENTERPRET_PROFIEL (in the environment)')
      expect(result.stderr).to.include('did you mean GLADLY_ENTERPRET_PROFILE?')
      // The sandbox sets oclif's GLADLY_ENTERPRET_SKIP_NEW_VERSION_CHECK.
      expect(result.stderr).not.to.include('SKIP_NEW_VERSION_CHECK')
    })
  })
})
