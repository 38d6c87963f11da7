import {Command, Errors, Flags, type Interfaces} from '@oclif/core'
import {randomBytes} from 'node:crypto'
import type {TaskEither} from 'fp-ts/lib/TaskEither.js'
import {ExitCode, type AppError} from './lib/common/index.js'
import {
  loadSettings,
  resolvePaths,
  SECRET_NAMES,
  type SecretReader,
  type SettingName,
  type Settings,
} from './lib/config/index.js'
import {insecureReadWarning, secretReader} from './lib/credentials/index.js'
import {terminalOut} from './terminal/terminal-out.js'
import {
  attachLogFiles,
  createLogger,
  escapeControls,
  recordOnly,
  redact,
  redactText,
  type Logger,
} from './lib/log/index.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

interface CliErrorShape extends Error {
  oclif?: {exit?: number}
  /** Set on every flag and argument parsing error. */
  parse?: unknown
  exitCode?: number
  code?: string
  suggestions?: string[]
}

/**
 * What every command shares: the global flags, the logger, settings loading, and the one place
 * where errors become exit codes (0 ok, 1 failure, 2 usage or configuration, 3 some records failed).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    profile: Flags.string({
      description:
        'Profile whose settings, secrets and state to use [env: GLADLY_ENTERPRET_PROFILE] (default: default)',
      helpGroup: 'GLOBAL',
    }),
    verbose: Flags.boolean({char: 'v', description: 'Show debug output on stderr', helpGroup: 'GLOBAL'}),
    'dotenv-file': Flags.string({
      // --env-file, its old name, still works: see warnOldSpelling.
      aliases: ['env-file'],
      description: 'Read settings from this .env file instead of ./.env',
      helpGroup: 'GLOBAL',
    }),
  }

  /** Flags of the command that set a documented setting (flag name → setting). */
  static settingFlags: Readonly<Record<string, SettingName>> = {}

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  /** stderr as the logger writes to it: a status area can take it over while it is shown. */
  protected readonly terminal = terminalOut()
  protected logger: Logger = createLogger()
  /** The run's record: written to the log files only, never to the terminal. */
  protected record: Logger = recordOnly(this.logger)
  private readonly startedAt = Date.now()
  private readonly runId = randomBytes(4).toString('hex')
  /** Warnings about the settings, said once per command however often it loads them. */
  private readonly warned = new Set<string>()

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
    this.logger = createLogger({verbose: this.flags.verbose, terminal: this.terminal.stream})
    attachLogFiles(this.logger, resolvePaths(process.env).logDir, {run: this.runId, command: this.id})
    // After the files are attached: consola copies its reporters into a tagged child.
    this.record = recordOnly(this.logger)
    this.record.info('run start', {argv: this.argv, version: this.config.version, node: process.version})
    this.warnOldSpelling()
  }

  /**
   * --env-file is also a node option, and node looks for it among the script's arguments too (up to a `--`):
   * started as `node bin/run.js`, node itself opens the file (exit 9 if it is missing). The launchers end
   * node's options with `--`, so there the old name is safe; it is kept for them, with this warning.
   */
  private warnOldSpelling(): void {
    if (this.argv.some((arg) => arg === '--env-file' || arg.startsWith('--env-file=')))
      this.logger.warn(
        '--env-file is now --dotenv-file: Node.js takes --env-file for itself wherever it sees it on its own command line (node bin/run.js …).',
      )
  }

  /** Settings for this run; stored secrets are read only when the command needs them. */
  protected async settings(options: {
    readonly secrets: boolean
    readonly readSecret?: SecretReader
    /** Values typed at a prompt; they rank with flags. */
    readonly answers?: Partial<Record<SettingName, string | undefined>>
  }): Promise<Settings> {
    const settingFlags = (this.ctor as unknown as typeof BaseCommand).settingFlags
    const flags: Partial<Record<SettingName, string | number>> = {}
    const flagNames: Partial<Record<SettingName, string>> = {}
    for (const [flag, name] of Object.entries(settingFlags)) {
      const value = (this.flags as Record<string, unknown>)[flag]
      if (typeof value === 'string' || typeof value === 'number') {
        flags[name] = value
        flagNames[name] = `--${flag}`
      }
    }
    for (const [name, value] of Object.entries(options.answers ?? {}) as [SettingName, string | undefined][]) {
      if (value === undefined) continue
      flags[name] = value
      flagNames[name] = 'your answer'
    }
    const settings = await this.unwrap(
      loadSettings({
        env: process.env,
        cwd: process.cwd(),
        flags,
        flagNames,
        envFile: this.flags['dotenv-file'],
        profile: this.flags.profile,
        readSecret: options.secrets ? (options.readSecret ?? secretReader()) : undefined,
      }),
    )
    const fromFile = SECRET_NAMES.filter((name) => settings.origins[name]?.source === 'file')
    const warnings = [
      ...settings.warnings,
      ...(fromFile.length > 0 ? [insecureReadWarning(settings.paths, fromFile)] : []),
    ]
    for (const warning of warnings.filter((text) => !this.warned.has(text))) {
      this.warned.add(warning)
      this.logger.warn(warning)
    }
    return settings
  }

  /** Runs a core task; its Left becomes this command's error and exit code. */
  protected async unwrap<A>(task: TaskEither<AppError, A>): Promise<A> {
    const result = await task()
    if (result._tag === 'Left') this.fail(result.left)
    return result.right
  }

  protected fail(error: AppError): never {
    return this.error(redactText(error.message), {
      exit: error.exit,
      code: error._tag,
      suggestions: error.suggestions?.map(redactText),
    })
  }

  /** What a command prints for people; text that came from Gladly cannot drive the terminal. */
  public override log(message = '', ...args: unknown[]): void {
    super.log(escapeControls(message), ...args)
  }

  protected get userAgent(): string {
    return `gladly-enterpret/${this.config.version} (node ${process.version}; ${process.platform})`
  }

  /** stdin and stderr both on a terminal: someone is there to answer a prompt. */
  protected get interactive(): boolean {
    return Boolean(process.stdin.isTTY && process.stderr.isTTY)
  }

  protected override async catch(error: CliErrorShape): Promise<unknown> {
    // @oclif/core (4 and 5) ignores the error's own exit code when --json is on; it must be set here.
    const exitCode =
      error.parse === undefined ? (error.oclif?.exit ?? error.exitCode ?? ExitCode.failure) : ExitCode.usage
    process.exitCode = exitCode
    if (error instanceof Errors.ExitError) throw error
    error.message = redactText(error.message)
    this.record.error('run failed', {code: error.code, error: error.message, exitCode})
    if (this.jsonEnabled()) return super.catch(error)
    // oclif would wrap the message at 80 columns off a terminal; a cron log wants it on one line.
    const suggestions = (error.suggestions ?? []).map((suggestion) => `\n  Try: ${redactText(suggestion)}`).join('')
    process.stderr.write(escapeControls(`Error: ${error.message}${suggestions}`) + '\n')
    throw new Errors.ExitError(exitCode)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    const exitCode = typeof process.exitCode === 'number' ? process.exitCode : error ? 1 : 0
    this.record.info('run end', {exitCode, durationMs: Date.now() - this.startedAt})
    return super.finally(error)
  }

  protected override toErrorJson(error: unknown): unknown {
    const shape = error as CliErrorShape
    return {
      error: {
        code: shape.code ?? shape.name ?? 'Error',
        message: redactText(shape.message ?? String(error)),
        exitCode: process.exitCode ?? 1,
        suggestions: shape.suggestions ?? [],
      },
    }
  }

  protected override toSuccessJson(result: unknown): unknown {
    return redact(result)
  }
}
