import {expect} from 'chai'
import {isLeft, isRight} from 'fp-ts/lib/Either.js'

import {decode} from '../../src/lib/common/decode.js'
import {
  Timestamp,
  compareTimestamps,
  isTimestamp,
  normalizeTimestamp,
  parseTimestamp,
  toEpochMillis,
  toEpochSeconds,
} from '../../src/lib/gladly/time.js'

describe('gladly/time', () => {
  describe('parseTimestamp', () => {
    // Forms from the spec's examples: 0, 2, 3, 8 and 9 fractional digits.
    const millisecondForms = [
      '2016-01-02T00:10:00Z',
      '2019-07-03T04:30:12.07Z',
      '2019-07-01T11:46:45.010Z',
      '2016-04-11T14:09:23.000Z',
      '2024-02-29T23:59:59.9Z',
    ]
    for (const ts of millisecondForms) {
      it(`reads ${ts} like Date.parse`, () => {
        expect(parseTimestamp(ts)).to.deep.equal({epochMillis: Date.parse(ts), subMilliNanos: 0})
      })
    }

    it('keeps the sub-millisecond digits of 8 and 9 digit fractions', () => {
      expect(parseTimestamp('2019-02-21T07:15:18.07272933Z')).to.deep.equal({
        epochMillis: Date.parse('2019-02-21T07:15:18.072Z'),
        subMilliNanos: 729_330,
      })
      expect(parseTimestamp('2019-02-21T19:50:23.486566336Z')).to.deep.equal({
        epochMillis: Date.parse('2019-02-21T19:50:23.486Z'),
        subMilliNanos: 566_336,
      })
    })

    it('applies offsets', () => {
      expect(toEpochMillis('2020-04-13T19:27:34-09:00')).to.equal(Date.parse('2020-04-14T04:27:34Z'))
      expect(toEpochMillis('2020-04-14T06:57:34.5+02:30')).to.equal(Date.parse('2020-04-14T04:27:34.5Z'))
      expect(toEpochMillis('2020-04-14T04:27:34-00:00')).to.equal(Date.parse('2020-04-14T04:27:34Z'))
    })

    it('accepts the lower-case t and z RFC 3339 allows', () => {
      expect(toEpochMillis('2016-01-02t00:10:00z')).to.equal(Date.parse('2016-01-02T00:10:00Z'))
    })

    it('handles leap days and years before 100 (which Date.UTC would move to 19xx)', () => {
      expect(isTimestamp('2020-02-29T00:00:00Z')).to.equal(true)
      expect(isTimestamp('2000-02-29T00:00:00Z')).to.equal(true)
      const year99 = new Date(0)
      year99.setUTCFullYear(99, 0, 1)
      expect(toEpochMillis('0099-01-01T00:00:00Z')).to.equal(year99.getTime())
    })

    const garbage = [
      '',
      'yesterday',
      '2019-07-01',
      '2019-07-01T11:46:45',
      '2019-07-01 11:46:45Z',
      '2019-07-01T11:46Z',
      '2019-07-01T11:46:45.Z',
      '2019-07-01T11:46:45.1234567890Z',
      '2019-07-01T11:46:45+0100',
      '2019-13-01T00:00:00Z',
      '2019-00-10T00:00:00Z',
      '2019-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2019-04-31T00:00:00Z',
      '2019-07-01T24:00:00Z',
      '2019-07-01T11:60:00Z',
      '2019-07-01T11:46:60Z',
      '2019-07-01T11:46:45+24:00',
      ' 2019-07-01T11:46:45Z',
      '2019-07-01T11:46:45Z ',
      '２０19-07-01T11:46:45Z',
    ]
    for (const value of garbage) {
      it(`rejects ${JSON.stringify(value)}`, () => {
        expect(parseTimestamp(value)).to.equal(undefined)
        expect(isTimestamp(value)).to.equal(false)
      })
    }
  })

  describe('Timestamp codec', () => {
    it('keeps the original string', () => {
      const result = Timestamp.decode('2019-02-21T19:50:23.486566336Z')
      expect(isRight(result) && result.right).to.equal('2019-02-21T19:50:23.486566336Z')
    })

    it('names what it expected when it rejects a value', () => {
      for (const value of ['not a date', 1_561_981_605, null]) {
        const result = decode(Timestamp, value, 'updatedAt')
        expect(isLeft(result) && result.left.message).to.equal(
          `updatedAt: (root) must be RFC 3339 timestamp, got ${JSON.stringify(value)}`,
        )
      }
    })

    it('is a guard for the same values', () => {
      expect(Timestamp.is('2016-01-02T00:10:00Z')).to.equal(true)
      expect(Timestamp.is('2016-01-02')).to.equal(false)
      expect(Timestamp.is(42)).to.equal(false)
    })
  })

  describe('toEpochSeconds', () => {
    it('rounds down', () => {
      expect(toEpochSeconds('2019-07-01T11:46:45Z')).to.equal(1_561_981_605)
      expect(toEpochSeconds('2019-07-01T11:46:45.999999999Z')).to.equal(1_561_981_605)
      expect(toEpochSeconds('1969-12-31T23:59:59.5Z')).to.equal(-1)
    })
  })

  describe('toEpochMillis', () => {
    it('rounds sub-millisecond digits down', () => {
      expect(toEpochMillis('2019-02-21T19:50:23.486999999Z')).to.equal(Date.parse('2019-02-21T19:50:23.486Z'))
    })

    it('throws a RangeError for a string that is not a timestamp', () => {
      expect(() => toEpochMillis('2019-07-01')).to.throw(RangeError, 'Not an RFC 3339 timestamp: "2019-07-01"')
      expect(() => toEpochSeconds('soon')).to.throw(RangeError)
      expect(() => compareTimestamps('soon', '2019-07-01T11:46:45Z')).to.throw(RangeError)
    })
  })

  describe('compareTimestamps', () => {
    it('orders timestamps a nanosecond apart', () => {
      expect(compareTimestamps('2019-02-21T19:50:23.486566336Z', '2019-02-21T19:50:23.486566337Z')).to.equal(-1)
      expect(compareTimestamps('2019-02-21T19:50:23.486566337Z', '2019-02-21T19:50:23.486566336Z')).to.equal(1)
    })

    it('treats different spellings of one instant as equal', () => {
      expect(compareTimestamps('2019-07-01T11:46:45.01Z', '2019-07-01T11:46:45.010000000Z')).to.equal(0)
      expect(compareTimestamps('2019-07-01T11:46:45Z', '2019-07-01T12:46:45+01:00')).to.equal(0)
    })

    it('orders across offsets and fraction lengths, where string order would be wrong', () => {
      // As strings '…45.1Z' > '…45.09999Z' holds, but '…46+01:00' < '…45Z' is wrong.
      expect(compareTimestamps('2019-07-01T12:46:46+01:00', '2019-07-01T11:46:45Z')).to.equal(1)
      expect(compareTimestamps('2019-07-01T11:46:45.0999999Z', '2019-07-01T11:46:45.1Z')).to.equal(-1)
      expect(compareTimestamps('2019-07-01T11:46:45Z', '2019-07-01T11:46:45.000000001Z')).to.equal(-1)
    })

    it('sorts a list to the nanosecond', () => {
      const sorted = [
        '2019-07-01T11:46:45.000000002Z',
        '2019-07-01T11:46:45Z',
        '2019-07-01T12:46:45.000000001+01:00',
        '2019-07-01T11:46:44.9999999Z',
      ].sort(compareTimestamps)
      expect(sorted).to.deep.equal([
        '2019-07-01T11:46:44.9999999Z',
        '2019-07-01T11:46:45Z',
        '2019-07-01T12:46:45.000000001+01:00',
        '2019-07-01T11:46:45.000000002Z',
      ])
    })
  })

  describe('normalizeTimestamp', () => {
    it('writes UTC with 9 fractional digits', () => {
      expect(normalizeTimestamp('2016-01-02T00:10:00Z')).to.equal('2016-01-02T00:10:00.000000000Z')
      expect(normalizeTimestamp('2019-07-03T04:30:12.07Z')).to.equal('2019-07-03T04:30:12.070000000Z')
      expect(normalizeTimestamp('2019-02-21T07:15:18.07272933Z')).to.equal('2019-02-21T07:15:18.072729330Z')
      expect(normalizeTimestamp('2019-02-21T19:50:23.486566336Z')).to.equal('2019-02-21T19:50:23.486566336Z')
      expect(normalizeTimestamp('2020-04-13T19:27:34.000000001-09:00')).to.equal('2020-04-14T04:27:34.000000001Z')
    })

    it('gives strings that sort like compareTimestamps', () => {
      const values = [
        '2019-07-01T11:46:45.000000002Z',
        '2019-07-01T12:46:45.000000001+01:00',
        '2019-07-01T11:46:44.9999999Z',
        '2019-07-01T11:46:45.1Z',
        '2019-07-01T11:46:45.09Z',
      ]
      const byString = [...values].sort((a, b) => (normalizeTimestamp(a) < normalizeTimestamp(b) ? -1 : 1))
      expect(byString).to.deep.equal([...values].sort(compareTimestamps))
    })
  })
})
