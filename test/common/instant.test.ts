import {expect} from 'chai'
import * as E from 'fp-ts/lib/Either.js'
import {displayInstant, parseInstant} from '../../src/lib/common/index.js'

const NOW = new Date('2026-12-01T12:00:00Z')

function instant(text: string): string {
  const parsed = parseInstant('--start-date', text, NOW)
  if (E.isLeft(parsed)) throw new Error(`refused ${text}: ${parsed.left.message}`)
  return parsed.right.toISOString()
}

function refusal(text: string): {message: string; exit: number} {
  const parsed = parseInstant('--start-date', text, NOW)
  if (E.isRight(parsed)) throw new Error(`accepted ${text} as ${parsed.right.toISOString()}`)
  return parsed.left
}

describe('the dates and times people give (parseInstant)', () => {
  describe('one rule: a date is its start in UTC, a time without an offset is UTC, an offset is honoured', () => {
    // A machine far from UTC: a parser that read local time would be hours off here.
    const zone = process.env.TZ
    before(() => {
      process.env.TZ = 'America/Los_Angeles'
      expect(new Date(2026, 10, 20).getTimezoneOffset()).to.equal(480)
    })
    after(() => {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    })

    const readings: Array<[string, Array<[string, string]>]> = [
      ['reads a bare date as the start of that day in UTC', [['2026-11-20', '2026-11-20T00:00:00.000Z']]],
      [
        'reads a date-time without an offset as UTC, whatever the machine’s time zone',
        [
          ['2026-11-20T06:00', '2026-11-20T06:00:00.000Z'],
          ['2026-11-20T06:00:30', '2026-11-20T06:00:30.000Z'],
          ['2026-11-20T06:00:30.25', '2026-11-20T06:00:30.250Z'],
        ],
      ],
      [
        'honours Z and offsets, with or without the colon',
        [
          ['2026-11-20T06:00:00Z', '2026-11-20T06:00:00.000Z'],
          ['2026-11-20T06:00:00+01:00', '2026-11-20T05:00:00.000Z'],
          ['2026-11-20T06:00-0130', '2026-11-20T07:30:00.000Z'],
          ['2026-11-20T23:30:00-05:00', '2026-11-21T04:30:00.000Z'],
        ],
      ],
      [
        'takes lower-case t and z, surrounding spaces, and up to nine fraction digits (kept to the millisecond)',
        [
          ['2026-11-20t06:00:00z', '2026-11-20T06:00:00.000Z'],
          [' 2026-11-20 ', '2026-11-20T00:00:00.000Z'],
          ['2026-11-20T06:00:00.123456789Z', '2026-11-20T06:00:00.123Z'],
        ],
      ],
      [
        'knows leap days',
        [
          ['2024-02-29', '2024-02-29T00:00:00.000Z'],
          ['2000-02-29T23:59:59Z', '2000-02-29T23:59:59.000Z'],
        ],
      ],
      ['reads a year before 100 as that year, not 19xx', [['0099-12-31', '0099-12-31T00:00:00.000Z']]],
    ]
    for (const [rule, pairs] of readings) {
      it(rule, () => {
        for (const [given, meant] of pairs) expect(instant(given), given).to.equal(meant)
      })
    }
  })

  describe('refuses, in one line naming the flag, the value and the accepted forms, with exit 2', () => {
    const impossible: Array<[string, string]> = [
      ['2026-02-30', '2026-02 has 28 days'],
      ['2026-11-31', '2026-11 has 30 days'],
      ['2025-02-29', '2025-02 has 28 days'],
      ['2100-02-29', '2100-02 has 28 days'],
      ['2026-13-01', 'there is no month 13'],
      ['2026-00-10', 'there is no month 00'],
      ['2026-11-00', 'there is no day 00'],
      ['2026-11-20T25:00', 'there is no hour 25'],
      ['2026-11-20T24:00', 'there is no hour 24'],
      ['2026-11-20T06:60', 'there is no minute 60'],
      ['2026-11-20T06:00:60Z', 'there is no second 60'],
      ['2026-11-20T06:00+25:00', 'there is no offset +25:00'],
    ]
    for (const [text, why] of impossible) {
      it(`a date that does not exist: ${text} (${why}), never rolled over`, () => {
        const {message, exit} = refusal(text)
        expect(exit).to.equal(2)
        expect(message).to.equal(
          `--start-date must be a date such as 2026-11-20 (its start, UTC) or a date-time such as 2026-11-20T06:00, 2026-11-20T06:00:00Z or 2026-11-20T06:00:00.5+01:00 (UTC unless it has an offset), got '${text}', which does not exist (${why}).`,
        )
        expect(message).not.to.include('\n')
      })
    }

    for (const text of [
      'yesterday',
      '20261120',
      '2026-11-20 06:00',
      '2026-11-20Z',
      '2026-11-20T06',
      '2026-W47',
      '',
      '11/20/2026',
    ]) {
      it(`what is not ISO 8601's date or date-time: '${text}'`, () => {
        const {message, exit} = refusal(text)
        expect(exit).to.equal(2)
        expect(message).to.match(/^--start-date must be a date such as 2026-11-20 .*, got '.*'\.$/)
        expect(message).to.include(`got '${text}'.`)
      })
    }

    it('an instant in the future, but not now itself', () => {
      const {message, exit} = refusal('2026-12-01T12:00:00.001Z')
      expect(exit).to.equal(2)
      expect(message).to.equal(
        "--start-date must not be in the future, got '2026-12-01T12:00:00.001Z' (2026-12-01T12:00:00.001Z).",
      )
      expect(instant('2026-12-01T12:00:00Z')).to.equal(NOW.toISOString())
      expect(instant('2026-12-01'), 'today, a date: its start has passed').to.equal('2026-12-01T00:00:00.000Z')
    })

    it('names whichever flag or setting it reads', () => {
      const parsed = parseInstant('--to', '2026-11-31', NOW)
      expect(E.isLeft(parsed) && parsed.left.message).to.match(/^--to must be /)
    })
  })
})

describe('instants shown to people (displayInstant)', () => {
  it('are UTC in Date.toISOString’s style, whatever Gladly wrote; text that is no instant stays as it is', () => {
    const shown: Array<[string, string]> = [
      ['2026-12-04T00:00:00Z', '2026-12-04T00:00:00.000Z'],
      ['2026-12-05T01:17:20.852981709Z', '2026-12-05T01:17:20.852Z'],
      ['2026-12-05T01:17:20-08:00', '2026-12-05T09:17:20.000Z'],
      ['2026-12-05T01:17:20.852Z', '2026-12-05T01:17:20.852Z'],
      ['import', 'import'],
      ['2026-02-30T00:00:00Z', '2026-02-30T00:00:00Z'],
    ]
    for (const [written, display] of shown) expect(displayInstant(written), written).to.equal(display)
  })
})
