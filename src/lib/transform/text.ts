/*
 * Text clean-up for message texts. Every pattern here runs in linear time on any input: texts come from
 * customers and can be large, and this runs for every item of an import.
 */

const NEWLINES = /\r\n?/g
const BLANK_LINE_RUNS = /\n{3,}/g

/**
 * Normalizes line ends, drops trailing spaces on each line, collapses runs of blank lines into one and trims.
 * An empty result means there is nothing to say.
 */
export function cleanText(raw: string): string {
  // A text of one line (most chat and SMS messages) only needs trimming.
  if (!raw.includes('\n') && !raw.includes('\r')) return raw.trim()
  return raw
    .replace(NEWLINES, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(BLANK_LINE_RUNS, '\n\n')
    .trim()
}

// Block ends become line breaks so paragraphs and list items stay apart once the tags are gone.
const COMMENT = /<!--[\s\S]*?-->/g
const LINE_BREAK = /<(?:br|\/p|\/div|\/li|\/h[1-6]|\/tr|\/blockquote)\b[^<>]*>/gi
const LIST_ITEM = /<li\b[^<>]*>/gi
// `[^<>]` rather than `[^>]`: an unclosed `<x` then fails at the next `<` instead of scanning to the end.
const TAG = /<\/?[a-z][^<>]*>/gi
const ENTITY = /&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,6});/gi

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', ' '],
])

function decodeEntity(entity: string, name: string): string {
  if (!name.startsWith('#')) return NAMED_ENTITIES.get(name.toLowerCase()) ?? entity
  const codePoint = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1))
  const isScalar = codePoint <= 0x10_ffff && (codePoint < 0xd8_00 || codePoint > 0xdf_ff)
  return isScalar ? String.fromCodePoint(codePoint) : entity
}

/**
 * Gladly's rich content (notes) as plain text: tags removed, block ends kept as line breaks, common
 * entities decoded. Text without markup passes through unchanged, apart from its entities.
 */
export function stripHtml(html: string): string {
  return html
    .replace(COMMENT, '')
    .replace(LINE_BREAK, '\n')
    .replace(LIST_ITEM, '- ')
    .replace(TAG, '')
    .replace(ENTITY, decodeEntity)
}

const REPLY_PREFIXES = /^(?:\s*(?:re|fwd?)\s*:)+/i
const SPACES = /\s+/g

/** The subject an email thread is known by: without `Re:`/`Fwd:`/`Fw:` prefixes, spaces collapsed, lower-cased. */
export function threadSubject(subject: string): string {
  return subject.replace(REPLY_PREFIXES, '').replace(SPACES, ' ').trim().toLowerCase()
}
