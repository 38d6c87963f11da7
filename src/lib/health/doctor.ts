import * as E from 'fp-ts/lib/Either.js'
import * as T from 'fp-ts/lib/Task.js'
import {pipe} from 'fp-ts/lib/function.js'
import {accessSync, constants, existsSync} from 'node:fs'
import {authStatus, type AuthStatus, type StatusOptions} from '../auth/index.js'
import {displayInstant} from '../common/index.js'
import type {Settings} from '../config/index.js'
import {currentFigures, type Figures} from '../metrics/index.js'
import {lockStatus, openStateStore, profileStateDir, type State} from '../state/index.js'

/** One line of the doctor's answer: what was checked, whether it is healthy, and what was found. */
interface Finding {
  readonly check:
    | 'credentials'
    | 'gladly'
    | 'enterpret'
    | 'enterpret-users'
    | 'lock'
    | 'state'
    | 'watermark'
    | 'dead letters'
    | 'quarantine'
    | 'last import'
  readonly ok: boolean
  readonly detail: string
}

export interface DoctorReport {
  readonly profile: string
  readonly ok: boolean
  readonly findings: readonly Finding[]
  readonly metrics: Figures
}

export interface DoctorOptions extends StatusOptions {
  /** A watermark older than this fails the check; Gladly deletes export data 14 days after it. */
  readonly maxWatermarkAgeHours: number
  readonly now: Date
}

const IMPORT_NEEDS = ['GLADLY_API_URL', 'GLADLY_USERNAME', 'GLADLY_API_TOKEN', 'ENTERPRET_API_KEY']

function credentialFindings(status: AuthStatus): Finding[] {
  const missing = status.credentials.filter((credential) => IMPORT_NEEDS.includes(credential.name) && !credential.set)
  const credentials: Finding = {
    check: 'credentials',
    ok: missing.length === 0,
    detail:
      missing.length === 0
        ? `all set (${status.credentials
            .filter((credential) => credential.set && IMPORT_NEEDS.includes(credential.name))
            .map((credential) => `${credential.name} from ${credential.source}`)
            .join(', ')})`
        : `${missing.map((credential) => `${credential.name} ${credential.unreadable ? `could not be read (${credential.unreadable.reason})` : 'is not set'}`).join(', ')}; run gladly-enterpret auth login, or set them in the environment`,
  }
  const services = status.checks.map((check): Finding => ({
    check: check.service,
    // Skipped: offline, or the optional Users webhook key is not set (customers are then simply not sent).
    ok: check.status === 'ok' || check.status === 'skipped',
    detail: check.detail,
  }))
  return [credentials, ...services]
}

function lockFinding(settings: Settings): Finding {
  const {stateDir} = settings.paths
  const lock = lockStatus(stateDir, settings.profile)
  const {holder} = lock
  if (holder?.alive)
    return {
      check: 'lock',
      ok: true,
      detail: `held by a running import: pid ${holder.pid} on ${holder.host} since ${holder.startedAt}`,
    }
  // The lock is a file created next to the state: its folder must be writable, or no import can start.
  const dir = profileStateDir(stateDir, settings.profile)
  let writable = true
  try {
    accessSync(existsSync(dir) ? dir : stateDir, constants.W_OK)
  } catch (error) {
    writable = (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
  if (!writable) return {check: 'lock', ok: false, detail: `${dir} is not writable: no import can take the lock`}
  return holder
    ? {
        check: 'lock',
        ok: true,
        detail: `left by pid ${holder.pid} on ${holder.host}, which is gone; the next import takes it over`,
      }
    : {check: 'lock', ok: true, detail: 'free'}
}

const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} h`
const days = (seconds: number) => `${(seconds / 86_400).toFixed(1)} days`

function stateFindings(state: E.Either<{message: string}, State>, figures: Figures, maxAgeHours: number): Finding[] {
  if (E.isLeft(state)) return [{check: 'state', ok: false, detail: state.left.message}]
  const findings: Finding[] = [{check: 'state', ok: true, detail: 'readable'}]
  const {watermark, watermarkAgeSeconds: age, exportWindowHeadroomSeconds: headroom} = figures
  findings.push(
    watermark === null || age === null || headroom === null
      ? {check: 'watermark', ok: false, detail: 'none: no import has completed yet for this profile'}
      : {
          check: 'watermark',
          ok: age <= maxAgeHours * 3600 && headroom > 0,
          detail: `${displayInstant(watermark)}, ${hours(age)} old (threshold ${maxAgeHours} h); ${headroom > 0 ? `${days(headroom)} before Gladly deletes export data not imported yet` : `export data from ${days(-headroom)} ago is already deleted: run import --start-date to backfill it`}`,
        },
  )
  const letters = state.right.deadLetters.length
  findings.push({
    check: 'dead letters',
    ok: letters === 0,
    detail:
      letters === 0
        ? 'none'
        : `${letters} record(s) Enterpret rejected wait for the next import (state show lists them with the reason)`,
  })
  const quarantined = (state.right.quarantine ?? []).length
  findings.push({
    check: 'quarantine',
    ok: quarantined === 0,
    detail:
      quarantined === 0
        ? 'none'
        : `${quarantined} conversation(s) could not be read or turned into a record; the next import fetches them again (state show lists them)`,
  })
  return findings
}

function lastImportFinding({lastRun, lastSuccessAt}: Figures): Finding {
  if (lastRun === null) return {check: 'last import', ok: true, detail: 'no record yet'}
  const since = `last success ${lastSuccessAt === null ? 'never' : displayInstant(lastSuccessAt)}`
  return {
    check: 'last import',
    ok: lastRun.outcome === 'success' || lastRun.outcome === 'partial',
    detail: `${lastRun.outcome} (exit ${lastRun.exitCode}) at ${displayInstant(lastRun.finishedAt)}; ${since}`,
  }
}

/**
 * A health check for schedulers and on-call: the credentials and both APIs (auth status's checks), the lock, the
 * state, how far behind Gladly the profile is, and what is owed. Healthy when every finding is.
 */
export function doctor(settings: Settings, options: DoctorOptions): T.Task<DoctorReport> {
  return pipe(
    authStatus(settings, options),
    T.chain((status) => async () => {
      const state = openStateStore(settings.paths.stateDir, settings.profile).read()
      const figures = await currentFigures(settings, options.logger, options.now)
      const findings = [
        ...credentialFindings(status),
        lockFinding(settings),
        ...stateFindings(state, figures, options.maxWatermarkAgeHours),
        lastImportFinding(figures),
      ]
      return {profile: settings.profile, ok: findings.every((finding) => finding.ok), findings, metrics: figures}
    }),
  )
}
