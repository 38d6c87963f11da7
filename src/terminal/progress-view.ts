import type {Logger} from '../lib/log/index.js'
import type {Progress} from '../lib/pipeline/index.js'
import {estimate, formatDuration} from './estimate.js'
import type {StatusArea} from './status-area.js'

export interface ProgressView {
  update(progress: Progress): void
  stop(): void
}

// Off a terminal (cron, CI logs) a line now and then is progress; a redrawn status would be noise.
const LOG_EVERY_MS = 5000
// Often enough that the elapsed time and ETA move, seldom enough to cost nothing.
const REDRAW_MS = 250
const BAR_WIDTH = 24

const count = (value: number) => value.toLocaleString('en-US')

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH)) : 0
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`
}

/** The status lines: where the run is, how far, how fast, and how long it should still take. */
export function statusLines(progress: Progress, elapsedMs: number, maxRequestsPerSecond: number): string {
  const {total, exact, rate, etaSeconds} = estimate(progress, elapsedMs, maxRequestsPerSecond)
  const done = progress.conversationsDone
  const percent = total > 0 ? Math.floor((done / total) * 100) : 0
  const eta = etaSeconds === undefined ? 'ETA …' : `ETA ${exact ? '' : '~'}${formatDuration(etaSeconds)}`
  const unit = progress.unit === undefined ? '' : ` · ${progress.unit}`
  return [
    ` ${bar(done, total)} ${percent}% · ${count(done)}/${exact ? '' : '~'}${count(total)} conversations · ${rate.toFixed(1)}/s · ${eta}`,
    ` unit ${Math.min(progress.unitsDone + 1, Math.max(progress.unitsPlanned, 1))} of ${progress.unitsPlanned}${unit} · ${count(progress.recordsDelivered)}/${count(progress.recordsMade)} records delivered · ${count(progress.gladlyRequests)} Gladly requests · ${formatDuration(elapsedMs / 1000)}`,
  ].join('\n')
}

/** Status lines on a terminal, redrawn in place; otherwise a log line every few seconds. */
export function progressView(
  logger: Logger,
  area: StatusArea | undefined,
  maxRequestsPerSecond: number,
  now: () => number = Date.now,
): ProgressView {
  const startedAt = now()
  let latest: Progress | undefined
  if (area === undefined) {
    let lastLog = startedAt
    return {
      update(progress) {
        if (now() - lastLog < LOG_EVERY_MS) return
        lastLog = now()
        const {total, exact, rate, etaSeconds} = estimate(progress, now() - startedAt, maxRequestsPerSecond)
        logger.info(
          `Progress: ${progress.conversationsDone}/${exact ? '' : '~'}${total} conversations, ${progress.unitsDone}/${progress.unitsPlanned} units, ${rate.toFixed(1)}/s${etaSeconds === undefined ? '' : `, about ${formatDuration(etaSeconds)} left`}`,
        )
      },
      stop() {},
    }
  }
  const redraw = () => {
    if (latest !== undefined) area.show(statusLines(latest, now() - startedAt, maxRequestsPerSecond))
  }
  const timer = setInterval(redraw, REDRAW_MS)
  timer.unref()
  return {
    update(progress) {
      latest = progress
    },
    stop() {
      clearInterval(timer)
      area.close()
    },
  }
}
