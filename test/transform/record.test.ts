import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {
  AgentList,
  Conversation,
  ConversationItem,
  ConversationItemList,
  InboxList,
  TopicList,
} from '../../src/lib/gladly/codecs.js'
import {recordId, toEnterpretRecord, type Lookups} from '../../src/lib/transform/index.js'
import {NOW, chat, conversation, decoded, fieldsOf, gladlyFixture, input, item, options, transform} from './builders.js'

const byId = <A extends {id: string}>(list: readonly A[]) => new Map(list.map((entry) => [entry.id, entry]))

function specLookups(): Lookups {
  return {
    agents: byId(decoded(AgentList, gladlyFixture('getAgents.200.from-schema.json'))),
    topics: byId(decoded(TopicList, gladlyFixture('getTopics.200.json'))),
    inboxes: byId(decoded(InboxList, gladlyFixture('getInboxes.200.from-schema.json'))),
  }
}

/** The spec's item list, minus its two items whose initiator keys carry a typo (they fail the codec, as they would in the pipeline). */
function specItems(): ConversationItem[] {
  const raw = gladlyFixture('getConversationItems.200.json') as Array<{initiator: Record<string, unknown>}>
  return decoded(
    ConversationItemList,
    raw.filter((entry) => 'type' in entry.initiator),
  )
}

describe('transform: the record', () => {
  it('turns the spec example conversation into one CONVERSATION record', () => {
    const result = toEnterpretRecord(
      {
        conversation: decoded(Conversation, gladlyFixture('getConversation.200.json')),
        items: specItems(),
        customer: {id: 'o2sg-TMTSD2rTwMuxzewbA', name: 'Martha J Williams', emails: ['Martha.Williams@gmail.com']},
        lookups: specLookups(),
        gladlyAppUrl: 'https://acme.gladly.com',
      },
      options({fileId: 'gladly-acme'}),
    )
    expect(result._tag).to.equal('Record')
    if (result._tag !== 'Record') return
    const {record} = result
    expect(record.id).to.equal('gladly_HXRqKC5GSV-jAlq0-sxYTA')
    expect(record.fileID).to.equal('gladly-acme')
    expect(record.type).to.equal('CONVERSATION')
    expect(record.createdAt).to.equal(1_451_693_400)
    expect(record.conversation.msgs).to.deep.equal([
      {actor: 'user', text: "Hi! I know it's after hours but can someone help upgrade my account?"},
      {actor: 'bot', text: 'Hello! I can help you with upgrading your account. What plan are you interested in?'},
      {
        actor: 'agent',
        text: 'Account upgrade\n\nI would be happy to help you! We need a few details, so please give us a call this morning.',
      },
      {actor: 'bot', text: 'Thanks for calling. How can I help you today?'},
    ])
    expect(result.channels).to.deep.equal(['chat', 'email', 'voice', 'voice_ai'])
    expect(result.messageCount).to.equal(4)
    expect(result.warnings).to.deep.equal([])
    const fields = fieldsOf(record)
    expect(fields['message_count']).to.deep.equal({array: {n: [4]}})
    expect(fields['custom_ucebpdbvsnyap54jhd8czw']).to.deep.equal({array: {s: ['1234556777', '883399334403']}})
    expect(fields['customer_name']).to.deep.equal({array: {s: ['Martha J Williams']}})
  })

  it('reads the export file example the same way', () => {
    const lines = readFileSync(new URL('../fixtures/gladly/getFile.conversation_items.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => decoded(ConversationItem, JSON.parse(line)))
    const items = lines.filter((entry) => entry.conversationId === '9BcE2O0DQ2ynGHRmk9FeoA')
    const result = transform(items, {
      conversation: conversation({id: '9BcE2O0DQ2ynGHRmk9FeoA', createdAt: '2019-07-01T11:46:45.010Z'}),
    })
    expect(result.record.conversation.msgs.map((message) => message.actor)).to.deep.equal(['user', 'agent'])
    expect(result.channels).to.deep.equal(['chat', 'email', 'voice', 'voicemail'])
  })

  it('names the record gladly_<conversation id>', () => {
    expect(recordId('9BcE2O0DQ2ynGHRmk9FeoA')).to.equal('gladly_9BcE2O0DQ2ynGHRmk9FeoA')
  })

  describe('createdAt', () => {
    const createdAt = (value: string, now = NOW) =>
      toEnterpretRecord(input([chat('hello')], {conversation: conversation({createdAt: value})}), options({now}))

    it('is the conversation creation time in whole epoch seconds, rounded down', () => {
      for (const [value, seconds] of [
        ['2019-07-01T11:46:40Z', 1_561_981_600],
        ['2019-07-01T11:46:40.999999999Z', 1_561_981_600],
        ['2019-07-01T13:46:40.5+02:00', 1_561_981_600],
        ['2000-01-01T00:00:00Z', 946_684_800],
      ] as const) {
        const result = createdAt(value)
        expect(result._tag === 'Record' && result.record.createdAt, value).to.equal(seconds)
      }
    })

    it('says a conversation created before 2000 can never be sent', () => {
      expect(createdAt('1999-12-31T23:59:59.999Z')).to.deep.equal({
        _tag: 'Unsendable',
        reason: 'createdAt 1999-12-31T23:59:59.999Z is before 2000-01-01, which Enterpret rejects',
      })
    })

    it('sends a createdAt ahead of this clock by at most the skew as now, and fails one further ahead', () => {
      const now = Math.floor(NOW.getTime() / 1000)
      for (const value of ['2024-06-01T00:00:00.900Z', '2024-06-01T00:00:01Z', '2024-06-01T00:05:00Z']) {
        const result = createdAt(value)
        expect(result._tag === 'Record' && result.record.createdAt, value).to.equal(now)
      }
      expect(createdAt('2024-06-01T00:05:01Z')).to.deep.equal({
        _tag: 'Invalid',
        reason:
          'createdAt 2024-06-01T00:05:01Z is in the future (now is 2024-06-01T00:00:00.000Z), which Enterpret rejects',
      })
    })

    it('fails an unparseable createdAt instead of throwing', () => {
      expect(createdAt('01/07/2019')).to.deep.equal({
        _tag: 'Invalid',
        reason: 'createdAt "01/07/2019" is not an RFC 3339 timestamp',
      })
    })
  })

  describe('nothing to send', () => {
    it('is NoMessages for a conversation without items', () => {
      expect(toEnterpretRecord(input([]), options())).to.deep.equal({
        _tag: 'NoMessages',
        reason: 'the conversation has no items',
      })
    })

    it('is NoMessages, naming the item types, when no item is customer-visible', () => {
      const items = [
        item({type: 'TOPIC_CHANGE', addedTopicIds: ['t']}),
        item({type: 'CONVERSATION_NOTE', body: 'internal'}),
        item({type: 'PHONE_CALL', from: '+1', to: '+2', startedAt: '2019-07-01T12:00:00Z'}),
        item({type: 'TOPIC_CHANGE', removedTopicIds: ['t']}),
      ]
      expect(toEnterpretRecord(input(items), options())).to.deep.equal({
        _tag: 'NoMessages',
        reason: 'no customer-visible message among its 4 items (TOPIC_CHANGE, CONVERSATION_NOTE, PHONE_CALL)',
      })
      expect(toEnterpretRecord(input(items), options({includeNotes: true}))._tag).to.equal('Record')
    })

    it('is NoMessages before the createdAt check: a conversation without messages is no failed record', () => {
      const result = toEnterpretRecord(
        input([item({type: 'TOPIC_CHANGE'})], {conversation: conversation({createdAt: '1990-01-01T00:00:00Z'})}),
        options(),
      )
      expect(result._tag).to.equal('NoMessages')
    })
  })

  it('is Invalid, with the codec message, when the built record fails ConversationRecord', () => {
    expect(toEnterpretRecord(input([chat('hello')]), options({fileId: ' '}))).to.deep.equal({
      _tag: 'Invalid',
      reason: 'record gladly_HXRqKC5GSV-jAlq0-sxYTA: fileID must be non-empty text, got " "',
    })
  })

  it('marks the record truncated when Gladly cut the item list', () => {
    const result = transform([chat('hello')], {itemsTruncated: true})
    expect(fieldsOf(result.record)['truncated']).to.deep.equal({array: {b: [true]}})
    expect(result.record.conversation.msgs).to.deep.equal([{actor: 'user', text: 'hello'}])
    expect(result.warnings.join('\n')).to.contain('Gladly-Limited-Data')
  })

  it('sends no truncated key for a whole conversation', () => {
    expect(fieldsOf(transform([chat('hello')]).record)).not.to.have.property('truncated')
  })
})
