/**
 * One redaction for every sink (terminal, log files, error messages, --json output). Two nets:
 * values registered as secrets are scrubbed wherever they appear, and fields whose *name* marks
 * a secret (Authorization, api-key, *_TOKEN …) are blanked whatever their value.
 */
export const REDACTED = '[REDACTED]'

const SECRET_KEY = /(token|secret|password|passwd|authorization|cookie|api[-_]?key)/i
const SECRET_IN_TEXT: [RegExp, string][] = [
  // Credentials in a URL (https://user:token@host): whatever quoted it, a setting's error or an argv.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"]+@/gi, `$1${REDACTED}@`],
  [/\b(Basic|Bearer)\s+[A-Za-z0-9+/._~-]+=*/g, `$1 ${REDACTED}`],
  [
    /\b(authorization|api-key|x-api-key)(["']?\s*[:=]\s*["']?)(?!(?:Basic|Bearer)\s)(?!\[REDACTED\])[^\s"',}]+/gi,
    `$1$2${REDACTED}`,
  ],
]
// Short values would blank ordinary words; real tokens and keys are much longer.
const MIN_SECRET_LENGTH = 6

const secrets = new Set<string>()

/** Marks a value as secret for the rest of the process, and its Basic-auth forms with it. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH) return
  secrets.add(value)
}

export function redactText(text: string): string {
  let result = text
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED)
  }
  for (const [pattern, replacement] of SECRET_IN_TEXT) result = result.replace(pattern, replacement)
  return result
}

export function redact<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '[Circular]'
  seen.add(value)
  if (value instanceof Error) {
    const copy = new Error(redactText(value.message))
    copy.name = value.name
    copy.stack = value.stack === undefined ? undefined : redactText(value.stack)
    for (const [key, field] of Object.entries(value))
      (copy as unknown as Record<string, unknown>)[key] = redactEntry(key, field, seen)
    return copy
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen))
  if (value instanceof Date) return value
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, redactEntry(key, field, seen)]))
}

function redactEntry(key: string, field: unknown, seen: WeakSet<object>): unknown {
  if (SECRET_KEY.test(key) && (typeof field === 'string' || typeof field === 'number')) return REDACTED
  return redactValue(field, seen)
}
