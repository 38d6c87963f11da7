import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {PROJECT_ROOT} from './cli.js'

/** Where scripts/ops-tools.sh leaves promtool when it is not on PATH. */
const UNPACKED = {promtool: join(PROJECT_ROOT, '.ci', 'tools', 'prometheus', 'usr', 'bin', 'promtool')}

function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], {encoding: 'utf8'})
  return found.status === 0 ? found.stdout.trim() : undefined
}

/**
 * The path of a checking tool of scripts/ops-tools.sh; without it the calling test is skipped, except where the run
 * demands the tools (CI sets GLADLY_ENTERPRET_REQUIRE_OPS_TOOLS=1): there the absence is a failure, not a skip.
 */
export function opsTool(context: Mocha.Context, name: 'promtool' | 'systemd-analyze'): string {
  const path = onPath(name) ?? (name === 'promtool' && existsSync(UNPACKED.promtool) ? UNPACKED.promtool : undefined)
  if (path !== undefined) return path
  if (process.env.GLADLY_ENTERPRET_REQUIRE_OPS_TOOLS === '1')
    throw new Error(`GLADLY_ENTERPRET_REQUIRE_OPS_TOOLS=1 but ${name} is missing: run sh scripts/ops-tools.sh`)
  context.skip()
}
