import {Flags} from '@oclif/core'
import type {RunSummary} from '../lib/pipeline/index.js'
import {RunCommand} from '../run-command.js'
import {selectionFlags} from '../selection-flags.js'

export default class DryRun extends RunCommand<typeof DryRun> {
  static override summary = 'Show exactly what an import would send, without sending it'
  static override description = `Selects, fetches and transforms like import, then writes the exact webhook request bodies as NDJSON (one request per line) to --output or stdout, and a summary with the records per channel and one sample transcript on stderr. With ENTERPRET_USERS_API_KEY set, the Users webhook's bodies ({"users": […]}) follow the records of the conversations they belong to: the customers that would be sent as users (those not sent before, or changed since). It never calls Enterpret and never changes the state, the spool or the dead letters.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --limit 5 | jq .records[0]',
    '<%= config.bin %> <%= command.id %> --output payloads.ndjson --json',
    '<%= config.bin %> <%= command.id %> --full --include-notes --output all.ndjson',
  ]

  static override flags = {
    ...selectionFlags,
    output: Flags.string({char: 'o', description: 'Write the payloads to this file instead of stdout'}),
  }

  public async run(): Promise<RunSummary> {
    return this.execute({resendUpdated: false, output: this.flags.output})
  }
}
