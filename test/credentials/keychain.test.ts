import {expect} from 'chai'
import {chmodSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {resolvePaths} from '../../src/lib/config/index.js'
import {
  credentialsFilePath,
  insecureReadWarning,
  KEYCHAIN_SERVICE,
  keychainAccount,
  removeSecrets,
  secretReader,
  storeSecrets,
  withKeychain,
} from '../../src/lib/credentials/index.js'
import {keychainAvailable} from '../helpers/keychain.js'

describe('credentials', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ge-cred-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))
  const paths = () => resolvePaths({GLADLY_ENTERPRET_HOME: dir})

  describe('system keychain (a real Secret Service)', function () {
    before(function () {
      keychainAvailable(this)
    })

    it('stores, reads, lists and deletes a secret through keytar’s API', async () => {
      const profile = `test-${process.pid}`
      const stored = await storeSecrets(paths(), profile, {GLADLY_API_TOKEN: 'keychain-round-trip-token'}, 'keychain')()
      expect(stored._tag).to.equal('Right')

      const read = await secretReader()('GLADLY_API_TOKEN', 'keychain', profile, paths())()
      expect(read).to.deep.equal({_tag: 'Right', right: 'keychain-round-trip-token'})

      const listed = await withKeychain((keytar) => keytar.findCredentials(KEYCHAIN_SERVICE))()
      expect(listed._tag === 'Right' && listed.right.map((entry) => entry.account)).to.include(
        keychainAccount(profile, 'GLADLY_API_TOKEN'),
      )

      const removed = await removeSecrets(paths(), profile, {GLADLY_API_TOKEN: 'keychain'})()
      expect(removed).to.deep.equal({_tag: 'Right', right: ['GLADLY_API_TOKEN']})
      const gone = await secretReader()('GLADLY_API_TOKEN', 'keychain', profile, paths())()
      expect(gone).to.deep.equal({_tag: 'Right', right: undefined})
    })
  })

  describe('insecure file', () => {
    it('keeps secrets in a 0600 file, and words the reminder for what was read', async () => {
      expect(
        (
          await storeSecrets(
            paths(),
            'default',
            {GLADLY_API_TOKEN: 'file-token-value', ENTERPRET_API_KEY: 'file-key-value'},
            'file',
          )()
        )._tag,
      ).to.equal('Right')
      expect(statSync(credentialsFilePath(paths())).mode & 0o777).to.equal(0o600)

      const reader = secretReader()
      expect(await reader('GLADLY_API_TOKEN', 'file', 'default', paths())()).to.deep.equal({
        _tag: 'Right',
        right: 'file-token-value',
      })
      // One reminder for a command, naming every secret it read from the file, and the mode when it is loose.
      const warning = insecureReadWarning(paths(), ['GLADLY_API_TOKEN', 'ENTERPRET_API_KEY'])
      expect(warning).to.match(
        /^GLADLY_API_TOKEN and ENTERPRET_API_KEY were read from .*credentials\.json, a plain file/,
      )
      expect(warning).not.to.include('Its mode is')
      chmodSync(credentialsFilePath(paths()), 0o644)
      expect(insecureReadWarning(paths(), ['GLADLY_API_TOKEN'])).to.match(
        /^GLADLY_API_TOKEN was read from .*Its mode is 644: anyone on this machine may read it/,
      )

      expect(await removeSecrets(paths(), 'default', {GLADLY_API_TOKEN: 'file'})()).to.deep.equal({
        _tag: 'Right',
        right: ['GLADLY_API_TOKEN'],
      })
      expect(await reader('GLADLY_API_TOKEN', 'file', 'default', paths())()).to.deep.equal({
        _tag: 'Right',
        right: undefined,
      })
      expect(await reader('ENTERPRET_API_KEY', 'file', 'default', paths())()).to.deep.equal({
        _tag: 'Right',
        right: 'file-key-value',
      })
    })
  })
})
