import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {
  authStatus,
  type AuthStatus as AuthStatusReport,
  type CredentialReport,
  type ServiceCheck,
} from '../../lib/auth/index.js'
import type {SecretName} from '../../lib/config/index.js'
import {secretReader, type CredentialsError} from '../../lib/credentials/index.js'

export default class AuthStatus extends BaseCommand<typeof AuthStatus> {
  static override summary = 'Show where each credential comes from, and whether it works'
  static override description = `For each setting Gladly and Enterpret need: where its value comes from (flag, environment, .env, stored profile, keychain or file) and the value itself, secrets masked. Then a live check of each service, unless --offline: GET /api/v1/organization for Gladly, and an empty batch for Enterpret's feedback webhook and, when ENTERPRET_USERS_API_KEY is set, for its Users webhook (each checks its key and ingests nothing).

Exits 2 when a credential a check needs is missing or unreadable, or a service rejects it (or has no API at the address given); 1 when a service cannot be reached. ENTERPRET_USERS_API_KEY is optional: when it is not set, customers are not sent as Enterpret users and the exit code does not change. With --offline it only reports and exits 0.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --offline --json',
    '<%= config.bin %> <%= command.id %> --profile acme',
  ]

  static override enableJsonFlag = true

  static override flags = {
    offline: Flags.boolean({description: 'Do not contact Gladly or Enterpret'}),
  }

  public async run(): Promise<AuthStatusReport> {
    const unreadable: Partial<Record<SecretName, CredentialsError>> = {}
    const readSecret = secretReader((name, error) => (unreadable[name] = error))
    const settings = await this.settings({secrets: true, readSecret})
    const status = await authStatus(settings, {
      offline: this.flags.offline,
      userAgent: this.userAgent,
      logger: this.logger,
      unreadable,
    })()
    this.render(status)
    process.exitCode = status.exit
    return status
  }

  private render(status: AuthStatusReport): void {
    const width = 'ENTERPRET_USERS_API_KEY'.length
    const line = ({name, set, display, where, unreadable}: CredentialReport) => {
      const [value, note] = set
        ? [String(display), `from ${where}`]
        : unreadable
          ? ['could not be read', `stored in the ${unreadable.store}: ${unreadable.reason}`]
          : name === 'ENTERPRET_USERS_API_KEY'
            ? ['not set', 'optional: customers are not sent as users; auth login stores one']
            : ['not set', 'run auth login, or set it in the environment / .env']
      return `  ${name.padEnd(width)} ${value.padEnd(36)} ${note}`
    }
    const check = (service: ServiceCheck) =>
      `  ${'check'.padEnd(width)} ${{ok: '✔', failed: '✖', skipped: '–', incomplete: '✖'}[service.status]} ${service.detail}`
    const section = (title: string, names: readonly string[], service: ServiceCheck['service']) => {
      const result = status.checks.find((c) => c.service === service)
      return [
        title,
        ...status.credentials.filter((credential) => names.includes(credential.name)).map(line),
        ...(result ? [check(result)] : []),
      ].join('\n')
    }
    this.log(`Profile: ${status.profile}\n`)
    this.log(section('Gladly', ['GLADLY_API_URL', 'GLADLY_USERNAME', 'GLADLY_API_TOKEN'], 'gladly'))
    this.log(section('Enterpret', ['ENTERPRET_API_URL', 'ENTERPRET_API_KEY'], 'enterpret'))
    this.log(section('Enterpret Users webhook', ['ENTERPRET_USERS_API_KEY'], 'enterpret-users'))
  }
}
