import envPaths from 'env-paths'
import {join} from 'node:path'

export interface Paths {
  /** Holds settings.json (profiles) and, only with --insecure-storage, credentials.json. */
  readonly configDir: string
  /** Holds each profile's state, lock, spool and dead letters. */
  readonly stateDir: string
  readonly logDir: string
}

const APP = 'gladly-enterpret'

/**
 * `GLADLY_ENTERPRET_HOME` puts everything under one folder (handy for containers and tests);
 * otherwise each kind of file goes where the platform expects it: XDG config and state on Linux,
 * ~/Library on macOS, %APPDATA% / %LOCALAPPDATA% on Windows.
 */
export function resolvePaths(env: NodeJS.ProcessEnv): Paths {
  const home = env.GLADLY_ENTERPRET_HOME?.trim()
  if (home) return {configDir: home, stateDir: join(home, 'state'), logDir: join(home, 'logs')}
  const platform = envPaths(APP, {suffix: ''})
  if (process.platform === 'linux') {
    // env-paths maps Linux "log" to $XDG_STATE_HOME/<app>, which is where state belongs too.
    return {configDir: platform.config, stateDir: platform.log, logDir: join(platform.log, 'logs')}
  }
  return {configDir: platform.config, stateDir: platform.data, logDir: platform.log}
}
