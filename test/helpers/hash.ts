import {hashOf} from '../../src/lib/common/index.js'

/** Two different keys with the same hash, found by search (a 32-bit hash repeats within ~100,000 keys). */
export function keysSharingAHash(prefix: string): [string, string] {
  const seen = new Map<number, string>()
  for (let index = 0; ; index++) {
    const key = `${prefix}${index}`
    const earlier = seen.get(hashOf(key))
    if (earlier !== undefined) return [earlier, key]
    seen.set(hashOf(key), key)
  }
}
