import {LineFile} from './lines.js'

/**
 * Where keyed lines are in a file, by a 32-bit hash of the key: an open-addressing table in two typed
 * arrays, 12 bytes a slot, at most three quarters full. That is 16–32 bytes a key whatever its length,
 * and nothing in the JavaScript heap, where a Map would keep every key as a string (60–80 bytes an
 * entry). A hash is now and then shared by two keys: the caller reads each candidate line back and
 * keeps the one whose key is its own.
 */
export class OffsetIndex {
  private hashes = new Uint32Array(INITIAL_SLOTS)
  private offsets = new Float64Array(INITIAL_SLOTS)
  private used = 0

  get size(): number {
    return this.used
  }

  /** The slots holding `key`'s hash, in probe order, with the offset each holds. */
  *candidates(key: string): Generator<{readonly slot: number; readonly offset: number}> {
    const hash = hashOf(key)
    const mask = this.hashes.length - 1
    for (let slot = hash & mask; this.hashes[slot] !== EMPTY; slot = (slot + 1) & mask) {
      if (this.hashes[slot] === hash) yield {slot, offset: this.offsets[slot] as number}
    }
  }

  /** Indexes a key that has no line yet (see candidates). */
  add(key: string, offset: number): void {
    if ((this.used + 1) * 4 > this.hashes.length * 3) this.grow()
    this.place(hashOf(key), offset)
    this.used++
  }

  /** Points a candidate slot, found to be the key's, at a newer line. */
  replace(slot: number, offset: number): void {
    this.offsets[slot] = offset
  }

  /** Every indexed offset, in ascending order. */
  sortedOffsets(): Float64Array {
    const offsets = new Float64Array(this.used)
    let next = 0
    for (let slot = 0; slot < this.hashes.length; slot++)
      if (this.hashes[slot] !== EMPTY) offsets[next++] = this.offsets[slot] as number
    return offsets.sort()
  }

  private place(hash: number, offset: number): void {
    const mask = this.hashes.length - 1
    let slot = hash & mask
    while (this.hashes[slot] !== EMPTY) slot = (slot + 1) & mask
    this.hashes[slot] = hash
    this.offsets[slot] = offset
  }

  private grow(): void {
    const {hashes, offsets} = this
    this.hashes = new Uint32Array(hashes.length * 2)
    this.offsets = new Float64Array(hashes.length * 2)
    for (let slot = 0; slot < hashes.length; slot++)
      if (hashes[slot] !== EMPTY) this.place(hashes[slot] as number, offsets[slot] as number)
  }
}

const INITIAL_SLOTS = 1024
const EMPTY = 0

/** FNV-1a over the key's UTF-16 units; never EMPTY. */
export function hashOf(key: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193)
  return hash >>> 0 || 1
}

/**
 * The lines of a file found by key, through an OffsetIndex: a candidate line is read back, parsed,
 * and taken only when its key is the one asked for. The file is opened at the first read and stays
 * open until closed.
 */
export class KeyedLines<A> {
  private readonly offsets = new OffsetIndex()
  private readonly file: LineFile

  constructor(
    path: string,
    private readonly parse: (text: string) => A | undefined,
    private readonly keyOf: (value: A) => string,
  ) {
    this.file = new LineFile(path)
  }

  get size(): number {
    return this.offsets.size
  }

  get(key: string): A | undefined {
    return this.find(key)?.value
  }

  /** Points the key at its line that starts at `offset` (a newer line of a key replaces the older). */
  set(key: string, offset: number): void {
    const found = this.find(key)
    if (found === undefined) this.offsets.add(key, offset)
    else this.offsets.replace(found.slot, offset)
  }

  /** Every indexed line's offset, in ascending order. */
  sortedOffsets(): Float64Array {
    return this.offsets.sortedOffsets()
  }

  close(): void {
    this.file.close()
  }

  private find(key: string): {slot: number; value: A} | undefined {
    for (const {slot, offset} of this.offsets.candidates(key)) {
      const value = this.parse(this.file.lineAt(offset))
      if (value !== undefined && this.keyOf(value) === key) return {slot, value}
    }
    return undefined
  }
}
