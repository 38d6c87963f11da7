import {requestBody, type Envelope} from './webhooks.js'

/** What every webhook record has: an id, by which Enterpret skips a record it already has. */
export interface WireRecord {
  readonly id: string
}

/** One request's worth of records, and the exact size of the body that carries them. */
export interface Batch<R extends WireRecord> {
  readonly records: readonly R[]
  readonly bytes: number
}

/** A record whose one-record request body alone is over the byte limit: no batch can carry it. */
interface OversizedRecord<R extends WireRecord> {
  readonly record: R
  readonly bytes: number
}

export interface BatcherLimits {
  readonly maxRecords: number
  readonly maxBodyBytes: number
}

export interface Batcher<R extends WireRecord> {
  /** Takes one record; returns the batches it completed (usually none, at most two) and the record itself if it is oversized. */
  add(record: R): {readonly batches: readonly Batch<R>[]; readonly oversized?: OversizedRecord<R>}
  /** Returns the batch in progress, if any, and starts afresh. */
  flush(): readonly Batch<R>[]
}

function recordBytes(record: WireRecord): number {
  return Buffer.byteLength(JSON.stringify(record))
}

/**
 * Groups records, in arrival order, into batches within both limits. A record is serialized once
 * to measure it; a batch closes as soon as it is full by count, or when the next record would push
 * its body over the byte limit.
 */
export function createBatcher<R extends WireRecord>(limits: BatcherLimits, envelope: Envelope = 'records'): Batcher<R> {
  const envelopeBytes = Buffer.byteLength(requestBody([], envelope))
  const maxRecords = Math.max(1, limits.maxRecords)
  let records: R[] = []
  let bytes = envelopeBytes

  // requestBody puts a comma between records: a body is the envelope, the records and n - 1 commas.
  const separator = () => (records.length > 0 ? 1 : 0)
  const take = (): Batch<R>[] => {
    if (records.length === 0) return []
    const batch = {records, bytes}
    records = []
    bytes = envelopeBytes
    return [batch]
  }

  return {
    add(record) {
      const size = recordBytes(record)
      if (envelopeBytes + size > limits.maxBodyBytes)
        return {batches: [], oversized: {record, bytes: envelopeBytes + size}}
      const completed = bytes + separator() + size > limits.maxBodyBytes ? take() : []
      bytes += separator() + size
      records.push(record)
      return {batches: records.length >= maxRecords ? [...completed, ...take()] : completed}
    },
    flush: take,
  }
}
