import {ExitCode, type AppError} from '../common/index.js'

/** The OS keychain cannot be used here (no Secret Service, locked, missing native binding…). */
export interface KeychainUnavailable extends AppError {
  readonly _tag: 'KeychainUnavailable'
  readonly reason: string
}

/** The insecure credentials file cannot be read or written. */
export interface CredentialsFileError extends AppError {
  readonly _tag: 'CredentialsFileError'
}

export type CredentialsError = KeychainUnavailable | CredentialsFileError

const KEYCHAIN_ALTERNATIVES = [
  'Set GLADLY_API_TOKEN and ENTERPRET_API_KEY in the environment or in a .env file (chmod 600) instead.',
  'Or store them in a plain file readable only by you: gladly-enterpret auth login --insecure-storage',
]

export function keychainUnavailable(reason: string): KeychainUnavailable {
  return {
    _tag: 'KeychainUnavailable',
    exit: ExitCode.usage,
    reason,
    message: `The system keychain is not available: ${reason}.`,
    suggestions: [
      'On a Linux server, the keychain needs a running Secret Service (e.g. gnome-keyring) on a D-Bus session.',
      ...KEYCHAIN_ALTERNATIVES,
    ],
  }
}
