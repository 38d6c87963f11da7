import {Flags} from '@oclif/core'
import * as E from 'fp-ts/lib/Either.js'
import {pipe} from 'fp-ts/lib/function.js'
import {ExitCode, INSTANT_RULE, parseInstant, type AppError} from './lib/common/index.js'
import type {Selection} from './lib/gladly/index.js'

/**
 * The flags that choose which export jobs a run reads; shared by import and dry-run. The dates stay text until
 * `selectionOf`: an oclif parse error spans several lines, and oclif echoes a flag's parsed value (when --full
 * excludes it), which for a Date is its toString().
 */
export const selectionFlags = {
  incremental: Flags.boolean({
    description: 'Read only export jobs not imported yet (the default)',
    exclusive: ['full', 'start-date', 'end-date'],
  }),
  full: Flags.boolean({
    description: 'Read every export job Gladly still keeps (14 days); Enterpret skips records it already has',
    exclusive: ['incremental', 'start-date', 'end-date'],
  }),
  'start-date': Flags.string({
    description: `Read export jobs whose window ends after this instant, and backfill what is older than 14 days (${INSTANT_RULE})`,
  }),
  'end-date': Flags.string({
    description: `Read export jobs whose window starts before this instant (${INSTANT_RULE})`,
  }),
  limit: Flags.integer({description: 'Stop after this many conversations have become records', min: 1}),
  'include-notes': Flags.boolean({description: "Include internal notes in transcripts (as the agent's messages)"}),
  'batch-size': Flags.integer({description: 'Records per webhook request [BATCH_SIZE]', min: 1, max: 100}),
}

export interface SelectionFlagValues {
  readonly full?: boolean
  readonly 'start-date'?: string
  readonly 'end-date'?: string
  readonly limit?: number
  readonly 'include-notes': boolean
}

const optionalInstant = (name: string, text: string | undefined, now: Date): E.Either<AppError, Date | undefined> =>
  text === undefined ? E.right(undefined) : parseInstant(name, text, now)

/** The selection the flags ask for; a date that is none, in the future, or out of order is a usage error. */
export function selectionOf(flags: SelectionFlagValues, now: Date): E.Either<AppError, Selection> {
  return pipe(
    E.Do,
    E.apS('start', optionalInstant('--start-date', flags['start-date'], now)),
    E.apS('end', optionalInstant('--end-date', flags['end-date'], now)),
    E.chain(({start, end}): E.Either<AppError, Selection> => {
      if (start && end && end.getTime() <= start.getTime())
        return E.left({
          _tag: 'UsageError',
          exit: ExitCode.usage,
          message: `--end-date (${end.toISOString()}) must be after --start-date (${start.toISOString()}).`,
        })
      if (flags.full) return E.right({mode: 'full'})
      if (start || end) return E.right({mode: 'range', start, end})
      return E.right({mode: 'incremental'})
    }),
  )
}
