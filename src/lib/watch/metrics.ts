import {Counter, Gauge, Histogram, Registry} from 'prom-client'

/** The prefix of every metric this tool exposes (shared with the import's run metrics). */
const PREFIX = 'gladly_enterpret_'
// From seconds (a webhook) to a day (the import as a safety net).
const LAG_BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 21_600, 86_400]

/** Totals the core keeps as it goes; read at each scrape. */
interface CoreTotals {
  readonly gladlyRateLimited: number
  readonly enterpretRateLimited: number
  readonly quarantined: number
  readonly deadLettered: number
}

export interface WatchMetrics {
  received(type: string, via?: 'webhook' | 'events'): void
  refused(status: number): void
  /** Conversations Enterpret took, with the closedAt they were sent with. */
  delivered(conversations: ReadonlyArray<{readonly closedAt: string}>, now: Date): void
  /** A delivery or a poll that failed as a whole (Gladly or Enterpret down, the state's lock, …). */
  failed(kind: 'delivery' | 'poll'): void
  /** Where the core's own totals are read at each scrape. */
  followCore(totals: () => CoreTotals): void
  render(): Promise<string>
  readonly contentType: string
}

/** `queueDepth`: read at each scrape, so the gauge is never behind the queue. */
export function createWatchMetrics(queueDepth: () => number): WatchMetrics {
  const registry = new Registry()
  const received = new Counter({
    name: `${PREFIX}watch_events_received_total`,
    help: 'Gladly events received, by type and path (webhook or the Events API).',
    labelNames: ['type', 'via'],
    registers: [registry],
  })
  const refused = new Counter({
    name: `${PREFIX}watch_requests_refused_total`,
    help: 'Requests to the listener refused, by HTTP status (401 wrong credentials, 404, 413, 400, 503).',
    labelNames: ['status'],
    registers: [registry],
  })
  const sent = new Counter({
    name: `${PREFIX}watch_conversations_sent_total`,
    help: 'Conversations Enterpret took from watch.',
    registers: [registry],
  })
  new Gauge({
    name: `${PREFIX}watch_queue_depth`,
    help: 'Closed conversations acknowledged and not yet delivered.',
    registers: [registry],
    collect() {
      this.set(queueDepth())
    },
  })
  const lag = new Histogram({
    name: `${PREFIX}watch_close_to_delivery_seconds`,
    help: "Seconds from a conversation's close in Gladly to Enterpret taking it.",
    buckets: LAG_BUCKETS,
    registers: [registry],
  })
  const failures = new Counter({
    name: `${PREFIX}watch_errors_total`,
    help: 'Deliveries and polls that failed as a whole (retried with back-off), and conversations quarantined or dead-lettered.',
    labelNames: ['kind'],
    registers: [registry],
  })
  const rateLimited = new Counter({
    name: `${PREFIX}watch_rate_limited_total`,
    help: '429 answers received, by service.',
    labelNames: ['service'],
    registers: [registry],
  })
  let core: (() => CoreTotals) | undefined
  const seen: CoreTotals = {gladlyRateLimited: 0, enterpretRateLimited: 0, quarantined: 0, deadLettered: 0}

  // Counters only go up: the core's totals are added as the difference since the last scrape.
  const syncCore = () => {
    if (core === undefined) return
    const now = core()
    const grow = (counter: Counter<string>, labels: Record<string, string>, key: keyof CoreTotals) => {
      const added = now[key] - seen[key]
      if (added > 0) counter.inc(labels, added)
    }
    grow(rateLimited, {service: 'gladly'}, 'gladlyRateLimited')
    grow(rateLimited, {service: 'enterpret'}, 'enterpretRateLimited')
    grow(failures, {kind: 'quarantined'}, 'quarantined')
    grow(failures, {kind: 'dead_letter'}, 'deadLettered')
    Object.assign(seen, now)
  }

  return {
    received: (type, via = 'webhook') => received.inc({type, via}),
    refused: (status) => refused.inc({status: String(status)}),
    delivered(conversations, now) {
      sent.inc(conversations.length)
      for (const {closedAt} of conversations) {
        const closed = Date.parse(closedAt)
        if (!Number.isNaN(closed)) lag.observe(Math.max(0, (now.getTime() - closed) / 1000))
      }
    },
    failed: (kind) => failures.inc({kind}),
    followCore(totals) {
      // What the last session added since the last scrape is kept; a new session starts its totals from zero.
      syncCore()
      core = totals
      Object.assign(seen, totals())
    },
    async render() {
      syncCore()
      return registry.metrics()
    },
    contentType: registry.contentType,
  }
}
