import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {setupWebhook, type WebhookSetup} from '../../lib/watch/index.js'

export default class WatchSetup extends BaseCommand<typeof WatchSetup> {
  static override summary = 'Create or update the Gladly webhook that feeds watch'
  static override description = `Through Gladly's Webhooks API: creates a webhook for --url and the events given (CONVERSATION/CLOSED by default), with the credentials watch checks (WATCH_WEBHOOK_USERNAME and WATCH_WEBHOOK_PASSWORD as Basic auth, WATCH_WEBHOOK_HEADER and WATCH_WEBHOOK_TOKEN as a header), enabled. A webhook with the same URL or name is updated instead, and enabled again if Gladly had deactivated it.

Gladly sends a PING to the URL and makes the change only if it answers 200: start watch first, reachable at that URL. Gladly requires HTTPS.`

  static override enableJsonFlag = true

  static override examples = [
    '<%= config.bin %> <%= command.id %> --url https://hooks.example.com/gladly/webhook',
    '<%= config.bin %> <%= command.id %> --url https://hooks.example.com/gladly/webhook --profile acme --json',
  ]

  static override flags = {
    url: Flags.string({
      description: 'Public HTTPS URL that reaches watch (its path: WATCH_WEBHOOK_PATH)',
      required: true,
    }),
    event: Flags.string({
      description: 'Event type to send (repeatable); watch uses CONVERSATION/CLOSED and acknowledges the others',
      multiple: true,
      default: ['CONVERSATION/CLOSED'],
    }),
    name: Flags.string({description: "The webhook's name in Gladly (default: gladly-enterpret watch (<profile>))"}),
  }

  public async run(): Promise<WebhookSetup> {
    const settings = await this.settings({secrets: true})
    const setup = await this.unwrap(
      setupWebhook({
        settings,
        logger: this.logger,
        userAgent: this.userAgent,
        url: this.flags.url,
        events: this.flags.event,
        name: this.flags.name ?? `gladly-enterpret watch (${settings.profile})`,
      }),
    )
    this.logger.success(
      `Webhook ${setup.id} ${setup.action} and enabled: ${setup.url}, events ${setup.events.join(', ')}, ${setup.auth} auth. Gladly's PING was answered.`,
    )
    return setup
  }
}
