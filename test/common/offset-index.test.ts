import {expect} from 'chai'
import {OffsetIndex} from '../../src/lib/common/offset-index.js'
import {keysSharingAHash} from '../helpers/hash.js'

describe('offset index', () => {
  it('gives each key its offset among its candidates, through many growths', () => {
    const index = new OffsetIndex()
    const keys = Array.from({length: 50_000}, (_, n) => `conversation-${n}`)
    keys.forEach((key, n) => index.add(key, n * 100))
    expect(index.size).to.equal(keys.length)
    const lost = keys.filter((key, n) => ![...index.candidates(key)].some(({offset}) => offset === n * 100))
    expect(lost).to.deep.equal([])
    const strangers = Array.from({length: 1000}, (_, n) => `stranger-${n}`)
    const falseCandidates = strangers.reduce((count, key) => count + [...index.candidates(key)].length, 0)
    expect(falseCandidates, 'keys never added rarely share a hash').to.be.lessThan(5)
  })

  it('lists every key that shares a hash, and replaces one of them in place', () => {
    const [first, second] = keysSharingAHash('id-')
    const index = new OffsetIndex()
    index.add(first, 10)
    index.add(second, 20)
    expect([...index.candidates(first)].map(({offset}) => offset)).to.deep.equal([10, 20])
    const [, secondSlot] = [...index.candidates(second)]
    index.replace(secondSlot?.slot as number, 30)
    expect([...index.candidates(first)].map(({offset}) => offset)).to.deep.equal([10, 30])
    expect(index.size).to.equal(2)
  })

  it('gives all offsets in ascending order', () => {
    const index = new OffsetIndex()
    const offsets = Array.from({length: 3000}, (_, n) => (n * 7919) % 3001)
    offsets.forEach((offset, n) => index.add(`k${n}`, offset))
    expect([...index.sortedOffsets()]).to.deep.equal([...offsets].sort((a, b) => a - b))
  })
})
