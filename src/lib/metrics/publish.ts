import type {Settings} from '../config/index.js'
import type {Logger} from '../log/index.js'
import {pushToGateway, registryOf, writeTextfile} from './prometheus.js'
import type {Sample} from './samples.js'
import {sendToStatsd} from './statsd.js'

export type SinkName = 'textfile' | 'pushgateway' | 'statsd'

/** The address of a Pushgateway as it may be shown: without the user and password a URL can carry. */
function shownUrl(url: string): string {
  const parsed = new URL(url)
  parsed.username = ''
  parsed.password = ''
  return parsed.toString()
}

/**
 * Sends the samples to every sink the settings name, all at once. A sink that fails costs one warning and never
 * the import: the figures reach the others, and the next run sends them again. Returns the sinks that got them.
 */
export async function publish(settings: Settings, samples: readonly Sample[], logger: Logger): Promise<SinkName[]> {
  const {METRICS_TEXTFILE, METRICS_PUSHGATEWAY_URL, METRICS_STATSD} = settings.values
  const sinks: [SinkName, string, () => Promise<void>][] = []
  const registry = registryOf(samples)
  if (METRICS_TEXTFILE !== undefined)
    sinks.push([
      'textfile',
      `the metrics textfile ${METRICS_TEXTFILE}`,
      () => writeTextfile(METRICS_TEXTFILE, registry),
    ])
  if (METRICS_PUSHGATEWAY_URL !== undefined)
    sinks.push([
      'pushgateway',
      `the Pushgateway at ${shownUrl(METRICS_PUSHGATEWAY_URL)}`,
      () => pushToGateway(METRICS_PUSHGATEWAY_URL, settings.profile, registry),
    ])
  if (METRICS_STATSD !== undefined)
    sinks.push(['statsd', `StatsD at ${METRICS_STATSD}`, () => sendToStatsd(METRICS_STATSD, samples)])
  const results = await Promise.allSettled(sinks.map(([, , send]) => send()))
  return sinks.flatMap(([name, where], index) => {
    const result = results[index]
    if (result?.status === 'fulfilled') return [name]
    logger.warn(
      `The import's metrics could not be sent to ${where}: ${(result?.reason as Error | undefined)?.message ?? 'unknown error'}. The import itself is not affected.`,
    )
    return []
  })
}
