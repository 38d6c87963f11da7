import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type {AppError} from '../common/index.js'
import {requireSettings, type Settings} from '../config/index.js'
import {
  createBudget,
  createGladlyHttp,
  createWebhook,
  listWebhooks,
  updateWebhook,
  type WebhookFields,
} from '../gladly/index.js'
import type {Logger} from '../log/index.js'
import {usage, webhookAuth, type WebhookAuth} from './auth.js'

export interface WebhookSetupOptions {
  readonly settings: Settings
  readonly logger: Logger
  readonly userAgent: string
  /** The public URL Gladly posts to; it must reach `watch`. */
  readonly url: string
  readonly events: readonly string[]
  readonly name: string
}

export interface WebhookSetup {
  readonly id: string
  readonly action: 'created' | 'updated'
  readonly name: string
  readonly url: string
  readonly events: readonly string[]
  /** How Gladly proves its requests: `basic`, `header` or both. */
  readonly auth: string
}

// Gladly requires HTTPS; plain HTTP on the loopback is allowed so that the setup can be tried against a local fake.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//

function checkedUrl(text: string, path: string, logger: Logger): E.Either<AppError, string> {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return E.left(
      usage(`--url ${text} is not a URL.`, [
        'Give the public HTTPS URL, e.g. https://hooks.example.com/gladly/webhook.',
      ]),
    )
  }
  if (url.protocol !== 'https:' && !LOOPBACK.test(url.href))
    return E.left(usage(`--url ${text} is not HTTPS: Gladly posts webhooks to HTTPS URLs only.`))
  if (url.pathname !== path)
    logger.warn(
      `The URL's path ${url.pathname} is not WATCH_WEBHOOK_PATH (${path}): watch answers 404 there unless your proxy rewrites the path.`,
    )
  return E.right(url.href)
}

function authFields(auth: WebhookAuth): Pick<WebhookFields, 'credentials' | 'headers'> {
  return {
    ...(auth.basic ? {credentials: {username: auth.basic.username, password: auth.basic.password}} : {}),
    ...(auth.header ? {headers: {[auth.header.name]: auth.header.token}} : {}),
  }
}

/**
 * Creates the Gladly webhook that feeds `watch`, or updates the one with the same URL or name: its events, and the
 * credentials `watch` checks (from WATCH_WEBHOOK_*), enabled. Gladly PINGs the URL first, so watch must be running.
 */
export function setupWebhook(options: WebhookSetupOptions): TE.TaskEither<AppError, WebhookSetup> {
  const {settings, logger} = options
  const values = settings.values
  return pipe(
    TE.fromEither(requireSettings(settings, ['GLADLY_API_URL', 'GLADLY_USERNAME', 'GLADLY_API_TOKEN'], 'watch setup')),
    TE.bindTo('credentials'),
    TE.bindW('auth', () =>
      TE.fromEither(
        pipe(
          webhookAuth(settings),
          E.chain((auth) =>
            auth.basic === undefined && auth.header === undefined
              ? E.left(
                  usage(
                    'watch setup needs the credentials Gladly will send, so that watch can tell its requests from others.',
                    [
                      'Set WATCH_WEBHOOK_USERNAME and WATCH_WEBHOOK_PASSWORD (Basic auth), or WATCH_WEBHOOK_HEADER and WATCH_WEBHOOK_TOKEN, as watch has them.',
                    ],
                  ),
                )
              : E.right(auth),
          ),
        ),
      ),
    ),
    TE.bindW('url', () => TE.fromEither(checkedUrl(options.url, values.WATCH_WEBHOOK_PATH, logger))),
    TE.bindW('http', ({credentials}) =>
      TE.right(
        createGladlyHttp({
          origin: credentials.GLADLY_API_URL,
          username: credentials.GLADLY_USERNAME,
          token: credentials.GLADLY_API_TOKEN,
          userAgent: options.userAgent,
          maxRetries: values.MAX_RETRIES,
          retryDelayMs: values.RETRY_DELAY,
          budget: createBudget(values.GLADLY_MAX_RPS),
          logger,
          stats: {requests: 0, rateLimited: 0, retries: 0},
        }),
      ),
    ),
    TE.bindW('existing', ({http}) => listWebhooks(http)),
    TE.chainW(({auth, url, http, existing}) => {
      const fields: WebhookFields = {
        name: options.name,
        url,
        events: options.events,
        enabled: true,
        ...authFields(auth),
      }
      // The URL is unique across an organization's webhooks; the name finds ours after a URL change.
      const ours = existing.find((hook) => hook.url === url) ?? existing.find((hook) => hook.name === options.name)
      const described = (id: string, action: WebhookSetup['action']): WebhookSetup => ({
        id,
        action,
        name: options.name,
        url,
        events: options.events,
        auth: [auth.basic ? 'basic' : '', auth.header ? 'header' : ''].filter(Boolean).join(' and '),
      })
      const change =
        ours === undefined
          ? pipe(
              createWebhook(http, fields),
              TE.map((id) => described(id, 'created')),
            )
          : pipe(
              updateWebhook(http, ours.id, fields),
              TE.map(() => described(ours.id, 'updated')),
            )
      return pipe(
        change,
        TE.mapLeft((error): AppError =>
          error._tag === 'GladlyHttpError' && (error as {status?: number}).status === 400
            ? {
                ...error,
                suggestions: [
                  `Start gladly-enterpret watch first, and check that ${url} reaches it: Gladly PINGs the URL and makes the change only if it answers 200.`,
                ],
              }
            : error,
        ),
      )
    }),
  )
}
