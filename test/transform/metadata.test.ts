import {expect} from 'chai'

import {ConversationRecord, type MetadataFields} from '../../src/lib/enterpret/schema.js'
import type {ConversationItem} from '../../src/lib/gladly/codecs.js'
import {
  CUSTOM_ATTRIBUTE_PREFIX,
  CUSTOM_ATTRIBUTE_TYPE,
  METADATA_FIELD_TYPES,
  conversationLink,
  conversationLinkTemplate,
  linkFromTemplate,
  toEnterpretRecord,
  type Lookups,
} from '../../src/lib/transform/index.js'
import {customAttributeKey, slug} from '../../src/lib/transform/metadata.js'
import {
  AGENT_ID,
  CONVERSATION_ID,
  CUSTOMER_ID,
  byAgent,
  chat,
  conversation,
  decoded,
  emptyLookups,
  expectRecord,
  fieldsOf,
  input,
  item,
  options,
  random,
  transform,
} from './builders.js'

function lookups(): Lookups {
  return {
    agents: new Map([[AGENT_ID, {id: AGENT_ID, name: 'Amy Agent', emailAddress: 'amy.agent@company.com'}]]),
    topics: new Map([
      ['t-return', {id: 't-return', name: 'Order Return'}],
      ['t-damaged', {id: 't-damaged', name: 'Damaged Merchandise', parentId: 't-return'}],
      ['t-damaged-2', {id: 't-damaged-2', name: 'Damaged Merchandise'}],
    ]),
    inboxes: new Map([['inbox-1', {id: 'inbox-1', name: 'Email Inbox'}]]),
  }
}

const s = (...values: string[]) => ({array: {s: values}})

/** The type letter of each field: `s`, `n` or `b`. */
function typesOf(fields: MetadataFields): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, Object.keys(value.array)[0] ?? '']))
}

describe('transform: metadata', () => {
  it('fixes one type per key, in one table', () => {
    expect(METADATA_FIELD_TYPES).to.deep.equal({
      channel: 's',
      tags: 's',
      topic_ids: 's',
      agent_id: 's',
      agent_name: 's',
      agent_email: 's',
      inbox_id: 's',
      inbox_name: 's',
      status: 's',
      created_at: 's',
      closed_at: 's',
      message_count: 'n',
      gladly_conversation_id: 's',
      gladly_customer_id: 's',
      customer_name: 's',
      customer_email: 's',
      gladly_url: 's',
      truncated: 'b',
    })
    expect(CUSTOM_ATTRIBUTE_PREFIX).to.equal('custom_')
    expect(CUSTOM_ATTRIBUTE_TYPE).to.equal('s')
    for (const key of Object.keys(METADATA_FIELD_TYPES)) expect(key).to.match(/^[a-z]+(?:_[a-z]+)*$/)
  })

  it('describes the conversation, its agent, inbox, topics, customer and custom attributes', () => {
    const result = transform(
      [
        chat('hello'),
        {...item({type: 'EMAIL', from: 'a', to: [], subject: 'Hi', content: 'reply'}), ...byAgent},
        chat('thanks'),
      ],
      {
        conversation: conversation({
          agentId: AGENT_ID,
          inboxId: 'inbox-1',
          topicIds: ['t-return', 'unknown-topic', 't-damaged', 't-damaged-2'],
          customAttributes: [
            {id: 'ca-order', value: '1234556777'},
            {id: 'ca-order', value: '883399334403'},
            {id: 'ca-carrier', value: 'UPS'},
            {id: 'ca-jp', value: 'A-1'},
            {id: 'UCeBpdBVSNyaP54jhd8CZw', value: ' gold '},
          ],
        }),
        lookups: lookups(),
        customer: {
          id: CUSTOMER_ID,
          name: 'Martha J Williams',
          emails: ['Martha.Williams@gmail.com', 'martha@work.example'],
        },
      },
      {metadataNesting: 'flat'},
    )
    expect(result.record.metadata).to.deep.equal({
      channel: s('chat', 'email'),
      tags: s('Order Return', 'Damaged Merchandise'),
      topic_ids: s('t-return', 'unknown-topic', 't-damaged', 't-damaged-2'),
      agent_id: s(AGENT_ID),
      agent_name: s('Amy Agent'),
      agent_email: s('amy.agent@company.com'),
      inbox_id: s('inbox-1'),
      inbox_name: s('Email Inbox'),
      status: s('CLOSED'),
      created_at: s('2019-07-01T11:46:40.5Z'),
      closed_at: s('2019-07-02T09:00:00Z'),
      message_count: {array: {n: [3]}},
      gladly_conversation_id: s(CONVERSATION_ID),
      gladly_customer_id: s(CUSTOMER_ID),
      customer_name: s('Martha J Williams'),
      customer_email: s('Martha.Williams@gmail.com', 'martha@work.example'),
      gladly_url: s(`https://acme.gladly.com/#/customer/${CUSTOMER_ID}/conversation/${CONVERSATION_ID}`),
      custom_ca_order: s('1234556777', '883399334403'),
      custom_ca_carrier: s('UPS'),
      custom_ca_jp: s('A-1'),
      custom_ucebpdbvsnyap54jhd8czw: s('gold'),
    })
  })

  it('leaves out a key without value rather than sending an empty array', () => {
    const result = transform([chat('hello')], {
      conversation: conversation({
        status: 'OPEN',
        closedAt: undefined,
        topicIds: [],
        customAttributes: [{id: 'ca-order', value: '  '}, {id: 'ca-x'}],
      }),
      customer: {id: CUSTOMER_ID, name: '  ', emails: ['']},
    })
    const fields = fieldsOf(result.record)
    expect(Object.keys(fields)).to.deep.equal([
      'channel',
      'inbox_id',
      'status',
      'created_at',
      'message_count',
      'gladly_conversation_id',
      'gladly_customer_id',
      'gladly_url',
    ])
  })

  it('sends agent and inbox ids even when the lookups do not know them', () => {
    const fields = fieldsOf(
      transform([chat('hello')], {conversation: conversation({agentId: 'gone'}), lookups: emptyLookups()}).record,
    )
    expect(fields['agent_id']).to.deep.equal(s('gone'))
    expect(fields).not.to.have.any.keys('agent_name', 'agent_email', 'inbox_name', 'tags')
  })

  it('nests the field map under metadata.metadata, or sends it flat', () => {
    const nested = transform([chat('hello')], {}, {metadataNesting: 'nested'}).record
    const flat = transform([chat('hello')], {}, {metadataNesting: 'flat'}).record
    expect(Object.keys(nested.metadata)).to.deep.equal(['metadata'])
    expect((nested.metadata as {metadata: MetadataFields}).metadata).to.deep.equal(flat.metadata)
    expect(flat.metadata).to.have.property('channel')
  })

  describe('the link back to Gladly (pattern inferred)', () => {
    it('is the customer timeline route of the app, without a doubled slash', () => {
      const link = `https://acme.gladly.com/#/customer/${CUSTOMER_ID}/conversation/${CONVERSATION_ID}`
      expect(conversationLink('https://acme.gladly.com', CUSTOMER_ID, CONVERSATION_ID)).to.equal(link)
      expect(conversationLink('https://acme.gladly.com//', CUSTOMER_ID, CONVERSATION_ID)).to.equal(link)
    })

    it('escapes ids that are not URL-safe', () => {
      expect(conversationLink('https://acme.gladly.com', 'a/b', 'c d')).to.equal(
        'https://acme.gladly.com/#/customer/a%2Fb/conversation/c%20d',
      )
    })
  })

  describe("the link back to Gladly, learned from one of Gladly's own", () => {
    const reportLink = `https://acme.gladly.com/agent/customer/${CUSTOMER_ID}/conversation/${CONVERSATION_ID}`

    it('makes the same link for another conversation', () => {
      const template = conversationLinkTemplate(reportLink, CUSTOMER_ID, CONVERSATION_ID)
      expect(template).to.equal('https://acme.gladly.com/agent/customer/{customerId}/conversation/{conversationId}')
      expect(linkFromTemplate(template as string, 'other-customer', 'other/conversation')).to.equal(
        'https://acme.gladly.com/agent/customer/other-customer/conversation/other%2Fconversation',
      )
      expect(linkFromTemplate(template as string, CUSTOMER_ID, CONVERSATION_ID)).to.equal(reportLink)
    })

    it('learns nothing from a link that does not hold each id exactly once', () => {
      expect(conversationLinkTemplate('https://acme.gladly.com/agent/inbox', CUSTOMER_ID, CONVERSATION_ID)).to.equal(
        undefined,
      )
      const twice = `https://acme.gladly.com/c/${CONVERSATION_ID}/${CONVERSATION_ID}?customer=${CUSTOMER_ID}`
      expect(conversationLinkTemplate(twice, CUSTOMER_ID, CONVERSATION_ID)).to.equal(undefined)
      expect(
        conversationLinkTemplate('https://acme.gladly.com/c/abc', 'ab', 'abc'),
        'one id inside the other',
      ).to.equal(undefined)
    })
  })

  describe('custom attribute keys', () => {
    it('slugs the id, without splitting its humps', () => {
      expect(customAttributeKey('UCeBpdBVSNyaP54jhd8CZw')).to.equal('custom_ucebpdbvsnyap54jhd8czw')
      expect(customAttributeKey('_DZTz4I0Qsq9YXxeXwufMg')).to.equal('custom_dztz4i0qsq9yxxexwufmg')
    })

    it('writes one snake_case form for the spellings of a name', () => {
      for (const name of ['Order Number', 'orderNumber', 'order-number', ' ORDER__number! ', 'OrderNumber'])
        expect(slug(name), name).to.equal('order_number')
      expect(slug('HTTPServer id2')).to.equal('httpserver_id2')
    })

    it('caps a long name at 64 characters, without a trailing underscore', () => {
      const key = slug(`${'a'.repeat(63)} tail`)
      expect(key).to.equal('a'.repeat(63))
      expect(slug('word '.repeat(40)))
        .to.have.length.at.most(64)
        .and.match(/^[a-z0-9]+(?:_[a-z0-9]+)*$/)
    })
  })

  it('keeps every key to its one type, and every record valid, across many varied conversations', () => {
    const next = random(42)
    const pick = <A>(values: readonly A[]): A => values[Math.floor(next() * values.length)] as A
    const maybe = <A>(value: A): A | undefined => (next() < 0.5 ? value : undefined)
    const typeOfKey = new Map<string, string>()
    const contents = [
      () => ({type: 'CHAT_MESSAGE', sessionId: 's', content: pick(['hi', '  ', 'help me', ''])}),
      () => ({type: 'EMAIL', from: 'a', to: [], subject: pick(['Re: x', 'x', '']), content: pick(['body', ''])}),
      () => ({type: 'SMS', from: '+1', to: '+2', content: 'sms'}),
      () => ({
        type: 'PHONE_CALL',
        from: '+1',
        to: '+2',
        startedAt: '2019-07-01T12:00:00Z',
        recordingSummary: {status: pick(['READY', 'PENDING']), summary: 'sum'},
      }),
      () => ({type: 'VOICEMAIL'}),
      () => ({type: 'CONVERSATION_NOTE', body: '<p>note</p>'}),
      () => ({type: 'TOPIC_CHANGE', addedTopicIds: ['t-return']}),
      () => ({type: 'VOICE_AI_MESSAGE', companyNumber: '+1', body: 'ai'}),
      () => ({type: 'NEW_CHANNEL_MESSAGE', content: 'new'}),
    ]
    let records = 0
    for (let round = 0; round < 300; round++) {
      const items: ConversationItem[] = Array.from({length: Math.floor(next() * 8)}, () =>
        item(pick(contents)(), {initiator: {type: pick(['CUSTOMER', 'AGENT', 'SYSTEM', 'EXTERNAL', 'ROBOT'])}}),
      )
      const result = toEnterpretRecord(
        input(items, {
          conversation: conversation({
            agentId: maybe(AGENT_ID),
            inboxId: pick(['inbox-1', 'inbox-unknown']),
            status: pick(['CLOSED', 'OPEN', 'WAITING']),
            closedAt: maybe('2019-07-03T00:00:00Z'),
            topicIds: next() < 0.5 ? [] : ['t-return', 't-damaged', 'nope'].slice(0, 1 + Math.floor(next() * 3)),
            customAttributes:
              next() < 0.5
                ? []
                : [{id: pick(['ca-order', 'ca-carrier', 'ca-jp', 'raw-id']), value: pick(['v', '1', 'true', ' '])}],
          }),
          lookups: lookups(),
          customer: maybe({id: CUSTOMER_ID, name: maybe('Jo'), emails: next() < 0.5 ? [] : ['jo@example.com']}),
          itemsTruncated: next() < 0.2,
        }),
        options({
          includeNotes: next() < 0.5,
          metadataNesting: pick(['nested', 'flat'] as const),
          maxRecordBytes: pick([1400, 2500, 200_000]),
        }),
      )
      if (result._tag === 'NoMessages') continue
      const record = expectRecord(result).record
      records++
      decoded(ConversationRecord, record)
      for (const [key, type] of Object.entries(typesOf(fieldsOf(record)))) {
        const expected = key.startsWith(CUSTOM_ATTRIBUTE_PREFIX)
          ? CUSTOM_ATTRIBUTE_TYPE
          : METADATA_FIELD_TYPES[key as keyof typeof METADATA_FIELD_TYPES]
        expect(type, key).to.equal(expected)
        expect(typeOfKey.get(key) ?? type, `${key} changed type`).to.equal(type)
        typeOfKey.set(key, type)
      }
      for (const [key, value] of Object.entries(fieldsOf(record)))
        expect(Object.values(value.array)[0], key).to.have.length.above(0)
    }
    expect(records).to.be.above(150)
    expect([...typeOfKey.keys()]).to.include.members([
      'truncated',
      'message_count',
      'customer_email',
      'custom_ca_order',
      'custom_raw_id',
    ])
  })
})
