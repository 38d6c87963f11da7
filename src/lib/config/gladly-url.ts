import {left, right, type Either} from 'fp-ts/lib/Either.js'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])
const API_PATH = /^\/api\/v1\/?$/

/**
 * Turns what people paste as their Gladly address into the origin the client builds paths on.
 * Accepts `https://acme.gladly.com`, `https://acme.us-1.gladly.com`, a sandbox `https://acme.gladly.qa`,
 * with or without `/api/v1`, and plain http only on loopback (the fake server in tests and the demo).
 */
export function normalizeGladlyUrl(input: string): Either<string, string> {
  const trimmed = input.trim()
  if (trimmed === '') return left('must not be empty')
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    return left('must be a URL such as https://acme.gladly.com')
  }
  if (url.username !== '' || url.password !== '')
    return left('must not contain credentials (use GLADLY_USERNAME and GLADLY_API_TOKEN)')
  if (url.search !== '' || url.hash !== '') return left('must not have a query or fragment')
  const path = url.pathname.replace(/\/+$/, '')
  if (path !== '' && !API_PATH.test(url.pathname))
    return left(`must be the organization's address, without a path other than /api/v1 (got path ${url.pathname})`)
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    return left('must use https (Gladly only serves its API over HTTPS)')
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return left('must use https')
  return right(url.origin)
}
