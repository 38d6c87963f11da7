import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {login, type LoginPrompts, type LoginResult} from '../../lib/auth/index.js'
import {ExitCode} from '../../lib/common/index.js'
import {normalizeGladlyUrl, type SecretName, type Settings} from '../../lib/config/index.js'
import {credentialsFilePath} from '../../lib/credentials/index.js'

export default class AuthLogin extends BaseCommand<typeof AuthLogin> {
  static override summary = 'Verify and store the Gladly and Enterpret credentials'
  static override description = `On a terminal, it first settles where the secrets will go: the system keychain, or where there is none, your choice of environment variables or a plain file. Then it asks for the Gladly address, the API user's email and the Gladly API token and checks them at once (GET /api/v1/organization), asking again if Gladly refuses them; then for the Enterpret API key of the feedback webhook, and for the key of Enterpret's Users webhook (optional: with it, imports also send the customers as Enterpret users), each checked with an empty batch (nothing is sent) and asked again if Enterpret rejects it. An empty answer skips either key. Tokens are masked.

In scripts, give the non-secret values as flags and the secrets on stdin, one a line in this order: the token (--with-token), the Enterpret key (--with-enterpret-key), the Users webhook key (--with-users-key); or in GLADLY_API_TOKEN / ENTERPRET_API_KEY / ENTERPRET_USERS_API_KEY. Secrets are never accepted as flag values. A failed check exits 2 (1 if a service cannot be reached).

Nothing is stored until the checks pass. Without a keychain, secrets that come from the environment or a .env file are checked and left there; others need --insecure-storage, which keeps them in a file only you can read.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'echo "$TOKEN" | <%= config.bin %> <%= command.id %> --gladly-url https://acme.gladly.com --gladly-username api@acme.com --with-token',
    'printf "%s\\n%s\\n" "$TOKEN" "$KEY" | <%= config.bin %> <%= command.id %> --gladly-url https://acme.us-1.gladly.com --gladly-username api@acme.com --with-token --with-enterpret-key',
    'printf "%s\\n%s\\n%s\\n" "$TOKEN" "$KEY" "$USERS_KEY" | <%= config.bin %> <%= command.id %> --gladly-url https://acme.gladly.com --gladly-username api@acme.com --with-token --with-enterpret-key --with-users-key',
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
    'with-users-key': Flags.boolean({
      description:
        "Read the key of Enterpret's Users webhook from stdin (the line after the token and the Enterpret key, of those given)",
    }),
    'with-redaction-key': Flags.boolean({
      description: 'Read REDACT_PII_KEY, the key of the PII redaction tokens, from stdin (the line after the others)',
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
    const piped: Partial<Record<SecretName, string>> = {}
    // One line each, in this order, for the flags given.
    const fromStdin = (
      [
        ['with-token', 'GLADLY_API_TOKEN', 'the token'],
        ['with-enterpret-key', 'ENTERPRET_API_KEY', 'the key'],
        ['with-users-key', 'ENTERPRET_USERS_API_KEY', 'the Users webhook key'],
        ['with-redaction-key', 'REDACT_PII_KEY', 'the redaction key'],
      ] as const
    ).filter(([flag]) => this.flags[flag])
    if (fromStdin.length > 0) {
      const lines = await this.readStdinLines()
      for (const [index, [flag, name, what]] of fromStdin.entries())
        piped[name] = this.pipedLine(lines, index, `--${flag}`, what)
    }
    const settings = await this.settings({secrets: false})
    const result = await this.unwrap(
      login({
        settings,
        insecure: this.flags['insecure-storage'],
        piped,
        prompts: this.interactive && Object.keys(piped).length === 0 ? this.prompts() : undefined,
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
    } else if (result.storage === 'keychain') {
      this.logger.success('Secrets are in the system keychain.')
    } else if (result.setInEnvironment.length > 0) {
      this.logger.warn(
        `Nothing secret was stored: set ${new Intl.ListFormat('en').format(result.setInEnvironment)} in the environment, or in a .env file (chmod 600), wherever gladly-enterpret runs.`,
      )
    } else {
      this.logger.info('Nothing secret was stored: every run reads the secrets from the environment, as this one did.')
    }
    if (enterpret.key === 'not set')
      this.logger.warn('No Enterpret API key is stored: import needs ENTERPRET_API_KEY (dry-run does not).')
    else if (enterpret.key !== 'kept') this.logger.success(`Enterpret at ${enterpret.url} accepted the API key.`)
    if (enterpret.usersKey === 'not set')
      this.logger.info(
        'No Users webhook key (ENTERPRET_USERS_API_KEY, optional): customers are not sent as Enterpret users.',
      )
    else if (enterpret.usersKey === 'kept')
      this.logger.info('The Users webhook key stored before is kept (ENTERPRET_USERS_API_KEY).')
    else
      this.logger.success(
        `Enterpret at ${enterpret.url} accepted the Users webhook key: imports also send customers as Enterpret users.`,
      )
  }

  private pipedLine(lines: string[], index: number, flag: string, what: string): string {
    const line = lines[index]
    if (!line) this.error(`${flag} was given but stdin had no line for ${what}.`, {exit: ExitCode.usage})
    return line
  }

  private async readStdinLines(): Promise<string[]> {
    if (process.stdin.isTTY) {
      this.error('--with-token, --with-enterpret-key and --with-users-key read from stdin, which is a terminal here.', {
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

  /** The questions, on stderr: stdout stays for --json. */
  private prompts(): LoginPrompts {
    const context = {output: process.stderr}
    const labels = {
      GLADLY_API_URL: 'Gladly address (e.g. https://acme.gladly.com)',
      GLADLY_USERNAME: 'Email of the Gladly API user',
      GLADLY_API_TOKEN: 'Gladly API token',
      ENTERPRET_API_KEY: 'Enterpret API key',
      ENTERPRET_USERS_API_KEY: 'Enterpret Users webhook key',
      REDACT_PII_KEY: 'Key of the PII redaction tokens',
    }
    return {
      chooseStorage: async (problem) => {
        const {select} = await import('@inquirer/prompts')
        this.logger.warn(problem)
        return select(
          {
            message: 'Where should the secrets go?',
            choices: [
              {
                value: 'environment' as const,
                name: 'Environment variables (nothing secret is stored)',
                description:
                  'You set GLADLY_API_TOKEN and ENTERPRET_API_KEY in the environment or a .env file (chmod 600) where gladly-enterpret runs.',
              },
              {
                value: 'file' as const,
                name: 'A plain file only you can read, NOT encrypted (as --insecure-storage)',
                description: 'credentials.json (mode 600) next to settings.json; every command that reads it warns.',
              },
            ],
          },
          context,
        )
      },
      ask: async (name, current) => {
        const {input} = await import('@inquirer/prompts')
        const validate = (value: string) => {
          const url = normalizeGladlyUrl(value)
          return url._tag === 'Right' || `The address ${url.left}.`
        }
        return input(
          {
            message: labels[name],
            default: current,
            required: true,
            validate: name === 'GLADLY_API_URL' ? validate : undefined,
          },
          context,
        )
      },
      askSecret: async (name, {optional, current}) => {
        const {password} = await import('@inquirer/prompts')
        const hint =
          current !== undefined ? ` (Enter: the one set in ${current})` : optional ? ' (leave empty to skip)' : ''
        const typed = await password(
          {
            message: `${labels[name]}${hint}`,
            mask: '*',
            validate: (value) => optional || current !== undefined || value.trim() !== '' || 'Required',
          },
          context,
        )
        return typed.trim()
      },
      retry: (problem, triesLeft) =>
        this.logger.warn(
          [
            problem.message,
            ...(problem.suggestions ?? []),
            `Try again (${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left).`,
          ].join(' '),
        ),
    }
  }
}
