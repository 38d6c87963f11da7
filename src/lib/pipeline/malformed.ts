import {join} from 'node:path'
import {appendLines} from '../common/index.js'

/**
 * Export lines and API items that could not be used (each with where it came from), kept aside next to the day's log (and removed with it after
 * 14 days) so that nothing is dropped without a trace.
 */
export function malformedReport(
  logDir: string,
  runId: string,
  now: Date,
): {readonly path: string; add(entry: object): Promise<void>} {
  const path = join(logDir, `gladly-enterpret-${now.toISOString().slice(0, 10)}.malformed.log`)
  return {path, add: (entry) => appendLines(path, [JSON.stringify({run: runId, ...entry})])}
}
