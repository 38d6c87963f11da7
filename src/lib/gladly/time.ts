import * as t from 'io-ts'

/**
 * Gladly writes RFC 3339 timestamps with 0 to 9 fractional digits (`2016-01-02T00:10:00Z`, `2019-07-03T04:30:12.07Z`,
 * `2019-02-21T19:50:23.486566336Z`) and accepts offsets in query parameters. A JS `Date` keeps only milliseconds, so
 * parsing keeps the sub-millisecond rest separately: two items 200 ns apart must still sort in the right order.
 */
export interface ParsedTimestamp {
  /** Milliseconds since the epoch, rounded down. */
  readonly epochMillis: number
  /** The nanoseconds below `epochMillis`: 0 to 999999. */
  readonly subMilliNanos: number
}

const MS_PER_MINUTE = 60_000
const MS_PER_DAY = 86_400_000

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil); Date.UTC maps years 0-99 to 19xx.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** Parses an RFC 3339 timestamp (`Z` or `±hh:mm`, 0-9 fractional digits); `undefined` if it is not one. */
export function parseTimestamp(value: string): ParsedTimestamp | undefined {
  // Read digit by digit once the shape is known: this runs for every item an import touches.
  if (!isTimestamp(value)) return undefined
  const year = Number(value.slice(0, 4))
  const month = twoDigits(value, 5)
  const day = twoDigits(value, 8)
  const hour = twoDigits(value, 11)
  const minute = twoDigits(value, 14)
  const second = twoDigits(value, 17)
  let end = value.length
  let offset = 0
  const last = value.charCodeAt(end - 1)
  if (last === 90 || last === 122) {
    end -= 1
  } else {
    const sign = value.charCodeAt(end - 6) === 45 ? -1 : 1
    offset = sign * (twoDigits(value, end - 5) * 60 + twoDigits(value, end - 2)) * MS_PER_MINUTE
    end -= 6
  }
  let nanos = 0
  if (value.charCodeAt(19) === 46) {
    // Fraction digits 20..end, padded on the right to nine.
    for (let index = 20; index < 29; index++) nanos = nanos * 10 + (index < end ? value.charCodeAt(index) - 48 : 0)
  }
  const millis = Math.floor(nanos / 1_000_000)
  const epochMillis =
    daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset
  return {epochMillis, subMilliNanos: nanos - millis * 1_000_000}
}

const SHAPE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/
const twoDigits = (value: string, at: number) => (value.charCodeAt(at) - 48) * 10 + value.charCodeAt(at + 1) - 48

/**
 * The same rules as parseTimestamp without building its result: every item carries timestamps, and
 * validating them is on the hot path of an import.
 */
export function isTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !SHAPE.test(value)) return false
  const year = Number(value.slice(0, 4))
  const month = twoDigits(value, 5)
  const day = twoDigits(value, 8)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false
  if (twoDigits(value, 11) > 23 || twoDigits(value, 14) > 59 || twoDigits(value, 17) > 59) return false
  const last = value.charCodeAt(value.length - 1)
  if (last === 90 || last === 122) return true
  return twoDigits(value, value.length - 5) <= 23 && twoDigits(value, value.length - 2) <= 59
}

/** An RFC 3339 timestamp, kept as the exact string Gladly sent. */
export const Timestamp = new t.Type<string, string, unknown>(
  'RFC 3339 timestamp',
  isTimestamp,
  (u, c) => (isTimestamp(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)
export type Timestamp = t.TypeOf<typeof Timestamp>

function parseOrThrow(ts: string): ParsedTimestamp {
  const parsed = parseTimestamp(ts)
  if (parsed === undefined) throw new RangeError(`Not an RFC 3339 timestamp: ${JSON.stringify(ts)}`)
  return parsed
}

/** Milliseconds since the epoch, rounded down. Throws a RangeError for a string that is not a timestamp. */
export function toEpochMillis(ts: Timestamp): number {
  return parseOrThrow(ts).epochMillis
}

/** Whole seconds since the epoch, rounded down. Throws a RangeError for a string that is not a timestamp. */
export function toEpochSeconds(ts: Timestamp): number {
  return Math.floor(parseOrThrow(ts).epochMillis / 1000)
}

/** Orders two timestamps to the nanosecond, whatever their offsets and number of fractional digits. */
export function compareTimestamps(a: Timestamp, b: Timestamp): -1 | 0 | 1 {
  const pa = parseOrThrow(a)
  const pb = parseOrThrow(b)
  if (pa.epochMillis !== pb.epochMillis) return pa.epochMillis < pb.epochMillis ? -1 : 1
  if (pa.subMilliNanos !== pb.subMilliNanos) return pa.subMilliNanos < pb.subMilliNanos ? -1 : 1
  return 0
}

/**
 * The same instant as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC, always 9 digits). Such strings sort like the instants
 * (for years 0000-9999), so they serve as sort keys for large sorts and as cursors in saved state.
 */
export function normalizeTimestamp(ts: Timestamp): string {
  const {epochMillis, subMilliNanos} = parseOrThrow(ts)
  return `${new Date(epochMillis).toISOString().slice(0, -1)}${String(subMilliNanos).padStart(6, '0')}Z`
}
