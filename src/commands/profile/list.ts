import {BaseCommand} from '../../base-command.js'
import {listProfiles, type ProfileList, type SecretLocation} from '../../lib/auth/index.js'

function describeSecret(location: SecretLocation | null): string {
  if (location === null) return 'not stored'
  if (location.store === 'keychain') return `system keychain, service ${location.service}, account ${location.account}`
  return `${location.file} (a plain file: auth login --insecure-storage)`
}

export default class ProfileListCommand extends BaseCommand<typeof ProfileListCommand> {
  static override summary = "List the profiles, and where each one's settings, secrets and state are"
  static override description =
    'Every profile with stored settings (auth login) or state (an import ran), and the one this command line selects (marked current: --profile, GLADLY_ENTERPRET_PROFILE in the environment or .env, or default). For each: its stored settings from settings.json, where each secret is (the system keychain service and account, or the insecure credentials file) as settings.json records it, and its state folder. Secrets are never read: auth status checks them.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    "<%= config.bin %> <%= command.id %> --json | jq -r '.profiles[].name'",
  ]

  static override enableJsonFlag = true

  public async run(): Promise<ProfileList> {
    const settings = await this.settings({secrets: false})
    const list = await this.unwrap(async () => listProfiles(settings.paths, settings.profile))
    this.render(list)
    return list
  }

  private render({settingsFile, profiles}: ProfileList): void {
    this.log(`Settings file  ${settingsFile}`)
    for (const profile of profiles) {
      const stored = Object.entries(profile.settings).map(([name, value]) => `${name} ${value}`)
      const rows: [string, string][] = [
        ['Settings', stored.length === 0 ? 'none stored' : stored.join(', ')],
        ...Object.entries(profile.secrets).map(([name, location]): [string, string] => [
          name,
          describeSecret(location),
        ]),
        ['State', profile.state.exists ? profile.state.dir : `${profile.state.dir} (no import has run)`],
      ]
      const width = Math.max(...rows.map(([label]) => label.length))
      this.log(`${profile.name}${profile.current ? ' (current)' : ''}`)
      for (const [label, value] of rows) this.log(`  ${label.padEnd(width)}  ${value}`)
    }
  }
}
