import {expect} from 'chai'
import {mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {ExportJob} from '../../src/lib/gladly/codecs.js'
import {itemBuckets, scanConversationIds, type ItemBucket} from '../../src/lib/gladly/feed/job-files.js'
import {readLookups} from '../../src/lib/gladly/feed/job-lookups.js'
import {readLineChunks, readLines} from '../../src/lib/common/index.js'
import {keysSharingAHash} from '../helpers/hash.js'

/** An item line as Gladly's export writes it (one JSON object per line). */
function item(id: string, conversationId: string | undefined, text: string): string {
  return JSON.stringify({
    id,
    ...(conversationId === undefined ? {} : {conversationId}),
    customerId: 'cust-1',
    timestamp: '2026-11-20T10:00:00.000Z',
    initiator: {id: 'cust-1', type: 'CUSTOMER'},
    content: {type: 'CHAT_MESSAGE', sessionId: 'session-1', content: text},
  })
}

/** Groups of the buckets, merged: conversation id → its line numbers and texts, in bucket order. */
async function collect(path: string, workDir: string, bucketBytes?: number) {
  const conversations = new Map<string, Array<{line: number; text: string}>>()
  const bucketsOf = new Map<string, number>()
  const malformed: number[] = []
  let timelineOnly = 0
  let buckets = 0
  for await (const bucket of itemBuckets(path, 'job-1', workDir, bucketBytes) as AsyncIterable<ItemBucket>) {
    buckets++
    for (const [id, lines] of bucket.conversations) {
      expect(conversations.has(id), `${id} is in one bucket only`).to.equal(false)
      conversations.set(
        id,
        lines.map(({line, text}) => ({line, text})),
      )
      bucketsOf.set(id, buckets)
    }
    malformed.push(...bucket.malformed.map((line) => line.line))
    timelineOnly += bucket.timelineOnly
  }
  return {conversations, malformed, timelineOnly, buckets}
}

describe('export job files', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ge-job-files-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  describe('reading lines', () => {
    it('numbers lines across read chunks, keeps multi-byte characters whole and strips CR', async () => {
      // Lines of varied length, over many reads, so that lines and characters straddle them.
      const lines = Array.from({length: 30_000}, (_, index) => `${index}:${'é€😀x'.repeat(index % 37)}`)
      const path = join(dir, 'lines.txt')
      writeFileSync(path, `${lines.map((line, index) => (index % 5 === 0 ? `${line}\r` : line)).join('\n')}\n`)
      const read: string[] = []
      let expected = 1
      for await (const {number, text} of readLines(path)) {
        expect(number).to.equal(expected++)
        read.push(text)
      }
      expect(read).to.deep.equal(lines)
    })

    it('gives the last line without a final newline, and nothing for an empty file', async () => {
      const path = join(dir, 'tail.txt')
      writeFileSync(path, 'one\r\ntwo\r')
      const read = []
      for await (const line of readLines(path)) read.push(line)
      expect(read).to.deep.equal([
        {number: 1, offset: 0, text: 'one'},
        {number: 2, offset: 5, text: 'two'},
      ])
      writeFileSync(path, '')
      for await (const line of readLines(path)) expect.fail(`no line expected, got ${JSON.stringify(line)}`)
    })

    it('reads a line longer than its read buffer whole', async () => {
      const long = 'y'.repeat(1_000_000)
      const path = join(dir, 'long.txt')
      writeFileSync(path, `short\n${long}\nlast\n`)
      const read = []
      for await (const {text} of readLines(path)) read.push(text)
      expect(read).to.deep.equal(['short', long, 'last'])
    })

    it('lets timers and I/O run while it reads a large file', async () => {
      const path = join(dir, 'large.txt')
      writeFileSync(path, 'x'.repeat(99).concat('\n').repeat(50_000))
      let timerFired = false
      setTimeout(() => (timerFired = true), 0)
      let chunks = 0
      let chunksBeforeTimer = 0
      for await (const _chunk of readLineChunks(path)) {
        chunks++
        if (!timerFired) chunksBeforeTimer++
      }
      expect(chunks).to.be.greaterThan(10)
      expect(chunksBeforeTimer).to.be.lessThan(chunks)
    })
  })

  describe('grouping items by conversation', () => {
    // Interleaved conversations, with what a real file can hold besides: blank lines, CRLF, a line that
    // is not JSON, timeline-only items, spacing around the key, non-ASCII text and one huge line.
    const fileLines = [
      item('i1', 'conv-a', 'hello'),
      item('i2', 'conv-b', 'hola ¿qué tal? 😀'),
      '',
      item('i3', 'conv-a', 'second'),
      '{"id":"i4", "conversationId" : "conv-c","content":{"type":"SMS","content":"spaced"}}',
      'not json at all',
      item('i5', undefined, 'timeline only'),
      `${item('i6', 'conv-b', 'crlf')}\r`,
      item('i7', 'conv-c', 'x'.repeat(300_000)),
      item('i8', 'conv-a', 'third'),
      item('i9', 'conv-"q"', 'an id with escaped characters'),
    ]

    const expectedGroups = {
      'conv-a': [1, 4, 10],
      'conv-b': [2, 8],
      'conv-c': [5, 9],
      'conv-"q"': [11],
    }

    for (const [name, bucketBytes] of [
      ['read straight from the file', undefined],
      ['split into buckets on disk', 64],
    ] as const) {
      it(`keeps each conversation's lines together, in file order, with their numbers: ${name}`, async () => {
        const path = join(dir, 'conversation_items.jsonl')
        writeFileSync(path, `${fileLines.join('\n')}\n`)
        const {conversations, malformed, timelineOnly, buckets} = await collect(path, dir, bucketBytes)
        if (bucketBytes !== undefined) expect(buckets).to.be.greaterThan(1)
        expect(
          Object.fromEntries([...conversations].map(([id, lines]) => [id, lines.map((line) => line.line)])),
        ).to.deep.equal(expectedGroups)
        for (const lines of conversations.values())
          for (const {line, text} of lines) expect(text).to.equal((fileLines[line - 1] as string).replace(/\r$/, ''))
        expect(malformed).to.deep.equal([6])
        expect(timelineOnly).to.equal(1)
        // The bucket files are removed once read.
        expect(readdirSync(dir).filter((name) => name.startsWith('bucket-'))).to.deep.equal([])
      })
    }

    it('finds the conversations a file touches without parsing it', async () => {
      const path = join(dir, 'conversation_items.jsonl')
      writeFileSync(path, `${fileLines.join('\n')}\n`)
      // An escaped id cannot be read from bytes: the line goes the slow way, through JSON.parse.
      expect([...(await scanConversationIds(path))].sort()).to.deep.equal(['conv-a', 'conv-b', 'conv-c'])
    })

    it('groups a large file the same however many buckets it is split into', async () => {
      const lines: string[] = []
      for (let index = 0; index < 5000; index++)
        lines.push(item(`i${index}`, `conv-${(index * 7919) % 613}`, `message ${index} ${'ü'.repeat(index % 50)}`))
      const path = join(dir, 'conversation_items.jsonl')
      writeFileSync(path, `${lines.join('\n')}\n`)
      const whole = await collect(path, dir)
      const split = await collect(path, dir, 20_000)
      expect(whole.buckets).to.equal(1)
      expect(split.buckets).to.be.greaterThan(10)
      expect(new Map([...split.conversations].sort())).to.deep.equal(new Map([...whole.conversations].sort()))
      expect(split.conversations.size).to.equal(613)
    })
  })

  describe('customers of a job', () => {
    const job = {id: 'job-1'} as ExportJob
    const customer = (id: string, fields: Record<string, unknown> = {}) => JSON.stringify({id, ...fields})

    it('finds each customer of customers.jsonl by id, read back from the file', async () => {
      const long = `Ünïcode ${'é'.repeat(3000)}`
      const [twin, otherTwin] = keysSharingAHash('cust-')
      const many = Array.from({length: 3000}, (_, index) =>
        customer(`m${index}`, {name: `Many ${index}`, emailAddresses: [`m${index}@example.com`]}),
      )
      const lines = [
        customer('c1', {
          name: 'Zoë "Z" Müller',
          emailAddresses: ['zoe@example.com', 'z@example.org'],
          phoneNumbers: ['+15555550100'],
        }),
        customer('c2'),
        `${customer('c3', {name: '  ', emailAddresses: ['only@example.com']})}\r`,
        'not json',
        JSON.stringify({name: 'no id'}),
        '',
        ...many,
        customer('long', {name: long}),
        customer(twin, {name: 'One twin'}),
        customer(otherTwin, {name: 'Other twin'}),
        customer('c1', {name: 'Zoë again', emailAddresses: []}),
        customer('last', {name: 'No newline at the end'}),
      ]
      const path = join(dir, 'customers.jsonl')
      writeFileSync(path, lines.join('\n'))
      const {customers, malformed} = await readLookups(job, new Map([['customers.jsonl', path]]))
      try {
        expect(customers.get('c1')).to.deep.include({id: 'c1', name: 'Zoë again', emails: [], phones: []})
        expect(customers.get('c2')).to.deep.include({id: 'c2', name: undefined, emails: []})
        expect(customers.get('c3')).to.deep.include({id: 'c3', name: undefined, emails: ['only@example.com']})
        expect(customers.get('long')?.name).to.equal(long)
        expect(customers.get('last')?.name).to.equal('No newline at the end')
        expect([customers.get(twin)?.name, customers.get(otherTwin)?.name], 'ids that share a hash').to.deep.equal([
          'One twin',
          'Other twin',
        ])
        for (let index = 0; index < many.length; index += 97)
          expect(customers.get(`m${index}`)).to.deep.include({
            id: `m${index}`,
            name: `Many ${index}`,
            emails: [`m${index}@example.com`],
          })
        expect(customers.get('m2999')?.name).to.equal('Many 2999')
        expect(customers.get('nobody')).to.equal(undefined)
        expect(malformed.map(({file, line}) => `${file}:${line}`)).to.deep.equal([
          'customers.jsonl:4',
          'customers.jsonl:5',
        ])
      } finally {
        customers.close()
      }
    })

    it('answers "not known" once the file is gone, so that the directory asks the API', async () => {
      const path = join(dir, 'customers.jsonl')
      writeFileSync(path, `${customer('c1', {name: 'Ann'})}\n`)
      const {customers} = await readLookups(job, new Map([['customers.jsonl', path]]))
      expect(customers.get('c1')?.name).to.equal('Ann')
      customers.close()
      rmSync(path)
      expect(customers.get('c1')).to.equal(undefined)
    })

    it('has no customers when the job has no customers file', async () => {
      const {customers, malformed} = await readLookups(job, new Map())
      expect(customers.get('c1')).to.equal(undefined)
      expect(malformed).to.deep.equal([])
    })
  })
})
