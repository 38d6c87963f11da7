import {expect} from 'chai'
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'
import {
  attachLogFiles,
  createLogger,
  escapeControls,
  logFileNames,
  recordOnly,
  redact,
  redactText,
  registerSecret,
  removeExpiredLogs,
  REDACTED,
} from '../../src/lib/log/index.js'

function terminal(): {stream: NodeJS.WriteStream; text: () => string} {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream
  let text = ''
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()))
  return {stream, text: () => text}
}

describe('logging', () => {
  let dir: string
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ge-log-'))))
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  const fileLines = (name: string) =>
    readFileSync(join(dir, name), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)

  describe('redaction', () => {
    it('blanks fields whose name marks a secret, at any depth', () => {
      const redacted = redact({
        headers: {Authorization: 'Basic dXNlcjpwYXNz', 'api-key': 'k-123'},
        GLADLY_API_TOKEN: 'x',
        nested: [{password: 'p'}],
        topicIds: ['a'],
      })
      expect(redacted).to.deep.equal({
        headers: {Authorization: REDACTED, 'api-key': REDACTED},
        GLADLY_API_TOKEN: REDACTED,
        nested: [{password: REDACTED}],
        topicIds: ['a'],
      })
    })

    it('scrubs registered secret values and auth headers out of free text', () => {
      registerSecret('s3cr3t-token-value-123')
      expect(redactText('token s3cr3t-token-value-123 rejected')).to.equal(`token ${REDACTED} rejected`)
      expect(redactText('sent Authorization: Basic YWJjOmRlZg== to host')).to.equal(
        `sent Authorization: Basic ${REDACTED} to host`,
      )
      expect(redactText('{"api-key":"live-key"}')).to.equal(`{"api-key":"${REDACTED}"}`)
    })

    it('takes the credentials out of any URL it quotes, and leaves other @ alone', () => {
      expect(
        redactText(
          "GLADLY_API_URL from the environment must not contain credentials, got 'https://api-user:tok3n-value@acme.gladly.com/api/v1'.",
        ),
      ).to.equal(
        `GLADLY_API_URL from the environment must not contain credentials, got 'https://${REDACTED}@acme.gladly.com/api/v1'.`,
      )
      expect(redactText('argv ["--url","http://u@h:8080/x"]')).to.equal(`argv ["--url","http://${REDACTED}@h:8080/x"]`)
      expect(redactText('mail ada@example.com about https://acme.gladly.com/x@y')).to.equal(
        'mail ada@example.com about https://acme.gladly.com/x@y',
      )
    })

    it('escapes control characters of text shown on a terminal', () => {
      expect(escapeControls('Hi \u001b[2J\u001b]0;pwned\u0007 there\n\tok\u009b')).to.equal(
        'Hi \\u001b[2J\\u001b]0;pwned\\u0007 there\n\tok\\u009b',
      )
    })

    it('redacts inside errors without touching the original', () => {
      registerSecret('another-secret-value-456')
      const original = new Error('boom another-secret-value-456')
      const copy = redact(original)
      expect(copy.message).to.equal(`boom ${REDACTED}`)
      expect(copy.stack).not.to.include('another-secret-value-456')
      expect(original.message).to.equal('boom another-secret-value-456')
    })
  })

  describe('sinks', () => {
    it('escapes control characters on the terminal, and keeps the text as it was in the files', () => {
      const screen = terminal()
      const logger = createLogger({terminal: screen.stream})
      const now = new Date()
      attachLogFiles(logger, dir, {run: 'r2'}, now)
      logger.info('Sample: \u001b]0;owned\u0007hello')
      expect(screen.text()).to.include('Sample: \\u001b]0;owned\\u0007hello')
      expect(screen.text()).not.to.include('\u001b]0')
      expect(fileLines(logFileNames(now).all).at(-1)?.msg).to.equal('Sample: \u001b]0;owned\u0007hello')
    })

    it('writes every level as JSON lines, errors again in their own file, secrets redacted in both and on the terminal', () => {
      registerSecret('terminal-secret-789xyz')
      const screen = terminal()
      const logger = createLogger({terminal: screen.stream})
      const now = new Date()
      attachLogFiles(logger, dir, {run: 'r1', profile: 'default'}, now)
      logger.debug('detail', {step: 1})
      logger.info('hello terminal-secret-789xyz')
      logger.error('failed with', {headers: {'api-key': 'abc'}})
      const names = logFileNames(now)
      const all = fileLines(names.all)
      expect(all.map((line) => line.level)).to.deep.equal(['debug', 'info', 'error'])
      expect(all[0]).to.include({msg: 'detail', run: 'r1', profile: 'default'})
      expect(all[0]?.data).to.deep.equal({step: 1})
      expect(all[1]?.msg).to.equal(`hello ${REDACTED}`)
      expect(all[2]?.data).to.deep.equal({headers: {'api-key': REDACTED}})
      expect(fileLines(names.errors).map((line) => line.msg)).to.deep.equal(['failed with'])
      expect(screen.text()).to.include(`hello ${REDACTED}`)
      expect(screen.text()).not.to.include('terminal-secret-789xyz')
      expect(screen.text()).not.to.include('detail')
      expect(statSync(join(dir, names.all)).mode & 0o777).to.equal(0o600)
    })

    it('shows debug on the terminal only when verbose, and record lines never', () => {
      const screen = terminal()
      const logger = createLogger({terminal: screen.stream, verbose: true})
      attachLogFiles(logger, dir, {})
      logger.debug('visible detail')
      recordOnly(logger).info('run start')
      expect(screen.text()).to.include('visible detail')
      expect(screen.text()).not.to.include('run start')
      expect(fileLines(logFileNames(new Date()).all).map((line) => line.msg)).to.deep.equal([
        'visible detail',
        'run start',
      ])
    })

    it('removes log files older than 14 days and keeps the rest', () => {
      const now = new Date('2026-11-24T10:00:00Z')
      for (const day of ['2026-11-09', '2026-11-10', '2026-11-11', '2026-11-24']) {
        writeFileSync(join(dir, `gladly-enterpret-${day}.log`), '')
        writeFileSync(join(dir, `gladly-enterpret-${day}.error.log`), '')
      }
      writeFileSync(join(dir, 'notes.txt'), '')
      const removed = removeExpiredLogs(dir, now)
      expect(removed.sort()).to.deep.equal(['gladly-enterpret-2026-11-09.error.log', 'gladly-enterpret-2026-11-09.log'])
      expect(readdirSync(dir)).to.include('gladly-enterpret-2026-11-10.log')
      expect(existsSync(join(dir, 'notes.txt'))).to.equal(true)
    })
  })
})
