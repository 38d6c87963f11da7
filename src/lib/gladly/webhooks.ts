import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import {decode, ExitCode} from '../common/index.js'
import type {GladlyError} from './errors.js'
import type {GladlyHttp, GladlyResponse} from './http.js'

/** A webhook as GET /api/v1/webhooks lists it: credentials and header values are write-only, never shown. */
const Webhook = t.intersection([
  t.type({id: t.string, url: t.string}),
  t.partial({
    name: t.string,
    events: t.array(t.string),
    enabled: t.boolean,
    hasCredentials: t.boolean,
    headerKeys: t.array(t.string),
    disabledAtDueToRetryLimit: t.string,
  }),
])
type Webhook = t.TypeOf<typeof Webhook>

/** What the Webhooks API takes to create or update one (createWebhook, updateWebhook). */
export interface WebhookFields {
  readonly name: string
  readonly url: string
  readonly events: readonly string[]
  readonly enabled: boolean
  readonly credentials?: {readonly username: string; readonly password: string}
  readonly headers?: Readonly<Record<string, string>>
}

function refused(response: GladlyResponse, label: string): GladlyError {
  // Gladly's 400 names the field, or says the PING was not answered 200 (the change is then not made).
  let detail: string
  try {
    const body = JSON.parse(response.body) as {errors?: Array<{attr?: string; code?: string; detail?: string}>}
    detail = (body.errors ?? [])
      .map((error) => [error.attr, error.detail ?? error.code].filter(Boolean).join(' '))
      .join('; ')
  } catch {
    detail = response.body.slice(0, 200)
  }
  return {
    _tag: 'GladlyHttpError',
    status: response.status,
    path: label,
    exit: ExitCode.failure,
    message: `Gladly answered ${response.status} to ${label}${detail ? `: ${detail}` : ''}.`,
  }
}

export function listWebhooks(http: GladlyHttp): TE.TaskEither<GladlyError, readonly Webhook[]> {
  return pipe(
    http.get('/webhooks'),
    TE.chainEitherK((response) => {
      if (response.status !== 200) return E.left(refused(response, 'GET /webhooks'))
      let json: unknown
      try {
        json = JSON.parse(response.body)
      } catch {
        return E.left(refused(response, 'GET /webhooks'))
      }
      return pipe(
        decode(t.array(Webhook), json, "Gladly's answer to GET /webhooks"),
        E.mapLeft((failure): GladlyError => ({
          _tag: 'GladlyDecodeError',
          path: '/webhooks',
          exit: ExitCode.failure,
          message: failure.message,
        })),
      )
    }),
  )
}

/** POST /webhooks: the new webhook's id (from its Location). Enabled, Gladly PINGs it first. */
export function createWebhook(http: GladlyHttp, fields: WebhookFields): TE.TaskEither<GladlyError, string> {
  return pipe(
    http.post('/webhooks', fields),
    TE.chainEitherK((response) => {
      if (response.status !== 201 && response.status !== 200) return E.left(refused(response, 'POST /webhooks'))
      const location = response.headers.location ?? ''
      return E.right(decodeURIComponent(location.split('/').filter(Boolean).pop() ?? ''))
    }),
  )
}

/** PATCH /webhooks/{id}. Enabling it or changing its URL makes Gladly PING it first. */
export function updateWebhook(http: GladlyHttp, id: string, fields: WebhookFields): TE.TaskEither<GladlyError, void> {
  const label = `PATCH /webhooks/${id}`
  return pipe(
    http.patch(`/webhooks/${encodeURIComponent(id)}`, fields),
    TE.chainEitherK((response) =>
      response.status === 204 || response.status === 200 ? E.right(undefined) : E.left(refused(response, label)),
    ),
  )
}
