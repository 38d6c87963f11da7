import {DEMO_CREDENTIALS} from './gladly/index.js'

/** The settings that point the CLI at a fake Gladly and a fake Enterpret (tests, demo, bench). */
export function fakeConnectionEnv(
  gladlyUrl: string,
  enterpretUrl: string,
  enterpretKey: string,
): Record<string, string> {
  return {
    GLADLY_API_URL: gladlyUrl,
    GLADLY_USERNAME: DEMO_CREDENTIALS.username,
    GLADLY_API_TOKEN: DEMO_CREDENTIALS.token,
    ENTERPRET_API_URL: enterpretUrl,
    ENTERPRET_API_KEY: enterpretKey,
  }
}
