// Gladly's webhooks, as its spec describes them (tag Webhooks, path /gladly/webhook): the Webhooks API (create,
// list, get, update, delete; at most 20), a PING that must get a 200 when a webhook is enabled or its URL changes,
// and delivery of the events of the fake's dataset as the clock passes them, with Basic auth or headers, a 15 s
// timeout, retries after 30 s, 5 min, 30 min and 1 h (scalable for tests), then deactivation.

import {EventEmitter} from 'node:events'
import type {GladlyDataset} from './dataset.js'
import type {GladlyEvent} from './types.js'

export interface WebhookOptions {
  /** Delays before each retry of a failed delivery; Gladly's are 30 s, 5 min, 30 min, 1 h. */
  retryDelaysMs?: readonly number[]
  /** A delivery not answered within this is failed (Gladly: 15 s). */
  timeoutMs?: number
  /** How often the clock is looked at for new events to send. */
  tickMs?: number
}

const GLADLY_RETRY_DELAYS_MS = [30_000, 5 * 60_000, 30 * 60_000, 60 * 60_000]
const MAX_WEBHOOKS = 20

interface Webhook {
  id: string
  name?: string
  url: string
  events: string[]
  enabled: boolean
  credentials?: {username: string; password: string; realm?: string}
  headers?: Record<string, string>
  createdAt: string
  updatedAt: string
  disabledAtDueToRetryLimit?: string
}

/** One POST to a webhook's URL, as the tests see it. */
export interface WebhookDelivery {
  webhookId: string
  eventId: string
  type: string
  /** 0 for the first try, then 1–4 for the retries. */
  attempt: number
  /** The HTTP status, or the error (timeout, refused) when there was none. */
  status?: number
  error?: string
  ok: boolean
}

export class WebhookInputError extends Error {}

export class FakeWebhooks extends EventEmitter<{delivery: [WebhookDelivery]; deactivated: [string]}> {
  readonly deliveries: WebhookDelivery[] = []
  private readonly hooks = new Map<string, Webhook>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly ticker: NodeJS.Timeout
  private readonly retryDelaysMs: readonly number[]
  private readonly timeoutMs: number
  private sentUpTo: number
  private nextId = 1
  private closed = false

  constructor(
    private readonly dataset: GladlyDataset,
    private readonly nowMs: () => number,
    options: WebhookOptions = {},
  ) {
    super()
    this.retryDelaysMs = options.retryDelaysMs ?? GLADLY_RETRY_DELAYS_MS
    this.timeoutMs = options.timeoutMs ?? 15_000
    this.sentUpTo = nowMs()
    this.ticker = setInterval(() => this.tick(), options.tickMs ?? 200)
    this.ticker.unref()
  }

  list(): Webhook[] {
    return [...this.hooks.values()].map((hook) => this.view(hook))
  }

  get(id: string): Webhook | undefined {
    const hook = this.hooks.get(id)
    return hook && this.view(hook)
  }

  /** POST /api/v1/webhooks: the id of the new webhook; enabled ones are pinged first. */
  async create(body: unknown): Promise<string> {
    if (this.hooks.size >= MAX_WEBHOOKS)
      throw new WebhookInputError(`at most ${MAX_WEBHOOKS} webhooks per organization`)
    const fields = validate(body, true)
    const at = new Date(this.nowMs()).toISOString()
    const hook: Webhook = {
      id: `fake-webhook-${this.nextId++}`,
      url: fields.url as string,
      events: fields.events as string[],
      enabled: fields.enabled ?? false,
      createdAt: at,
      updatedAt: at,
      ...(fields.name === undefined ? {} : {name: fields.name}),
      ...(fields.credentials === undefined ? {} : {credentials: fields.credentials}),
      ...(fields.headers === undefined ? {} : {headers: fields.headers}),
    }
    if (hook.enabled) await this.ping(hook)
    this.hooks.set(hook.id, hook)
    return hook.id
  }

  /** PATCH /api/v1/webhooks/{id}: false when there is no such webhook. */
  async update(id: string, body: unknown): Promise<boolean> {
    const hook = this.hooks.get(id)
    if (!hook) return false
    const fields = validate(body, false)
    const next: Webhook = {...hook, ...fields, updatedAt: new Date(this.nowMs()).toISOString()} as Webhook
    const enabling = fields.enabled === true && !hook.enabled
    const moving = fields.url !== undefined && fields.url !== hook.url
    if (next.enabled && (enabling || moving)) await this.ping(next)
    if (enabling) delete next.disabledAtDueToRetryLimit
    this.hooks.set(id, next)
    return true
  }

  /** DELETE: 'missing', 'enabled' (it must be disabled first) or 'deleted'. */
  delete(id: string): 'deleted' | 'enabled' | 'missing' {
    const hook = this.hooks.get(id)
    if (!hook) return 'missing'
    if (hook.enabled) return 'enabled'
    this.hooks.delete(id)
    return 'deleted'
  }

  close(): void {
    this.closed = true
    clearInterval(this.ticker)
    for (const timer of this.timers) clearTimeout(timer)
  }

  /** Sends the events of (last tick, now] to every enabled webhook subscribed to their type. */
  tick(): void {
    const now = this.nowMs()
    if (now <= this.sentUpTo) return
    const from = this.sentUpTo + 1
    this.sentUpTo = now
    for (const hook of this.hooks.values()) {
      if (!hook.enabled) continue
      const entities = new Set(hook.events.map((type) => type.split('/')[0] as string))
      const wanted = new Set(hook.events)
      for (const event of this.dataset.events(from, now, entities, now)) {
        if (wanted.has(event.type)) void this.deliver(hook, event, 0)
      }
    }
  }

  private view(hook: Webhook): Webhook {
    // credentials and headers are write-only: the API shows that they are set, not what they are.
    const {credentials, headers, ...rest} = hook
    return {...rest, hasCredentials: credentials !== undefined, headerKeys: Object.keys(headers ?? {})} as Webhook
  }

  private async post(hook: Webhook, body: unknown): Promise<{status?: number; error?: string}> {
    const headers: Record<string, string> = {'Content-Type': 'application/json', ...hook.headers}
    if (hook.credentials) {
      const {username, password} = hook.credentials
      headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`
    }
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      await response.arrayBuffer()
      return {status: response.status}
    } catch (error) {
      return {error: (error as Error).name === 'TimeoutError' ? 'timeout' : (error as Error).message}
    }
  }

  // The spec gives PING no schema; it is assumed to be an envelope like the other events, with type PING.
  private async ping(hook: Webhook): Promise<void> {
    const at = new Date(this.nowMs()).toISOString()
    const answer = await this.post(hook, {id: `ping-${this.nextId++}`, type: 'PING', timestamp: at})
    this.record(hook, {id: 'ping', type: 'PING'}, 0, answer)
    if (answer.status !== 200)
      throw new WebhookInputError(`the PING to ${hook.url} was answered ${answer.status ?? answer.error}, not 200`)
  }

  private async deliver(hook: Webhook, event: GladlyEvent, attempt: number): Promise<void> {
    if (this.closed) return
    const answer = await this.post(hook, event)
    const delivery = this.record(hook, event, attempt, answer)
    if (delivery.ok || this.closed) return
    const delay = this.retryDelaysMs[attempt]
    if (delay === undefined) {
      hook.enabled = false
      hook.disabledAtDueToRetryLimit = new Date(this.nowMs()).toISOString()
      this.emit('deactivated', hook.id)
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      // A webhook deactivated meanwhile (another event's retries ran out) sends nothing more.
      if (hook.enabled) void this.deliver(hook, event, attempt + 1)
    }, delay)
    this.timers.add(timer)
  }

  private record(
    hook: Webhook,
    event: {id: string; type: string},
    attempt: number,
    answer: {status?: number; error?: string},
  ): WebhookDelivery {
    const delivery: WebhookDelivery = {
      webhookId: hook.id,
      eventId: event.id,
      type: event.type,
      attempt,
      ...answer,
      ok: answer.status !== undefined && answer.status >= 200 && answer.status < 300,
    }
    this.deliveries.push(delivery)
    this.emit('delivery', delivery)
    return delivery
  }
}

type WebhookFields = Partial<Pick<Webhook, 'name' | 'url' | 'events' | 'enabled' | 'credentials' | 'headers'>>

function validate(body: unknown, creating: boolean): WebhookFields {
  if (typeof body !== 'object' || body === null) throw new WebhookInputError('the body must be a JSON object')
  const fields = body as Record<string, unknown>
  if (creating && (fields.url === undefined || fields.events === undefined))
    throw new WebhookInputError('url and events are required')
  if (fields.url !== undefined) {
    // Gladly requires HTTPS; the fake also takes http on loopback, where tests listen.
    if (
      typeof fields.url !== 'string' ||
      !/^https:\/\/|^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(fields.url)
    )
      throw new WebhookInputError('url must be an HTTPS URL')
  }
  if (
    fields.events !== undefined &&
    (!Array.isArray(fields.events) || !fields.events.every((type) => typeof type === 'string' && type.includes('/')))
  )
    throw new WebhookInputError('events must be a list of event types')
  if (fields.enabled !== undefined && typeof fields.enabled !== 'boolean')
    throw new WebhookInputError('enabled must be a boolean')
  const credentials = fields.credentials as {username?: unknown; password?: unknown} | undefined
  if (
    credentials !== undefined &&
    (typeof credentials.username !== 'string' || typeof credentials.password !== 'string')
  )
    throw new WebhookInputError('credentials need a username and a password')
  return fields as WebhookFields
}
