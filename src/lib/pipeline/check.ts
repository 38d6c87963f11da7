import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import {Writable} from 'node:stream'
import type {AppError} from '../common/index.js'
import type {Settings} from '../config/index.js'
import type {EnterpretRecord} from '../enterpret/index.js'
import type {Logger} from '../log/index.js'
import type {Mapping} from '../mapping/index.js'
import type {FilterReason} from '../transform/index.js'
import {runImport} from './run.js'
import {mappingOf} from './shaping.js'
import type {RunSummary} from './summary.js'

/** "Recent": the export jobs of the last days, read oldest first, up to the sample's size. */
const RECENT_DAYS = 3
const DAY_MS = 24 * 60 * 60 * 1000

export interface MappingCheckOptions {
  readonly settings: Settings
  readonly logger: Logger
  readonly userAgent: string
  readonly runId: string
  /** Closed conversations to read. */
  readonly sample: number
  readonly now?: () => Date
  readonly signal?: AbortSignal
}

export interface MappingCheck {
  /** The mapping file, when IMPORT_MAPPING_FILE names one (else the default keys apply). */
  readonly mapping?: {
    readonly path: string
    readonly renamed: Record<string, string>
    readonly dropped: readonly string[]
    readonly constants: readonly string[]
    readonly customAttributes: readonly string[]
    readonly recordIdPrefix: string
    readonly fileId?: string
  }
  /** The records exactly as they would be sent. */
  readonly records: readonly EnterpretRecord[]
  readonly filtered: ReadonlyArray<{conversationId: string; reason: FilterReason; detail: string}>
  readonly summary: RunSummary
  /** What stopped the run early, if anything did (the records read until then are shown). */
  readonly error?: AppError
}

function describeMapping(mapping: Mapping): NonNullable<MappingCheck['mapping']> {
  const {metadata} = mapping
  return {
    path: mapping.path,
    renamed: Object.fromEntries(metadata.rename),
    dropped: [...metadata.drop],
    constants: Object.keys(metadata.constants),
    // Each name is kept as given and lower-cased: show it once.
    customAttributes: [...new Set([...metadata.customAttributes.keys()].map((name) => name.toLowerCase()))],
    recordIdPrefix: mapping.recordIdPrefix,
    ...(mapping.fileId === undefined ? {} : {fileId: mapping.fileId}),
  }
}

/** Collects the request bodies a dry run writes, one per line, as records. */
function recordCollector(): {output: Writable; records: EnterpretRecord[]} {
  const records: EnterpretRecord[] = []
  let pending = ''
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += String(chunk)
      let newline = pending.indexOf('\n')
      while (newline >= 0) {
        const body = JSON.parse(pending.slice(0, newline)) as {records: EnterpretRecord[]}
        records.push(...body.records)
        pending = pending.slice(newline + 1)
        newline = pending.indexOf('\n')
      }
      done()
    },
  })
  return {output, records}
}

/**
 * `mapping check`: loads and checks the mapping file (and the filters and redaction settings), then reads the most
 * recent closed conversations as a dry run does — nothing sent, the state untouched — and returns their records as
 * they would be sent, with those the filters leave out and what was redacted.
 */
export function checkMapping(options: MappingCheckOptions): TE.TaskEither<AppError, MappingCheck> {
  const now = options.now ?? (() => new Date())
  const filtered: Array<{conversationId: string; reason: FilterReason; detail: string}> = []
  const collector = recordCollector()
  return pipe(
    TE.fromEither(mappingOf(options.settings)),
    TE.bindTo('mapping'),
    TE.bind('result', () =>
      runImport({
        settings: options.settings,
        logger: options.logger,
        userAgent: options.userAgent,
        runId: options.runId,
        selection: {mode: 'range', start: new Date(now().getTime() - RECENT_DAYS * DAY_MS)},
        limit: options.sample,
        includeNotes: false,
        resendUpdated: false,
        dryRun: {output: collector.output},
        onFiltered: (conversationId, reason, detail) => filtered.push({conversationId, reason, detail}),
        ...(options.signal === undefined ? {} : {signal: options.signal}),
        ...(options.now === undefined ? {} : {now: options.now}),
      }),
    ),
    TE.chainW(({mapping, result}) =>
      TE.fromTask(async (): Promise<MappingCheck> => {
        await new Promise<void>((resolve) => collector.output.end(resolve))
        return {
          ...(mapping === undefined ? {} : {mapping: describeMapping(mapping)}),
          records: collector.records,
          filtered,
          summary: result.summary,
          ...(result.error === undefined ? {} : {error: result.error}),
        }
      }),
    ),
  )
}
