import {Flags} from '@oclif/core'
import type {Selection} from './lib/gladly/index.js'

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/** A date flag: ISO 8601, a bare date meaning UTC midnight, never in the future. */
const instant = Flags.custom<Date>({
  async parse(input) {
    const text = input.trim()
    const date = ISO_DATE.test(text)
      ? new Date(/T/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text)
      : new Date(Number.NaN)
    if (Number.isNaN(date.getTime()))
      throw new Error(`Expected an ISO 8601 date such as 2026-11-20 or 2026-11-20T06:00:00Z, got '${input}'.`)
    if (date.getTime() > Date.now()) throw new Error(`The date must not be in the future, got ${date.toISOString()}.`)
    return date
  },
})

/** The flags that choose which export jobs a run reads; shared by import and dry-run. */
export const selectionFlags = {
  incremental: Flags.boolean({
    description: 'Read only export jobs not imported yet (the default)',
    exclusive: ['full', 'start-date', 'end-date'],
  }),
  full: Flags.boolean({
    description: 'Read every export job Gladly still keeps (14 days); Enterpret skips records it already has',
    exclusive: ['incremental', 'start-date', 'end-date'],
  }),
  'start-date': instant({
    description: 'Read export jobs whose window ends after this instant (ISO 8601; within the last 14 days)',
  }),
  'end-date': instant({description: 'Read export jobs whose window starts before this instant (ISO 8601)'}),
  limit: Flags.integer({description: 'Stop after this many conversations have become records', min: 1}),
  'include-notes': Flags.boolean({description: "Include internal notes in transcripts (as the agent's messages)"}),
  'batch-size': Flags.integer({description: 'Records per webhook request [BATCH_SIZE]', min: 1, max: 100}),
}

export interface SelectionFlagValues {
  readonly full?: boolean
  readonly 'start-date'?: Date
  readonly 'end-date'?: Date
  readonly limit?: number
  readonly 'include-notes': boolean
}

export function selectionOf(flags: SelectionFlagValues): Selection | string {
  const start = flags['start-date']
  const end = flags['end-date']
  if (start && end && end.getTime() <= start.getTime())
    return `--end-date (${end.toISOString()}) must be after --start-date (${start.toISOString()}).`
  if (flags.full) return {mode: 'full'}
  if (start || end) return {mode: 'range', start, end}
  return {mode: 'incremental'}
}
