import {Gauge, Pushgateway, Registry} from 'prom-client'
import {writeAtomically} from '../common/index.js'
import type {Sample} from './samples.js'

/** The samples in a registry of their own: nothing of this process (its memory, its event loop) is mixed in. */
export function registryOf(samples: readonly Sample[]): Registry {
  const registry = new Registry()
  const gauges = new Map<string, Gauge>()
  for (const sample of samples) {
    let gauge = gauges.get(sample.name)
    if (gauge === undefined) {
      gauge = new Gauge({
        name: sample.name,
        help: sample.help,
        labelNames: Object.keys(sample.labels),
        registers: [registry],
      })
      gauges.set(sample.name, gauge)
    }
    gauge.set(sample.labels, sample.value)
  }
  return registry
}

// node_exporter runs as its own user: the file must be readable by others (it holds no secret).
const TEXTFILE_MODE = 0o644

/** Atomically, so the textfile collector never reads half a file (it reads only *.prom: the temporary is not). */
export async function writeTextfile(path: string, registry: Registry): Promise<void> {
  await writeAtomically(path, await registry.metrics(), TEXTFILE_MODE)
}

const PUSH_JOB = 'gladly-enterpret'
// Short: after a SIGTERM, the push must fit in what is left of the grace period (README, Operating it).
const PUSH_TIMEOUT_MS = 4_000

/** Replaces the profile's group on the Pushgateway (PUT), so a figure the run no longer has does not linger. */
export async function pushToGateway(url: string, profile: string, registry: Registry): Promise<void> {
  const gateway = new Pushgateway(url, {timeout: PUSH_TIMEOUT_MS}, registry)
  await gateway.push({jobName: PUSH_JOB, groupings: {profile}})
}
