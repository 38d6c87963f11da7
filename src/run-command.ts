import type {Command} from '@oclif/core'
import {randomBytes} from 'node:crypto'
import {createWriteStream} from 'node:fs'
import {setFlagsFromString} from 'node:v8'
import {finished} from 'node:stream/promises'
import {BaseCommand} from './base-command.js'
import {ExitCode} from './lib/common/index.js'
import type {Settings} from './lib/config/index.js'
import {recordImport} from './lib/metrics/index.js'
import {describeSummary, runImport, type RunSummary} from './lib/pipeline/index.js'
import {progressView} from './terminal/progress-view.js'
import {previewStream} from './terminal/preview.js'
import {createStatusArea} from './terminal/status-area.js'
import {stopOnSignal} from './stop-on-signal.js'
import {selectionOf, type SelectionFlagValues} from './selection-flags.js'

// An import streams far more data through than it keeps, and V8 would let the heap grow to four times
// what is live before collecting (README, Performance). A heuristic V8 reads at each collection, so
// setting it late is safe; a V8 without it says so on stderr and runs on.
const HEAP_GROWING_PERCENT = 10

/** Exit 3: records wait in the dead letters or conversations in the quarantine (a dry run: some would). */
function owesWork(summary: RunSummary, dryRun: boolean): boolean {
  if (dryRun) return summary.conversations.failed > 0 || summary.conversations.quarantined > 0
  return summary.deadLetters.remaining > 0 || summary.quarantine.remaining > 0 || summary.users.remaining > 0
}

/** import and dry-run: the same selection, the same core; they differ only in where records go. */
export abstract class RunCommand<T extends typeof Command> extends BaseCommand<T> {
  static override enableJsonFlag = true
  static override settingFlags = {'batch-size': 'BATCH_SIZE'} as const

  /** What the metrics listener needs when an import ends: its settings, once loaded, and its summary, if it got one. */
  private readonly ended: {startedAt: Date; settings?: Settings; summary?: RunSummary} = {startedAt: new Date()}

  protected async execute(options: {readonly resendUpdated: boolean; readonly output?: string}): Promise<RunSummary> {
    const flags = this.flags as unknown as SelectionFlagValues
    const selected = selectionOf(flags, new Date())
    if (selected._tag === 'Left') this.fail(selected.left)
    const selection = selected.right
    const dryRun = this.id === 'dry-run'
    if (dryRun && this.jsonEnabled() && options.output === undefined) {
      this.error('With --json, stdout carries the summary: give the payloads a file with --output.', {
        exit: ExitCode.usage,
      })
    }
    const settings = await this.settings({secrets: true})
    if (!dryRun) this.ended.settings = settings
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
    // A person watching: a status area owns the terminal, and the logger prints above it.
    const watched = Boolean(process.stderr.isTTY) && !this.flags.verbose && !this.jsonEnabled()
    const area = watched ? createStatusArea(process.stderr) : undefined
    const unroute = area === undefined ? () => {} : this.terminal.routeTo((text) => area.print(text))
    const output = dryRun ? this.payloadOutput(options.output, area) : undefined
    const progress = progressView(this.logger, area, settings.values.GLADLY_MAX_RPS)
    const stop = stopOnSignal(this.logger)
    const result = await this.unwrap(
      runImport({
        settings,
        logger: this.logger,
        userAgent: this.userAgent,
        runId: randomBytes(4).toString('hex'),
        selection,
        limit: flags.limit,
        includeNotes: flags['include-notes'],
        resendUpdated: options.resendUpdated,
        dryRun: output ? {output} : undefined,
        onProgress: (update) => progress.update(update),
        signal: stop.signal,
      }),
    ).finally(() => {
      stop.dispose()
      progress.stop()
      unroute()
    })
    if (output !== undefined && output !== process.stdout) {
      output.end()
      await finished(output)
    }
    const {summary, error} = result
    this.ended.summary = summary
    this.record.info('run summary', summary)
    for (const line of describeSummary(summary)) this.logger.info(line)
    if (dryRun) this.describeDryRun(summary)
    // Exit 2 promises that nothing was sent: credentials rejected mid-run, after deliveries, are a failure (1).
    if (error !== undefined)
      this.fail(
        error.exit === ExitCode.usage && summary.conversations.sent > 0 ? {...error, exit: ExitCode.failure} : error,
      )
    const signalled = stop.exitCode()
    if (signalled !== undefined) process.exitCode = signalled
    else if (owesWork(summary, dryRun)) process.exitCode = ExitCode.partial
    return summary
  }

  /**
   * Every import that got as far as its settings, however it ends (failed, stopped, partial), is recorded and its
   * metrics sent; one whose settings are wrong has no sink to send to (its last success ages, which alerts).
   */
  protected override async finally(error: Error | undefined): Promise<unknown> {
    const {settings, startedAt, summary} = this.ended
    if (settings !== undefined) {
      const exitCode = typeof process.exitCode === 'number' ? process.exitCode : error ? ExitCode.failure : ExitCode.ok
      await recordImport(settings, this.logger, {startedAt, finishedAt: new Date(), exitCode, summary})
    }
    return super.finally(error)
  }

  /** The exact NDJSON to a file or a pipe; on a terminal, a preview a person can read. */
  private payloadOutput(file: string | undefined, area: ReturnType<typeof createStatusArea> | undefined) {
    if (file !== undefined) return createWriteStream(file, {mode: 0o600})
    if (!process.stdout.isTTY) return process.stdout
    return previewStream(area === undefined ? (text) => process.stdout.write(text) : (text) => area.printOut(text))
  }

  private describeDryRun(summary: RunSummary): void {
    const channels = Object.entries(summary.channels)
      .sort(([, a], [, b]) => b - a)
      .map(([channel, count]) => `${channel} ${count}`)
      .join(', ')
    if (channels) this.logger.info(`Records per channel: ${channels}.`)
    if (summary.sample) {
      this.logger.info(`Sample transcript (conversation ${summary.sample.conversationId}):`)
      for (const message of summary.sample.messages)
        this.logger.log(`  ${message.actor.padEnd(5)} ${message.text.replace(/\s+/g, ' ').slice(0, 160)}`)
    }
  }
}
