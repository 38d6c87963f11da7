import type {Logger} from './lib/log/index.js'
import type {Progress} from './lib/pipeline/index.js'

export interface ProgressReporter {
  update(progress: Progress): void
  stop(): void
}

// Off a terminal (cron, CI logs) a line now and then is progress; a redrawn bar would be noise.
const LOG_EVERY_MS = 5000

/** A bar (conversations done / known, rate, ETA) on a terminal; otherwise a log line every few seconds. */
export async function progressReporter(logger: Logger, onTerminal: boolean): Promise<ProgressReporter> {
  const startedAt = Date.now()
  const rate = (done: number) => done / Math.max((Date.now() - startedAt) / 1000, 0.001)
  if (!onTerminal) {
    let lastLog = startedAt
    return {
      update(progress) {
        if (Date.now() - lastLog < LOG_EVERY_MS) return
        lastLog = Date.now()
        logger.info(
          `Progress: ${progress.conversationsDone}/${progress.conversationsKnown} conversations, ${progress.jobsDone}/${progress.jobsPlanned} export jobs, ${rate(progress.conversationsDone).toFixed(1)}/s`,
        )
      },
      stop() {},
    }
  }
  const {default: cliProgress} = await import('cli-progress')
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {bar} {value}/{total} conversations | {speed}/s | ETA {eta_formatted} | jobs {jobsDone}/{jobsPlanned}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  )
  bar.start(0, 0, {speed: '0.0', jobsDone: 0, jobsPlanned: 0})
  return {
    update(progress) {
      bar.setTotal(Math.max(progress.conversationsKnown, 1))
      bar.update(progress.conversationsDone, {
        speed: rate(progress.conversationsDone).toFixed(1),
        jobsDone: progress.jobsDone,
        jobsPlanned: progress.jobsPlanned,
      })
    },
    stop: () => bar.stop(),
  }
}
