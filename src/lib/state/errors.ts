import type {AppError} from '../common/index.js'

/** The state file cannot be read, decoded or written. The file is always left as it was. */
export interface StateError extends AppError {
  readonly _tag: 'StateError'
}

/** Another import holds the profile's lock. */
export interface LockHeld extends AppError {
  readonly _tag: 'LockHeld'
  readonly holder: LockInfo
}

export interface LockInfo {
  readonly pid: number
  readonly host: string
  readonly command: string
  readonly startedAt: string
  /** The lease, renewed while the import runs; absent in locks of versions before leases. */
  readonly refreshedAt?: string
}
