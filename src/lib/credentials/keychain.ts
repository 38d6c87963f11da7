import * as TE from 'fp-ts/lib/TaskEither.js'
import {keychainUnavailable, type KeychainUnavailable} from './errors.js'

/** keytar's API: the adapter below is the only code that knows which binding provides it. */
export interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
  findCredentials(service: string): Promise<Array<{account: string; password: string}>>
}

export const KEYCHAIN_SERVICE = 'gladly-enterpret'
// A locked keyring can wait forever for a password prompt nobody will answer (cron, CI).
const KEYCHAIN_TIMEOUT_MS = 15_000

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof Error && error.name === 'AbortError')
    return `it did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s (is it locked?)`
  if (/Cannot find (module|package)|ERR_MODULE_NOT_FOUND|ERR_DLOPEN_FAILED|native binding/i.test(message))
    return `the keychain binding for ${process.platform}-${process.arch} is missing (${message.split('\n')[0]})`
  if (/dbus|DBus|autolaunch|DBUS_SESSION_BUS_ADDRESS/.test(message))
    return `no D-Bus session to reach a Secret Service (${message.replace(/^Platform failure: /, '')})`
  return message.replace(/^Platform failure: /, '')
}

/**
 * @napi-rs/keyring ships keytar's API prebuilt for each platform, with no install script and no
 * libsecret to compile against (keytar itself is archived). On Linux each entry is pinned to the
 * Secret Service: the library would otherwise fall back silently to a kernel keyring that does not
 * survive a reboot. Loaded on first use so that --help never pays for it.
 */
async function loadBinding(): Promise<Keytar> {
  const {AsyncEntry, findCredentialsAsync} = await import('@napi-rs/keyring')
  const pinned = {linux: {store: 'secret-service' as const}}
  const entry = (service: string, account: string) => new AsyncEntry(service, account, pinned)
  const signal = () => AbortSignal.timeout(KEYCHAIN_TIMEOUT_MS)
  return {
    getPassword: (service, account) => entry(service, account).getPassword(signal()),
    setPassword: (service, account, password) => entry(service, account).setPassword(password, signal()),
    deletePassword: (service, account) => entry(service, account).deletePassword(signal()),
    findCredentials: (service) => findCredentialsAsync(service, undefined, signal()),
  }
}

let binding: Promise<Keytar> | undefined

/** Runs one keychain operation, turning every way it can fail into KeychainUnavailable. */
export function withKeychain<A>(operation: (keytar: Keytar) => Promise<A>): TE.TaskEither<KeychainUnavailable, A> {
  return TE.tryCatch(
    async () => operation(await (binding ??= loadBinding())),
    (error) => keychainUnavailable(reasonOf(error)),
  )
}
