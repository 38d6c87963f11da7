import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../lib/common/index.js'
import type {SecretName} from '../lib/config/index.js'
import {secretReader, type CredentialsError} from '../lib/credentials/index.js'
import {doctor, type DoctorReport} from '../lib/health/index.js'

// Gladly's export jobs are daily and a day behind: a healthy watermark is up to about two days old.
const DEFAULT_MAX_WATERMARK_AGE_HOURS = 48

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = 'Check that scheduled imports of a profile can run and are keeping up'
  static override description = `One line per finding, for schedulers and on-call: the credentials an import needs, Gladly and Enterpret (GET /api/v1/organization, and an empty batch that ingests nothing; not with --offline), the lock, whether the state file reads, how far behind Gladly the watermark is (against --max-watermark-age, and Gladly's 14 days), records waiting in the dead letters, quarantined conversations, and how the last import ended.

Exits 0 when every finding is healthy, 1 when any is not (2 only for a bad flag or setting). Secrets are never shown.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --max-watermark-age 30 --profile acme',
    '<%= config.bin %> <%= command.id %> --offline --json',
  ]

  static override enableJsonFlag = true

  static override flags = {
    'max-watermark-age': Flags.integer({
      description: 'Hours after which the watermark is too old',
      default: DEFAULT_MAX_WATERMARK_AGE_HOURS,
      min: 1,
    }),
    offline: Flags.boolean({description: 'Do not contact Gladly or Enterpret'}),
  }

  public async run(): Promise<DoctorReport> {
    const unreadable: Partial<Record<SecretName, CredentialsError>> = {}
    const readSecret = secretReader((name, error) => (unreadable[name] = error))
    const settings = await this.settings({secrets: true, readSecret})
    const report = await doctor(settings, {
      offline: this.flags.offline,
      userAgent: this.userAgent,
      logger: this.logger,
      unreadable,
      maxWatermarkAgeHours: this.flags['max-watermark-age'],
      now: new Date(),
    })()
    const width = Math.max(...report.findings.map((finding) => finding.check.length))
    for (const finding of report.findings)
      this.log(`${finding.ok ? '✔' : '✖'} ${finding.check.padEnd(width)}  ${finding.detail}`)
    process.exitCode = report.ok ? ExitCode.ok : ExitCode.failure
    return report
  }
}
