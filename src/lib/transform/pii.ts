import {createHmac} from 'node:crypto'
import {electronicFormatIBAN, getCountrySpecifications, isValidIBAN} from 'ibantools'
import type {MetadataFields, MetadataValue} from '../enterpret/schema.js'

/*
 * PII redaction: emails, phone numbers, payment card numbers (Luhn-checked), IBANs (checksum-checked) and the
 * mapping file's own patterns, replaced by a mask (`[email]`) or a keyed hash (`[email:kdhpgaoblcfmjeni]`). A hash
 * token is made of letters only, so no detector finds anything in a text already redacted: redacting twice is
 * redacting once (a dead letter written before redaction was enabled is redacted when retried).
 */

type RedactionMode = 'mask' | 'hash'

/** A pattern of the mapping file: what it finds is redacted as `[<name>]`. */
interface CustomPattern {
  readonly name: string
  /** Global (`g`): every occurrence is replaced. */
  readonly pattern: RegExp
}

export interface Redaction {
  readonly mode: RedactionMode
  /** The REDACT_PII_KEY secret, for `hash` mode: the same value gives the same token under the same key. */
  readonly key?: string
  /** Metadata keys (as sent, after the mapping) whose values are redacted too; message text always is. */
  readonly fields: readonly string[]
  readonly patterns: readonly CustomPattern[]
}

/** How many values of each kind were redacted. */
export type RedactionCounts = Record<string, number>

// The characters of a hash token: 16 letters, one per hex digit.
const TOKEN_LETTERS = 'abcdefghijklmnop'
const TOKEN_HEX_DIGITS = 16

/**
 * Inferred detection rules, kept here: an email is local@domain.tld; a card number is 13–19 digits, optionally
 * grouped by spaces or dashes, that pass the Luhn check; an IBAN is a country code, 2 check digits and the length
 * its country has, optionally grouped by spaces, that passes ISO 13616's mod-97 check; a phone number is 9–15
 * digits, either starting with `+` (international) or written in groups (`(555) 123-4567`, `06 12 34 56 78`,
 * `020 7946 0958`). Ungrouped digit runs without `+` (order numbers, dates, amounts) are not phone numbers.
 */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g
const CARD = /(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])/g
const IBAN_START = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9])+/g
const PHONE_INTERNATIONAL = /(?<![\w+])\+\d(?:[ .-]?\(?\d\)?){7,16}(?![\w])/g
const PHONE_GROUPED = /(?<![\w+(])(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])(?:\d{2,5}[ .-]){1,4}\d{2,5}(?![\w])/g
const PHONE_DIGITS = {min: 9, max: 15}
const DATE_LIKE = /^\d{4}[-.]\d{1,2}[-.]\d{1,2}$|^\d{1,2}[-.]\d{1,2}[-.]\d{4}$/

const digitsOf = (text: string) => text.replace(/\D/g, '')

function luhnValid(digits: string): boolean {
  let sum = 0
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index])
    if (index % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

const IBAN_LENGTHS = new Map(
  Object.entries(getCountrySpecifications()).flatMap(([country, spec]) =>
    spec.chars === undefined || spec.chars === null ? [] : [[country, spec.chars] as const],
  ),
)

/** The IBAN at the start of `text` (grouped or not), cut to its country's length: its span, or undefined. */
function ibanAt(text: string): string | undefined {
  const length = IBAN_LENGTHS.get(text.slice(0, 2).toUpperCase())
  if (length === undefined) return undefined
  let seen = 0
  let end = 0
  while (end < text.length && seen < length) {
    if (text[end] !== ' ') seen++
    end++
  }
  if (seen < length || /[A-Za-z0-9]/.test(text[end] ?? '')) return undefined
  const candidate = text.slice(0, end)
  return isValidIBAN(electronicFormatIBAN(candidate.toUpperCase()) ?? '') ? candidate : undefined
}

interface Detector {
  readonly kind: string
  /** Each match of `text` that is this kind of PII, with its normalized form (what the hash is of). */
  find(text: string): Array<{start: number; end: number; normalized: string}>
}

function matchesOf(
  pattern: RegExp,
  text: string,
  accept: (match: string) => string | undefined,
): Array<{start: number; end: number; normalized: string}> {
  const found = []
  for (const match of text.matchAll(pattern)) {
    const normalized = accept(match[0])
    if (normalized !== undefined) found.push({start: match.index, end: match.index + match[0].length, normalized})
  }
  return found
}

const phoneDigits = (match: string) => {
  const digits = digitsOf(match)
  return digits.length >= PHONE_DIGITS.min && digits.length <= PHONE_DIGITS.max && !DATE_LIKE.test(match)
    ? digits
    : undefined
}

const BUILT_IN: readonly Detector[] = [
  {
    kind: 'iban',
    find: (text) => {
      const found = []
      for (const match of text.matchAll(IBAN_START)) {
        const iban = ibanAt(text.slice(match.index))
        if (iban !== undefined)
          found.push({start: match.index, end: match.index + iban.length, normalized: digitsOrUpper(iban)})
      }
      return found
    },
  },
  {
    kind: 'card',
    find: (text) => matchesOf(CARD, text, (match) => (luhnValid(digitsOf(match)) ? digitsOf(match) : undefined)),
  },
  {kind: 'email', find: (text) => matchesOf(EMAIL, text, (match) => match.toLowerCase())},
  {
    kind: 'phone',
    find: (text) => [
      ...matchesOf(PHONE_INTERNATIONAL, text, phoneDigits),
      ...matchesOf(PHONE_GROUPED, text, phoneDigits),
    ],
  },
]

function digitsOrUpper(value: string): string {
  return value.replace(/\s/g, '').toUpperCase()
}

function customDetector({name, pattern}: CustomPattern): Detector {
  return {kind: name, find: (text) => matchesOf(pattern, text, (match) => (match === '' ? undefined : match))}
}

/** The token a value is replaced by: `[kind]`, or `[kind:<16 letters of HMAC-SHA256(key, kind:value)>]`. */
function tokenFor(redaction: Redaction, kind: string, normalized: string): string {
  if (redaction.mode === 'mask' || redaction.key === undefined) return `[${kind}]`
  const hex = createHmac('sha256', redaction.key).update(`${kind}:${normalized}`).digest('hex')
  let letters = ''
  for (let index = 0; index < TOKEN_HEX_DIGITS; index++) letters += TOKEN_LETTERS[parseInt(hex[index] as string, 16)]
  return `[${kind}:${letters}]`
}

export interface Redactor {
  /** The text with every PII found replaced; `counts` gets one more per value replaced. */
  text(text: string, counts: RedactionCounts): string
  /** The metadata with the values of `redaction.fields` redacted. */
  metadata(fields: MetadataFields, counts: RedactionCounts): MetadataFields
}

/**
 * The redactor of a configuration. Custom patterns go first (the mapping file's own rules win), then IBANs and
 * cards (before phone numbers, which their digit groups would otherwise look like), then emails and phones;
 * each detector reads the text the previous ones left.
 */
export function createRedactor(redaction: Redaction): Redactor {
  const detectors = [...redaction.patterns.map(customDetector), ...BUILT_IN]
  const fields = new Set(redaction.fields)
  const text = (input: string, counts: RedactionCounts): string => {
    let output = input
    for (const detector of detectors) {
      const found = detector.find(output)
      if (found.length === 0) continue
      // Overlaps (a grouped phone inside an international one): the earliest, then the longest, wins.
      found.sort((a, b) => a.start - b.start || b.end - a.end)
      let rebuilt = ''
      let cursor = 0
      for (const match of found) {
        if (match.start < cursor) continue
        rebuilt += output.slice(cursor, match.start) + tokenFor(redaction, detector.kind, match.normalized)
        cursor = match.end
        counts[detector.kind] = (counts[detector.kind] ?? 0) + 1
      }
      output = rebuilt + output.slice(cursor)
    }
    return output
  }
  return {
    text,
    metadata(metadata, counts) {
      if (fields.size === 0) return metadata
      const redacted: MetadataFields = {}
      for (const [key, value] of Object.entries(metadata)) {
        redacted[key] = fields.has(key) ? redactValue(value, (entry) => text(entry, counts)) : value
      }
      return redacted
    },
  }
}

function redactValue(value: MetadataValue, redact: (text: string) => string): MetadataValue {
  return 'array' in value && 's' in value.array ? {array: {s: value.array.s.map(redact)}} : value
}
