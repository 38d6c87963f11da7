import {join} from 'node:path'
import type {MalformedLine} from '../gladly/index.js'
import {appendLines} from '../common/index.js'

/**
 * Export lines that could not be used, kept aside next to the day's log (and removed with it after
 * 14 days) so that nothing is dropped without a trace.
 */
export function malformedReport(logDir: string, runId: string, now: Date): {readonly path: string; add(line: MalformedLine): Promise<void>} {
  const path = join(logDir, `gladly-enterpret-${now.toISOString().slice(0, 10)}.malformed.log`)
  return {path, add: (line) => appendLines(path, [JSON.stringify({run: runId, ...line})])}
}
