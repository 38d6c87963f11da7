import {expect} from 'chai'
import {existsSync, writeFileSync} from 'node:fs'
import {delimiter, dirname, join} from 'node:path'
import {createSandbox, LAUNCHER, parseJson, type CliResult, type Sandbox} from '../helpers/cli.js'

const USERNAME = 'from-the-file@acme.com'
const OLD_SPELLING = '--env-file is now --dotenv-file'

// Node.js looks for --env-file among a script's arguments too, up to a `--` (README, Settings): these run the
// npm launcher and bin/run.js on the node that runs the tests, so CI checks them on Node 22 and on Node 24.
describe('--dotenv-file, and --env-file, which Node.js also reads', function () {
  this.timeout(60_000)
  let sandbox: Sandbox
  let marker: string
  beforeEach(() => {
    sandbox = createSandbox()
    // A node that read job.env would apply its NODE_OPTIONS, and so write the marker.
    marker = join(sandbox.dir, 'node-read-the-file')
    writeFileSync(join(sandbox.dir, 'marker.cjs'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')\n`)
    writeFileSync(
      join(sandbox.dir, 'job.env'),
      `GLADLY_USERNAME=${USERNAME}\nNODE_OPTIONS=--require ${join(sandbox.dir, 'marker.cjs')}\n`,
    )
  })
  afterEach(() => sandbox.cleanup())

  const ways = {
    'the npm launcher': {program: LAUNCHER, env: {PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`}},
    'bin/run.js': {},
  }
  const usernameOf = (result: CliResult) =>
    parseJson<{credentials: Array<{name: string; source?: string; display?: string}>}>(result).credentials.find(
      (credential) => credential.name === 'GLADLY_USERNAME',
    )

  for (const [way, options] of Object.entries(ways)) {
    it(`reads the file given with --dotenv-file, through ${way}`, async () => {
      for (const args of [['--dotenv-file', 'job.env'], ['--dotenv-file=job.env']]) {
        const result = await sandbox.run(['auth', 'status', '--offline', '--json', ...args], options)
        expect(result.code, result.stderr).to.equal(0)
        expect(usernameOf(result)).to.include({source: '.env', display: USERNAME})
        expect(result.stderr).not.to.include(OLD_SPELLING)
      }
      expect(existsSync(marker), 'node itself read the file').to.equal(false)
    })

    it(`exits 2 naming a --dotenv-file that does not exist, through ${way}`, async () => {
      const result = await sandbox.run(['auth', 'status', '--offline', '--dotenv-file', 'missing.env'], options)
      expect(result.code, result.stderr).to.equal(2)
      expect(result.stderr).to.include(`Cannot read the .env file ${join(sandbox.dir, 'missing.env')} (ENOENT)`)
    })
  }

  it('still takes --env-file through the npm launcher, with a warning, and node never reads the file', async () => {
    for (const args of [['--env-file', 'job.env'], ['--env-file=job.env']]) {
      const result = await sandbox.run(['auth', 'status', '--offline', '--json', ...args], ways['the npm launcher'])
      expect(result.code, result.stderr).to.equal(0)
      expect(usernameOf(result)).to.include({source: '.env', display: USERNAME})
      expect(result.stderr).to.include(OLD_SPELLING)
    }
    expect(existsSync(marker), 'node itself read the file').to.equal(false)
  })

  it("answers a missing --env-file itself (exit 2), not with node's exit 9, for import and the other commands", async () => {
    for (const command of [['import'], ['dry-run'], ['state', 'show']]) {
      const result = await sandbox.run([...command, '--env-file', 'missing.env'], ways['the npm launcher'])
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).to.equal(2)
      expect(result.stderr).to.include(`Cannot read the .env file ${join(sandbox.dir, 'missing.env')}`)
      expect(result.stderr).not.to.include('not found')
    }
  })
})
