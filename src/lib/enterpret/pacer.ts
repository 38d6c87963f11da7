/**
 * Paces webhook request *starts* to the key's per-minute limit. Starts are spaced evenly, one per
 * slot, so any rolling minute holds at most `requestsPerMinute` of them however many requests are
 * in flight; a caller never waits for another's response, only for its own slot. A 429 pauses
 * every caller, because the limit belongs to the key, not to one request.
 */
export interface Pacer {
  /** Resolves when the caller may start one request. */
  acquire(): Promise<void>
  /** Holds every request for `ms`. */
  pause(ms: number): void
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function createPacer(requestsPerMinute: number): Pacer {
  // One extra millisecond keeps a window closed at both ends from catching one start too many.
  const interval = 60_000 / Math.max(1, requestsPerMinute) + 1
  let nextSlot = 0
  let pausedUntil = 0

  return {
    async acquire() {
      for (;;) {
        const now = Date.now()
        const start = Math.max(now, nextSlot, pausedUntil)
        nextSlot = start + interval
        if (start > now) await sleep(start - now)
        // A pause that began while this caller slept applies to it too.
        if (Date.now() >= pausedUntil) return
      }
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms)
    },
  }
}
