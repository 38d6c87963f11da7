import {expect} from 'chai'

import {ConversationRecord, type Message} from '../../src/lib/enterpret/schema.js'
import {recutRecord, toEnterpretRecord} from '../../src/lib/transform/index.js'
import {CUT_MARK, cutMessage, fitMessages, jsonBytes, omissionMarker} from '../../src/lib/transform/truncate.js'
import {
  byAgent,
  chat,
  conversation,
  decoded,
  expectRecord,
  fieldsOf,
  input,
  options,
  random,
  transform,
  type RecordResult,
} from './builders.js'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function conversationOf(texts: readonly string[]) {
  return texts.map((text, index) => (index % 2 === 0 ? chat(text) : chat(text, byAgent)))
}

function expectFits(result: RecordResult, maxRecordBytes: number): void {
  expect(jsonBytes(result.record)).to.be.at.most(maxRecordBytes)
  decoded(ConversationRecord, result.record)
  for (const message of result.record.conversation.msgs) expect(message.text).not.to.match(LONE_SURROGATE)
}

describe('transform: records over the size limit', () => {
  it('omits the middle, keeps the first and last messages, says how many were left out, and marks the record', () => {
    const texts = Array.from({length: 200}, (_, index) => `message ${index} ${'x'.repeat(480)}`)
    const result = transform(conversationOf(texts), {}, {maxRecordBytes: 20_000})
    expectFits(result, 20_000)
    const sent = result.record.conversation.msgs
    expect(sent[0]).to.deep.equal({actor: 'user', text: texts[0]})
    expect(sent.at(-1)).to.deep.equal({actor: 'agent', text: texts[199]})
    const markers = sent.filter((message) => message.text.includes('omitted'))
    expect(markers).to.have.length(1)
    const omitted = 200 - (sent.length - 1)
    expect(markers[0]).to.deep.equal({
      actor: 'bot',
      text: `[… ${omitted} messages omitted to fit Enterpret’s size limit …]`,
    })
    // Head and tail are contiguous and balanced within one message.
    const markerAt = sent.indexOf(markers[0] as Message)
    expect(sent.slice(0, markerAt).map((message) => message.text)).to.deep.equal(texts.slice(0, markerAt))
    expect(sent.slice(markerAt + 1).map((message) => message.text)).to.deep.equal(
      texts.slice(200 - (sent.length - markerAt - 1)),
    )
    expect(Math.abs(markerAt - (sent.length - markerAt - 1))).to.be.at.most(1)
    const fields = fieldsOf(result.record)
    expect(fields['truncated']).to.deep.equal({array: {b: [true]}})
    expect(fields['message_count']).to.deep.equal({array: {n: [sent.length]}})
    expect(result.messageCount).to.equal(sent.length)
    expect(result.warnings.join('\n')).to.match(new RegExp(`${omitted} messages of 200 omitted and 0 texts cut`))
  })

  it('uses almost all of the room it has', () => {
    const texts = Array.from({length: 300}, (_, index) => `m${index} ${'y'.repeat(90)}`)
    const result = transform(conversationOf(texts), {}, {maxRecordBytes: 30_000})
    expectFits(result, 30_000)
    expect(jsonBytes(result.record)).to.be.above(30_000 - 150)
  })

  it('cuts one huge text rather than dropping the only message', () => {
    const result = transform([chat(`start ${'z'.repeat(1_000_000)} end`)], {}, {maxRecordBytes: 10_000})
    expectFits(result, 10_000)
    const [only] = result.record.conversation.msgs
    expect(only?.text.startsWith('start zzz')).to.equal(true)
    expect(only?.text.endsWith(CUT_MARK)).to.equal(true)
    expect(fieldsOf(result.record)['truncated']).to.deep.equal({array: {b: [true]}})
    expect(result.warnings.join('\n')).to.contain('0 messages of 1 omitted and 1 text cut')
  })

  it('cuts huge first and last messages so both stay, around the omitted middle', () => {
    const texts = [
      'F'.repeat(50_000),
      ...Array.from({length: 50}, (_, index) => `middle ${index} ${'m'.repeat(200)}`),
      'L'.repeat(50_000),
    ]
    const result = transform(conversationOf(texts), {}, {maxRecordBytes: 8_000})
    expectFits(result, 8_000)
    const sent = result.record.conversation.msgs
    expect(sent[0]?.text).to.match(/^F+ … \[cut/)
    expect(sent.at(-1)?.text).to.match(/^L+ … \[cut/)
    expect(sent.some((message) => message.actor === 'bot' && message.text.includes('omitted'))).to.equal(true)
  })

  it('measures UTF-8 bytes and JSON escapes, and never splits a character', () => {
    const texts = Array.from({length: 40}, (_, index) => `${index} ${'😀é中"\\\n\u0001'.repeat(300)}`)
    for (const maxRecordBytes of [3_000, 7_777, 20_001]) {
      const result = transform(conversationOf(texts), {}, {maxRecordBytes})
      expectFits(result, maxRecordBytes)
    }
  })

  it('fits whatever the sizes, nesting and limit (random cases)', () => {
    const next = random(2024)
    for (let round = 0; round < 150; round++) {
      const texts = Array.from({length: 1 + Math.floor(next() * 60)}, () =>
        '😀ab "c"\n'.repeat(1 + Math.floor(next() ** 3 * 1000)),
      )
      const maxRecordBytes = 1_500 + Math.floor(next() * 40_000)
      const result = toEnterpretRecord(
        input(conversationOf(texts)),
        options({maxRecordBytes, metadataNesting: next() < 0.5 ? 'flat' : 'nested'}),
      )
      const record = expectRecord(result)
      expectFits(record, maxRecordBytes)
      const sent = record.record.conversation.msgs
      expect(sent[0]?.text.startsWith('😀ab "c"')).to.equal(true)
      expect(sent.at(-1)?.actor).to.equal(texts.length % 2 === 1 ? 'user' : 'agent')
    }
  })

  it('fails, with the reason, when the metadata alone leaves no room for a message', () => {
    const result = toEnterpretRecord(
      input([chat('hello '.repeat(100))], {conversation: conversation()}),
      options({maxRecordBytes: 500}),
    )
    expect(result._tag).to.equal('Unsendable')
    expect(result._tag === 'Unsendable' && result.reason).to.match(
      /cannot be cut to 500: its metadata alone leaves too little room for messages/,
    )
  })

  it('leaves a record under the limit untouched', () => {
    const texts = ['a'.repeat(5_000), 'b'.repeat(5_000)]
    const result = transform(conversationOf(texts), {}, {maxRecordBytes: 200_000})
    expect(result.record.conversation.msgs.map((message) => message.text)).to.deep.equal(texts)
    expect(result.warnings).to.deep.equal([])
  })

  describe('recutRecord: a record Enterpret refused as too large, cut further', () => {
    for (const metadataNesting of ['nested', 'flat'] as const) {
      it(`cuts a ${metadataNesting} record to the smaller limit by the same rule, and marks it truncated`, () => {
        const texts = Array.from({length: 40}, (_, index) => `message ${index} `.repeat(40))
        const {record} = transform(conversationOf(texts), {}, {maxRecordBytes: 200_000, metadataNesting})
        const limit = Math.floor(jsonBytes(record) / 3)
        const recut = recutRecord(record, limit) as ConversationRecord
        expect(jsonBytes(recut)).to.be.at.most(limit)
        decoded(ConversationRecord, recut)
        const msgs = recut.conversation.msgs
        expect(msgs[0]).to.deep.equal(record.conversation.msgs[0])
        expect(msgs.at(-1)).to.deep.equal(record.conversation.msgs.at(-1))
        expect(msgs.some((message) => /messages omitted to fit/.test(message.text))).to.equal(true)
        const fields = fieldsOf(recut)
        expect(fields.truncated).to.deep.equal({array: {b: [true]}})
        expect(fields.message_count).to.deep.equal({array: {n: [msgs.length]}})
        // Everything else of the record stays as it was.
        expect({...recut, conversation: undefined, metadata: undefined}).to.deep.equal({
          ...record,
          conversation: undefined,
          metadata: undefined,
        })
        expect(fields.gladly_conversation_id).to.deep.equal(fieldsOf(record).gladly_conversation_id)
      })
    }

    it('gives up when the metadata alone does not fit', () => {
      const {record} = transform(conversationOf(['hello', 'there']))
      expect(recutRecord(record, 300)).to.equal(undefined)
    })
  })

  describe('fitMessages and cutMessage', () => {
    const message = (text: string): Message => ({actor: 'user', text})

    it('says "1 message" for a single omission', () => {
      expect(omissionMarker(1).text).to.equal('[… 1 message omitted to fit Enterpret’s size limit …]')
    })

    it('cuts a text to the largest prefix that fits', () => {
      const cut = cutMessage(message('abcdefghij'.repeat(10)), 80)
      expect(cut).not.to.equal(undefined)
      expect(jsonBytes(cut)).to.be.at.most(80)
      const oneMore = message(
        `${'abcdefghij'.repeat(10).slice(0, (cut?.text.length ?? 0) - CUT_MARK.length + 1)}${CUT_MARK}`,
      )
      expect(jsonBytes(oneMore)).to.be.above(80)
    })

    it('gives up when not even the cut mark fits', () => {
      expect(cutMessage(message('abc'), 20)).to.equal(undefined)
      expect(fitMessages([message('a'.repeat(100))], 40)).to.equal(undefined)
    })

    it('keeps everything when cutting texts is enough', () => {
      const fitted = fitMessages([message('short'), message('x'.repeat(5_000))], 1_000)
      expect(fitted?.omitted).to.equal(0)
      expect(fitted?.cut).to.equal(1)
      expect(fitted?.msgs).to.have.length(2)
    })
  })
})
