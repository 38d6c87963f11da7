/**
 * Maps `source` with at most `limit` calls of `fn` in flight, yielding results in the source's
 * order. Keeps latency hidden (several requests outstanding) while the consumer sees a plain
 * sequence; at most `limit` results wait for it.
 */
export async function* mapOrdered<A, B>(
  source: Iterable<A> | AsyncIterable<A>,
  limit: number,
  fn: (value: A) => Promise<B>,
): AsyncGenerator<B> {
  const pending: Promise<B>[] = []
  const iterator =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<A>)[Symbol.iterator]()
  let exhausted = false
  const fill = async () => {
    while (!exhausted && pending.length < limit) {
      const next = await iterator.next()
      if (next.done) exhausted = true
      else pending.push(fn(next.value))
    }
  }
  await fill()
  while (pending.length > 0) {
    const result = await (pending.shift() as Promise<B>)
    await fill()
    yield result
  }
}
