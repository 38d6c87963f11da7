import {isLeft} from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {normalizeGladlyUrl} from './gladly-url.js'

/** Where a setting's value came from, in precedence order (first wins). */
export type Source = 'flag' | 'env' | '.env' | 'profile' | 'keychain' | 'file' | 'default'

/** A codec from the raw text of a setting to its typed value; its `name` completes "must be …". */
type SettingCodec<A> = t.Type<A, string, unknown>

function fromString<A>(
  name: string,
  parse: (text: string) => A | undefined,
  print: (value: A) => string = String,
): SettingCodec<A> {
  return new t.Type<A, string, unknown>(
    name,
    (u): u is A => u !== undefined,
    (u, context) => {
      const parsed = typeof u === 'string' ? parse(u.trim()) : typeof u === 'number' ? parse(String(u)) : undefined
      return parsed === undefined ? t.failure(u, context) : t.success(parsed)
    },
    print,
  )
}

function integerWithin(name: string, min: number, max: number): SettingCodec<number> {
  return fromString(name, (text) => {
    if (!/^\d+$/.test(text)) return undefined
    const value = Number(text)
    return value >= min && value <= max ? value : undefined
  })
}

function numberWithin(name: string, min: number, max: number): SettingCodec<number> {
  return fromString(name, (text) => {
    if (!/^\d+(\.\d+)?$/.test(text)) return undefined
    const value = Number(text)
    return value > min && value <= max ? value : undefined
  })
}

const nonEmpty = (name: string) => fromString(name, (text) => (text === '' ? undefined : text))

const httpUrl = fromString('an http(s) URL such as https://api.enterpret.com', (text) => {
  try {
    const url = new URL(text)
    return url.protocol === 'https:' || url.protocol === 'http:'
      ? url.origin + url.pathname.replace(/\/+$/, '')
      : undefined
  } catch {
    return undefined
  }
})

/** `host:port` of a StatsD agent; IPv6 hosts in brackets (`[::1]:8125`). */
const hostAndPort = fromString('host:port, e.g. 127.0.0.1:8125', (text) => {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):(\d{1,5})$/i.exec(text)
  const port = Number(match?.[2])
  return match && port >= 1 && port <= 65535 ? text : undefined
})

/** The Gladly URL codec reports the specific problem, so it carries its own message. */
const gladlyUrl = new t.Type<string, string, unknown>(
  'a Gladly address such as https://acme.gladly.com',
  (u): u is string => typeof u === 'string',
  (u, context) => {
    if (typeof u !== 'string') return t.failure(u, context)
    const normalized = normalizeGladlyUrl(u)
    return isLeft(normalized) ? t.failure(u, context, normalized.left) : t.success(normalized.right)
  },
  String,
)

/** `host:port`, `[ipv6]:port` or `:port` (every address). */
const listenAddress = fromString('host:port, e.g. 0.0.0.0:8080 or :8080', (text) => {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]*)):(\d{1,5})$/.exec(text)
  if (match === null) return undefined
  const port = Number(match[3])
  // Port 0: any free port (the one chosen is logged).
  return port <= 65_535 ? text : undefined
})

const urlPath = fromString('a URL path starting with /, e.g. /gladly/webhook', (text) =>
  /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(text) ? text : undefined,
)

const headerName = fromString('an HTTP header name such as X-Gladly-Token', (text) =>
  /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(text) ? text : undefined,
)

/** A comma-separated list: items trimmed, empty ones dropped; at least one. */
const commaList = (name: string) =>
  fromString<readonly string[]>(
    name,
    (text) => {
      const items = text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
      return items.length === 0 ? undefined : items
    },
    (items) => items.join(','),
  )

const oneOf = <V extends string>(values: readonly V[]) =>
  fromString<V>(`one of ${values.join(', ')}`, (text) => values.find((value) => value === text.toLowerCase()))

/** A comma-separated list of values of `values`, each once, in the order given; `all` stands for every one. */
const listOf = <V extends string>(values: readonly V[]) =>
  fromString<readonly V[]>(
    `a comma-separated list of ${values.join(', ')} (or all)`,
    (text) => {
      const given = text
        .toLowerCase()
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
      if (given.length === 1 && given[0] === 'all') return values
      const known = given.map((part) => values.find((value) => value === part))
      return known.includes(undefined) ? undefined : [...new Set(known as V[])]
    },
    (list) => list.join(','),
  )

/** What of a customer's profile may go to Enterpret's Users webhook (identity fields are `name` and `email`). */
export const USER_ATTRIBUTE_GROUPS = ['name', 'email', 'phone', 'external_ids', 'address', 'custom'] as const
export type UserAttributeGroup = (typeof USER_ATTRIBUTE_GROUPS)[number]

export interface SettingSpec<A> {
  readonly codec: SettingCodec<A>
  readonly description: string
  readonly default?: string
  /** Secrets are never stored in settings.json, never printed, never accepted as flag values. */
  readonly secret?: boolean
  /** Stored per profile by `auth login`. */
  readonly storable?: boolean
}

/**
 * Every setting the product documents, by the environment variable that sets it. The README's
 * settings table is checked against this list by the tests, so the two cannot drift apart.
 */
export const SETTINGS = {
  GLADLY_API_URL: {
    codec: gladlyUrl,
    description: "Your Gladly organization's address, e.g. https://acme.gladly.com (a trailing /api/v1 is fine)",
    storable: true,
  },
  GLADLY_USERNAME: {
    codec: nonEmpty('a non-empty email address'),
    description: 'Email of the Gladly user with the API User permission that owns the token',
    storable: true,
  },
  GLADLY_API_TOKEN: {
    codec: nonEmpty('a non-empty token'),
    description: 'Gladly API token (Settings › API Tokens in Gladly)',
    secret: true,
  },
  GLADLY_MAX_RPS: {
    codec: numberWithin('a number of requests per second above 0 and at most 1000', 0, 1000),
    description:
      "Most requests/s this tool sends to Gladly; it also gives way to the organization's other integrations and never exceeds the limit Gladly reports",
    default: '10',
    storable: true,
  },
  GLADLY_REPORTS_PER_MINUTE: {
    codec: numberWithin('a number of reports per minute above 0 and at most 600', 0, 600),
    description:
      "This tool's share of the 10 reports a minute Gladly allows the whole organization (used by the backfill of history older than 14 days)",
    default: '6',
    storable: true,
  },
  GLADLY_REPORT_ROW_CAP: {
    codec: integerWithin('a whole number of rows from 10 to 1000000', 10, 1_000_000),
    description:
      'Rows at which Gladly is assumed to cut a report (undocumented; inferred): a backfill window that comes back with 90% of it is asked again in smaller parts',
    default: '10000',
    storable: true,
  },
  IMPORT_HISTORY_DAYS: {
    codec: integerWithin('a whole number of days from 0 to 3650', 0, 3650),
    description:
      "On the first import of a profile, also backfill this many days of history from Gladly's Reports API (0: only what the export jobs still hold, 14 days)",
    default: '0',
    storable: true,
  },
  TRANSCRIPT_SOURCE: {
    codec: oneOf(['export', 'api'] as const),
    description:
      "Where a closed conversation's transcript comes from: 'export' reads the export files (and GET /items only when they do not cover it), 'api' reads GET /conversations/{id}/items for every one (for content types the export leaves out, such as voice AI; one more Gladly request per conversation)",
    default: 'export',
    storable: true,
  },
  ENTERPRET_API_URL: {
    codec: httpUrl,
    description: 'Enterpret API base URL',
    default: 'https://api.enterpret.com',
    storable: true,
  },
  ENTERPRET_API_KEY: {
    codec: nonEmpty('a non-empty key'),
    description: 'API key of the Enterpret webhook integration (sent as the api-key header)',
    secret: true,
  },
  ENTERPRET_USERS_API_KEY: {
    codec: nonEmpty('a non-empty key'),
    description:
      "Token of Enterpret's Users webhook (User data has a key of its own); when set, each import also sends the customers of the conversations it delivers as Enterpret users",
    secret: true,
  },
  ENTERPRET_USERS_ID: {
    codec: oneOf(['customer_id', 'email'] as const),
    description:
      "What identifies a user in Enterpret, and links it to feedback: 'customer_id' (the Gladly customer id, the records' gladly_customer_id) or 'email' (the primary email, the first of the records' customer_email)",
    default: 'customer_id',
    storable: true,
  },
  ENTERPRET_USERS_ATTRIBUTES: {
    codec: listOf(USER_ATTRIBUTE_GROUPS),
    description:
      "Which profile fields leave as user attributes (customer data is personal data): name, email, phone, external_ids, address, custom (the profile's custom attributes; one more Gladly request per customer), or all",
    default: 'name,email',
    storable: true,
  },
  ENTERPRET_USERS_MAX_RPM: {
    codec: integerWithin('a whole number of requests per minute from 1 to 10000', 1, 10_000),
    description: 'At most this many Users webhook requests per minute',
    default: '20',
    storable: true,
  },
  ENTERPRET_FILE_ID: {
    codec: nonEmpty('a non-empty identifier'),
    description: 'fileID sent with every Enterpret record (the stream id inside the integration)',
    default: 'gladly',
    storable: true,
  },
  ENTERPRET_MAX_RPM: {
    codec: integerWithin('a whole number of requests per minute from 1 to 10000', 1, 10_000),
    description: 'At most this many webhook requests per minute',
    default: '20',
    storable: true,
  },
  ENTERPRET_MAX_BODY_BYTES: {
    codec: integerWithin('a whole number of bytes from 1024 to 10000000', 1024, 10_000_000),
    description: 'At most this many bytes in one webhook request body',
    default: '1000000',
    storable: true,
  },
  ENTERPRET_METADATA_NESTING: {
    codec: oneOf(['nested', 'flat'] as const),
    description:
      "Metadata envelope: 'nested' sends {metadata:{metadata:{…}}}, 'flat' sends {metadata:{…}} (check yours with Enterpret's Payload Validator)",
    default: 'nested',
    storable: true,
  },
  BATCH_SIZE: {
    codec: integerWithin('a positive integer no larger than 100', 1, 100),
    description: 'Records per webhook request',
    default: '20',
    storable: true,
  },
  MAX_RETRIES: {
    codec: integerWithin('a whole number from 0 to 20', 0, 20),
    description: 'Retries of a failed request (5xx, 429, reset, timeout) before giving up on it',
    default: '5',
    storable: true,
  },
  RETRY_DELAY: {
    codec: integerWithin('a whole number of milliseconds from 1 to 600000', 1, 600_000),
    description: 'First retry delay in milliseconds; it doubles on each retry, with jitter',
    default: '1000',
    storable: true,
  },
  // Metrics of every import (src/lib/metrics): each sink is off unless its setting is given.
  METRICS_TEXTFILE: {
    codec: fromString('a file path ending in .prom (node_exporter reads no other)', (text) =>
      text.endsWith('.prom') ? text : undefined,
    ),
    description:
      "Write the import's metrics to this file (atomically, mode 644) for node_exporter's textfile collector; give each profile its own file",
    storable: true,
  },
  METRICS_PUSHGATEWAY_URL: {
    codec: httpUrl,
    description: "Push the import's metrics to this Prometheus Pushgateway (job gladly-enterpret, grouped by profile)",
    storable: true,
  },
  METRICS_STATSD: {
    codec: hostAndPort,
    description: "Send the import's metrics as DogStatsD gauges over UDP to this host:port (e.g. 127.0.0.1:8125)",
    storable: true,
  },
  // watch: the webhook listener and the Events API poller.
  WATCH_LISTEN: {
    codec: listenAddress,
    description: 'Address and port watch listens on for Gladly webhooks, /healthz and /metrics (host:port, :port)',
    default: '0.0.0.0:8080',
    storable: true,
  },
  WATCH_WEBHOOK_PATH: {
    codec: urlPath,
    description: 'Path of the webhook URL Gladly posts to (the path of the public URL given to watch setup)',
    default: '/gladly/webhook',
    storable: true,
  },
  WATCH_WEBHOOK_USERNAME: {
    codec: nonEmpty('a non-empty user name'),
    description: "User name of the webhook's Basic auth (its credentials in Gladly)",
    storable: true,
  },
  WATCH_WEBHOOK_PASSWORD: {
    codec: nonEmpty('a non-empty password'),
    description: "Password of the webhook's Basic auth",
    secret: true,
  },
  WATCH_WEBHOOK_HEADER: {
    codec: headerName,
    description: 'Name of the header carrying the webhook token (its headers in Gladly), e.g. X-Gladly-Token',
    storable: true,
  },
  WATCH_WEBHOOK_TOKEN: {
    codec: nonEmpty('a non-empty token'),
    description: 'Value of the webhook token header',
    secret: true,
  },
  WATCH_TLS_CERT: {
    codec: nonEmpty('a file path'),
    description:
      'PEM certificate (chain) file: watch serves HTTPS itself instead of plain HTTP behind your TLS ingress',
    storable: true,
  },
  WATCH_TLS_KEY: {
    codec: nonEmpty('a file path'),
    description: 'PEM private key file of WATCH_TLS_CERT',
    storable: true,
  },
  WATCH_POLL_SECONDS: {
    codec: integerWithin('a whole number of seconds from 0 to 3600', 0, 3600),
    description:
      "Seconds between two reads of Gladly's Events API, the fallback that fills the webhook's gaps (0: off)",
    default: '60',
    storable: true,
  },
  // The backfill's cost in Gladly requests (issue 20).
  RECORD_CUSTOMER_FIELDS: {
    codec: oneOf(['yes', 'no'] as const),
    description:
      "Whether records carry customer_name and customer_email. 'no' leaves them out, and a customer's profile is then read from Gladly only for the Users webhook (ENTERPRET_USERS_API_KEY): a backfill saves one request per customer",
    default: 'yes',
    storable: true,
  },
  BACKFILL_CUSTOM_ATTRIBUTES: {
    codec: oneOf(['auto', 'yes', 'no'] as const),
    description:
      "Whether backfilled records carry the conversations' custom attributes, which the report lacks (one more Gladly request per conversation, GET /conversations/{id}): 'auto' once a conversation of this profile showed any (an export job's, or one of the first the backfill reads whole), 'yes', or 'no'",
    default: 'auto',
    storable: true,
  },
  // Issue 17: what is sent (PII redaction, filters).
  REDACT_PII: {
    codec: oneOf(['off', 'mask', 'hash'] as const),
    description:
      "Redact emails, phone numbers, card numbers, IBANs and the mapping file's patterns from message text and REDACT_PII_FIELDS: 'mask' replaces each with [email], [phone]…, 'hash' with a keyed token ([email:…], the same for the same value) made with REDACT_PII_KEY",
    default: 'off',
    storable: true,
  },
  REDACT_PII_KEY: {
    codec: nonEmpty('a non-empty key'),
    description: "Key of REDACT_PII=hash's tokens (HMAC-SHA256): keep it, or the same values get new tokens",
    secret: true,
  },
  REDACT_PII_FIELDS: {
    codec: commaList('a comma-separated list of metadata keys, e.g. customer_email,customer_name'),
    description: 'Metadata keys (as sent, after the mapping file) whose values are redacted too',
    storable: true,
  },
  IMPORT_MAPPING_FILE: {
    codec: nonEmpty('a path to a YAML or JSON file'),
    description:
      'Field-mapping file (YAML, or JSON when it ends in .json): metadata keys renamed, dropped or added, custom attributes by name, record id prefix and fileID, filters, redaction patterns',
    storable: true,
  },
  IMPORT_SURVEYS: {
    codec: oneOf(['off', 'on'] as const),
    description:
      "Also send the survey results on customers' timelines (CUSTOMER_ACTIVITY items with activityType SURVEY, e.g. from Stella or SimpleSat) as single-text records, linked to the customer and to the conversation closed last in the 7 days before",
    default: 'off',
    storable: true,
  },
  IMPORT_INCLUDE_INBOXES: {
    codec: commaList('a comma-separated list of inbox names or ids'),
    description: 'Send only conversations of these inboxes (names or ids)',
    storable: true,
  },
  IMPORT_EXCLUDE_INBOXES: {
    codec: commaList('a comma-separated list of inbox names or ids'),
    description: 'Never send conversations of these inboxes (names or ids), e.g. spam, internal or test inboxes',
    storable: true,
  },
  IMPORT_INCLUDE_CHANNELS: {
    codec: commaList('a comma-separated list of channels, e.g. chat,email'),
    description: 'Send only conversations with messages in one of these channels (chat, email, sms, voice…)',
    storable: true,
  },
  IMPORT_EXCLUDE_CHANNELS: {
    codec: commaList('a comma-separated list of channels, e.g. voicemail'),
    description: 'Never send conversations with messages in one of these channels',
    storable: true,
  },
  IMPORT_INCLUDE_TOPICS: {
    codec: commaList('a comma-separated list of topic names or ids'),
    description: 'Send only conversations with one of these topics or their child topics (names or ids)',
    storable: true,
  },
  IMPORT_EXCLUDE_TOPICS: {
    codec: commaList('a comma-separated list of topic names or ids'),
    description:
      'Never send conversations with one of these topics or their child topics (names or ids), e.g. do_not_survey',
    storable: true,
  },
  IMPORT_MIN_CUSTOMER_MESSAGES: {
    codec: integerWithin('a whole number from 0 to 1000', 0, 1000),
    description: 'Send only conversations with at least this many messages from the customer',
    default: '0',
    storable: true,
  },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table mixes codecs of several value types
} as const satisfies Record<string, SettingSpec<any>>

export type SettingName = keyof typeof SETTINGS
export type SettingValue<N extends SettingName> = t.TypeOf<(typeof SETTINGS)[N]['codec']>
export type SecretName = {[N in SettingName]: (typeof SETTINGS)[N] extends {secret: true} ? N : never}[SettingName]
export type StorableName = {[N in SettingName]: (typeof SETTINGS)[N] extends {storable: true} ? N : never}[SettingName]

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[]
export const SECRET_NAMES = SETTING_NAMES.filter((name) => 'secret' in SETTINGS[name]) as SecretName[]
export const STORABLE_NAMES = SETTING_NAMES.filter((name) => 'storable' in SETTINGS[name]) as StorableName[]
