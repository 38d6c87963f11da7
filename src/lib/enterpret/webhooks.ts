/*
 * Enterpret's webhooks this tool posts to, in one place. The feedback webhook is documented first-hand; the Users
 * webhook's path, its `users` envelope and its 15-per-request cap are second-hand (enterpret-api.md §1.6, [D2:S11]):
 * should Enterpret say otherwise, this is what changes.
 */

/** The key of the request body's one array: `{"records": […]}` or `{"users": […]}`. */
export type Envelope = 'records' | 'users'

export interface Webhook {
  /** For people: "webhook" (the feedback one), "Users webhook". */
  readonly name: string
  readonly path: string
  readonly envelope: Envelope
  /** Most items one request may carry, whatever the settings say; none documented for feedback. */
  readonly maxPerRequest?: number
  /** The setting that holds this webhook's api-key, and where that key is found. */
  readonly keySetting: 'ENTERPRET_API_KEY' | 'ENTERPRET_USERS_API_KEY'
  readonly keyHint: string
}

export const FEEDBACK_WEBHOOK: Webhook = {
  name: 'webhook',
  path: '/webhook/custom/all',
  envelope: 'records',
  keySetting: 'ENTERPRET_API_KEY',
  keyHint:
    "ENTERPRET_API_KEY must be the key shown at the top of the Enterpret Feedback webhook integration's page (Integrations › Webhook); store a new one with `gladly-enterpret auth login`.",
}

export const USERS_WEBHOOK: Webhook = {
  name: 'Users webhook',
  path: '/webhook/users/custom',
  envelope: 'users',
  maxPerRequest: 15,
  keySetting: 'ENTERPRET_USERS_API_KEY',
  keyHint:
    "ENTERPRET_USERS_API_KEY must be the token Enterpret generates for User data (Enterpret's 'Syncing Users and Accounts' guide), not the feedback webhook key; store a new one with `gladly-enterpret auth login`.",
}

/** The exact request body for these items; dry runs write the same bytes. */
export function requestBody(items: readonly unknown[], envelope: Envelope = 'records'): string {
  return JSON.stringify({[envelope]: items})
}
