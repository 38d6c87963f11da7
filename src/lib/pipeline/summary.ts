import type {FilterReason} from '../transform/index.js'

/** What a run did, for the log, stderr, `--json` and `state show`. */
export interface RunSummary {
  mode: 'import' | 'dry-run'
  profile: string
  startedAt: string
  finishedAt: string
  durationMs: number
  /** Why the run ended before the work was done, if it did. */
  stopped?: string
  /**
   * Export jobs and backfill windows (each a unit of work the progress counts); `oneTime`: export jobs of this run
   * that Gladly Support made for a past period (they stand in for a backfill of that period).
   */
  jobs: {planned: number; processed: number; lost: number; oneTime: number}
  /** History read from the Reports API: the days covered, and the windows read this run. */
  backfill: {from: string | null; to: string | null; windows: number; done: boolean}
  conversations: {
    seen: number
    sent: number
    keptOpen: number
    failed: number
    vanished: number
    alreadySent: number
    noMessages: number
    /** Closed conversations whose transcript needed GET /items (it began before the local history). */
    fetchedWhole: number
    /** Set aside this run: they could not be read or turned into a record (see `quarantine`). */
    quarantined: number
    /** Skipped for good: they can never become a record Enterpret accepts (each reported once). */
    unsendable: number
  }
  /** Conversations kept for the next run to fetch again: retried from earlier runs, recovered, and waiting now. */
  quarantine: {retried: number; recovered: number; remaining: number}
  messages: number
  channels: Record<string, number>
  malformedLines: number
  /** What the transform said of the records it made: repeated items, a transcript cut to fit (each logged). */
  transformWarnings: number
  /** Items of GET /conversations/{id}/items that were not valid items; their conversations went on without them. */
  unreadableItems: number
  timelineOnlyItems: number
  deadLetters: {retried: number; delivered: number; remaining: number}
  /**
   * Customers as Enterpret users (ENTERPRET_USERS_API_KEY): sent, already there as they are, not sendable, failed;
   * dead letters retried/recovered/remaining, users a stopped run left and this one sent; the Users webhook's
   * requests, and the GET /customer-profiles requests of the run (for records and users alike).
   */
  users: {
    enabled: boolean
    sent: number
    unchanged: number
    skipped: number
    failed: number
    retried: number
    recovered: number
    remaining: number
    resumed: number
    requests: number
    rateLimited: number
    profileRequests: number
  }
  gladly: {requests: number; rateLimited: number; retries: number}
  enterpret: {requests: number; rateLimited: number; retries: number}
  conversationsPerSecond: number
  watermark: string | null
  warnings: string[]
  /** Where the lines and items that could not be read were written, when there were any. */
  malformedReport?: string
  /** REDACT_PII: values redacted from the records made this run, by kind (email, phone, card, iban, custom). */
  redacted: Record<string, number>
  /** Survey results of the timeline (IMPORT_SURVEYS): seen, sent, linked to a conversation, already sent, skipped. */
  surveys: {seen: number; sent: number; linked: number; alreadySent: number; skipped: number; failed: number}
  /** Closed conversations the filters left out, by reason; never sent. */
  filtered: Record<FilterReason, number>
  /** Dry run: the start of one transcript, to see what Enterpret would get. */
  sample?: {conversationId: string; messages: ReadonlyArray<{actor: string; text: string}>}
}

export function emptySummary(mode: RunSummary['mode'], profile: string, startedAt: Date): RunSummary {
  return {
    mode,
    profile,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    durationMs: 0,
    jobs: {planned: 0, processed: 0, lost: 0, oneTime: 0},
    backfill: {from: null, to: null, windows: 0, done: true},
    conversations: {
      seen: 0,
      sent: 0,
      keptOpen: 0,
      failed: 0,
      vanished: 0,
      alreadySent: 0,
      noMessages: 0,
      fetchedWhole: 0,
      quarantined: 0,
      unsendable: 0,
    },
    quarantine: {retried: 0, recovered: 0, remaining: 0},
    messages: 0,
    channels: {},
    malformedLines: 0,
    transformWarnings: 0,
    unreadableItems: 0,
    timelineOnlyItems: 0,
    deadLetters: {retried: 0, delivered: 0, remaining: 0},
    users: {
      enabled: false,
      sent: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      retried: 0,
      recovered: 0,
      remaining: 0,
      resumed: 0,
      requests: 0,
      rateLimited: 0,
      profileRequests: 0,
    },
    gladly: {requests: 0, rateLimited: 0, retries: 0},
    enterpret: {requests: 0, rateLimited: 0, retries: 0},
    conversationsPerSecond: 0,
    watermark: null,
    warnings: [],
    redacted: {},
    filtered: {inbox: 0, channel: 0, topic: 0, customerMessages: 0},
    surveys: {seen: 0, sent: 0, linked: 0, alreadySent: 0, skipped: 0, failed: 0},
  }
}

/** A few lines for people: what happened, and what is owed. */
export function describeSummary(summary: RunSummary): string[] {
  const c = summary.conversations
  const seconds = (summary.durationMs / 1000).toFixed(1)
  // Enterpret answers 2xx for a record whose id it already has, and keeps the first: delivered, not necessarily new.
  const delivered = summary.mode === 'dry-run' ? 'would be delivered' : 'delivered'
  const lines = [
    `${summary.mode === 'dry-run' ? 'Dry run' : 'Import'} of profile ${summary.profile} ${summary.stopped ? `stopped (${summary.stopped})` : 'finished'} in ${seconds} s: ${summary.jobs.processed} of ${summary.jobs.planned} export job(s)${summary.jobs.oneTime > 0 ? ` (${summary.jobs.oneTime} one-time)` : ''}${summary.backfill.from ? ` and backfill windows (history ${summary.backfill.from} – ${summary.backfill.to}${summary.backfill.done ? '' : ', unfinished'})` : ''}.`,
    `Conversations: ${c.seen} seen, ${c.sent} ${delivered} (Enterpret skips the ids it already has), ${c.keptOpen} kept open, ${c.failed} failed, ${c.quarantined} quarantined, ${c.vanished} vanished, ${c.alreadySent} already delivered, ${c.noMessages} without messages; ${summary.messages} messages.`,
    `Requests: Gladly ${summary.gladly.requests} (${summary.gladly.rateLimited} × 429), Enterpret ${summary.enterpret.requests} (${summary.enterpret.rateLimited} × 429); ${summary.conversationsPerSecond.toFixed(1)} conversations/s.`,
  ]
  const u = summary.users
  if (u.enabled)
    lines.push(
      `Users: ${u.sent} ${delivered}, ${u.unchanged} unchanged since sent, ${u.skipped} not sendable, ${u.failed} failed; Users webhook ${u.requests} request(s) (${u.rateLimited} × 429), ${u.profileRequests} Gladly profile request(s).`,
    )
  const {inbox, channel, topic, customerMessages} = summary.filtered
  if (inbox + channel + topic + customerMessages > 0)
    lines.push(
      `Left out by the filters (not sent): ${inbox} by inbox, ${channel} by channel, ${topic} by topic, ${customerMessages} with too few customer messages.`,
    )
  const surveys = summary.surveys
  if (surveys.seen > 0)
    lines.push(
      `Survey results: ${surveys.seen} seen, ${surveys.sent} ${delivered} (${surveys.linked} linked to a conversation), ${surveys.alreadySent} already delivered, ${surveys.skipped} without text, ${surveys.failed} failed.`,
    )
  const redacted = Object.entries(summary.redacted)
  if (redacted.length > 0) lines.push(`Redacted: ${redacted.map(([kind, count]) => `${count} ${kind}`).join(', ')}.`)
  if (summary.malformedLines > 0)
    lines.push(
      `${summary.malformedLines} export line(s) could not be read${summary.malformedReport ? `: see ${summary.malformedReport}` : ''}.`,
    )
  if (summary.unreadableItems > 0)
    lines.push(
      `${summary.unreadableItems} item(s) of Gladly's answers could not be read; their conversations went on without them${summary.malformedReport ? `: see ${summary.malformedReport}` : ''}.`,
    )
  if (summary.quarantine.remaining > 0)
    lines.push(
      `${summary.quarantine.remaining} conversation(s) are quarantined: they could not be read or turned into a record; the next import fetches them again from Gladly (state show lists them with the reason).`,
    )
  if (c.unsendable > 0)
    lines.push(
      `${c.unsendable} conversation(s) ${summary.mode === 'dry-run' ? 'could' : 'can'} never be sent to Enterpret and were skipped for good (state show lists them with the reason).`,
    )
  if (summary.deadLetters.remaining > 0)
    lines.push(
      `${summary.deadLetters.remaining} record(s) failed and wait in the dead-letter store; the next import retries them first (state show lists them).`,
    )
  if (u.remaining > 0)
    lines.push(
      `${u.remaining} user(s) failed and wait in the dead-letter store; the next import retries them first (state show lists them).`,
    )
  return lines
}
