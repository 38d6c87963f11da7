import Conf from 'conf'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {chmodSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {decode, ExitCode} from '../common/index.js'
import type {Paths, SecretName} from '../config/index.js'
import type {CredentialsFileError} from './errors.js'

const CredentialsFile = t.partial({profiles: t.record(t.string, t.record(t.string, t.string))})
type CredentialsFile = t.TypeOf<typeof CredentialsFile>

export function credentialsFilePath(paths: Paths): string {
  return join(paths.configDir, 'credentials.json')
}

function fileError(paths: Paths, problem: string): CredentialsFileError {
  const file = credentialsFilePath(paths)
  return {
    _tag: 'CredentialsFileError',
    exit: ExitCode.usage,
    message: `The credentials file ${file} is unusable (${problem}); it was left as it is.`,
    suggestions: [`Fix or delete ${file}, then run gladly-enterpret auth login again.`],
  }
}

function open(paths: Paths): E.Either<CredentialsFileError, {conf: Conf<CredentialsFile>; content: CredentialsFile}> {
  try {
    const conf = new Conf<CredentialsFile>({
      cwd: paths.configDir,
      configName: 'credentials',
      accessPropertiesByDotNotation: false,
      configFileMode: 0o600,
    })
    const decoded = decode(CredentialsFile, conf.store, 'credentials')
    return decoded._tag === 'Left'
      ? E.left(fileError(paths, decoded.left.message))
      : E.right({conf, content: decoded.right})
  } catch (error) {
    return E.left(fileError(paths, error instanceof SyntaxError ? 'not valid JSON' : (error as Error).message))
  }
}

/** The mode bits that let anyone but the owner read the file, or undefined if it is private. */
export function looseMode(paths: Paths): string | undefined {
  try {
    const mode = statSync(credentialsFilePath(paths)).mode & 0o777
    return (mode & 0o077) === 0 ? undefined : mode.toString(8).padStart(3, '0')
  } catch {
    return undefined
  }
}

export function readFileSecret(
  paths: Paths,
  profile: string,
  name: SecretName,
): E.Either<CredentialsFileError, string | undefined> {
  const file = open(paths)
  return E.map(({content}: {content: CredentialsFile}) => content.profiles?.[profile]?.[name])(file)
}

/** Sets (string) or removes (undefined) secrets of one profile; the file stays 0600. */
export function writeFileSecrets(
  paths: Paths,
  profile: string,
  changes: Partial<Record<SecretName, string | undefined>>,
): E.Either<CredentialsFileError, void> {
  const file = open(paths)
  if (file._tag === 'Left') return file
  const profiles = {...file.right.content.profiles}
  const secrets: Record<string, string> = {...profiles[profile]}
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete secrets[name]
    else secrets[name] = value
  }
  if (Object.keys(secrets).length === 0) delete profiles[profile]
  else profiles[profile] = secrets
  try {
    file.right.conf.set('profiles', profiles)
    // conf creates the file 0600, but an existing file keeps whatever mode someone gave it.
    chmodSync(credentialsFilePath(paths), 0o600)
    return E.right(undefined)
  } catch (error) {
    return E.left(fileError(paths, (error as Error).message))
  }
}
