import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {safeFileName} from '../../src/lib/common/index.js'
import {journalPath, openDeadLetters, openJournal, openSpool, spoolDir} from '../../src/lib/state/index.js'

describe('state files read back after damage', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ge-damaged-'))
    mkdirSync(join(dir, 'default'), {recursive: true})
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('spool: a line lost in the middle marks the copy damaged, so the transcript is fetched whole', async () => {
    const spool = openSpool(dir, 'default')
    await spool.keep('conv-1', '2026-11-20T00:00:00Z', [{id: 'i1'}, {id: 'i2'}, {id: 'i3'}])
    const path = join(spoolDir(dir, 'default'), 'conv-1.jsonl')
    const lines = readFileSync(path, 'utf8').split('\n')
    lines[2] = '{"id":"i2", garbage'
    writeFileSync(path, lines.join('\n'))
    expect(await spool.read('conv-1')).to.deep.equal({
      since: '2026-11-20T00:00:00Z',
      items: [{id: 'i1'}, {id: 'i3'}],
      damaged: true,
    })
  })

  it('spool: a file whose header is lost is never taken as complete', async () => {
    const spool = openSpool(dir, 'default')
    await spool.keep('conv-1', '2026-11-20T00:00:00Z', [{id: 'i1'}])
    const path = join(spoolDir(dir, 'default'), 'conv-1.jsonl')
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^[^\n]*/, '#'))
    const read = await spool.read('conv-1')
    expect(read?.damaged).to.equal(true)
    expect(read?.since).to.equal('9999-12-31T23:59:59Z')
  })

  it('journal: lines that are not {done: [ids]} are left out instead of crashing every run', async () => {
    writeFileSync(
      journalPath(dir, 'default'),
      ['null', '{"done":5}', '"text"', '{"done":["c1",7]}', JSON.stringify({done: ['c2']}), ''].join('\n'),
    )
    const journal = await openJournal(dir, 'default')
    expect(['c1', 'c2'].map((id) => journal.has(id))).to.deep.equal([false, true])
  })

  it('file names: an id of any length and characters gets a file of its own', async () => {
    const long = `conv-${'x'.repeat(250)}`
    const other = `conv-${'x'.repeat(249)}y`
    expect(safeFileName('a/b c')).to.equal('a%2Fb%20c')
    expect(safeFileName('..')).to.equal('%2E.')
    expect(safeFileName(long)).to.match(/^sha256-[0-9a-f]{64}$/)
    expect(safeFileName(long)).not.to.equal(safeFileName(other))

    const spool = openSpool(dir, 'default')
    await spool.keep(long, '2026-11-20T00:00:00Z', [{id: 'i1'}])
    await spool.keep(other, '2026-11-20T00:00:00Z', [{id: 'i2'}])
    expect((await spool.read(long))?.items).to.deep.equal([{id: 'i1'}])
    expect((await spool.read(other))?.items).to.deep.equal([{id: 'i2'}])
    const letters = openDeadLetters(dir, 'default')
    await letters.put(`gladly_${long}`, {id: 'r1'})
    expect(await letters.get(`gladly_${long}`)).to.deep.equal({id: 'r1'})
    expect(readdirSync(spoolDir(dir, 'default'))).to.have.length(2)
  })
})
