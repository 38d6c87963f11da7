import {BaseCommand} from '../../base-command.js'
import {conformTo, displayInstant} from '../../lib/common/index.js'
import {currentFigures, type Figures} from '../../lib/metrics/index.js'
import {describeSummary, emptySummary} from '../../lib/pipeline/index.js'
import {lockStatus, openJournal, openSpool, openStateStore, type LockStatus, type State} from '../../lib/state/index.js'

const SHOWN_WARNINGS = 5

export interface StateReport {
  readonly profile: string
  readonly stateFile: string
  readonly exists: boolean
  readonly state: State
  readonly lock: LockStatus
  /** Conversations of the checkpointed job already done. */
  readonly checkpointDone: number
  /** Open conversations whose items are kept for when they close. */
  readonly spooledConversations: number
  /** The figures the metrics sinks get (README, Operating it), as of now. */
  readonly metrics: Figures
}

/** The days of a backfill that export jobs (a one-time export) brought instead of reports. */
const exportedNote = ({exported}: NonNullable<State['backfill']>) =>
  exported === undefined || exported.length === 0
    ? ''
    : ` (from export jobs instead: ${exported.map((span) => (span.from === span.to ? span.from : `${span.from} – ${span.to}`)).join(', ')})`

const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} h`

/** The outcome of the last import and the last success: what a monitor reads from the metrics. */
function describeLastImport({lastRun, lastSuccessAt, watermarkAgeSeconds, exportWindowHeadroomSeconds}: Figures) {
  if (lastRun === null) return 'no record yet'
  const behind =
    watermarkAgeSeconds === null || exportWindowHeadroomSeconds === null
      ? ''
      : `; ${hours(watermarkAgeSeconds)} behind Gladly, ${(exportWindowHeadroomSeconds / 86_400).toFixed(1)} day(s) before unimported data expires`
  return `${lastRun.outcome} (exit ${lastRun.exitCode}) at ${displayInstant(lastRun.finishedAt)}; last success ${lastSuccessAt === null ? 'never' : displayInstant(lastSuccessAt)}${behind}`
}

export default class StateShow extends BaseCommand<typeof StateShow> {
  static override summary = 'Show what the importer remembers for a profile'
  static override description =
    'The watermark of the last successful import, the export jobs already processed, the checkpoint of an unfinished run, records and users that failed and wait for a retry (dead letters), conversations set aside to be fetched again (quarantine) with the reason, conversations Enterpret can never accept (skipped for good), the last run summary, how the last import ended and when one last succeeded (the figures its metrics carry; --json: metrics), and whether an import holds the lock.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --profile acme',
  ]

  static override enableJsonFlag = true

  public async run(): Promise<StateReport> {
    const settings = await this.settings({secrets: false})
    const store = openStateStore(settings.paths.stateDir, settings.profile)
    const state = await this.unwrap(async () => store.read())
    const {stateDir} = settings.paths
    const report: StateReport = {
      profile: settings.profile,
      stateFile: store.path,
      exists: store.exists(),
      state,
      lock: lockStatus(stateDir, settings.profile),
      checkpointDone: state.checkpoint ? (await openJournal(stateDir, settings.profile)).size : 0,
      spooledConversations: await openSpool(stateDir, settings.profile).count(),
      metrics: await currentFigures(settings, this.logger, new Date()),
    }
    this.render(report)
    return report
  }

  private render({
    profile,
    stateFile,
    exists,
    state,
    lock,
    checkpointDone,
    spooledConversations,
    metrics,
  }: StateReport): void {
    const quarantine = state.quarantine ?? []
    const skipped = state.skippedForGood ?? []
    const userLetters = state.userDeadLetters ?? []
    const newest = state.processedJobs.at(-1)
    const rows: [string, string][] = [
      ['Profile', profile],
      ['State file', exists ? stateFile : `${stateFile} (not created yet: no import has run)`],
      [
        'Watermark',
        state.watermark
          ? `${displayInstant(state.watermark.updatedAt)}${state.watermark.jobIds.length > 0 ? ` (jobs ${state.watermark.jobIds.join(', ')})` : ''}`
          : 'none (the next import reads every export job Gladly still keeps)',
      ],
      [
        'Processed jobs',
        String(state.processedJobs.length) +
          (newest
            ? `, newest ${newest.id} (window ${displayInstant(newest.windowStart)} – ${displayInstant(newest.windowEnd)})`
            : ''),
      ],
      [
        'Backfill',
        state.backfill
          ? `history ${state.backfill.from} – ${state.backfill.to} from the Reports API${exportedNote(state.backfill)}: ${state.backfill.next === null ? 'done' : `next window starts ${state.backfill.next}`}`
          : 'none',
      ],
      [
        'Checkpoint',
        state.checkpoint
          ? `unfinished run ${state.checkpoint.runId} in job ${state.checkpoint.jobId} since ${state.checkpoint.startedAt}, ${checkpointDone} conversation(s) of it done`
          : 'none',
      ],
      ['Last import', describeLastImport(metrics)],
      ['Open conversations', `${spooledConversations} kept until they close`],
      [
        'Dead letters',
        state.deadLetters.length === 0
          ? 'none'
          : `${state.deadLetters.length} record(s) will be retried first by the next import`,
      ],
      ...(userLetters.length === 0
        ? []
        : ([['User dead letters', `${userLetters.length} user(s) will be retried first by the next import`]] as [
            string,
            string,
          ][])),
      [
        'Quarantine',
        quarantine.length === 0
          ? 'none'
          : `${quarantine.length} conversation(s) will be fetched again from Gladly by the next import`,
      ],
      [
        'Skipped for good',
        skipped.length === 0
          ? 'none'
          : `${skipped.length} conversation(s) Enterpret can never accept (reported once, not fetched again unless they change)`,
      ],
      [
        'Lock',
        lock.holder
          ? `${lock.holder.alive ? 'held' : 'stale'}: pid ${lock.holder.pid} on ${lock.holder.host} since ${lock.holder.startedAt}${lock.holder.leaseAgeMs === undefined ? '' : `, lease renewed ${Math.round(lock.holder.leaseAgeMs / 1000)} s ago`}`
          : 'free',
      ],
    ]
    const width = Math.max(...rows.map(([label]) => label.length))
    for (const [label, value] of rows) this.log(`${label.padEnd(width)}  ${value}`)
    for (const letter of state.deadLetters)
      this.log(`  ${letter.recordId}  ${letter.failedAt}  ${letter.attempts} attempt(s)  ${letter.reason}`)
    if (userLetters.length > 0) this.log('User dead letters')
    for (const letter of userLetters)
      this.log(`  ${letter.recordId}  ${letter.failedAt}  ${letter.attempts} attempt(s)  ${letter.reason}`)
    if (quarantine.length > 0) this.log('Quarantined conversations')
    for (const entry of quarantine)
      this.log(
        `  ${entry.conversationId}  ${entry.failedAt}  ${entry.attempts} attempt(s) since ${entry.firstFailedAt}, from ${entry.source}: ${entry.reason}`,
      )
    if (skipped.length > 0) this.log('Skipped for good')
    for (const entry of skipped)
      this.log(`  ${entry.conversationId}  ${entry.at}  from ${entry.source}: ${entry.reason}`)
    if (state.lastRun) this.renderLastRun(state.lastRun)
  }

  /** The summary the run printed at its end; one written by an older version gets zeros for what it lacks. */
  private renderLastRun(lastRun: Record<string, unknown>): void {
    const summary = conformTo(emptySummary('import', '', new Date(0)), lastRun)
    this.log(`Last run, ${displayInstant(summary.startedAt)} – ${displayInstant(summary.finishedAt)}`)
    for (const line of describeSummary(summary)) this.log(`  ${line}`)
    for (const warning of summary.warnings.slice(0, SHOWN_WARNINGS)) this.log(`  Warning: ${warning}`)
    if (summary.warnings.length > SHOWN_WARNINGS)
      this.log(`  ${summary.warnings.length - SHOWN_WARNINGS} more warning(s) in the log files of that run`)
  }
}
