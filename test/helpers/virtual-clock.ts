import type {Clock} from '../../src/lib/common/index.js'

export interface VirtualClock extends Clock {
  /** Moves time on by hand (a reply's latency, say); sleepers it passes wake, in order, at the time it reached. */
  advance(ms: number): void
}

/**
 * Virtual time for tests of pacing and backoff. It moves only to wake sleepers, one at a time, earliest first
 * (in the order they slept when due together). Before each step it lets `settleMs` of real time pass, so the
 * work a woken sleeper started (a request to a fake server, say) is done before time moves on; 0 waits for one
 * turn of the event loop only, enough when nothing but promises runs.
 */
export function virtualClock({start = 0, settleMs = 10}: {start?: number; settleMs?: number} = {}): VirtualClock {
  let time = start
  let slept = 0
  const sleepers: Array<{at: number; order: number; wake: () => void}> = []
  let stepping = false

  const settle = () =>
    new Promise<void>((resolve) => (settleMs === 0 ? setImmediate(resolve) : setTimeout(resolve, settleMs)))

  const step = async () => {
    stepping = true
    while (sleepers.length > 0) {
      await settle()
      sleepers.sort((a, b) => a.at - b.at || a.order - b.order)
      const next = sleepers.shift() as (typeof sleepers)[number]
      time = Math.max(time, next.at)
      next.wake()
    }
    stepping = false
  }

  return {
    now: () => time,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleepers.push({at: time + Math.max(0, ms), order: slept++, wake})
        if (!stepping) void step()
      }),
    advance(ms) {
      time += ms
    },
  }
}

/** Resolves once `condition` holds, checking at each turn of the event loop (real time, not the clock's). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}
