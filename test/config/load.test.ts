import {expect} from 'chai'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {
  loadSettings,
  requireSettings,
  SETTING_NAMES,
  writeProfile,
  resolvePaths,
  type LoadOptions,
  type SecretReader,
  type Settings,
} from '../../src/lib/config/index.js'
import type {AppError} from '../../src/lib/common/index.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

describe('settings', () => {
  let dir: string
  let env: NodeJS.ProcessEnv

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ge-config-'))
    env = {GLADLY_ENTERPRET_HOME: join(dir, 'home')}
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  async function load(options: Partial<LoadOptions> = {}): Promise<Settings> {
    const result = await loadSettings({env, cwd: dir, ...options})()
    if (result._tag === 'Left') throw new Error(`expected settings, got: ${result.left.message}`)
    return result.right
  }

  async function failure(options: Partial<LoadOptions> = {}): Promise<AppError> {
    const result = await loadSettings({env, cwd: dir, ...options})()
    if (result._tag === 'Right') throw new Error('expected a configuration error')
    return result.left
  }

  const storeProfile = (profile: string, record: Record<string, unknown>) => {
    const written = writeProfile(resolvePaths(env), profile, record)
    expect(written._tag).to.equal('Right')
  }

  describe('precedence', () => {
    it('falls back to the documented defaults', async () => {
      const settings = await load()
      expect(settings.profile).to.equal('default')
      expect(settings.values.BATCH_SIZE).to.equal(20)
      expect(settings.values.MAX_RETRIES).to.equal(5)
      expect(settings.values.RETRY_DELAY).to.equal(1000)
      expect(settings.values.ENTERPRET_API_URL).to.equal('https://api.enterpret.com')
      expect(settings.values.GLADLY_API_URL).to.equal(undefined)
      expect(settings.origins.BATCH_SIZE?.source).to.equal('default')
    })

    it('ranks flag over environment over .env over stored profile over default', async () => {
      storeProfile('default', {BATCH_SIZE: '11'})
      expect((await load()).values.BATCH_SIZE).to.equal(11)
      expect((await load()).origins.BATCH_SIZE?.source).to.equal('profile')

      writeFileSync(join(dir, '.env'), 'BATCH_SIZE=12\n')
      expect((await load()).values.BATCH_SIZE).to.equal(12)
      expect((await load()).origins.BATCH_SIZE?.source).to.equal('.env')

      env.BATCH_SIZE = '13'
      expect((await load()).values.BATCH_SIZE).to.equal(13)
      expect((await load()).origins.BATCH_SIZE?.source).to.equal('env')

      const flagged = await load({flags: {BATCH_SIZE: 14}, flagNames: {BATCH_SIZE: '--batch-size'}})
      expect(flagged.values.BATCH_SIZE).to.equal(14)
      expect(flagged.origins.BATCH_SIZE).to.deep.equal({source: 'flag', where: '--batch-size'})
    })

    it('reads the file given with --dotenv-file instead of ./.env', async () => {
      writeFileSync(join(dir, '.env'), 'MAX_RETRIES=1\n')
      writeFileSync(join(dir, 'other.env'), 'MAX_RETRIES=2\n')
      expect((await load({envFile: 'other.env'})).values.MAX_RETRIES).to.equal(2)
    })

    it('treats an empty variable as unset', async () => {
      env.BATCH_SIZE = ''
      expect((await load()).values.BATCH_SIZE).to.equal(20)
    })

    it('reads a stored secret only when no higher layer has it', async () => {
      storeProfile('default', {secrets: {GLADLY_API_TOKEN: 'keychain'}})
      const asked: string[] = []
      const readSecret: SecretReader = (name, backend) => {
        asked.push(`${name}@${backend}`)
        return TE.right('stored-token-value')
      }
      const fromStore = await load({readSecret})
      expect(fromStore.values.GLADLY_API_TOKEN).to.equal('stored-token-value')
      expect(fromStore.origins.GLADLY_API_TOKEN?.source).to.equal('keychain')
      expect(asked).to.deep.equal(['GLADLY_API_TOKEN@keychain'])

      env.GLADLY_API_TOKEN = 'env-token-value'
      asked.length = 0
      const fromEnv = await load({readSecret})
      expect(fromEnv.values.GLADLY_API_TOKEN).to.equal('env-token-value')
      expect(asked).to.deep.equal([])
    })

    it('selects the profile by flag, then environment, then .env', async () => {
      storeProfile('acme', {GLADLY_USERNAME: 'api@acme.com'})
      storeProfile('zeta', {GLADLY_USERNAME: 'api@zeta.com'})
      writeFileSync(join(dir, '.env'), 'GLADLY_ENTERPRET_PROFILE=acme\n')
      expect((await load()).values.GLADLY_USERNAME).to.equal('api@acme.com')
      env.GLADLY_ENTERPRET_PROFILE = 'zeta'
      expect((await load()).profile).to.equal('zeta')
      expect((await load({profile: 'acme'})).profile).to.equal('acme')
    })

    it('returns one frozen object', async () => {
      const settings = await load()
      expect(Object.isFrozen(settings)).to.equal(true)
      expect(Object.isFrozen(settings.values)).to.equal(true)
    })
  })

  describe('errors', () => {
    it('names the variable, the problem and the source', async () => {
      writeFileSync(join(dir, '.env'), 'BATCH_SIZE=ten\n')
      const error = await failure()
      expect(error.message).to.equal(
        `BATCH_SIZE from ${join(dir, '.env')} must be a positive integer no larger than 100, got 'ten'.`,
      )
      expect(error.exit).to.equal(2)
      expect(error.message).not.to.include('\n')
    })

    it('names the flag a bad value came from', async () => {
      const error = await failure({flags: {RETRY_DELAY: '-5'}, flagNames: {RETRY_DELAY: '--retry-delay'}})
      expect(error.message).to.equal(
        "RETRY_DELAY from --retry-delay must be a whole number of milliseconds from 1 to 600000, got '-5'.",
      )
    })

    it('explains what is wrong with a Gladly address', async () => {
      env.GLADLY_API_URL = 'http://acme.gladly.com'
      expect((await failure()).message).to.equal(
        "GLADLY_API_URL from the environment must use https (Gladly only serves its API over HTTPS), got 'http://acme.gladly.com'.",
      )
    })

    it('rejects an explicit env file that does not exist', async () => {
      const error = await failure({envFile: 'missing.env'})
      expect(error.message).to.include(join(dir, 'missing.env'))
      expect(error.exit).to.equal(2)
    })

    it('rejects a profile name that could escape its folder', async () => {
      const error = await failure({profile: '../etc'})
      expect(error.message).to.equal(
        "Profile name from --profile must be letters, digits, '.', '_' or '-' (at most 64), got '../etc'.",
      )
    })

    it('leaves a corrupt settings file as it is', async () => {
      const file = join(dir, 'home', 'settings.json')
      mkdirSync(join(dir, 'home'), {recursive: true})
      writeFileSync(file, '{"profiles": {"default": ')
      const error = await failure()
      expect(error.message).to.equal(`The settings file ${file} is unreadable (not valid JSON); it was left as it is.`)
      expect(readFileSync(file, 'utf8')).to.equal('{"profiles": {"default": ')
    })

    it('says which settings a command is missing and how to provide them', async () => {
      const settings = await load({profile: 'acme'})
      const result = requireSettings(settings, ['GLADLY_API_URL', 'GLADLY_API_TOKEN'], 'import')
      expect(result._tag).to.equal('Left')
      if (result._tag === 'Left') {
        expect(result.left.message).to.equal('GLADLY_API_URL, GLADLY_API_TOKEN are not set, and import needs them.')
        expect(result.left.suggestions?.[0]).to.include('auth login --profile acme')
      }
    })
  })

  it('documents every setting in the README', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')
    for (const name of SETTING_NAMES) expect(readme, `README is missing ${name}`).to.include(`\`${name}\``)
  })
})
