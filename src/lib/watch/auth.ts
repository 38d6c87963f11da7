import * as E from 'fp-ts/lib/Either.js'
import {createHash, timingSafeEqual} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'
import {ExitCode, type AppError} from '../common/index.js'
import type {Settings} from '../config/index.js'
import {registerSecret} from '../log/index.js'

export function usage(message: string, suggestions?: string[]): AppError {
  return {_tag: 'WatchConfigError', exit: ExitCode.usage, message, ...(suggestions ? {suggestions} : {})}
}

/**
 * How Gladly proves a webhook request is its own (gladly-openapi.yml, "Securing Webhooks"): Basic auth from the
 * webhook's `credentials`, a header from its `headers`, or both. There is no signature, so one of them is required.
 */
export interface WebhookAuth {
  readonly basic?: {readonly username: string; readonly password: string}
  readonly header?: {readonly name: string; readonly token: string}
}

// Digests first: timingSafeEqual needs equal lengths, and comparing digests tells nothing of the secret's length.
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()
  return timingSafeEqual(digest(given), digest(expected))
}

function basicMatches(headers: IncomingHttpHeaders, expected: NonNullable<WebhookAuth['basic']>): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.authorization ?? '')
  const decoded = match === null ? '' : Buffer.from(match[1] as string, 'base64').toString('utf8')
  // Both halves are compared whatever the first gives, so the time taken does not say which was wrong.
  const colon = decoded.indexOf(':')
  const username = colon < 0 ? '' : decoded.slice(0, colon)
  const password = colon < 0 ? '' : decoded.slice(colon + 1)
  const userOk = sameSecret(username, expected.username)
  const passwordOk = sameSecret(password, expected.password)
  return match !== null && colon >= 0 && userOk && passwordOk
}

function headerMatches(headers: IncomingHttpHeaders, expected: NonNullable<WebhookAuth['header']>): boolean {
  const value = headers[expected.name.toLowerCase()]
  const given = typeof value === 'string' ? value : ''
  return sameSecret(given, expected.token) && typeof value === 'string'
}

/** Every configured method must pass. */
export function authorized(headers: IncomingHttpHeaders, auth: WebhookAuth): boolean {
  const basicOk = auth.basic === undefined || basicMatches(headers, auth.basic)
  const headerOk = auth.header === undefined || headerMatches(headers, auth.header)
  return (auth.basic !== undefined || auth.header !== undefined) && basicOk && headerOk
}

/** The webhook's credentials as set; none at all turns the webhook path off (the Events API alone is used). */
export function webhookAuth(settings: Settings): E.Either<AppError, WebhookAuth> {
  const v = settings.values
  if ((v.WATCH_WEBHOOK_USERNAME === undefined) !== (v.WATCH_WEBHOOK_PASSWORD === undefined))
    return E.left(
      usage('WATCH_WEBHOOK_USERNAME and WATCH_WEBHOOK_PASSWORD go together (Basic auth): set both, or neither.'),
    )
  if ((v.WATCH_WEBHOOK_HEADER === undefined) !== (v.WATCH_WEBHOOK_TOKEN === undefined))
    return E.left(
      usage('WATCH_WEBHOOK_HEADER and WATCH_WEBHOOK_TOKEN go together (a header token): set both, or neither.'),
    )
  registerSecret(v.WATCH_WEBHOOK_PASSWORD)
  registerSecret(v.WATCH_WEBHOOK_TOKEN)
  return E.right({
    ...(v.WATCH_WEBHOOK_USERNAME && v.WATCH_WEBHOOK_PASSWORD
      ? {basic: {username: v.WATCH_WEBHOOK_USERNAME, password: v.WATCH_WEBHOOK_PASSWORD}}
      : {}),
    ...(v.WATCH_WEBHOOK_HEADER && v.WATCH_WEBHOOK_TOKEN
      ? {header: {name: v.WATCH_WEBHOOK_HEADER, token: v.WATCH_WEBHOOK_TOKEN}}
      : {}),
  })
}
