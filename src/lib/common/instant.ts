import * as E from 'fp-ts/lib/Either.js'
import {ExitCode, type AppError} from './errors.js'

/** A date or time a person gave (a flag, a setting) that does not exist, or is not allowed. */
interface InstantError extends AppError {
  readonly _tag: 'InstantError'
}

/**
 * The one rule for the dates and times people give, in every date flag's description and in the README: a bare
 * date is the start of that day in UTC, a date-time without an offset is UTC, and Z or an offset is honoured.
 * UTC, not the machine's zone: a cron job and a laptop must read the same value the same way, and the backfill's
 * windows, the reports and the log files all count days in UTC.
 */
export const INSTANT_RULE = 'ISO 8601: a date is its start in UTC, a time without an offset is UTC'

const FORMS =
  'a date such as 2026-11-20 (its start, UTC) or a date-time such as 2026-11-20T06:00, 2026-11-20T06:00:00Z or 2026-11-20T06:00:00.5+01:00 (UTC unless it has an offset)'

// ISO 8601's extended format (an offset also as +0100) and nothing looser: no week or ordinal dates, no offset
// without a time, no space for the T.
const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))?)?$/i

const MS_PER_MINUTE = 60_000
const MS_PER_DAY = 86_400_000

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil); Date.UTC maps years 0-99 to 19xx.
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

interface Fields {
  readonly year: string
  readonly month: string
  readonly day: string
  readonly hour: string
  readonly minute: string
  readonly second: string
  readonly offsetSign: string
  readonly offsetHours: string
  readonly offsetMinutes: string
}

/** What makes the fields no real date or time; undefined when they are one. */
function impossibility(fields: Fields): string | undefined {
  const [year, month, day] = [Number(fields.year), Number(fields.month), Number(fields.day)]
  if (month < 1 || month > 12) return `there is no month ${fields.month}`
  if (day < 1) return `there is no day ${fields.day}`
  if (day > daysInMonth(year, month)) return `${fields.year}-${fields.month} has ${daysInMonth(year, month)} days`
  if (Number(fields.hour) > 23) return `there is no hour ${fields.hour}`
  if (Number(fields.minute) > 59) return `there is no minute ${fields.minute}`
  if (Number(fields.second) > 59) return `there is no second ${fields.second}`
  if (Number(fields.offsetHours) > 23 || Number(fields.offsetMinutes) > 59)
    return `there is no offset ${fields.offsetSign}${fields.offsetHours}:${fields.offsetMinutes}`
  return undefined
}

// The instant `text` means under INSTANT_RULE, or why it means none (no reason when it is not even the shape).
function readInstant(text: string): E.Either<string | undefined, Date> {
  const match = SHAPE.exec(text.trim())
  if (match === null) return E.left(undefined)
  const [, year = '', month = '', day = '', hour = '00', minute = '00', second = '00', fraction = '', sign = '+'] =
    match
  const [offsetHours = '00', offsetMinutes = '00'] = match.slice(9)
  const problem = impossibility({year, month, day, hour, minute, second, offsetSign: sign, offsetHours, offsetMinutes})
  if (problem !== undefined) return E.left(problem)
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * MS_PER_MINUTE
  return E.right(
    new Date(
      daysFromCivil(Number(year), Number(month), Number(day)) * MS_PER_DAY +
        ((Number(hour) * 60 + Number(minute)) * 60 + Number(second)) * 1000 +
        Number(fraction.padEnd(3, '0').slice(0, 3)) -
        offset,
    ),
  )
}

/**
 * The instant a person means by `text` under INSTANT_RULE, for the flag or setting `name`. Strict: a date that does
 * not exist (2026-02-30, month 13, hour 25) is refused, never rolled over into the next day or month, and so is an
 * instant after `now`. Digits below the millisecond are dropped (a Date holds no more).
 */
export function parseInstant(name: string, text: string, now: Date): E.Either<InstantError, Date> {
  const refuse = (message: string): E.Either<InstantError, Date> =>
    E.left({_tag: 'InstantError', exit: ExitCode.usage, message})
  const read = readInstant(text)
  if (E.isLeft(read))
    return refuse(`${name} must be ${FORMS}, got '${text}'${read.left ? `, which does not exist (${read.left})` : ''}.`)
  if (read.right.getTime() > now.getTime())
    return refuse(`${name} must not be in the future, got '${text}' (${read.right.toISOString()}).`)
  return read
}

/**
 * An instant as people are shown every one: UTC in `Date.toISOString`'s style (2026-11-20T06:00:00.000Z), whatever
 * offset and digits it was written with (Gladly's timestamps have 0 to 9). The exact text stays in the state and in
 * `--json`; text that is no instant is shown as it is.
 */
export function displayInstant(text: string): string {
  const read = readInstant(text)
  return E.isRight(read) ? read.right.toISOString() : text
}
