// Secrets: the OS keychain through keytar's API, or — only when asked — a 0600 file every command that reads it warns of.
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import {pipe} from 'fp-ts/lib/function.js'
import type {Paths, SecretBackend, SecretName, SecretReader} from '../config/index.js'
import {registerSecret} from '../log/index.js'
import type {CredentialsError} from './errors.js'
import {credentialsFilePath, looseMode, readFileSecret, writeFileSecrets} from './file-store.js'
import {KEYCHAIN_SERVICE, withKeychain} from './keychain.js'

export {type CredentialsError} from './errors.js'
export {credentialsFilePath} from './file-store.js'
export {KEYCHAIN_SERVICE, withKeychain} from './keychain.js'

export function keychainAccount(profile: string, name: SecretName): string {
  return `${profile}:${name}`
}

/**
 * Reads stored secrets for config; every value read is registered for redaction at once. With
 * `onUnavailable`, a secret that cannot be read is reported there and treated as absent (auth status
 * must describe a broken keychain, not die of it).
 */
export function secretReader(onUnavailable?: (name: SecretName, error: CredentialsError) => void): SecretReader {
  return (name, backend, profile, paths) => {
    const read: TE.TaskEither<CredentialsError, string | undefined> =
      backend === 'keychain'
        ? withKeychain(
            async (keytar) => (await keytar.getPassword(KEYCHAIN_SERVICE, keychainAccount(profile, name))) ?? undefined,
          )
        : TE.fromEither(readFileSecret(paths, profile, name))
    const registered = pipe(
      read,
      TE.tap((value) => TE.fromIO(() => registerSecret(value))),
    )
    if (onUnavailable === undefined) return registered
    return pipe(
      registered,
      TE.orElse((error) => {
        onUnavailable(name, error)
        return TE.right<CredentialsError, string | undefined>(undefined)
      }),
    )
  }
}

/** The reminder owed whenever secrets were read from the plain file: one for the command, naming them all. */
export function insecureReadWarning(paths: Paths, names: readonly SecretName[]): string {
  const mode = looseMode(paths)
  return (
    `${names.join(' and ')} ${names.length === 1 ? 'was' : 'were'} read from ${credentialsFilePath(paths)}, a plain file (auth login --insecure-storage).` +
    (mode ? ` Its mode is ${mode}: anyone on this machine may read it; run chmod 600 on it.` : '') +
    ` Move ${names.length === 1 ? 'it' : 'them'} to the keychain with gladly-enterpret auth login once one is available.`
  )
}

/** Whether the keychain answers here: one harmless read, so that login knows before it asks for anything. */
export function keychainReady(profile: string): TE.TaskEither<CredentialsError, void> {
  return withKeychain(async (keytar) => {
    await keytar.getPassword(KEYCHAIN_SERVICE, keychainAccount(profile, 'GLADLY_API_TOKEN'))
  })
}

export function storeSecrets(
  paths: Paths,
  profile: string,
  secrets: Partial<Record<SecretName, string>>,
  backend: SecretBackend,
): TE.TaskEither<CredentialsError, void> {
  if (backend === 'file') return TE.fromEither(writeFileSecrets(paths, profile, secrets))
  return withKeychain(async (keytar) => {
    for (const [name, value] of Object.entries(secrets) as [SecretName, string][]) {
      await keytar.setPassword(KEYCHAIN_SERVICE, keychainAccount(profile, name), value)
    }
  })
}

/** Removes the named secrets from the backend that holds each one; reports what was there. */
export function removeSecrets(
  paths: Paths,
  profile: string,
  held: Partial<Record<SecretName, SecretBackend>>,
): TE.TaskEither<CredentialsError, SecretName[]> {
  const names = Object.keys(held) as SecretName[]
  const inFile = names.filter((name) => held[name] === 'file')
  const inKeychain = names.filter((name) => held[name] === 'keychain')
  return pipe(
    TE.fromEither(
      inFile.length === 0
        ? E.right(undefined)
        : writeFileSecrets(paths, profile, Object.fromEntries(inFile.map((name) => [name, undefined]))),
    ),
    TE.chain(() =>
      inKeychain.length === 0
        ? TE.right<CredentialsError, SecretName[]>([])
        : withKeychain(async (keytar) => {
            const removed: SecretName[] = []
            for (const name of inKeychain)
              if (await keytar.deletePassword(KEYCHAIN_SERVICE, keychainAccount(profile, name))) removed.push(name)
            return removed
          }),
    ),
    TE.map((removedFromKeychain) => [...inFile, ...removedFromKeychain]),
  )
}
