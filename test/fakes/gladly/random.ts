// Deterministic primitives for the fake: integer hashing, a small PRNG, reversible Gladly-style ids and
// RFC3339 instants with nanosecond fractions.

/** Mixes any number of 32-bit integers into one 32-bit hash (murmur3 finaliser per step). */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9
  for (const value of values) {
    let k = Math.imul(value | 0, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Stable 32-bit hash of a short label, so call sites can name their random streams. */
export function labelHash(label: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export interface Rng {
  (): number
  int(minInclusive: number, maxInclusive: number): number
  pick<T>(values: readonly T[]): T
  chance(probability: number): boolean
}

/** mulberry32 seeded from the given integers. */
export function rng(...seedParts: number[]): Rng {
  let state = hash32(...seedParts)
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const random = next as Rng
  random.int = (min, max) => min + Math.floor(next() * (max - min + 1))
  random.pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T
  random.chance = (probability) => next() < probability
  return random
}

/**
 * Encodes (kind, a, b) as a 22-character URL-safe id like Gladly's: 8 pseudo-random bytes, then a and b masked by
 * a hash of those bytes. Decoding is O(1) and verified by re-encoding, so a 100k-conversation org needs no id map.
 */
export class IdCodec {
  constructor(private readonly seed: number) {}

  encode(kind: string, a: number, b = 0): string {
    const k = labelHash(kind)
    const r0 = hash32(this.seed, k, a, b, 1)
    const r1 = hash32(this.seed, k, a, b, 2)
    const bytes = Buffer.alloc(16)
    bytes.writeUInt32BE(r0, 0)
    bytes.writeUInt32BE(r1, 4)
    bytes.writeUInt32BE((a ^ hash32(this.seed, k, r0, r1, 3)) >>> 0, 8)
    bytes.writeUInt32BE((b ^ hash32(this.seed, k, r0, r1, 4)) >>> 0, 12)
    return bytes.toString('base64url')
  }

  decode(kind: string, id: string): {a: number; b: number} | undefined {
    if (!/^[\w-]{22}$/.test(id)) return undefined
    const bytes = Buffer.from(id, 'base64url')
    if (bytes.length !== 16) return undefined
    const k = labelHash(kind)
    const r0 = bytes.readUInt32BE(0)
    const r1 = bytes.readUInt32BE(4)
    const a = (bytes.readUInt32BE(8) ^ hash32(this.seed, k, r0, r1, 3)) >>> 0
    const b = (bytes.readUInt32BE(12) ^ hash32(this.seed, k, r0, r1, 4)) >>> 0
    return this.encode(kind, a, b) === id ? {a, b} : undefined
  }
}

/** A point in time with nanosecond precision: epoch milliseconds plus the nanoseconds inside that millisecond. */
export interface Instant {
  ms: number
  ns: number
}

export const SECOND = 1000
export const MINUTE = 60 * SECOND
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

/** Go's RFC3339Nano, which Gladly's examples follow: trailing zeros of the fraction are dropped, always `Z`. */
export function formatInstant(t: Instant): string {
  const base = new Date(t.ms).toISOString().slice(0, 19)
  const nanos = (((t.ms % 1000) + 1000) % 1000) * 1e6 + t.ns
  const fraction = String(nanos).padStart(9, '0').replace(/0+$/, '')
  return fraction ? `${base}.${fraction}Z` : `${base}Z`
}

export function formatMs(ms: number): string {
  return formatInstant({ms, ns: 0})
}

export type FractionDigits = 0 | 2 | 3 | 6 | 9

/**
 * Rounds `ms` to a precision whose printed fraction has exactly 0, 2, 3, 6 or 9 digits (the widths seen in
 * Gladly's examples), chosen at random unless `digits` is given. Moves the instant by less than one second.
 */
export function quantize(ms: number, random: Rng, digits?: FractionDigits): Instant {
  const width = digits ?? pickDigits(random())
  const whole = Math.floor(ms)
  switch (width) {
    case 0: {
      return {ms: Math.floor(ms / 1000) * 1000, ns: 0}
    }

    case 2: {
      const q = Math.floor(ms / 10) * 10
      return {ms: (q / 10) % 10 === 0 ? q + 10 : q, ns: 0}
    }

    case 3: {
      return {ms: whole % 10 === 0 ? whole + 1 : whole, ns: 0}
    }

    case 6: {
      const micros = random.int(1, 99) * 10 + random.int(1, 9)
      return {ms: whole, ns: micros * 1000}
    }

    default: {
      return {ms: whole, ns: random.int(0, 99_999) * 10 + random.int(1, 9)}
    }
  }
}

function pickDigits(roll: number): FractionDigits {
  if (roll < 0.1) return 0
  if (roll < 0.25) return 2
  if (roll < 0.7) return 3
  return roll < 0.85 ? 6 : 9
}

/** Parses an ISO 8601 / RFC3339 query parameter; undefined if it is not a date. */
export function parseTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

export type TimeArg = Date | number | string

export function toMs(time: TimeArg): number {
  if (typeof time === 'number') return time
  const ms = time instanceof Date ? time.getTime() : Date.parse(time)
  if (Number.isNaN(ms)) throw new TypeError(`not a time: ${String(time)}`)
  return ms
}
