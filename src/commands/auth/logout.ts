import {BaseCommand} from '../../base-command.js'
import {logout, type LogoutResult} from '../../lib/auth/index.js'

export default class AuthLogout extends BaseCommand<typeof AuthLogout> {
  static override summary = "Remove the profile's stored secrets"
  static override description =
    'Deletes the Gladly API token, the Enterpret API key and the Enterpret Users webhook key of the profile from the system keychain (or the insecure credentials file). The stored Gladly address and username stay, so logging in again only asks for the secrets. Secrets set in the environment or a .env file are not touched.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --profile acme --json',
  ]

  static override enableJsonFlag = true

  public async run(): Promise<LogoutResult> {
    const settings = await this.settings({secrets: false})
    const result = await this.unwrap(logout(settings))
    if (result.removed.length === 0) this.logger.info(`Nothing was stored for profile ${result.profile}.`)
    else
      this.logger.success(`Removed ${new Intl.ListFormat('en').format(result.removed)} of profile ${result.profile}.`)
    return result
  }
}
