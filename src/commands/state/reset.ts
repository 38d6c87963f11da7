import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {ExitCode, INSTANT_RULE, parseInstant} from '../../lib/common/index.js'
import type {Settings} from '../../lib/config/index.js'
import {acquireLock, forgetEverything, forgetSince, moveWatermark, openStateStore} from '../../lib/state/index.js'

export interface ResetResult {
  readonly profile: string
  readonly action: 'cleared' | 'watermark-moved'
  readonly watermark: string | null
  readonly stateFile: string
}

export default class StateReset extends BaseCommand<typeof StateReset> {
  static override summary = 'Forget what was imported, or move the watermark'
  static override description = `Without --to, clears the profile's state (watermark, processed jobs, checkpoint, spooled items of open conversations, the ledger of sent conversations, which customers were sent as Enterpret users, the dead letters and the quarantined conversations): the next import starts again from every export job Gladly still keeps (14 days); records Enterpret already has are skipped by Enterpret. With --to, moves the watermark there and forgets which conversations closed from that instant on were sent, so the next import sends them again (records Enterpret already has are skipped by Enterpret), and which customers were sent as users, so that they go again with their conversations (Enterpret updates the users it has): export jobs updated from that instant on are imported again, older ones are skipped; dead letters and quarantined conversations are kept.

Asks for confirmation on a terminal; scripts pass --yes. Refuses while an import holds the profile's lock.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --to 2026-11-20T00:00:00Z --yes',
    '<%= config.bin %> <%= command.id %> --profile acme --yes --json',
  ]

  static override enableJsonFlag = true

  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation'}),
    to: Flags.string({
      description: `Move the watermark to this instant, and send again the conversations closed since, instead of clearing everything (${INSTANT_RULE})`,
    }),
  }

  public async run(): Promise<ResetResult> {
    const parsed = this.flags.to === undefined ? undefined : parseInstant('--to', this.flags.to, new Date())
    if (parsed?._tag === 'Left') this.fail(parsed.left)
    const to = parsed?.right
    const settings = await this.settings({secrets: false})
    // Held from before the prompt to the end: an import started meanwhile waits, and cannot write back what is reset.
    const lock = acquireLock(settings.paths.stateDir, settings.profile, {command: 'state reset'})
    if (lock._tag === 'Left') {
      const holder =
        lock.left._tag === 'LockHeld'
          ? ` (pid ${lock.left.holder.pid} on ${lock.left.holder.host}, ${lock.left.holder.command})`
          : ''
      this.error(
        `${lock.left._tag === 'LockHeld' ? `An import is running for profile ${settings.profile}${holder}` : lock.left.message}; the state was not changed.`,
        {
          exit: ExitCode.failure,
          suggestions: ['Wait for it to finish, then reset.'],
        },
      )
    }
    try {
      return await this.reset(settings, to)
    } finally {
      lock.right.release()
    }
  }

  private async reset(settings: Settings, to: Date | undefined): Promise<ResetResult> {
    const store = openStateStore(settings.paths.stateDir, settings.profile)
    const state = await this.unwrap(async () => store.read())
    const owed = [
      state.deadLetters.length > 0 ? `${state.deadLetters.length} failed record(s) awaiting retry` : undefined,
      (state.quarantine ?? []).length > 0
        ? `${(state.quarantine ?? []).length} quarantined conversation(s)`
        : undefined,
      (state.userDeadLetters ?? []).length > 0
        ? `${(state.userDeadLetters ?? []).length} failed user(s) awaiting retry`
        : undefined,
    ].filter((part) => part !== undefined)
    const what =
      to === undefined
        ? `forget everything profile ${settings.profile} imported${owed.length > 0 ? `, including ${owed.join(' and ')}` : ''}`
        : `move the watermark of profile ${settings.profile} to ${to.toISOString()} and send again the conversations closed since, with their customers as users`
    await this.confirm(what)
    if (to === undefined) {
      await forgetEverything(settings.paths.stateDir, settings.profile)
    } else {
      await this.unwrap(async () => store.write(moveWatermark(state, to)))
      await forgetSince(settings.paths.stateDir, settings.profile, to)
    }
    this.logger.success(
      to === undefined
        ? `State of profile ${settings.profile} cleared (the users sent too).`
        : `Watermark of profile ${settings.profile} moved to ${to.toISOString()}; which customers were sent as users is forgotten too.`,
    )
    return {
      profile: settings.profile,
      action: to === undefined ? 'cleared' : 'watermark-moved',
      watermark: to?.toISOString() ?? null,
      stateFile: store.path,
    }
  }

  private async confirm(what: string): Promise<void> {
    if (this.flags.yes) return
    if (!this.interactive) {
      this.error(`Refusing to ${what} without confirmation.`, {
        exit: ExitCode.usage,
        suggestions: ['Pass --yes to confirm in a script.'],
      })
    }
    const {confirm} = await import('@inquirer/prompts')
    if (!(await confirm({message: `This will ${what}. Continue?`, default: false}, {output: process.stderr}))) {
      this.error('Aborted; nothing was changed.', {exit: ExitCode.failure})
    }
  }
}
