import type {Logger} from './lib/log/index.js'

/**
 * SIGTERM ends a container's process after a grace period (Kubernetes: 30 s by default), SIGINT is Ctrl-C. The first
 * one asks the run to stop taking work; the batch in flight gets until the grace period ends, after which the process
 * exits as if killed: everything done is on disk (journal, state, lock released, scratch removed by exit handlers), and
 * the next run resumes. A second signal exits at once, in the same safe way.
 */
export const STOP_GRACE_MS = 25_000

const SIGNAL_NUMBERS = {SIGINT: 2, SIGTERM: 15} as const
type StopSignal = keyof typeof SIGNAL_NUMBERS

export interface SignalStop {
  readonly signal: AbortSignal
  /** The exit code for the signal received (128 + its number), if one was. */
  exitCode(): number | undefined
  dispose(): void
}

export function stopOnSignal(logger: Logger, graceMs = STOP_GRACE_MS): SignalStop {
  const controller = new AbortController()
  let received: StopSignal | undefined
  let grace: NodeJS.Timeout | undefined
  const exitCode = () => (received === undefined ? undefined : 128 + SIGNAL_NUMBERS[received])

  const onSignal = (signal: StopSignal) => {
    if (received !== undefined) {
      logger.warn(
        `${signal} again: stopping now. What was delivered is recorded; the next import resumes from the checkpoint.`,
      )
      process.exit(exitCode())
    }
    received = signal
    logger.warn(
      `${signal} received: taking no new conversation, finishing the batch in flight (up to ${Math.round(graceMs / 1000)} s), then stopping. Send it again to stop at once.`,
    )
    grace = setTimeout(() => {
      logger.warn(
        `The batch in flight did not finish within ${Math.round(graceMs / 1000)} s: stopping now. The next import resumes from the checkpoint and sends that batch again.`,
      )
      process.exit(exitCode())
    }, graceMs)
    grace.unref()
    controller.abort(`${signal} received`)
  }
  const onTerm = () => onSignal('SIGTERM')
  const onInt = () => onSignal('SIGINT')
  // While a run goes on, these handlers own the signals: conf's atomic writes (when-exit) would otherwise answer the
  // first one by killing the process with it again. Their exit hooks still run on the way out; restored after.
  const others = {SIGTERM: process.rawListeners('SIGTERM'), SIGINT: process.rawListeners('SIGINT')}
  process.removeAllListeners('SIGTERM').on('SIGTERM', onTerm)
  process.removeAllListeners('SIGINT').on('SIGINT', onInt)
  return {
    signal: controller.signal,
    exitCode,
    dispose() {
      if (grace !== undefined) clearTimeout(grace)
      for (const name of ['SIGTERM', 'SIGINT'] as const) {
        process.off(name, name === 'SIGTERM' ? onTerm : onInt)
        for (const listener of others[name]) process.on(name, listener as () => void)
      }
    },
  }
}
