import type {ConversationRecord} from './schema.js'

/** One request's worth of records, and the exact size of the body that carries them. */
export interface Batch {
  readonly records: readonly ConversationRecord[]
  readonly bytes: number
}

/** A record whose one-record request body alone is over the byte limit: no batch can carry it. */
interface OversizedRecord {
  readonly record: ConversationRecord
  readonly bytes: number
}

export interface BatcherLimits {
  readonly maxRecords: number
  readonly maxBodyBytes: number
}

export interface Batcher {
  /** Takes one record; returns the batches it completed (usually none, at most two) and the record itself if it is oversized. */
  add(record: ConversationRecord): {readonly batches: readonly Batch[]; readonly oversized?: OversizedRecord}
  /** Returns the batch in progress, if any, and starts afresh. */
  flush(): readonly Batch[]
}

const ENVELOPE_BYTES = Buffer.byteLength(requestBody([]))

/** The exact webhook request body for these records; dry runs write the same bytes. */
export function requestBody(records: readonly ConversationRecord[]): string {
  return JSON.stringify({records})
}

function recordBytes(record: ConversationRecord): number {
  return Buffer.byteLength(JSON.stringify(record))
}

/**
 * Groups records, in arrival order, into batches within both limits. A record is serialized once
 * to measure it; a batch closes as soon as it is full by count, or when the next record would push
 * its body over the byte limit.
 */
export function createBatcher(limits: BatcherLimits): Batcher {
  const maxRecords = Math.max(1, limits.maxRecords)
  let records: ConversationRecord[] = []
  let bytes = ENVELOPE_BYTES

  // requestBody puts a comma between records: a body is the envelope, the records and n - 1 commas.
  const separator = () => (records.length > 0 ? 1 : 0)
  const take = (): Batch[] => {
    if (records.length === 0) return []
    const batch = {records, bytes}
    records = []
    bytes = ENVELOPE_BYTES
    return [batch]
  }

  return {
    add(record) {
      const size = recordBytes(record)
      if (ENVELOPE_BYTES + size > limits.maxBodyBytes) return {batches: [], oversized: {record, bytes: ENVELOPE_BYTES + size}}
      const completed = bytes + separator() + size > limits.maxBodyBytes ? take() : []
      bytes += separator() + size
      records.push(record)
      return {batches: records.length >= maxRecords ? [...completed, ...take()] : completed}
    },
    flush: take,
  }
}
