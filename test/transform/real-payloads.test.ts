import {expect} from 'chai'

import {ConversationItem} from '../../src/lib/gladly/codecs.js'
import {toEnterpretRecord} from '../../src/lib/transform/index.js'
import {byAgent, CUSTOMER_ID, decoded, input, item, msgs, options, transform} from './builders.js'

/** An item as a real payload sends it, decoded by the importer's own codec. */
const real = (raw: Record<string, unknown>) =>
  decoded(ConversationItem, {
    id: `real-${Math.random()}`,
    customerId: CUSTOMER_ID,
    timestamp: '2019-07-01T12:00:00Z',
    ...raw,
  })
const customer = {id: CUSTOMER_ID, name: 'Ada Lovelace', emails: ['Ada@Example.com']}

describe('transform: what real Gladly payloads carry beyond the spec examples', () => {
  describe('a message without initiator (one rule, in speakerOf)', () => {
    it("is the customer's on any channel but email: Gladly records the company's side with an initiator", () => {
      const items = [
        real({content: {type: 'CHAT_MESSAGE', sessionId: 's', content: 'Hello?'}}),
        real({initiator: null, content: {type: 'SMS', from: '+1', to: '+2', content: 'Still there?'}}),
      ]
      expect(msgs(items)).to.deep.equal([
        {actor: 'user', text: 'Hello?'},
        {actor: 'user', text: 'Still there?'},
      ])
    })

    it("is an email's sender: the customer when from one of their addresses, the company otherwise", () => {
      const email = (from: string, content: string) =>
        real({content: {type: 'EMAIL', from, to: ['x@y.z'], subject: 'Order', content}})
      const items = [email('"Ada" <ada@example.com>', 'From Ada'), email('support@shop.example', 'From the shop')]
      expect(transform(items, {customer}).record.conversation.msgs.map((message) => message.actor)).to.deep.equal([
        'user',
        'agent',
      ])
    })

    it("is the customer's for an email when the customer's addresses are unknown", () => {
      const items = [real({content: {type: 'EMAIL', from: 'support@shop.example', to: ['x@y.z'], content: 'Hi'}})]
      expect(msgs(items)[0]?.actor).to.equal('user')
    })

    it('keeps the initiator mapping when only the initiator id is missing', () => {
      expect(
        msgs([
          real({initiator: {type: 'AGENT'}, content: {type: 'CHAT_MESSAGE', sessionId: 's', content: 'Agent here'}}),
        ])[0]?.actor,
      ).to.equal('agent')
    })
  })

  describe('emails without a subject', () => {
    it('write the body alone, and do not end the thread of the subject before them', () => {
      const email = (subject: string | undefined, content: string) =>
        item({type: 'EMAIL', from: 'a@b.c', to: ['d@e.f'], ...(subject === undefined ? {} : {subject}), content})
      expect(
        msgs([email('Order 42', 'First'), email(undefined, 'Second'), email('Re: Order 42', 'Third')]).map(
          (message) => message.text,
        ),
      ).to.deep.equal(['Order 42\n\nFirst', 'Second', 'Third'])
    })
  })

  describe('custom channel messages', () => {
    const common = {customChannelId: 'cc-1', companyAddress: 'support', customerAddress: 'ada', sessionId: 's'}

    it('carry their text, or the caption of their files, on the custom_channel channel', () => {
      const items = [
        real({
          initiator: {type: 'CUSTOMER', id: CUSTOMER_ID},
          content: {...common, type: 'TEXT', content: {text: 'From the app'}},
        }),
        real({
          ...byAgent,
          content: {
            ...common,
            type: 'FILES',
            content: {files: [{url: 'https://f/1', fileName: 'a.png'}], caption: 'The label'},
            status: {value: 'READ'},
          },
        }),
      ]
      const result = transform(items)
      expect(result.record.conversation.msgs).to.deep.equal([
        {actor: 'user', text: 'From the app'},
        {actor: 'agent', text: 'The label'},
      ])
      expect(result.channels).to.deep.equal(['custom_channel'])
      expect(result.unknownContentTypes).to.deep.equal([])
    })

    it('give no message for files without a caption, like other channels’ attachments, yet count the channel', () => {
      const result = toEnterpretRecord(
        input([real({content: {...common, type: 'FILES', content: {files: [{url: 'https://f/1'}]}}})]),
        options(),
      )
      expect(result._tag).to.equal('NoMessages')
    })
  })

  it('keeps a call whose recording duration is negative', () => {
    const call = real({
      initiator: {type: 'CUSTOMER'},
      content: {
        type: 'PHONE_CALL',
        from: '+1',
        to: '+2',
        startedAt: '2019-07-01T12:00:00Z',
        recordingDuration: -12,
        recordingSummary: {status: 'READY', summary: 'Asked for a refund.'},
      },
    })
    expect(msgs([call])).to.deep.equal([{actor: 'user', text: 'Call summary: Asked for a refund.'}])
  })
})
