import {expect} from 'chai'

import {createRedactor, redactRecord, type Redaction, type RedactionCounts} from '../../src/lib/transform/index.js'
import {chat, fieldsOf, transform} from './builders.js'

const KEY = 'test-not-a-real-key'
const mask = (overrides: Partial<Redaction> = {}) =>
  createRedactor({mode: 'mask', fields: [], patterns: [], ...overrides})
const hash = (key = KEY, overrides: Partial<Redaction> = {}) =>
  createRedactor({mode: 'hash', key, fields: [], patterns: [], ...overrides})

function redacted(text: string, redaction = mask()): {text: string; counts: RedactionCounts} {
  const counts: RedactionCounts = {}
  return {text: redaction.text(text, counts), counts}
}

// Each pattern: text with the value, the mask it becomes, and the same value written another way (same hash token).
const CASES = [
  {kind: 'email', value: 'Martha.Williams@gmail.com', variant: 'martha.williams@GMAIL.com'},
  {kind: 'phone', value: '+1 (415) 555-0132', variant: '+14155550132'},
  {kind: 'phone', value: '(415) 555-0132', variant: '415.555.0132'},
  {kind: 'phone', value: '06 12 34 56 78', variant: '06-12-34-56-78'},
  {kind: 'card', value: '4111 1111 1111 1111', variant: '4111-1111-1111-1111'},
  {kind: 'card', value: '5500005555555559', variant: '5500 0055 5555 5559'},
  {kind: 'iban', value: 'DE89 3704 0044 0532 0130 00', variant: 'de89370400440532013000'},
  {kind: 'iban', value: 'GB29NWBK60161331926819', variant: 'GB29 NWBK 6016 1331 9268 19'},
] as const

describe('transform: PII redaction', () => {
  describe('mask mode', () => {
    for (const {kind, value} of CASES) {
      it(`replaces ${kind} ${value} with [${kind}]`, () => {
        const {text, counts} = redacted(`Hi, mine is ${value}. Thanks!`)
        expect(text).to.equal(`Hi, mine is [${kind}]. Thanks!`)
        expect(counts).to.deep.equal({[kind]: 1})
      })
    }

    it('leaves alone what only looks like PII', () => {
      const text = [
        'Order 12345678 of 2026-11-20 cost $1,234.56.',
        'Card 4111 1111 1111 1112 fails the Luhn check.',
        'IBAN DE00 3704 0044 0532 0130 00 fails mod 97.',
        'Tracking 1Z999AA10123456784, at 10:30, ref 20261120.',
        'Not an address: martha@localhost',
      ].join(' ')
      expect(redacted(text)).to.deep.equal({text, counts: {}})
    })

    it('finds several of each in one text and counts them', () => {
      const {text, counts} = redacted(
        'a@b.io or c@d.io, call +44 20 7946 0958, pay 4111111111111111 from GB29NWBK60161331926819',
      )
      expect(text).to.equal('[email] or [email], call [phone], pay [card] from [iban]')
      expect(counts).to.deep.equal({email: 2, phone: 1, card: 1, iban: 1})
    })

    it('applies custom patterns first, under their own name', () => {
      const redactor = mask({patterns: [{name: 'order_id', pattern: /\bORD-\d{6}\b/g}]})
      expect(redacted('Order ORD-123456 for a@b.io', redactor)).to.deep.equal({
        text: 'Order [order_id] for [email]',
        counts: {order_id: 1, email: 1},
      })
    })
  })

  describe('hash mode', () => {
    for (const {kind, value, variant} of CASES) {
      it(`gives ${kind} one token per value under a key, another under another key`, () => {
        const first = redacted(`x ${value} y`, hash()).text
        const again = redacted(`x ${value} y`, hash()).text
        const written = redacted(`x ${variant} y`, hash()).text
        const otherKey = redacted(`x ${value} y`, hash('another-test-not-a-real-key')).text
        expect(first).to.match(new RegExp(`^x \\[${kind}:[a-p]{16}\\] y$`))
        expect(again).to.equal(first)
        expect(written, 'the same value written otherwise').to.equal(first)
        expect(otherKey).to.not.equal(first)
        expect(first).to.not.include(value)
      })
    }

    it('gives different values different tokens', () => {
      const a = redacted('a@b.io', hash()).text
      const b = redacted('c@d.io', hash()).text
      expect(a).to.not.equal(b)
    })
  })

  it('is idempotent: a redacted text comes back the same (tokens have no digits)', () => {
    for (const redactor of [mask(), hash()]) {
      const once = redacted('Call +1 415 555 0132, card 4111111111111111, a@b.io, DE89370400440532013000', redactor)
      expect(redacted(once.text, redactor)).to.deep.equal({text: once.text, counts: {}})
    }
  })

  describe('in a record', () => {
    const items = [chat('My email is Martha.Williams@gmail.com and card 4111 1111 1111 1111')]
    const customer = {id: 'c1', name: 'Martha Williams', emails: ['Martha.Williams@gmail.com']}

    it('redacts message text and only the chosen metadata fields, and says how many', () => {
      const result = transform(items, {customer}, {redactor: mask({fields: ['customer_email']})})
      expect(result.record.conversation.msgs.map((message) => message.text)).to.deep.equal([
        'My email is [email] and card [card]',
      ])
      const fields = fieldsOf(result.record)
      expect(fields['customer_email']).to.deep.equal({array: {s: ['[email]']}})
      expect(fields['customer_name']).to.deep.equal({array: {s: ['Martha Williams']}})
      expect(result.redactions).to.deep.equal({email: 2, card: 1})
    })

    it('keeps the hash token of a field equal to the same value in the text, so both group together', () => {
      const result = transform(items, {customer}, {redactor: hash(KEY, {fields: ['customer_email']})})
      const token = (fieldsOf(result.record)['customer_email'] as {array: {s: string[]}}).array.s[0] as string
      expect(token).to.match(/^\[email:[a-p]{16}\]$/)
      expect(result.record.conversation.msgs[0]?.text).to.include(token)
    })

    it('redacts before the size bound: the record is cut from the redacted text', () => {
      const long = `${'card 4111 1111 1111 1111 '.repeat(400)}end`
      const result = transform([chat(long)], {}, {redactor: mask(), maxRecordBytes: 4_000})
      const text = result.record.conversation.msgs.map((message) => message.text).join(' ')
      expect(text).to.not.match(/4111/)
      expect(fieldsOf(result.record)['truncated']).to.deep.equal({array: {b: [true]}})
    })

    it('redacts a record made without redaction (a dead letter), and leaves a redacted one as it is', () => {
      const plain = transform(items, {customer}).record
      expect(JSON.stringify(plain)).to.include('4111 1111 1111 1111')
      const redactor = mask({fields: ['customer_email']})
      const once = redactRecord(plain, redactor)
      expect(JSON.stringify(once)).to.not.include('4111').and.not.include('Martha.Williams@')
      expect(redactRecord(once, redactor)).to.deep.equal(once)
      expect(once).to.deep.equal(transform(items, {customer}, {redactor}).record)
    })
  })
})
