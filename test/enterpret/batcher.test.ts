import {expect} from 'chai'
import {createBatcher, requestBody, type Batch, type ConversationRecord} from '../../src/lib/enterpret/index.js'
import {conversationRecord, ids} from './records.js'

const idsOf = (batches: readonly Batch<ConversationRecord>[]) =>
  batches.map((batch) => batch.records.map((record) => record.id))

describe('Enterpret batcher', () => {
  it('writes the webhook envelope {"records": […]}', () => {
    const record = conversationRecord('c1')
    expect(JSON.parse(requestBody([record]))).to.deep.equal({records: [record]})
    expect(requestBody([])).to.equal('{"records":[]}')
  })

  it('closes a batch as soon as it holds maxRecords, and flushes the rest', () => {
    const batcher = createBatcher<ConversationRecord>({maxRecords: 3, maxBodyBytes: 1_000_000})
    const completed = ids(7).flatMap((id) => batcher.add(conversationRecord(id)).batches)
    expect(idsOf(completed)).to.deep.equal([
      ['r0', 'r1', 'r2'],
      ['r3', 'r4', 'r5'],
    ])
    expect(idsOf(batcher.flush())).to.deep.equal([['r6']])
    expect(batcher.flush()).to.deep.equal([])
  })

  it('keeps every body within maxBodyBytes and reports its exact size', () => {
    const maxBodyBytes = 2000
    const batcher = createBatcher<ConversationRecord>({maxRecords: 100, maxBodyBytes})
    // Sizes from ~150 to ~1250 bytes, with multi-byte characters so bytes ≠ characters.
    const records = ids(30).map((id, index) => conversationRecord(id, 'é'.repeat(50 + ((index * 137) % 550))))
    const batches = [...records.flatMap((record) => batcher.add(record).batches), ...batcher.flush()]
    expect(batches.length).to.be.greaterThan(1)
    for (const batch of batches) {
      const body = requestBody(batch.records)
      expect(Buffer.byteLength(body)).to.equal(batch.bytes)
      expect(batch.bytes).to.be.at.most(maxBodyBytes)
    }
    expect(batches.flatMap((batch) => batch.records)).to.deep.equal(records)
  })

  it('fills a batch up to exactly maxBodyBytes, and not one byte over', () => {
    const pair = [conversationRecord('a'), conversationRecord('b')]
    const exact = Buffer.byteLength(requestBody(pair))
    const fits = createBatcher<ConversationRecord>({maxRecords: 10, maxBodyBytes: exact})
    expect(idsOf([...pair.flatMap((record) => fits.add(record).batches), ...fits.flush()])).to.deep.equal([['a', 'b']])
    const tight = createBatcher<ConversationRecord>({maxRecords: 10, maxBodyBytes: exact - 1})
    expect(idsOf([...pair.flatMap((record) => tight.add(record).batches), ...tight.flush()])).to.deep.equal([
      ['a'],
      ['b'],
    ])
  })

  it('returns a record too large for any request on its own, and keeps batching around it', () => {
    const batcher = createBatcher<ConversationRecord>({maxRecords: 10, maxBodyBytes: 1000})
    expect(batcher.add(conversationRecord('small-1')).batches).to.deep.equal([])
    const huge = conversationRecord('huge', 'x'.repeat(2000))
    const result = batcher.add(huge)
    expect(result.batches).to.deep.equal([])
    expect(result.oversized?.record).to.equal(huge)
    expect(result.oversized?.bytes).to.equal(Buffer.byteLength(requestBody([huge])))
    batcher.add(conversationRecord('small-2'))
    expect(idsOf(batcher.flush())).to.deep.equal([['small-1', 'small-2']])
  })
})
