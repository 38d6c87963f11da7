import {Flags} from '@oclif/core'
import {randomBytes} from 'node:crypto'
import {BaseCommand} from '../../base-command.js'
import {ExitCode} from '../../lib/common/index.js'
import {checkMapping, describeSummary, type MappingCheck} from '../../lib/pipeline/index.js'
import {stopOnSignal} from '../../stop-on-signal.js'

export default class MappingCheckCommand extends BaseCommand<typeof MappingCheckCommand> {
  static override summary = 'Check the mapping file, and show recent records as they would be sent'
  static override description = `Loads and checks IMPORT_MAPPING_FILE (and the filter and redaction settings): a bad file exits 2 with the path inside it that is wrong. Then reads the most recent closed conversations from Gladly's export jobs of the last 3 days (--sample of them) as dry-run does, and shows each record exactly as it would be sent (JSON on stdout), the conversations the filters leave out and why, and what was redacted. Nothing is sent to Enterpret and the state is not changed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'IMPORT_MAPPING_FILE=mapping.yml <%= config.bin %> <%= command.id %> --sample 20',
    '<%= config.bin %> <%= command.id %> --json | jq .records[0].metadata',
  ]

  static override enableJsonFlag = true

  static override flags = {
    sample: Flags.integer({description: 'Closed conversations to read', default: 5, min: 1, max: 100}),
  }

  public async run(): Promise<MappingCheck> {
    const settings = await this.settings({secrets: true})
    const stop = stopOnSignal(this.logger)
    const check = await this.unwrap(
      checkMapping({
        settings,
        logger: this.logger,
        userAgent: this.userAgent,
        runId: randomBytes(4).toString('hex'),
        sample: this.flags.sample,
        signal: stop.signal,
      }),
    ).finally(() => stop.dispose())
    if (!this.jsonEnabled()) this.render(check)
    if (check.error !== undefined) this.fail(check.error)
    if (check.summary.conversations.quarantined > 0) process.exitCode = ExitCode.partial
    return check
  }

  private render(check: MappingCheck): void {
    const {mapping} = check
    if (mapping === undefined) {
      this.logger.info('No mapping file (IMPORT_MAPPING_FILE is not set): the default metadata keys are sent.')
    } else {
      const renamed = Object.entries(mapping.renamed).map(([from, to]) => `${from} → ${to}`)
      this.logger.success(`The mapping file ${mapping.path} is valid.`)
      this.logger.info(
        [
          `Record ids: ${mapping.recordIdPrefix}<conversation id>${mapping.fileId === undefined ? '' : `, fileID ${mapping.fileId}`}`,
          `renamed: ${renamed.join(', ') || 'none'}`,
          `dropped: ${mapping.dropped.join(', ') || 'none'}`,
          `constants: ${mapping.constants.join(', ') || 'none'}`,
          `custom attributes named: ${mapping.customAttributes.join(', ') || 'none'}.`,
        ].join('; '),
      )
    }
    for (const record of check.records) this.log(JSON.stringify(record, null, 2))
    for (const {conversationId, reason, detail} of check.filtered)
      this.logger.info(`Left out by the filters (${reason}): conversation ${conversationId}, ${detail}.`)
    const redacted = Object.entries(check.summary.redacted)
    this.logger.info(
      redacted.length === 0
        ? 'Nothing was redacted in these records.'
        : `Redacted in these records: ${redacted.map(([kind, count]) => `${count} ${kind}`).join(', ')}.`,
    )
    for (const line of describeSummary(check.summary)) this.logger.info(line)
  }
}
