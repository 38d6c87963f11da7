import {Flags} from '@oclif/core'
import type {RunSummary} from '../lib/pipeline/index.js'
import {RunCommand} from '../run-command.js'
import {selectionFlags} from '../selection-flags.js'

export default class Import extends RunCommand<typeof Import> {
  static override summary = 'Send the conversations closed since the last import to Enterpret'
  static override description = `Reads Gladly's export jobs not imported yet, resolves each conversation they touched, and sends every closed one to Enterpret's Custom Webhook as one CONVERSATION record with its whole transcript. Open conversations are kept for a later run; a conversation is sent once, when it closes (Enterpret freezes a record at first ingest).

The watermark moves only past export jobs whose every record was delivered or set aside; a run that is stopped or killed resumes where it was. Records Enterpret rejects wait in a dead-letter store, are retried first by the next run, and make the run exit 3. A conversation that cannot be read or turned into a record is quarantined: the others go on, the next run fetches it again from Gladly, and the run exits 3 (state show lists it).

History older than Gladly's 14 days of export jobs comes from its Reports API (--start-date, or IMPORT_HISTORY_DAYS on a profile's first import), except the days a one-time export job that Gladly Support made covers: that job is read like the others, at about one request a conversation.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json > summary.json',
    '<%= config.bin %> <%= command.id %> --start-date 2026-11-15 --end-date 2026-11-18',
    '<%= config.bin %> <%= command.id %> --full --profile acme',
  ]

  static override flags = {
    ...selectionFlags,
    'resend-updated': Flags.boolean({
      description:
        'Send again conversations that were reopened and closed again (only for Enterpret integrations with record mutability enabled)',
    }),
  }

  public async run(): Promise<RunSummary> {
    return this.execute({resendUpdated: this.flags['resend-updated']})
  }
}
