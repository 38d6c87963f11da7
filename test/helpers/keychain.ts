import {spawnSync} from 'node:child_process'

let probed: boolean | undefined

/** Whether a Secret Service answers on this process's D-Bus session (npm test starts one when it can). */
function secretServiceAnswers(): boolean {
  if (probed !== undefined) return probed
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return (probed = false)
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      "import('@napi-rs/keyring').then(async ({AsyncEntry}) => { await new AsyncEntry('gladly-enterpret-probe', 'probe', {linux: {store: 'secret-service'}}).getPassword(); })",
    ],
    {timeout: 15_000},
  )
  return (probed = probe.status === 0)
}

/**
 * Skips the calling suite when no Secret Service is reachable, except where the run demands one
 * (CI sets GLADLY_ENTERPRET_REQUIRE_KEYCHAIN=1): there the absence is a failure, not a skip.
 */
export function keychainAvailable(context: Mocha.Context): void {
  if (secretServiceAnswers()) return
  if (process.env.GLADLY_ENTERPRET_REQUIRE_KEYCHAIN === '1')
    throw new Error('GLADLY_ENTERPRET_REQUIRE_KEYCHAIN=1 but no Secret Service answers on D-Bus')
  context.skip()
}

/** An address where no D-Bus listens: the child sees a machine without a keychain. */
export const NO_DBUS = 'unix:path=/nonexistent/gladly-enterpret-no-dbus'
