import {expect} from 'chai'
import {isLeft, isRight} from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import {readFileSync} from 'node:fs'

import {decode} from '../../src/lib/common/decode.js'
import {
  Agent,
  AgentList,
  COMMUNICATOR_TYPES,
  Conversation,
  ConversationItem,
  ConversationItemContent,
  ConversationItemList,
  ConversationList,
  CustomerProfile,
  CustomerProfileList,
  DurationSeconds,
  ExportCustomer,
  KeyedExportCustomer,
  ExportJobList,
  ExportJobListing,
  ExportScheduleList,
  GladlyErrorBody,
  Inbox,
  InboxList,
  KNOWN_CONTENT_TYPES,
  type KnownContent,
  MovedCustomerBody,
  Organization,
  Topic,
  TopicList,
  customerEmails,
  customerName,
  customerPhones,
  isKnownValue,
  isUnknownContent,
  usableJob,
} from '../../src/lib/gladly/codecs.js'

const FIXTURES = new URL('../fixtures/gladly/', import.meta.url)

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'))
}

function fixtureLines(name: string): unknown[] {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown)
}

function fixtureList(name: string): unknown[] {
  const value = fixture(name)
  if (!Array.isArray(value)) throw new Error(`${name} is not a JSON array`)
  return value
}

/** Decodes or fails the test with decode()'s readable message. */
function ok<A>(codec: t.Type<A, unknown, unknown>, value: unknown, subject = 'value'): A {
  const result = decode(codec, value, subject)
  if (isLeft(result)) expect.fail(result.left.message)
  return result.right
}

/** The readable failure message, or fails the test if the value decodes. */
function failure<A>(codec: t.Type<A, unknown, unknown>, value: unknown, subject = 'value'): string {
  const result = decode(codec, value, subject)
  if (isRight(result)) return expect.fail(`expected ${subject} not to decode`)
  return result.left.message
}

/** Rules out the open variant, after which `content.type` discriminates the known variants. */
function known(content: ConversationItemContent): KnownContent {
  if (isUnknownContent(content)) return expect.fail(`unexpected unknown content type ${content.type}`)
  return content
}

function item(content: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'ybP4szYCSy6LdV4DNwEd6g',
    conversationId: '9BcE2O0DQ2ynGHRmk9FeoA',
    customerId: 'OOrlNMXeS72gs_WEX2TtMg',
    timestamp: '2019-07-01T11:46:45.01Z',
    initiator: {id: 'OOrlNMXeS72gs_WEX2TtMg', type: 'CUSTOMER'},
    content,
    ...extra,
  }
}

const email = {type: 'EMAIL', from: 'a@b.com', to: ['c@d.com'], subject: 'Hi', content: 'Hello'}

describe('gladly/codecs', () => {
  describe('organization, agents, topics, inboxes', () => {
    it('decodes the organization', () => {
      const organization = ok(Organization, fixture('getOrganization.200.from-schema.json'))
      expect(organization).to.include({id: 'ihKsWxiZCDVtXg1iwVmT9Q', gladlyUrl: 'https://organization.gladly.com'})
    })

    it('decodes agents from the API and from agents.jsonl', () => {
      expect(ok(Agent, fixture('getAgent.200.from-schema.json')).name).to.equal('Amy Agent')
      expect(ok(AgentList, fixture('getAgents.200.from-schema.json'))).to.have.length(1)
      const [line] = fixtureLines('getFile.agents.jsonl')
      expect(ok(Agent, line)).to.deep.equal({
        id: 'WmeA3Y51Q5ayCAaZ1AotIA',
        name: 'Amy Agent',
        emailAddress: 'amy.agent@company.com',
      })
    })

    it('decodes topics from the API and from topics.jsonl', () => {
      const topics = ok(TopicList, fixture('getTopics.200.json'))
      expect(topics.map((topic) => [topic.name, topic.parentId, topic.disabled])).to.deep.equal([
        ['Order Return', undefined, false],
        ['Damaged Merchandise', 'Z_Oto7j-Sy2DlQdnZBDdDw', false],
        ['Holiday 2019', 'Z_Oto7j-Sy2DlQdnZBDdDw', true],
      ])
      expect(ok(Topic, fixture('getTopic.200.from-schema.json')).parentId).to.equal('ChefeoTHSlaIbKg57H5R9Q')
      for (const line of fixtureLines('getFile.topics.jsonl')) ok(Topic, line)
    })

    it('decodes inboxes', () => {
      expect(ok(Inbox, fixture('getInbox.200.from-schema.json')).name).to.equal('Email Inbox')
      expect(ok(InboxList, fixture('getInboxes.200.from-schema.json'))).to.have.length(1)
    })

    it('requires the ids and names the importer keys on', () => {
      expect(failure(Topic, {name: 'x'}, 'topic')).to.equal('topic: id must be string, got nothing')
      expect(failure(Inbox, {id: 'x'}, 'inbox')).to.equal('inbox: name must be string, got nothing')
    })
  })

  describe('export API', () => {
    it('decodes schedules', () => {
      const [schedule] = ok(ExportScheduleList, fixture('findSchedules.200.from-schema.json'))
      expect(schedule).to.include({frequency: 'HOURLY', nextStartAt: '2019-01-21T08:00:00.00Z'})
    })

    it('decodes a job and a job list, and finds the job usable', () => {
      const listing = ok(ExportJobListing, fixture('getJob.200.from-schema.json'))
      const usable = usableJob(listing)
      if (usable._tag !== 'Usable') return expect.fail(`missing ${usable.missing.join(', ')}`)
      expect(usable.job.status).to.equal('COMPLETED')
      expect(usable.job.parameters.startAt).to.equal('2019-01-21T07:15:18.07272933Z')
      expect(usable.job.files).to.deep.equal([
        'agents.jsonl',
        'conversation_items.jsonl',
        'customers.jsonl',
        'topics.jsonl',
      ])
      expect(ok(ExportJobList, fixture('findJobs.200.from-schema.json'))).to.have.length(1)
    })

    it('gives a usable job without files a fresh []', () => {
      const {files: _files, ...pending} = fixture('getJob.200.from-schema.json') as Record<string, unknown>
      const first = usableJob(ok(ExportJobListing, {...pending, status: 'PENDING'}))
      const second = usableJob(ok(ExportJobListing, {...pending, status: 'IN_PROGRESS', files: null}))
      if (first._tag !== 'Usable' || second._tag !== 'Usable') return expect.fail('both jobs have what an import needs')
      expect(first.job.files).to.deep.equal([])
      expect(second.job.files).to.deep.equal([])
      expect(first.job.files).not.to.equal(second.job.files)
    })

    it('accepts a job status Gladly may add later', () => {
      const job = ok(ExportJobListing, {...(fixture('getJob.200.from-schema.json') as object), status: 'CANCELLED'})
      expect(job.status).to.equal('CANCELLED')
    })

    it('decodes a job without its window, or without anything, and usableJob names what it misses', () => {
      const job = fixture('getJob.200.from-schema.json') as object
      const withoutStart = ok(ExportJobListing, {
        ...job,
        parameters: {type: 'CONVERSATIONS', endAt: '2019-01-22T07:15:18Z'},
      })
      expect(usableJob(withoutStart)).to.deep.equal({_tag: 'Unusable', missing: ['parameters.startAt']})
      expect(usableJob(ok(ExportJobListing, {}))).to.deep.equal({
        _tag: 'Unusable',
        missing: ['id', 'status', 'updatedAt', 'parameters.startAt', 'parameters.endAt'],
      })
    })

    it('still fails a job field of the wrong shape, naming the path', () => {
      const job = fixture('getJob.200.from-schema.json') as {parameters: object}
      const message = failure(ExportJobListing, {...job, parameters: {...job.parameters, startAt: '2019-01-21'}}, 'job')
      expect(message).to.equal('job: parameters.startAt must be RFC 3339 timestamp, got "2019-01-21"')
    })
  })

  describe('conversations', () => {
    it('decodes the getConversation example', () => {
      const conversation = ok(Conversation, fixture('getConversation.200.json'))
      expect(conversation).to.include({
        status: 'CLOSED',
        closedAt: '2016-01-03T08:10:00Z',
        inboxId: 'E1nArq1uQAees_DogHB0MA',
      })
      expect(conversation.topicIds).to.deep.equal(['_DZTz4I0Qsq9YXxeXwufMg', 'tYVmwhIVQe-2tflRIszQ3g'])
      expect(conversation.customAttributes[2]).to.deep.equal({id: 'cEBkE90eQHObfcsnrm60Tg', value: 'UPS'})
    })

    it('decodes the getConversations example', () => {
      const conversations = ok(ConversationList, fixture('getConversations.200.json'))
      expect(conversations.map((conversation) => [conversation.status, conversation.closedAt])).to.deep.equal([
        ['OPEN', undefined],
        ['CLOSED', '2016-01-03T08:10:00Z'],
      ])
    })

    it('defaults absent topicIds and customAttributes to []', () => {
      const conversation = ok(Conversation, {
        id: 'HXRqKC5GSV-jAlq0-sxYTA',
        customerId: 'o2sg-TMTSD2rTwMuxzewbA',
        createdAt: '2016-01-02T00:10:00Z',
        inboxId: 'E1nArq1uQAees_DogHB0MA',
        status: 'WAITING',
      })
      expect(conversation.topicIds).to.deep.equal([])
      expect(conversation.customAttributes).to.deep.equal([])
      expect(conversation.agentId).to.equal(undefined)
    })

    it('accepts a status Gladly may add later', () => {
      const conversation = ok(Conversation, {...(fixture('getConversation.200.json') as object), status: 'SNOOZED'})
      expect(conversation.status).to.equal('SNOOZED')
    })

    it('fails a conversation without inboxId or with a bad createdAt', () => {
      const {inboxId: _inboxId, ...withoutInbox} = fixture('getConversation.200.json') as Record<string, unknown>
      expect(failure(Conversation, withoutInbox, 'conversation HXRqKC5GSV-jAlq0-sxYTA')).to.equal(
        'conversation HXRqKC5GSV-jAlq0-sxYTA: inboxId must be string, got nothing',
      )
      expect(
        failure(Conversation, {...(fixture('getConversation.200.json') as object), createdAt: '2016-01-02'}, 'c'),
      ).to.equal('c: createdAt must be RFC 3339 timestamp, got "2016-01-02"')
    })
  })

  describe('customers', () => {
    it('decodes the API profile', () => {
      const customer = ok(CustomerProfile, fixture('getCustomer.200.from-schema.json'))
      expect(customer.updatedAt).to.equal('2019-02-21T19:50:23.486566336Z')
      expect(customer.externalCustomerIds).to.deep.equal({ABC12345: '54321'})
      expect(customer.customAttributes).to.deep.equal({membershipNumber: 'RQ564555333', membershipTier: 'gold'})
      expect(ok(CustomerProfileList, fixture('findCustomers.200.from-schema.json'))).to.have.length(1)
    })

    it('decodes a profile that has only an id, and phone types outside the enum', () => {
      expect(ok(CustomerProfile, {id: 'OOrlNMXeS72gs_WEX2TtMg'})).to.deep.equal({id: 'OOrlNMXeS72gs_WEX2TtMg'})
      const phones = [{normalized: '+16501234567', original: '650 123 4567', regionCode: 'US', type: ''}]
      expect(ok(CustomerProfile, {id: 'x', phones}).phones).to.deep.equal(phones)
    })

    it('decodes customers.jsonl lines, with externalCustomerIds too', () => {
      const [line] = fixtureLines('getFile.customers.jsonl')
      const customer = ok(ExportCustomer, line)
      expect(customer.emailAddresses).to.deep.equal(['Martha.Williams@gmail.com'])
      expect(customer.phoneNumbers).to.deep.equal(['+17244895501'])
      expect(
        ok(ExportCustomer, {...customer, externalCustomerIds: {ABC12345: '54321'}}).externalCustomerIds,
      ).to.deep.equal({ABC12345: '54321'})
    })

    it('decodes a customers.jsonl line without id, as the spec allows, yet refuses to key on one', () => {
      expect(ok(ExportCustomer, {name: 'No Id'})).to.deep.equal({name: 'No Id'})
      expect(failure(KeyedExportCustomer, {name: 'No Id'}, 'customer')).to.equal(
        'customer: id must be string, got nothing',
      )
      expect(ok(KeyedExportCustomer, {id: 'c1', name: null})).to.include({id: 'c1', name: undefined})
    })

    it('reads emails, phones and names from both shapes alike', () => {
      const profile = ok(CustomerProfile, fixture('getCustomer.200.from-schema.json'))
      const [line] = fixtureLines('getFile.customers.jsonl')
      const exported = ok(ExportCustomer, line)
      expect(customerEmails(profile)).to.deep.equal(customerEmails(exported))
      expect(customerPhones(profile)).to.deep.equal(customerPhones(exported))
      expect(customerName(profile)).to.equal('Martha J Williams')
      expect(customerName(exported)).to.equal('Martha J Williams')
    })

    it('puts the primary email and phone first, and handles absent lists and blank names', () => {
      const profile = ok(CustomerProfile, {
        id: 'x',
        name: '  ',
        emails: [{original: 'old@example.com'}, {original: 'main@example.com', primary: true}],
        phones: [{original: '650 123 4567'}, {original: '7244895501', normalized: '+17244895501', primary: true}],
      })
      expect(customerEmails(profile)).to.deep.equal(['main@example.com', 'old@example.com'])
      expect(customerPhones(profile)).to.deep.equal(['+17244895501', '650 123 4567'])
      expect(customerName(profile)).to.equal(undefined)
      expect(customerEmails({id: 'x'})).to.deep.equal([])
      expect(customerPhones({id: 'x'})).to.deep.equal([])
    })
  })

  describe('conversation items', () => {
    it('knows every content type of the spec, and the custom-channel TEXT and FILES', () => {
      expect([...KNOWN_CONTENT_TYPES].sort()).to.deep.equal([
        'CHAT_MESSAGE',
        'CONVERSATION_NOTE',
        'CONVERSATION_STATUS_CHANGE',
        'CUSTOMER_ACTIVITY',
        'EMAIL',
        'FACEBOOK_MESSAGE',
        'FILES',
        'INSTAGRAM_DIRECT',
        'PHONE_CALL',
        'SMS',
        'TASK',
        'TEXT',
        'TOPIC_CHANGE',
        'TWITTER',
        'VOICEMAIL',
        'VOICE_AI_MESSAGE',
        'WHATSAPP',
      ])
    })

    it('decodes one item per content variant of the getItem and createItem schemas', () => {
      const items = [
        ...fixtureList('getItem.200.from-schema.json'),
        ...fixtureList('createItem.200.from-schema.json'),
        fixture('getNoteFromConversation.200.from-schema.json'),
      ].map((value, index) => ok(ConversationItem, value, `item ${index}`))
      for (const decoded of items) expect(isUnknownContent(decoded.content)).to.equal(false)
      // The custom-channel types are not in this copy of the spec.
      const specTypes = KNOWN_CONTENT_TYPES.filter((type) => type !== 'TEXT' && type !== 'FILES')
      expect(new Set(items.map((decoded) => decoded.content.type))).to.deep.equal(new Set(specTypes))
    })

    it('decodes custom-channel TEXT and FILES messages, whose text is one level down', () => {
      const channel = {customChannelId: 'cc', sessionId: 's', status: {value: 'DELIVERED'}}
      const text = known(ok(ConversationItemContent, {type: 'TEXT', ...channel, content: {text: 'Hi'}}))
      expect(text.type === 'TEXT' && text.content?.text).to.equal('Hi')
      const files = known(
        ok(ConversationItemContent, {
          type: 'FILES',
          ...channel,
          content: {files: [{url: 'https://f', fileName: 'a.png'}], caption: null},
        }),
      )
      expect(files.type === 'FILES' && files.content).to.deep.include({files: [{url: 'https://f', fileName: 'a.png'}]})
      expect(failure(ConversationItemContent, {type: 'TEXT', content: 'Hi'}, 'c')).to.equal(
        'c: content must be CustomChannelText, got "Hi"',
      )
    })

    it('decodes every conversation_items.jsonl line', () => {
      const items = fixtureLines('getFile.conversation_items.jsonl').map((line, index) =>
        ok(ConversationItem, line, `line ${index + 1}`),
      )
      expect(items.map((decoded) => decoded.content.type)).to.deep.equal([
        'CHAT_MESSAGE',
        'EMAIL',
        'PHONE_CALL',
        'TOPIC_CHANGE',
        'VOICEMAIL',
        'CONVERSATION_STATUS_CHANGE',
        'CONVERSATION_NOTE',
      ])
      expect(items[2]?.responder).to.deep.equal({type: 'CUSTOMER', id: 'KgnVOMc2TbiA3zad6iVlWA'})
    })

    describe('the getConversationItems example', () => {
      const examples = fixtureList('getConversationItems.200.json')
      // The spec writes `id": …` and `type": …` in two initiators: those keys are not `id` and `type`.
      const typoIds = new Set(['zwo9AtljSfaGjWb4Aq-aDQ', 'azwo9AtljSfaGjWb4Aq-aDQ'])
      const isTypo = (value: unknown) => typoIds.has((value as {id: string}).id)

      it('decodes every item, the two with the initiator typo too', () => {
        const items = ok(ConversationItemList, examples)
        expect(items.map((decoded) => decoded.content.type)).to.deep.equal([
          'CHAT_MESSAGE',
          'CHAT_MESSAGE',
          'EMAIL',
          'PHONE_CALL',
          'TOPIC_CHANGE',
          'CONVERSATION_STATUS_CHANGE',
          'VOICEMAIL',
          'VOICE_AI_MESSAGE',
          'CONVERSATION_NOTE',
        ])
        expect(items[1]?.initiator).to.deep.equal({id: 'SIDEKICK_V2', type: 'SYSTEM'})
        expect(items[7]?.sessionId).to.equal('8K2mX9nRTyWv4bQzLpH5jA')
      })

      it('turns the string recordingDuration "100" into 100', () => {
        const example = examples.find((value) => (value as {id: string}).id === 'S6pMkJ78QMmkVf9qPP_SeQ')
        const call = ok(ConversationItem, example)
        const content = known(call.content)
        expect(content.type === 'PHONE_CALL' && content.recordingDuration).to.equal(100)
      })

      it('gives the two typo items an initiator with neither id nor type, keeping the typo keys as sent', () => {
        const typos = examples.filter(isTypo).map((value) => ok(ConversationItem, value))
        expect(typos).to.have.length(2)
        for (const {initiator} of typos) {
          expect(initiator).to.deep.equal({'id"': 'zGaHXjD4SR-moMR9LbULDA', 'type"': 'AGENT'})
          expect(initiator?.id).to.equal(undefined)
          expect(initiator?.type).to.equal(undefined)
        }
      })
    })

    it('decodes the CUSTOMER_ACTIVITY content of the createItem request example', () => {
      const request = fixture('createItem.request.json') as {content: unknown}
      const content = known(ok(ConversationItemContent, request.content))
      if (content.type !== 'CUSTOMER_ACTIVITY') return expect.fail(`got ${content.type}`)
      expect(content.activityType).to.equal('EMAIL')
      expect(content.link).to.deep.equal({url: 'https://www.gladly.com/product/', text: 'View Details'})
    })

    it('decodes quick-reply chat messages, and chat messages without messageType', () => {
      const response = known(
        ok(ConversationItemContent, {
          type: 'CHAT_MESSAGE',
          sessionId: '5k04bYuTRGqyT6uoSQfWVA',
          content: 'Furniture',
          messageType: 'QUICK_REPLY_RESPONSE',
          messageData: {
            quickReplyRequest: {
              options: [
                {id: 'f', label: 'Furniture'},
                {id: 'l', label: 'Lighting'},
              ],
            },
            selectedOptionId: 'f',
            requestMessageId: 'Rk7dLm2xTXqNwZp8vB3YeA',
          },
        }),
      )
      expect(response.type === 'CHAT_MESSAGE' && response.messageData?.selectedOptionId).to.equal('f')
      const plain = known(ok(ConversationItemContent, {type: 'CHAT_MESSAGE', sessionId: 's', content: 'hi'}))
      expect(plain.type === 'CHAT_MESSAGE' && plain.messageType).to.equal(undefined)
      const future = known(
        ok(ConversationItemContent, {type: 'CHAT_MESSAGE', sessionId: 's', content: 'hi', messageType: 'CAROUSEL'}),
      )
      expect(future.type === 'CHAT_MESSAGE' && future.messageType).to.equal('CAROUSEL')
    })

    describe('recordingDuration', () => {
      it('takes any finite number and numeric strings, negative ones too (real calls send them)', () => {
        expect(ok(DurationSeconds, 11)).to.equal(11)
        expect(ok(DurationSeconds, -5)).to.equal(-5)
        expect(ok(DurationSeconds, '100')).to.equal(100)
        expect(ok(DurationSeconds, ' 12.5 ')).to.equal(12.5)
        expect(ok(DurationSeconds, '-5')).to.equal(-5)
      })

      it('treats null as absent', () => {
        const voicemail = known(ok(ConversationItemContent, {type: 'VOICEMAIL', recordingDuration: null}))
        expect(voicemail.type === 'VOICEMAIL' && voicemail.recordingDuration).to.equal(undefined)
      })

      it('rejects other values, naming the path', () => {
        for (const bad of ['', 'abc', '1e3', Number.NaN, Number.POSITIVE_INFINITY]) {
          expect(isRight(DurationSeconds.decode(bad)), String(bad)).to.equal(false)
        }
        const message = failure(
          ConversationItem,
          item({type: 'VOICEMAIL', recordingDuration: 'long'}),
          'item ybP4szYCSy6LdV4DNwEd6g',
        )
        expect(message).to.equal(
          'item ybP4szYCSy6LdV4DNwEd6g: content.recordingDuration must be seconds as a number or numeric string, got "long"',
        )
      })
    })

    describe('dispatch on content.type', () => {
      it('fails a known type with a missing required field, naming the path', () => {
        const {to: _to, ...withoutTo} = email
        expect(failure(ConversationItem, item(withoutTo), 'item ybP4szYCSy6LdV4DNwEd6g')).to.equal(
          'item ybP4szYCSy6LdV4DNwEd6g: content.to must be Array<string>, got nothing',
        )
        expect(
          failure(ConversationItem, item({type: 'PHONE_CALL', from: '+14153335555', to: '+12149897676'}), 'i'),
        ).to.equal('i: content.startedAt must be RFC 3339 timestamp, got nothing')
        expect(failure(ConversationItem, item({type: 'CHAT_MESSAGE', sessionId: 's'}), 'i')).to.equal(
          'i: content.content must be string, got nothing',
        )
      })

      it('fails a known type with a field of the wrong type, naming the path', () => {
        expect(
          failure(ConversationItem, item({...email, cc: 'x@y.com', attachments: [{fileSize: '1kB'}]}), 'i'),
        ).to.equal(
          'i: content.cc must be Array<string>, got "x@y.com"; content.attachments[0].fileSize must be number, got "1kB"',
        )
        expect(
          failure(ConversationItemList, [item(email), item({type: 'TOPIC_CHANGE', addedTopicIds: 'x'})], 'items'),
        ).to.equal('items: [1].content.addedTopicIds must be Array<string>, got "x"')
      })

      it('decodes an unknown type to the open variant, keeping every field', () => {
        const content = {type: 'CUSTOM_CHANNEL_MESSAGE', body: 'Hi', attachments: [{id: 'a'}], nested: {x: 1}}
        const decoded = ok(ConversationItem, item(content)).content
        expect(isUnknownContent(decoded)).to.equal(true)
        expect(decoded).to.deep.equal(content)
      })

      it('treats object prototype names as unknown types, not as codecs', () => {
        for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
          expect(isUnknownContent(ok(ConversationItemContent, {type}))).to.equal(true)
        }
      })

      it('fails content that has no string type, or is not an object', () => {
        expect(failure(ConversationItem, item({content: 'x'}), 'i')).to.equal(
          'i: content.type must be string, got nothing',
        )
        expect(failure(ConversationItem, item({type: 7}), 'i')).to.equal('i: content.type must be string, got 7')
        expect(failure(ConversationItem, {...item(email), content: 'EMAIL'}, 'i')).to.equal(
          'i: content must be ConversationItemContent, got "EMAIL"',
        )
        expect(failure(ConversationItem, {...item(email), content: [email]}, 'i')).to.match(
          /^i: content must be ConversationItemContent, got \[\{"type":"EMAIL"/,
        )
      })

      it('offers a guard that agrees with decoding', () => {
        expect(ConversationItemContent.is(email)).to.equal(true)
        expect(ConversationItemContent.is({...email, to: 'c@d.com'})).to.equal(false)
        expect(ConversationItemContent.is({type: 'NEW_THING'})).to.equal(true)
        expect(ConversationItemContent.is({type: 1})).to.equal(false)
        expect(ConversationItemContent.is(null)).to.equal(false)
      })

      it('narrows to the known variants once isUnknownContent is ruled out', () => {
        const decoded = ok(ConversationItem, item(email)).content
        if (isUnknownContent(decoded)) return expect.fail('EMAIL is known')
        // A type error here would mean the brand on UnknownContent no longer keeps the union discriminated.
        const subject = decoded.type === 'EMAIL' ? decoded.subject : undefined
        expect(subject).to.equal('Hi')
      })
    })

    it('keeps initiator types Gladly may add later', () => {
      const decoded = ok(ConversationItem, item(email, {initiator: {type: 'BOT', id: 'x'}}))
      const type = decoded.initiator?.type ?? expect.fail('the initiator keeps its type')
      expect(type).to.equal('BOT')
      expect(isKnownValue(COMMUNICATOR_TYPES, type)).to.equal(false)
      expect(isKnownValue(COMMUNICATOR_TYPES, 'SYSTEM')).to.equal(true)
    })

    it('decodes an item outside any conversation, an initiator without id, and an item without initiator', () => {
      const {conversationId: _conversationId, ...timelineOnly} = item(email, {initiator: {type: 'API'}})
      const decoded = ok(ConversationItem, timelineOnly)
      expect(decoded.conversationId).to.equal(undefined)
      expect(decoded.initiator).to.deep.equal({type: 'API'})
      const {initiator: _initiator, ...unattributed} = item(email)
      expect(ok(ConversationItem, unattributed).initiator).to.equal(undefined)
    })

    it('decodes an email without subject, as real exports send them', () => {
      const {subject: _subject, ...withoutSubject} = email
      const content = known(ok(ConversationItem, item(withoutSubject)).content)
      expect(content.type === 'EMAIL' && content.subject).to.equal(undefined)
    })

    it('reads null optional fields as absent, and still refuses null required ones', () => {
      const decoded = ok(ConversationItem, item({...email, cc: null}, {conversationId: null, initiator: null}))
      expect(decoded.conversationId).to.equal(undefined)
      expect(decoded.initiator).to.equal(undefined)
      const content = known(decoded.content)
      expect(content.type === 'EMAIL' && content.cc).to.equal(undefined)
      expect(failure(ConversationItem, item(email, {customerId: null}), 'i')).to.equal(
        'i: customerId must be string, got null',
      )
    })

    it('accepts timestamps with 0, 2, 3, 8 and 9 fractional digits and offsets', () => {
      for (const timestamp of [
        '2016-01-02T00:10:00Z',
        '2019-07-03T04:30:12.07Z',
        '2019-07-01T11:46:45.010Z',
        '2019-02-21T07:15:18.07272933Z',
        '2019-02-21T19:50:23.486566336Z',
        '2020-04-13T19:27:34-09:00',
      ]) {
        expect(ok(ConversationItem, item(email, {timestamp})).timestamp).to.equal(timestamp)
      }
      expect(failure(ConversationItem, item(email, {timestamp: '2019-07-01 11:46'}), 'i')).to.equal(
        'i: timestamp must be RFC 3339 timestamp, got "2019-07-01 11:46"',
      )
    })

    it('keeps unknown extra fields on the envelope and the content', () => {
      const value = item(
        {...email, htmlContent: '<p>Hello</p>'},
        {channel: 'EMAIL', initiator: {type: 'AGENT', id: 'a', name: 'Amy'}},
      )
      expect(ok(ConversationItem, value)).to.deep.equal(value)
      const job = {...(fixture('getJob.200.from-schema.json') as object), createdAt: '2019-02-21T07:00:00Z'}
      expect(ok(ExportJobListing, job)).to.deep.equal(job)
    })
  })

  describe('error bodies', () => {
    const examples = Object.entries(fixture('errors.json') as Record<string, unknown>)

    it('decodes every error example of the spec', () => {
      expect(examples.length).to.be.greaterThan(50)
      for (const [name, body] of examples) {
        const decoded = ok(GladlyErrorBody, body, name)
        expect(decoded.errors, name).to.be.an('array').that.is.not.empty
      }
    })

    it('normalises errors given as one object to an array', () => {
      const body = examples.find(([name]) => name === 'getCustomer 404')?.[1]
      expect(ok(GladlyErrorBody, body)).to.deep.equal({
        errors: [{code: 'not_exist', detail: 'customer profile [OOrlNMXeS72gs_WEX2TtMg] does not exist'}],
      })
    })

    it('accepts the bare array of the deleteJob example', () => {
      const body = examples.find(([name]) => name === 'deleteJob 400')?.[1]
      expect(ok(GladlyErrorBody, body).errors[0]?.code).to.equal('temporary_failure')
    })

    it('keeps meta', () => {
      const body = examples.find(([name]) => name === 'addTopic 409 another topic already has this name')?.[1]
      expect(ok(GladlyErrorBody, body).errors[0]?.meta).to.deep.equal({id: 'BgMCrCVbTrGhAeDTwIr44g'})
    })

    it('rejects bodies that are not Gladly errors', () => {
      expect(failure(GladlyErrorBody, 'Too Many Requests', 'body')).to.equal(
        'body: (root) must be Gladly error body, got "Too Many Requests"',
      )
      expect(failure(GladlyErrorBody, {errors: [{code: 429}]}, 'body')).to.match(
        /errors\[0\]\.code must be string, got 429/,
      )
    })

    it('extracts the new and old customer ids from the 301 moved bodies', () => {
      const getCustomer = examples.find(([name]) => name === 'getCustomer 301')?.[1]
      expect(ok(MovedCustomerBody, getCustomer)).to.deep.equal({
        newCustomerId: 'rVamfZHvQuORFnsk-3mNuw',
        oldCustomerId: 'OOrlNMXeS72gs_WEX2TtMg',
      })
      const createCustomerItem = examples.find(([name]) => name === 'createCustomerItem 301')?.[1]
      expect(ok(MovedCustomerBody, createCustomerItem)).to.deep.equal({
        newCustomerId: 'TX6f82W4S_ayp11kP4dhrQ',
        oldCustomerId: 'wjotRA-fSU6feGCxdFwwNQ',
      })
      expect(ok(MovedCustomerBody, {errors: {code: 'moved', meta: {new: 'n'}}})).to.deep.equal({newCustomerId: 'n'})
    })

    it('fails a moved body without meta.new', () => {
      const notFound = examples.find(([name]) => name === 'getCustomer 404')?.[1]
      expect(failure(MovedCustomerBody, notFound, 'customer OOrlNMXeS72gs_WEX2TtMg')).to.match(
        /^customer OOrlNMXeS72gs_WEX2TtMg: \(root\) must be moved-customer error body \(errors\[\]\.meta\.new\), got /,
      )
    })
  })
})
