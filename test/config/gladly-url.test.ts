import {expect} from 'chai'
import {normalizeGladlyUrl} from '../../src/lib/config/index.js'

describe('normalizeGladlyUrl', () => {
  const ok = (input: string) => {
    const result = normalizeGladlyUrl(input)
    if (result._tag === 'Left') throw new Error(`${input}: ${result.left}`)
    return result.right
  }
  const problem = (input: string) => {
    const result = normalizeGladlyUrl(input)
    if (result._tag === 'Right') throw new Error(`${input} was accepted as ${result.right}`)
    return result.left
  }

  it('accepts the forms Gladly organizations use', () => {
    expect(ok('https://acme.gladly.com')).to.equal('https://acme.gladly.com')
    expect(ok('https://acme.us-1.gladly.com/')).to.equal('https://acme.us-1.gladly.com')
    expect(ok('https://acme.gladly.qa')).to.equal('https://acme.gladly.qa')
    expect(ok('https://acme.us-uat.gladly.qa/api/v1')).to.equal('https://acme.us-uat.gladly.qa')
    expect(ok('https://acme.gladly.com/api/v1/')).to.equal('https://acme.gladly.com')
    expect(ok('  acme.gladly.com  ')).to.equal('https://acme.gladly.com')
    expect(ok('HTTPS://Acme.Gladly.com')).to.equal('https://acme.gladly.com')
  })

  it('accepts plain http on loopback only', () => {
    expect(ok('http://127.0.0.1:4010')).to.equal('http://127.0.0.1:4010')
    expect(ok('http://localhost:4010/api/v1')).to.equal('http://localhost:4010')
    expect(problem('http://acme.gladly.com')).to.match(/must use https/)
  })

  it('explains what is wrong with the rest', () => {
    expect(problem('')).to.equal('must not be empty')
    expect(problem('https://')).to.match(/must be a URL/)
    expect(problem('https://user:pw@acme.gladly.com')).to.match(/must not contain credentials/)
    expect(problem('https://acme.gladly.com/api/v2')).to.match(/without a path other than \/api\/v1/)
    expect(problem('https://acme.gladly.com/#/conversation/1')).to.match(/query or fragment/)
    expect(problem('ftp://acme.gladly.com')).to.match(/must use https/)
  })
})
