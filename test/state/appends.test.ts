import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {journalPath, openJournal, openSpool, spoolDir} from '../../src/lib/state/index.js'

describe('state files appended to, after a line torn by a crash', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ge-journal-'))
    mkdirSync(join(dir, 'default'), {recursive: true})
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('journal: keeps what is marked after the torn line, and leaves the file alone until it writes', async () => {
    const torn = `${JSON.stringify({done: ['c1', 'c2']})}\n{"done":["c3`
    writeFileSync(journalPath(dir, 'default'), torn)
    const journal = await openJournal(dir, 'default')
    expect(['c1', 'c2', 'c3'].map((id) => journal.has(id))).to.deep.equal([true, true, false])
    expect(readFileSync(journalPath(dir, 'default'), 'utf8'), 'a dry run opens it too').to.equal(torn)
    await journal.markDone(['c3', 'c4'])
    const next = await openJournal(dir, 'default')
    expect(['c1', 'c2', 'c3', 'c4'].map((id) => next.has(id))).to.deep.equal([true, true, true, true])
  })

  it('spool: keeps the items added after the torn line', async () => {
    const spool = openSpool(dir, 'default')
    await spool.keep('conv-1', '2026-11-20T00:00:00Z', [{id: 'i1'}])
    const path = join(spoolDir(dir, 'default'), 'conv-1.jsonl')
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"id":"i2","cont`)
    await spool.keep('conv-1', '2026-11-21T00:00:00Z', [{id: 'i3'}])
    expect(await spool.read('conv-1')).to.deep.equal({since: '2026-11-20T00:00:00Z', items: [{id: 'i1'}, {id: 'i3'}]})
  })
})
