import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {login, type LoginResult} from '../../lib/auth/index.js'
import {ExitCode} from '../../lib/common/index.js'
import {credentialsFilePath} from '../../lib/credentials/index.js'
import type {Settings} from '../../lib/config/index.js'

export default class AuthLogin extends BaseCommand<typeof AuthLogin> {
  static override summary = 'Verify and store the Gladly and Enterpret credentials'
  static override description = `On a terminal, asks for the Gladly address, the API user's email, the Gladly API token and the Enterpret API key (tokens are masked). In scripts, give the non-secret values as flags and the secrets on stdin (--with-token, --with-enterpret-key) or in GLADLY_API_TOKEN / ENTERPRET_API_KEY; secrets are never accepted as flag values.

The Gladly credentials are checked live (GET /api/v1/organization) before anything is stored. Secrets go to the system keychain; where there is none, use environment variables / a .env file, or --insecure-storage to keep them in a file only you can read.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'echo "$TOKEN" | <%= config.bin %> <%= command.id %> --gladly-url https://acme.gladly.com --gladly-username api@acme.com --with-token',
    'printf "%s\\n%s\\n" "$TOKEN" "$KEY" | <%= config.bin %> <%= command.id %> --gladly-url https://acme.us-1.gladly.com --gladly-username api@acme.com --with-token --with-enterpret-key',
    'GLADLY_API_TOKEN=… ENTERPRET_API_KEY=… <%= config.bin %> <%= command.id %> --gladly-url https://acme.gladly.com --gladly-username api@acme.com --profile acme',
  ]

  static override enableJsonFlag = true

  static override flags = {
    'gladly-url': Flags.string({
      description: 'Gladly organization address, e.g. https://acme.gladly.com [GLADLY_API_URL]',
    }),
    'gladly-username': Flags.string({
      description: 'Email of the Gladly user with the API User permission [GLADLY_USERNAME]',
    }),
    'enterpret-url': Flags.string({description: 'Enterpret API base URL [ENTERPRET_API_URL]'}),
    'with-token': Flags.boolean({description: 'Read the Gladly API token from stdin (first line)'}),
    'with-enterpret-key': Flags.boolean({
      description: 'Read the Enterpret API key from stdin (the line after the token when both are given)',
    }),
    'insecure-storage': Flags.boolean({
      description: 'Store secrets in a plain 0600 file instead of the system keychain',
    }),
  }

  static override settingFlags = {
    'gladly-url': 'GLADLY_API_URL',
    'gladly-username': 'GLADLY_USERNAME',
    'enterpret-url': 'ENTERPRET_API_URL',
  } as const

  public async run(): Promise<LoginResult> {
    const piped = this.flags['with-token'] || this.flags['with-enterpret-key']
    const prompting = this.interactive && !piped
    const stdinLines = piped ? await this.readStdinLines() : []
    let settings = await this.settings({secrets: false})
    if (prompting) settings = await this.promptForSettings(settings)

    const gladlyToken = this.flags['with-token']
      ? stdinLines[0]
      : prompting
        ? await this.promptSecret('Gladly API token')
        : settings.values.GLADLY_API_TOKEN
    if (!gladlyToken) {
      this.error('No Gladly API token was given.', {
        exit: ExitCode.usage,
        suggestions: [
          'Pipe it on stdin with --with-token, set GLADLY_API_TOKEN, or run this command on a terminal to be asked for it.',
        ],
      })
    }
    const enterpretKey = this.flags['with-enterpret-key']
      ? stdinLines[this.flags['with-token'] ? 1 : 0]
      : prompting
        ? await this.promptSecret('Enterpret API key (leave empty to skip)', true)
        : settings.values.ENTERPRET_API_KEY
    if (this.flags['with-enterpret-key'] && !enterpretKey) {
      this.error('--with-enterpret-key was given but stdin had no line for the key.', {exit: ExitCode.usage})
    }

    const storage = this.flags['insecure-storage'] ? 'file' : 'keychain'
    const result = await this.unwrap(
      login({
        settings,
        gladlyToken,
        enterpretKey: enterpretKey || undefined,
        storage,
        userAgent: this.userAgent,
        logger: this.logger,
      }),
    )
    this.render(result, settings)
    return result
  }

  private render(result: LoginResult, settings: Settings): void {
    const {gladly, enterpret} = result
    this.logger.success(
      `Logged in to Gladly organization "${gladly.organization.name}" at ${gladly.url} as ${gladly.username} (profile ${result.profile}).`,
    )
    if (result.storage === 'file') {
      this.logger.warn(
        `Secrets are stored UNENCRYPTED in ${credentialsFilePath(settings.paths)} (mode 600). Anyone with your user account or its backups can read them; every run will remind you.`,
      )
    } else {
      this.logger.success('Secrets are in the system keychain.')
    }
    if (enterpret.apiKey === 'not set')
      this.logger.warn('No Enterpret API key is stored: import needs ENTERPRET_API_KEY (dry-run does not).')
    else if (enterpret.apiKey === 'stored')
      this.logger.info(
        `Enterpret API key stored for ${enterpret.url}; it is checked on first use (auth status checks it without sending data).`,
      )
  }

  private async readStdinLines(): Promise<string[]> {
    if (process.stdin.isTTY) {
      this.error('--with-token and --with-enterpret-key read from stdin, which is a terminal here.', {
        exit: ExitCode.usage,
        suggestions: [
          'Pipe the secret in: echo "$TOKEN" | gladly-enterpret auth login --with-token …, or leave the flags out to be asked.',
        ],
      })
    }
    let text = ''
    for await (const chunk of process.stdin) text += String(chunk)
    return text.split(/\r?\n/).map((line) => line.trim())
  }

  private async promptForSettings(settings: Settings): Promise<Settings> {
    const {input} = await import('@inquirer/prompts')
    const context = {output: process.stderr}
    const flagged = (name: 'GLADLY_API_URL' | 'GLADLY_USERNAME') => settings.origins[name]?.source === 'flag'
    const url = flagged('GLADLY_API_URL')
      ? undefined
      : await input(
          {
            message: 'Gladly address (e.g. https://acme.gladly.com)',
            default: settings.values.GLADLY_API_URL,
            required: true,
          },
          context,
        )
    const username = flagged('GLADLY_USERNAME')
      ? undefined
      : await input(
          {message: 'Email of the Gladly API user', default: settings.values.GLADLY_USERNAME, required: true},
          context,
        )
    if (url === undefined && username === undefined) return settings
    return this.settings({secrets: false, answers: {GLADLY_API_URL: url, GLADLY_USERNAME: username}})
  }

  private async promptSecret(message: string, optional = false): Promise<string> {
    const {password} = await import('@inquirer/prompts')
    return (
      await password(
        {message, mask: '*', validate: (value) => optional || value.trim() !== '' || 'Required'},
        {output: process.stderr},
      )
    ).trim()
  }
}
