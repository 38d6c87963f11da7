import {expect} from 'chai'
import {USER_ATTRIBUTE_GROUPS, type UserAttributeGroup} from '../../src/lib/config/index.js'
import {UserRecord} from '../../src/lib/enterpret/index.js'
import {CustomerProfile} from '../../src/lib/gladly/codecs.js'
import {readLookups, summarizeProfile} from '../../src/lib/gladly/feed/job-lookups.js'
import {toEnterpretUser, type UserResult} from '../../src/lib/transform/index.js'
import {decoded, gladlyFixture} from './builders.js'

const NOW = new Date('2026-12-01T00:00:00Z')
const CUSTOMER_ID = 'OOrlNMXeS72gs_WEX2TtMg'
// The spec's getCustomer example: every field of a profile.
const specProfile = () =>
  summarizeProfile(CUSTOMER_ID, decoded(CustomerProfile, gladlyFixture('getCustomer.200.from-schema.json')))

function user(
  customer = specProfile(),
  attributes: readonly UserAttributeGroup[] = ['name', 'email'],
  more: {idField?: 'customer_id' | 'email'; sentCreatedAt?: number; conversationCreatedAt?: string} = {},
): UserResult {
  return toEnterpretUser(
    {
      customerId: CUSTOMER_ID,
      customer,
      conversationCreatedAt: more.conversationCreatedAt ?? '2024-05-01T10:00:00Z',
      ...(more.sentCreatedAt === undefined ? {} : {sentCreatedAt: more.sentCreatedAt}),
    },
    {idField: more.idField ?? 'customer_id', attributes, now: NOW},
  )
}

function made(result: UserResult) {
  if (result._tag !== 'User') throw new Error(`no user: ${result.reason}`)
  expect(UserRecord.is(result.user), 'a valid Users webhook user').to.equal(true)
  return result
}

const s = (...values: string[]) => ({array: {s: values}})

describe('transform: a customer as an Enterpret user', () => {
  it('sends the identity fields only by default, under the id the records carry as gladly_customer_id', () => {
    const {user: sent} = made(user())
    expect(sent).to.deep.equal({
      id: CUSTOMER_ID,
      createdAt: Math.floor(Date.parse('2019-02-21T07:15:18Z') / 1000),
      attributes: {
        gladly_customer_id: s(CUSTOMER_ID),
        name: s('Martha J Williams'),
        email: s('Martha.Williams@gmail.com'),
      },
    })
  })

  it('sends every field of the profile with all, each a string list', () => {
    const {user: sent} = made(user(specProfile(), USER_ATTRIBUTE_GROUPS))
    expect(sent.attributes).to.deep.equal({
      gladly_customer_id: s(CUSTOMER_ID),
      name: s('Martha J Williams'),
      email: s('Martha.Williams@gmail.com'),
      phone: s('+17244895501'),
      address: s('563 Rigoberto Station Apt. 197'),
      external_customer_id: s('a21c1636-c622-48b7-bf6a-d9032645aa55'),
      external_id_abc12345: s('54321'),
      custom_membership_number: s('RQ564555333'),
      custom_membership_tier: s('gold'),
    })
  })

  it('keeps every custom attribute a string, whatever Gladly holds', () => {
    const customer = {
      ...specProfile(),
      customAttributes: {points: 120, vip: true, tags: ['a', 'b'], nested: {x: 1}, none: null},
    }
    const {user: sent} = made(user(customer, ['custom']))
    expect(sent.attributes).to.deep.equal({
      gladly_customer_id: s(CUSTOMER_ID),
      custom_points: s('120'),
      custom_vip: s('true'),
      custom_tags: s('a', 'b'),
      custom_nested: s('{"x":1}'),
    })
  })

  it('identifies the user by the primary email with ENTERPRET_USERS_ID=email, and skips one without', () => {
    const customer = {...specProfile(), emails: ['first@example.com', 'second@example.com']}
    expect(made(user(customer, ['name'], {idField: 'email'})).user.id).to.equal('first@example.com')
    const none = user({...specProfile(), emails: []}, ['name'], {idField: 'email'})
    expect(none).to.deep.include({_tag: 'NoUser'})
    expect((none as {reason: string}).reason).to.match(/no email address/)
  })

  it("takes a customers.jsonl customer's createdAt from what was sent before, else from its conversation", async () => {
    const {customers} = await readLookups(
      {
        id: 'job',
        status: 'COMPLETED',
        updatedAt: '2026-01-01T00:00:00Z',
        parameters: {startAt: '', endAt: ''},
      } as never,
      new Map([['customers.jsonl', new URL('../fixtures/gladly/getFile.customers.jsonl', import.meta.url).pathname]]),
    )
    const fromJob = customers.get(CUSTOMER_ID)
    customers.close()
    expect(fromJob).to.not.equal(undefined)
    const first = made(user(fromJob, ['name', 'email', 'phone']))
    expect(first.user.createdAt).to.equal(Date.parse('2024-05-01T10:00:00Z') / 1000)
    expect(first.user.attributes.phone).to.deep.equal(s('+17244895501'))
    const later = made(user(fromJob, ['name'], {sentCreatedAt: 1_600_000_000}))
    expect(later.user.createdAt).to.equal(1_600_000_000)
  })

  it('gives the same fingerprint to the same user, and another when what leaves changes', () => {
    const a = made(user())
    expect(made(user()).fingerprint).to.equal(a.fingerprint)
    // createdAt is not part of it: Enterpret keeps the first one anyway.
    expect(made(user(specProfile(), ['name', 'email'], {sentCreatedAt: 1})).fingerprint).to.equal(a.fingerprint)
    expect(made(user({...specProfile(), name: 'Martha Williams'})).fingerprint).to.not.equal(a.fingerprint)
    expect(made(user(specProfile(), ['name'])).fingerprint).to.not.equal(a.fingerprint)
  })

  it('skips a customer with no usable creation time', () => {
    const customer = {...specProfile(), createdAt: undefined}
    const result = user(customer, ['name'], {conversationCreatedAt: '1999-01-01T00:00:00Z'})
    expect(result._tag).to.equal('NoUser')
  })
})
