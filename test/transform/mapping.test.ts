import {expect} from 'chai'

import {
  recutRecord,
  type CustomAttributeName,
  type CustomAttributeTarget,
  type MetadataMapping,
} from '../../src/lib/transform/index.js'
import {chat, conversation, emptyLookups, fieldsOf, transform} from './builders.js'

const ORDER = 'UCeBpdBVSNyaP54jhd8CZw'
const TOTAL = 'Tq1zWm2kS6yR0bVx4nE8fA'
const CARRIER = 'Kx3bHf7QRzWn9cY2mLp5Dg'
const NOTE = 'Nn0tEaTtRiBuTe0000000w'

const mapping = (overrides: Partial<MetadataMapping> = {}): MetadataMapping => ({
  rename: new Map([
    ['tags', 'topics'],
    ['message_count', 'messages'],
  ]),
  drop: new Set(['gladly_url', 'agent_email']),
  constants: {source: {array: {s: ['gladly']}}, priority: {array: {n: [2]}}},
  customAttributes: new Map<string, CustomAttributeTarget>([
    ['order number', {key: 'order_number', type: 's'}],
    ['ordertotal', {key: 'order_total', type: 'n'}],
    ['internal note', 'drop'],
  ]),
  otherCustomAttributes: 'name',
  ...overrides,
})

const lookups = {
  ...emptyLookups(),
  topics: new Map([['t1', {id: 't1', name: 'Billing'}]]),
  customAttributes: new Map<string, CustomAttributeName>([
    [ORDER, {key: 'orderNumber', label: 'Order Number'}],
    [TOTAL, {key: 'orderTotal', label: 'Order Total'}],
    [CARRIER, {key: 'shippingCarrier', label: 'Carrier'}],
    [NOTE, {label: 'Internal Note'}],
  ]),
}

const withAttributes = (attributes: Array<{id: string; value: string}>) => ({
  conversation: conversation({topicIds: ['t1'], customAttributes: attributes}),
  lookups,
})

describe('transform: the mapping', () => {
  it('renames and drops fixed keys, adds constants, and keys custom attributes by their Gladly name and type', () => {
    const result = transform(
      [chat('hi')],
      withAttributes([
        {id: ORDER, value: 'A-1001'},
        {id: TOTAL, value: '1,249.50'},
        {id: CARRIER, value: 'UPS'},
        {id: NOTE, value: 'secret'},
      ]),
      {mapping: mapping(), recordIdPrefix: 'support_'},
    )
    const fields = fieldsOf(result.record)
    expect(result.record.id).to.equal('support_HXRqKC5GSV-jAlq0-sxYTA')
    expect(fields['topics']).to.deep.equal({array: {s: ['Billing']}})
    expect(fields['messages']).to.deep.equal({array: {n: [1]}})
    expect(fields).to.not.have.any.keys('tags', 'message_count', 'gladly_url', 'agent_email')
    expect(fields['source']).to.deep.equal({array: {s: ['gladly']}})
    expect(fields['priority']).to.deep.equal({array: {n: [2]}})
    expect(fields['order_number']).to.deep.equal({array: {s: ['A-1001']}})
    expect(fields['order_total']).to.deep.equal({array: {n: [1249.5]}})
    expect(fields['custom_shipping_carrier'], 'others: by the slug of their Gladly key').to.deep.equal({
      array: {s: ['UPS']},
    })
    expect(JSON.stringify(fields)).to.not.include('secret')
    expect(fields).to.include.keys('gladly_customer_id')
  })

  it('leaves out a value that is not of its key type, and says so', () => {
    const result = transform([chat('hi')], withAttributes([{id: TOTAL, value: 'n/a'}]), {mapping: mapping()})
    expect(fieldsOf(result.record)).to.not.have.key('order_total')
    expect(result.warnings).to.deep.equal([`custom attribute ${TOTAL} (order_total) is "n/a", not a number: left out`])
  })

  it('keeps custom_<id> for the attributes it does not name, with others: id (or without a mapping)', () => {
    const named = transform([chat('hi')], withAttributes([{id: CARRIER, value: 'UPS'}]), {
      mapping: mapping({otherCustomAttributes: 'id'}),
    })
    const bare = transform([chat('hi')], withAttributes([{id: CARRIER, value: 'UPS'}]))
    const key = `custom_${CARRIER.toLowerCase()}`
    expect(fieldsOf(named.record)[key]).to.deep.equal({array: {s: ['UPS']}})
    expect(fieldsOf(bare.record)[key]).to.deep.equal({array: {s: ['UPS']}})
    const dropped = transform([chat('hi')], withAttributes([{id: CARRIER, value: 'UPS'}]), {
      mapping: mapping({otherCustomAttributes: 'drop'}),
    })
    expect(Object.keys(fieldsOf(dropped.record)).filter((k) => k.startsWith('custom_'))).to.deep.equal([])
  })

  it('marks a record cut to fit under the renamed keys', () => {
    const long = [chat('a'.repeat(3000)), chat('b'.repeat(3000)), chat('c'.repeat(3000))]
    const cut = transform(long, {}, {mapping: mapping(), maxRecordBytes: 5000})
    const fields = fieldsOf(cut.record)
    expect(fields['messages']?.array).to.have.key('n')
    expect(fields['truncated']).to.deep.equal({array: {b: [true]}})
    expect(fields).to.not.have.key('message_count')
    const full = transform(long, {}, {mapping: mapping()}).record
    const recut = recutRecord(full, 5000, mapping())
    expect(fieldsOf(recut ?? expect.fail('not cut'))).to.not.have.key('message_count')
  })
})
