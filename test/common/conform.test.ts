import {expect} from 'chai'
import {conformTo} from '../../src/lib/common/index.js'

describe('reading a stored record with the shape of the current one', () => {
  const template = {count: 0, name: '', when: null as string | null, list: [] as string[], nested: {a: 0, b: 0}}

  it("keeps the record's values where they have the template's types, and its other fields", () => {
    const stored = {count: 3, name: 'x', when: '2026-11-20', list: ['w'], nested: {a: 1, b: 2}, extra: true}
    expect(conformTo(template, stored)).to.deep.equal(stored)
  })

  it("takes the template's value for a missing field or one of another type", () => {
    expect(conformTo(template, {count: '3', list: 'w', nested: {a: 1}})).to.deep.equal({
      count: 0,
      name: '',
      when: null,
      list: [],
      nested: {a: 1, b: 0},
    })
    expect(conformTo(template, null)).to.deep.equal(template)
    expect(conformTo(template, [1])).to.deep.equal(template)
  })
})
