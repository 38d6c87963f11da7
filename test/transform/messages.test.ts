import {expect} from 'chai'

import {COMMUNICATOR_TYPES, ConversationItem, ConversationItemList} from '../../src/lib/gladly/codecs.js'
import {compareTimestamps} from '../../src/lib/gladly/time.js'
import {ACTOR_BY_INITIATOR, toEnterpretRecord} from '../../src/lib/transform/index.js'
import {
  byAgent,
  chat,
  decoded,
  gladlyFixture,
  input,
  item,
  msgs,
  options,
  random,
  texts,
  transform,
} from './builders.js'

const CALL_SUMMARY =
  "The customer calls to exchange an item. The representative asks for the customer's details and explains  that the return process is different for each situation. The customer decides to reorder the correct size and  thanks the representative for their help."

/** getItem's spec example: one item per content variant, all sharing one id and one timestamp (made unique here). */
function specItemVariants(): ConversationItem[] {
  const raw = gladlyFixture('getItem.200.from-schema.json') as Array<Record<string, unknown>>
  return decoded(
    ConversationItemList,
    raw.map((entry, index) => ({...entry, id: `variant-${index}`})),
  )
}

const email = (subject: string, content: string) =>
  item({type: 'EMAIL', from: 'a@b.c', to: ['d@e.f'], subject, content})
const call = (summary?: {status: string; summary?: string}) =>
  item({
    type: 'PHONE_CALL',
    from: '+14153335555',
    to: '+12149897676',
    startedAt: '2019-07-02T08:05:00.10Z',
    ...(summary ? {recordingSummary: summary} : {}),
  })
const voicemail = (summary?: {status: string; summary?: string}) =>
  item({type: 'VOICEMAIL', ...(summary ? {recordingSummary: summary} : {})})
const note = (body: string, overrides = byAgent) => item({type: 'CONVERSATION_NOTE', body}, overrides)

describe('transform: messages', () => {
  describe('the text of each content type (Gladly spec examples)', () => {
    it('turns every variant of getItem into its text, in input order when the timestamps tie', () => {
      const result = transform(specItemVariants())
      expect(result.record.conversation.msgs).to.deep.equal([
        {actor: 'user', text: 'HI! Can you help me with my order?'},
        {actor: 'user', text: 'What can I help with? [Options: label-from-schema]'},
        // The selected option id matches no option of the example: the response's own text is used.
        {actor: 'user', text: 'Furniture'},
        {actor: 'user', text: 'My order\n\nPart of my order was damaged. May I get a refund for those items?'},
        {actor: 'user', text: 'I love your brand! Do you have a loyalty program?'},
        {actor: 'user', text: `Call summary: ${CALL_SUMMARY}`},
        {actor: 'user', text: "I haven't received my order yet. Can you check on the status?"},
        {actor: 'user', text: 'Thanks for calling. How can I help you today?'},
        {actor: 'user', text: `Voicemail summary: ${CALL_SUMMARY}`},
        {actor: 'user', text: 'I love your brand! Do you have a loyalty program?'},
        {actor: 'user', text: 'I love your brand! Do you have a loyalty program?'},
        {actor: 'user', text: 'I love your brand! Do you have a loyalty program?'},
      ])
      expect(result.channels).to.deep.equal([
        'chat',
        'email',
        'facebook',
        'voice',
        'sms',
        'voice_ai',
        'voicemail',
        'whatsapp',
        'instagram',
        'twitter',
      ])
      expect(result.unknownContentTypes).to.deep.equal([])
    })

    it('uses content for SMS, Facebook, Instagram, WhatsApp and Twitter, and body for voice AI', () => {
      const items = [
        item({type: 'SMS', from: '+1', to: '+2', content: 'sms text'}),
        item({type: 'FACEBOOK_MESSAGE', pageId: 'p', userId: 'u', content: 'facebook text'}),
        item({type: 'INSTAGRAM_DIRECT', content: 'instagram text'}),
        item({type: 'WHATSAPP', content: 'whatsapp text'}),
        item({type: 'TWITTER', content: 'twitter text'}),
        item({type: 'VOICE_AI_MESSAGE', companyNumber: '+1', body: 'voice ai text'}),
      ]
      const result = transform(items)
      expect(result.record.conversation.msgs.map((m) => m.text)).to.deep.equal([
        'sms text',
        'facebook text',
        'instagram text',
        'whatsapp text',
        'twitter text',
        'voice ai text',
      ])
      expect(result.channels).to.deep.equal(['sms', 'facebook', 'instagram', 'whatsapp', 'twitter', 'voice_ai'])
    })
  })

  describe('quick replies', () => {
    const options2 = [
      {id: 'o1', label: 'Basic'},
      {id: 'o2', label: 'Pro'},
    ]

    it('writes a request as its text followed by the choices', () => {
      const items = [
        item({
          type: 'CHAT_MESSAGE',
          sessionId: 's',
          content: 'Which plan?',
          messageType: 'QUICK_REPLY_REQUEST',
          messageData: {options: options2},
        }),
      ]
      expect(texts(items)).to.deep.equal(['Which plan? [Options: Basic | Pro]'])
    })

    it('writes a request without options as its text, and one without text as its choices', () => {
      const items = [
        item({type: 'CHAT_MESSAGE', sessionId: 's', content: 'Anything else?', messageType: 'QUICK_REPLY_REQUEST'}),
        item({
          type: 'CHAT_MESSAGE',
          sessionId: 's',
          content: ' ',
          messageType: 'QUICK_REPLY_REQUEST',
          messageData: {options: options2},
        }),
      ]
      expect(texts(items)).to.deep.equal(['Anything else?', '[Options: Basic | Pro]'])
    })

    it("writes a response as the selected option's label, else its own text", () => {
      const response = (selectedOptionId: string, content: string) =>
        item({
          type: 'CHAT_MESSAGE',
          sessionId: 's',
          content,
          messageType: 'QUICK_REPLY_RESPONSE',
          messageData: {quickReplyRequest: {options: options2}, selectedOptionId},
        })
      expect(texts([response('o2', 'pro'), response('unknown', 'I pick basic')])).to.deep.equal(['Pro', 'I pick basic'])
    })

    it('treats a chat message without messageType, or of an unknown one, as plain text', () => {
      expect(
        texts([
          chat('plain'),
          item({type: 'CHAT_MESSAGE', sessionId: 's', content: 'future', messageType: 'CAROUSEL'}),
        ]),
      ).to.deep.equal(['plain', 'future'])
    })
  })

  describe('emails', () => {
    it('writes the subject, a blank line and the plain body', () => {
      expect(texts([email('Account upgrade', 'Happy to help!')])).to.deep.equal(['Account upgrade\n\nHappy to help!'])
    })

    it('writes the subject of a thread once, and again only when it changes (Re:/Fwd:/Fw:, case and spaces aside)', () => {
      const items = [
        email('Order 12', 'first'),
        email('Re: Order 12', 'second'),
        email('RE:  order   12', 'third'),
        email('Fwd: Re: FW: Order 12', 'fourth'),
        email('Refund', 'fifth'),
        email('Re: Refund', 'sixth'),
        email('Re: Order 12', 'seventh'),
      ]
      expect(texts(items)).to.deep.equal([
        'Order 12\n\nfirst',
        'second',
        'third',
        'fourth',
        'Refund\n\nfifth',
        'sixth',
        'Re: Order 12\n\nseventh',
      ])
    })

    it('judges the subject rule in time order, not input order', () => {
      const items = [
        {...email('Re: Order 12', 'reply'), timestamp: '2019-07-02T00:00:00Z'},
        {...email('Order 12', 'question'), timestamp: '2019-07-01T00:00:00Z'},
      ]
      expect(texts(items)).to.deep.equal(['Order 12\n\nquestion', 'reply'])
    })

    it('shows a subject that first appears after emails without one; keeps a subject-only email; drops an empty one', () => {
      const items = [email('', 'no subject'), email('Late subject', ''), email('Re: Late subject', '  ')]
      expect(texts(items)).to.deep.equal(['no subject', 'Late subject'])
    })

    it('maps the email initiator like any item', () => {
      const items = [
        {...email('Hi', 'customer'), initiator: {type: 'CUSTOMER'}},
        {...email('Hi', 'agent'), initiator: {id: 'a', type: 'AGENT'}},
      ]
      expect(msgs(items)).to.deep.equal([
        {actor: 'user', text: 'Hi\n\ncustomer'},
        {actor: 'agent', text: 'agent'},
      ])
    })
  })

  describe('calls and voicemails', () => {
    it('writes a READY recording summary', () => {
      expect(
        texts([
          call({status: 'READY', summary: 'Asked for a refund.'}),
          voicemail({status: 'READY', summary: 'Please call back.'}),
        ]),
      ).to.deep.equal(['Call summary: Asked for a refund.', 'Voicemail summary: Please call back.'])
    })

    it('gives no message without a ready, non-empty summary, yet counts the channel', () => {
      const result = transform([
        chat('hello'),
        call(),
        call({status: 'PENDING', summary: 'not yet'}),
        call({status: 'READY', summary: '   '}),
        call({status: 'READY'}),
        voicemail({status: 'FAILED'}),
        voicemail(),
      ])
      expect(result.record.conversation.msgs.map((m) => m.text)).to.deep.equal(['hello'])
      expect(result.channels).to.deep.equal(['chat', 'voice', 'voicemail'])
    })

    it('attributes the summary to whoever placed the call', () => {
      const outbound = {...call({status: 'READY', summary: 'Agent followed up.'}), ...byAgent}
      expect(msgs([outbound])).to.deep.equal([{actor: 'agent', text: 'Call summary: Agent followed up.'}])
    })
  })

  describe('conversation notes', () => {
    it('leaves notes out by default', () => {
      const result = transform([chat('hello'), note('internal')])
      expect(result.record.conversation.msgs).to.deep.equal([{actor: 'user', text: 'hello'}])
      expect(result.channels).to.deep.equal(['chat'])
    })

    it('includes them on request as the agent, prefixed, with their HTML stripped', () => {
      const html = '<p>Customer is <b>VIP</b> &amp; loyal</p><p>Second&nbsp;line</p><ul><li>one</li><li>two</li></ul>'
      const items = [note(html, {initiator: {id: 'SIDEKICK_V2', type: 'SYSTEM'}}), note('plain note, 3 < 4')]
      expect(msgs(items, {includeNotes: true})).to.deep.equal([
        {actor: 'agent', text: 'Internal note: Customer is VIP & loyal\nSecond line\n- one\n- two'},
        {actor: 'agent', text: 'Internal note: plain note, 3 < 4'},
      ])
    })

    it('skips a note whose text is empty once stripped, and a note without body', () => {
      const items = [chat('hello'), note('<p> </p><br/>'), item({type: 'CONVERSATION_NOTE'}, byAgent)]
      expect(texts(items, {includeNotes: true})).to.deep.equal(['hello'])
    })
  })

  it('never turns customer activities, topic or status changes, or tasks into messages or channels', () => {
    const result = transform([
      chat('hello'),
      item({type: 'CUSTOMER_ACTIVITY', activityType: 'EMAIL', title: 'Welcome', body: 'Activity body'}),
      item({type: 'TOPIC_CHANGE', addedTopicIds: ['t1']}),
      item({type: 'CONVERSATION_STATUS_CHANGE', status: 'CLOSED'}),
      item({type: 'TASK', body: 'Call the customer back'}),
    ])
    expect(result.record.conversation.msgs).to.deep.equal([{actor: 'user', text: 'hello'}])
    expect(result.channels).to.deep.equal(['chat'])
  })

  describe('content types this importer does not know', () => {
    const unknown = (content: Record<string, unknown>) => decoded(ConversationItem, {...item(content)})

    it('keeps one with a text in content or body, as its own channel, and reports every unknown type once', () => {
      const result = transform([
        unknown({type: 'CUSTOM_CHANNEL_MESSAGE', content: 'From the custom channel'}),
        unknown({type: 'APPLE_BUSINESS_CHAT', content: 42, body: 'Body text'}),
        unknown({type: 'SURVEY_RESPONSE', score: 9}),
        unknown({type: 'CUSTOM_CHANNEL_MESSAGE', content: '   '}),
        unknown({type: 'CUSTOM_CHANNEL_MESSAGE', content: 'Again'}),
      ])
      expect(result.record.conversation.msgs).to.deep.equal([
        {actor: 'user', text: 'From the custom channel'},
        {actor: 'user', text: 'Body text'},
        {actor: 'user', text: 'Again'},
      ])
      expect(result.channels).to.deep.equal(['custom_channel_message', 'apple_business_chat'])
      expect(result.unknownContentTypes).to.deep.equal([
        'CUSTOM_CHANNEL_MESSAGE',
        'APPLE_BUSINESS_CHAT',
        'SURVEY_RESPONSE',
      ])
    })

    it('reports a dropped unknown type without failing', () => {
      const result = transform([chat('hello'), unknown({type: 'SURVEY_RESPONSE', score: 9})])
      expect(result.record.conversation.msgs).to.have.length(1)
      expect(result.channels).to.deep.equal(['chat'])
      expect(result.unknownContentTypes).to.deep.equal(['SURVEY_RESPONSE'])
    })
  })

  describe('actors', () => {
    const expected: Record<string, string> = {
      CUSTOMER: 'user',
      AGENT: 'agent',
      SYSTEM: 'bot',
      AUTOMATION: 'bot',
      API: 'bot',
      INTERNAL: 'agent',
      EXTERNAL: 'user',
      SOMETHING_NEW: 'bot',
    }

    for (const [type, actor] of Object.entries(expected)) {
      it(`maps initiator ${type} to ${actor}`, () => {
        expect(msgs([chat('hi', {initiator: {id: 'x', type}})])).to.deep.equal([{actor, text: 'hi'}])
      })
    }

    it('has one entry per known initiator type, in a single table', () => {
      expect(Object.keys(ACTOR_BY_INITIATOR).sort()).to.deep.equal([...COMMUNICATOR_TYPES].sort())
      for (const type of COMMUNICATOR_TYPES) expect(ACTOR_BY_INITIATOR[type]).to.equal(expected[type])
    })

    it('maps an initiator without id', () => {
      expect(msgs([chat('auto', {initiator: {type: 'AUTOMATION'}})])).to.deep.equal([{actor: 'bot', text: 'auto'}])
    })
  })

  describe('texts', () => {
    it('skips items whose text is empty or only whitespace', () => {
      const items = [
        chat(''),
        chat(' \n\t \r\n '),
        item({type: 'SMS', from: '+1', to: '+2', content: '   '}),
        chat('kept'),
      ]
      expect(texts(items)).to.deep.equal(['kept'])
    })

    it('trims, normalizes line ends, and collapses runs of blank lines', () => {
      expect(texts([chat('  first  \r\n\r\n\r\n  \r\nsecond\t\n\n\n\nthird \n')])).to.deep.equal([
        'first\n\nsecond\n\nthird',
      ])
    })

    it('keeps single blank lines and inner spacing', () => {
      expect(texts([chat('a\n\nb  c')])).to.deep.equal(['a\n\nb  c'])
    })
  })

  describe('time order', () => {
    it('sorts by timestamp to the nanosecond, whatever the number of fractional digits or the offset', () => {
      const at = (timestamp: string, text: string) => chat(text, {timestamp})
      const items = [
        at('2019-07-01T12:00:00.000000200Z', '200 ns'),
        at('2019-07-01T12:00:00.1Z', '100 ms'),
        at('2019-07-01T12:00:00.0000001Z', '100 ns'),
        at('2019-07-01T12:00:00.09Z', '90 ms'),
        at('2019-07-01T13:00:00+02:00', 'an hour before, with an offset'),
        at('2019-07-01T12:00:00Z', 'zero'),
      ]
      expect(texts(items)).to.deep.equal([
        'an hour before, with an offset',
        'zero',
        '100 ns',
        '200 ns',
        '90 ms',
        '100 ms',
      ])
    })

    it('keeps the input order of equal instants written differently', () => {
      const items = [
        chat('first', {timestamp: '2019-07-02T06:30:12.07Z'}),
        chat('second', {timestamp: '2019-07-02T06:30:12.070Z'}),
        chat('third', {timestamp: '2019-07-02T06:30:12.070000000Z'}),
        chat('before', {timestamp: '2019-07-02T06:30:12.069999999Z'}),
      ]
      expect(texts(items)).to.deep.equal(['before', 'first', 'second', 'third'])
    })

    it('orders like a stable sort with compareTimestamps, on shuffled items', () => {
      const next = random(7)
      for (let round = 0; round < 50; round++) {
        const items = Array.from({length: 40}, (_, index) => {
          const nanos = String(Math.floor(next() * 4) * 250).padStart(9 - Math.floor(next() * 3), '0')
          return chat(`m${index}`, {timestamp: `2019-07-01T12:00:0${Math.floor(next() * 3)}.${nanos}Z`})
        })
        const expected = items
          .map((entry, index) => ({entry, index}))
          .sort((a, b) => compareTimestamps(a.entry.timestamp, b.entry.timestamp) || a.index - b.index)
          .map(({entry}) => (entry.content as {content: string}).content)
        expect(texts(items)).to.deep.equal(expected)
      }
    })
  })

  describe('duplicate items', () => {
    it('keeps the first of several items with one id, and warns', () => {
      const original = chat('original', {id: 'same', timestamp: '2019-07-01T12:00:05Z'})
      const copy = chat('copy', {id: 'same', timestamp: '2019-07-01T12:00:01Z'})
      const result = transform([original, chat('other'), copy, copy])
      expect(result.record.conversation.msgs.map((m) => m.text)).to.deep.equal(['original', 'other'])
      expect(result.warnings.join('\n')).to.contain('2 items repeated with the same id ignored')
    })
  })

  it('fails the record, rather than throwing, on an item whose timestamp is not RFC 3339', () => {
    const result = toEnterpretRecord(input([chat('hello', {id: 'bad', timestamp: 'yesterday'})]), options())
    expect(result).to.deep.equal({_tag: 'Invalid', reason: 'item bad has timestamp "yesterday", which is not RFC 3339'})
  })
})
