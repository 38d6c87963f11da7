import {isLeft, left, right, type Either} from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'

/** One decoding failure, with a dotted path a person can read: `content.recordingDuration`. */
interface DecodeIssue {
  readonly path: string
  readonly expected: string
  readonly actual: unknown
}

export interface DecodeFailure {
  readonly _tag: 'DecodeFailure'
  /** What was being decoded, e.g. "conversation 9BcE2O0DQ2ynGHRmk9FeoA". */
  readonly subject: string
  readonly issues: readonly DecodeIssue[]
  readonly message: string
}

const MAX_SHOWN_ISSUES = 3

// Union and intersection members show up in the context as numeric keys; they are not part of the data path.
const TRANSPARENT_TAGS = new Set(['UnionType', 'IntersectionType'])

function pathOf(context: t.Context): string {
  let path = ''
  for (let index = 1; index < context.length; index++) {
    const parentTag = (context[index - 1]?.type as {_tag?: string})._tag
    const key = context[index]?.key ?? ''
    if (parentTag !== undefined && TRANSPARENT_TAGS.has(parentTag)) continue
    path += /^\d+$/.test(key) ? `[${key}]` : path === '' ? key : `.${key}`
  }
  return path
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  const json = JSON.stringify(value) ?? String(value)
  return json.length > 60 ? `${json.slice(0, 57)}...` : json
}

// A value that fails every member of a union yields one error per member: merge them per path.
function toIssues(errors: t.Errors): DecodeIssue[] {
  const byPath = new Map<string, {expected: Set<string>; actual: unknown}>()
  for (const error of errors) {
    const path = pathOf(error.context) || '(root)'
    const expected = error.context.at(-1)?.type.name ?? 'a valid value'
    const entry = byPath.get(path) ?? {expected: new Set<string>(), actual: error.value}
    entry.expected.add(expected)
    byPath.set(path, entry)
  }
  return [...byPath].map(([path, {expected, actual}]) => ({path, expected: [...expected].join(' or '), actual}))
}

/** Decodes `value` and, on failure, returns a one-line message naming each bad path instead of io-ts' raw report. */
/**
 * `decode` for hot paths: a value that already has the codec's shape (nearly all of them) is used as
 * it is, since checking is several times cheaper than decoding; only the others are decoded, for
 * their defaults or their errors. Keys an exact codec would strip stay on the value.
 */
export function checkOrDecode<A, O>(
  codec: t.Type<A, O, unknown>,
  value: unknown,
  subject: string,
): Either<DecodeFailure, A> {
  return codec.is(value) ? right(value) : decode(codec, value, subject)
}

export function decode<A, O>(codec: t.Type<A, O, unknown>, value: unknown, subject: string): Either<DecodeFailure, A> {
  const result = codec.decode(value)
  if (!isLeft(result)) return right(result.right)
  const issues = toIssues(result.left)
  const shown = issues
    .slice(0, MAX_SHOWN_ISSUES)
    .map((issue) => `${issue.path} must be ${issue.expected}, got ${describe(issue.actual)}`)
  const more = issues.length > MAX_SHOWN_ISSUES ? ` (and ${issues.length - MAX_SHOWN_ISSUES} more)` : ''
  return left({_tag: 'DecodeFailure', subject, issues, message: `${subject}: ${shown.join('; ')}${more}`})
}
