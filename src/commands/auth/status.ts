import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {
  authStatus,
  type AuthStatus as AuthStatusReport,
  type CredentialReport,
  type ServiceCheck,
} from '../../lib/auth/index.js'
import {ExitCode} from '../../lib/common/index.js'
import {secretReader} from '../../lib/credentials/index.js'

export default class AuthStatus extends BaseCommand<typeof AuthStatus> {
  static override summary = 'Show where each credential comes from, and whether it works'
  static override description = `For each setting Gladly and Enterpret need: where its value comes from (flag, environment, .env, stored profile, keychain or file) and the value itself, secrets masked. Then a live check of each service, unless --offline: GET /api/v1/organization for Gladly, and an empty batch for Enterpret (which checks the key and ingests nothing).

Exits 1 when a live check fails or a credential it needs is missing; with --offline it only reports and exits 0.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --offline --json',
    '<%= config.bin %> <%= command.id %> --profile acme',
  ]

  static override enableJsonFlag = true

  static override flags = {
    offline: Flags.boolean({description: 'Do not contact Gladly or Enterpret'}),
  }

  public async run(): Promise<AuthStatusReport & {problems: string[]}> {
    const problems: string[] = []
    const readSecret = secretReader(this.logger, (name, error) =>
      problems.push(
        `${name} is stored in the ${error._tag === 'KeychainUnavailable' ? 'keychain' : 'credentials file'} but could not be read: ${error.message}`,
      ),
    )
    const settings = await this.settings({secrets: true, readSecret})
    const status = await authStatus(settings, {
      offline: this.flags.offline,
      userAgent: this.userAgent,
      logger: this.logger,
    })()
    this.render(status, problems)
    if (!status.ok) process.exitCode = ExitCode.failure
    return {...status, problems}
  }

  private render(status: AuthStatusReport, problems: string[]): void {
    const line = (credential: CredentialReport) =>
      credential.set
        ? `  ${credential.name.padEnd(18)} ${String(credential.display).padEnd(36)} from ${credential.where}`
        : `  ${credential.name.padEnd(18)} ${'not set'.padEnd(36)} run auth login, or set it in the environment / .env`
    const check = (service: ServiceCheck) =>
      `  ${'check'.padEnd(18)} ${{ok: '✔', failed: '✖', skipped: '–', incomplete: '✖'}[service.status]} ${service.detail}`
    const section = (title: string, prefix: string, service: ServiceCheck | undefined) =>
      [
        title,
        ...status.credentials.filter((credential) => credential.name.startsWith(prefix)).map(line),
        ...(service ? [check(service)] : []),
      ].join('\n')
    this.log(`Profile: ${status.profile}\n`)
    this.log(
      section(
        'Gladly',
        'GLADLY_',
        status.checks.find((c) => c.service === 'gladly'),
      ),
    )
    this.log(
      section(
        'Enterpret',
        'ENTERPRET_',
        status.checks.find((c) => c.service === 'enterpret'),
      ),
    )
    for (const problem of problems) this.logger.warn(problem)
  }
}
