import {expect} from 'chai'

import {createRedactor, toSurveyRecord, type MetadataMapping} from '../../src/lib/transform/index.js'
import {fieldsOf, item, options} from './builders.js'

const survey = (content: Record<string, unknown>) =>
  item(
    {type: 'CUSTOMER_ACTIVITY', activityType: 'SURVEY', occurredAt: '2024-05-02T10:00:00Z', ...content},
    {conversationId: undefined, timestamp: '2024-05-02T10:05:00Z'},
  )

describe('transform: survey results', () => {
  it('makes one single-text record of the title and the body, as of when it was answered', () => {
    const result = toSurveyRecord(
      {
        item: survey({
          title: 'CSAT survey answered',
          body: '<p>Rating: 5/5</p><p>Quick &amp; friendly!</p>',
          sourceName: 'Stella',
        }),
        customer: {id: 'c1', name: 'Martha Williams', emails: ['martha@example.com']},
        conversationId: 'conv-1',
      },
      options(),
    )
    if (result._tag !== 'Record') return expect.fail(result.reason)
    const {record} = result
    expect(record).to.include({type: 'REVIEW', fileID: 'gladly', createdAt: Date.parse('2024-05-02T10:00:00Z') / 1000})
    expect(record.id).to.match(/^gladly_survey_item-\d+$/)
    expect(record.text).to.equal('CSAT survey answered\n\nRating: 5/5\nQuick & friendly!')
    expect(fieldsOf(record as never)).to.deep.include({
      channel: {array: {s: ['survey']}},
      gladly_customer_id: {array: {s: ['o2sg-TMTSD2rTwMuxzewbA']}},
      customer_email: {array: {s: ['martha@example.com']}},
      gladly_conversation_id: {array: {s: ['conv-1']}},
      survey_source: {array: {s: ['Stella']}},
    })
  })

  it('goes through the mapping (link keys renamed alike) and the redaction', () => {
    const mapping: MetadataMapping = {
      rename: new Map([['gladly_customer_id', 'customer_id']]),
      drop: new Set(['customer_name']),
      constants: {source: {array: {s: ['gladly']}}},
      customAttributes: new Map(),
      otherCustomAttributes: 'id',
    }
    const result = toSurveyRecord(
      {item: survey({title: 'NPS', body: 'Call me at +1 415 555 0132'}), customer: {id: 'c1', name: 'M', emails: []}},
      options({mapping, recordIdPrefix: 'acme_', redactor: createRedactor({mode: 'mask', fields: [], patterns: []})}),
    )
    if (result._tag !== 'Record') return expect.fail(result.reason)
    const fields = fieldsOf(result.record as never)
    expect(result.record.id.startsWith('acme_survey_')).to.equal(true)
    expect(result.record.text).to.equal('NPS\n\nCall me at [phone]')
    expect(result.redactions).to.deep.equal({phone: 1})
    expect(fields).to.include.keys('customer_id', 'source')
    expect(fields).to.not.have.any.keys('gladly_customer_id', 'customer_name')
  })

  it('sends nothing for a survey without text', () => {
    expect(toSurveyRecord({item: survey({title: ' ', body: '<p></p>'})}, options())).to.include({_tag: 'NoText'})
  })
})
