import {expect} from 'chai'

import {toEnterpretRecord, type ConversationFilter, type Lookups} from '../../src/lib/transform/index.js'
import {byAgent, chat, conversation, emptyLookups, input, item, options} from './builders.js'

const NO_FILTER: ConversationFilter = {inboxes: {}, channels: {}, topics: {}, minCustomerMessages: 0}
const filtered = (
  filter: Partial<ConversationFilter>,
  overrides: Parameters<typeof input>[1] = {},
  items = [chat('hi')],
) => toEnterpretRecord(input(items, overrides), options({filter: {...NO_FILTER, ...filter}}))

// Orders › Returns › Damaged: a grandchild topic.
const lookups: Lookups = {
  ...emptyLookups(),
  topics: new Map([
    ['orders', {id: 'orders', name: 'Orders'}],
    ['returns', {id: 'returns', name: 'Returns', parentId: 'orders'}],
    ['damaged', {id: 'damaged', name: 'Damaged', parentId: 'returns'}],
    ['loop-a', {id: 'loop-a', name: 'A', parentId: 'loop-b'}],
    ['loop-b', {id: 'loop-b', name: 'B', parentId: 'loop-a'}],
  ]),
}

describe('transform: filters', () => {
  it('sends everything with empty lists', () => {
    expect(filtered({})._tag).to.equal('Record')
  })

  it('by inbox: excluded, or not among the included', () => {
    const inbox = {inboxId: 'spam'}
    expect(filtered({inboxes: {exclude: new Set(['spam'])}}, {conversation: conversation(inbox)})).to.deep.equal({
      _tag: 'Filtered',
      reason: 'inbox',
      detail: 'inbox spam is excluded',
    })
    expect(filtered({inboxes: {include: new Set(['support'])}}, {conversation: conversation(inbox)})).to.include({
      _tag: 'Filtered',
      reason: 'inbox',
    })
    expect(filtered({inboxes: {include: new Set(['spam'])}}, {conversation: conversation(inbox)})._tag).to.equal(
      'Record',
    )
  })

  it('by topic, a parent standing for its children and grandchildren (a cycle in the data does not hang)', () => {
    const tagged = (...topicIds: string[]) => ({conversation: conversation({topicIds}), lookups})
    expect(filtered({topics: {exclude: new Set(['orders'])}}, tagged('damaged'))).to.include({reason: 'topic'})
    expect(filtered({topics: {exclude: new Set(['returns'])}}, tagged('orders'))._tag).to.equal('Record')
    expect(filtered({topics: {include: new Set(['orders'])}}, tagged('damaged'))._tag).to.equal('Record')
    expect(filtered({topics: {include: new Set(['orders'])}}, tagged())).to.deep.include({
      reason: 'topic',
      detail: 'it has no topic, and only some are included',
    })
    expect(filtered({topics: {include: new Set(['orders'])}}, tagged('loop-a'))).to.include({reason: 'topic'})
  })

  it('by channel: a conversation is in every channel it has a message in', () => {
    const items = [chat('hi'), item({type: 'EMAIL', subject: 'Re', content: 'by mail'})]
    expect(filtered({channels: {exclude: new Set(['email'])}}, {}, items)).to.include({reason: 'channel'})
    expect(filtered({channels: {include: new Set(['email'])}}, {}, items)._tag).to.equal('Record')
    expect(filtered({channels: {include: new Set(['sms'])}}, {}, items)).to.include({reason: 'channel'})
  })

  it('by the number of customer messages (agent messages do not count)', () => {
    const items = [chat('hi'), chat('hello', byAgent), chat('anything else?', byAgent)]
    expect(filtered({minCustomerMessages: 2}, {}, items)).to.deep.equal({
      _tag: 'Filtered',
      reason: 'customerMessages',
      detail: '1 customer message(s), fewer than 2',
    })
    expect(filtered({minCustomerMessages: 1}, {}, items)._tag).to.equal('Record')
  })
})
