import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {runWatch, type WatchSummary} from '../../lib/watch/index.js'
import {stopOnSignal} from '../../stop-on-signal.js'

export default class Watch extends BaseCommand<typeof Watch> {
  static override summary = 'Send each conversation to Enterpret within a minute of its close (a long-running service)'
  static override description = `Listens for Gladly's webhooks (CONVERSATION/CLOSED; PING is answered) and reads Gladly's Events API every WATCH_POLL_SECONDS to fill their gaps. Each closed conversation is acknowledged once it is written to a queue on disk, then read whole from Gladly and sent through the same transform, ledger, dead letters and quarantine as import: a conversation is sent once, whichever of watch and import sees it first.

Requests must carry the webhook's Basic auth (WATCH_WEBHOOK_USERNAME, WATCH_WEBHOOK_PASSWORD) or header token (WATCH_WEBHOOK_HEADER, WATCH_WEBHOOK_TOKEN); without either, the webhook path is off and the Events API alone is used. GET /healthz answers 200 when the queue, Gladly and Enterpret are usable, GET /metrics the Prometheus metrics.

SIGTERM or Ctrl-C stops it: the batch in flight is delivered, the queue is kept, and the next start delivers it first. Keep running import on its schedule as the safety net: it waits while watch delivers, and watch waits while it runs.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --listen 127.0.0.1:8080 --profile acme',
    'WATCH_WEBHOOK_USERNAME=gladly WATCH_WEBHOOK_PASSWORD=… <%= config.bin %> <%= command.id %> --listen :8443',
  ]

  static override flags = {
    listen: Flags.string({description: 'Address and port to listen on, e.g. 0.0.0.0:8080 or :8080 [WATCH_LISTEN]'}),
    'include-notes': Flags.boolean({description: "Include internal notes in transcripts (as the agent's messages)"}),
  }

  static override settingFlags = {listen: 'WATCH_LISTEN'} as const

  public async run(): Promise<WatchSummary> {
    const settings = await this.settings({secrets: true})
    const stop = stopOnSignal(this.logger)
    const summary = await this.unwrap(
      runWatch({
        settings,
        logger: this.logger,
        userAgent: this.userAgent,
        signal: stop.signal,
        includeNotes: this.flags['include-notes'],
      }),
    ).finally(() => stop.dispose())
    const signalled = stop.exitCode()
    if (signalled !== undefined) process.exitCode = signalled
    return summary
  }
}
