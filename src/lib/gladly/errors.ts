import {ExitCode, type AppError} from '../common/index.js'
import {redactText} from '../log/index.js'

/** Every way a Gladly call can fail, each with a message a support-ops person can act on. */
export type GladlyError =
  GladlyAuthError | GladlyNotFound | GladlyUnreachable | GladlyHttpError | GladlyDecodeError | LocalFileError

/** What Gladly sent could not be written here (a full disk, a read-only folder): not Gladly's fault, not retried. */
interface LocalFileError extends AppError {
  readonly _tag: 'LocalFileError'
}

export interface GladlyAuthError extends AppError {
  readonly _tag: 'GladlyAuthError'
  readonly status: 401 | 403
}

export interface GladlyNotFound extends AppError {
  readonly _tag: 'GladlyNotFound'
  readonly path: string
}

/** DNS, TLS, refused or reset connections and timeouts, after the retries they deserve. */
export interface GladlyUnreachable extends AppError {
  readonly _tag: 'GladlyUnreachable'
  readonly code: string
}

interface GladlyHttpError extends AppError {
  readonly _tag: 'GladlyHttpError'
  readonly status: number
  readonly path: string
}

interface GladlyDecodeError extends AppError {
  readonly _tag: 'GladlyDecodeError'
  readonly path: string
}

export function authError(status: 401 | 403, origin: string, username: string): GladlyAuthError {
  if (status === 401) {
    return {
      _tag: 'GladlyAuthError',
      status,
      exit: ExitCode.usage,
      message: `Gladly at ${origin} rejected the username or API token (401).`,
      suggestions: [
        `Check that GLADLY_USERNAME (${username}) is the email of the user that owns the token, and that GLADLY_API_TOKEN is a current token (Gladly › Settings › API Tokens).`,
      ],
    }
  }
  return {
    _tag: 'GladlyAuthError',
    status,
    exit: ExitCode.usage,
    message: `Gladly at ${origin} accepted the credentials of ${username} but refused access (403).`,
    suggestions: [`Give ${username} the "API User" permission in Gladly (Settings › Users), then try again.`],
  }
}

export function wrongUrl(origin: string): GladlyNotFound {
  return {
    _tag: 'GladlyNotFound',
    path: '/api/v1/organization',
    exit: ExitCode.usage,
    message: `There is no Gladly API at ${origin} (404 on /api/v1/organization).`,
    suggestions: [
      'Check GLADLY_API_URL: it is the address you sign in to Gladly at, e.g. https://acme.gladly.com or https://acme.us-1.gladly.com.',
    ],
  }
}

const TLS_CODES =
  /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/

export function unreachable(origin: string, code: string, rawDetail: string): GladlyUnreachable {
  const host = new URL(origin).host
  // Library messages can quote the request, headers included.
  const detail = redactText(rawDetail.split('\n')[0] ?? '')
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return {
      _tag: 'GladlyUnreachable',
      code,
      exit: ExitCode.usage,
      message: `Cannot resolve ${host} (${code}).`,
      suggestions: [
        'Check GLADLY_API_URL for a typo, and that this machine can resolve and reach it (DNS, proxy, firewall).',
      ],
    }
  }
  if (TLS_CODES.test(code)) {
    return {
      _tag: 'GladlyUnreachable',
      code,
      exit: ExitCode.failure,
      message: `The TLS connection to ${host} failed (${code}: ${detail}).`,
      suggestions: [
        'If a proxy on your network inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate; otherwise check the system clock and GLADLY_API_URL.',
      ],
    }
  }
  return {
    _tag: 'GladlyUnreachable',
    code,
    exit: ExitCode.failure,
    message: `Gladly at ${host} is unreachable (${code}: ${detail}).`,
    suggestions: ['Check the network path to Gladly and try again; transient failures were already retried.'],
  }
}

/**
 * Whether a failure met while reading one conversation concerns the whole run (stop it: the next conversation
 * would fail the same way) or only that conversation (set it aside, go on). Credentials, a Gladly that cannot be
 * reached or keeps answering 429 or 5xx after the retries, stop; an answer about this conversation that does not
 * decode or that Gladly refuses (4xx) does not.
 */
export function concernsWholeRun(error: GladlyError): boolean {
  switch (error._tag) {
    case 'GladlyAuthError':
    case 'GladlyUnreachable':
    case 'LocalFileError':
      return true
    case 'GladlyHttpError':
      return error.status === 429 || error.status >= 500
    case 'GladlyNotFound':
    case 'GladlyDecodeError':
      return false
  }
}
