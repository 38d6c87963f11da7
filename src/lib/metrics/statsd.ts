import StatsD from 'hot-shots'
import {METRIC_PREFIX, type Sample} from './samples.js'

// One UDP datagram well under a usual MTU, so a buffer of gauges is never fragmented on the way.
const MAX_DATAGRAM_BYTES = 1400

/** `gladly_enterpret_dead_letters` → `gladly_enterpret.dead_letters`: the namespace as Datadog writes it. */
const statsdName = (name: string) => `${METRIC_PREFIX.slice(0, -1)}.${name.slice(METRIC_PREFIX.length)}`

function parseAddress(address: string): {host: string; port: number} {
  const split = address.lastIndexOf(':')
  return {host: address.slice(0, split).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(split + 1))}
}

/** Every sample as a DogStatsD gauge, its labels as tags. Resolves once sent; rejects with the first error. */
export async function sendToStatsd(address: string, samples: readonly Sample[]): Promise<void> {
  const {host, port} = parseAddress(address)
  const errors: Error[] = []
  const client = new StatsD({
    host,
    port,
    udpSocketOptions: {type: host.includes(':') ? 'udp6' : 'udp4'},
    maxBufferSize: MAX_DATAGRAM_BYTES,
    errorHandler: (error) => errors.push(error),
  })
  for (const sample of samples)
    client.gauge(
      statsdName(sample.name),
      sample.value,
      Object.entries(sample.labels).map(([key, value]) => `${key}:${value}`),
    )
  await new Promise<void>((resolve) =>
    client.close((error) => {
      if (error) errors.push(error)
      resolve()
    }),
  )
  if (errors.length > 0) throw errors[0]
}
