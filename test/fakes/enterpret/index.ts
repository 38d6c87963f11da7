// Fake Enterpret Custom Webhook and Users webhook for tests, the demo and the benchmark: start one with startFakeEnterpret(),
// point the client's base URL at its `url`, then assert on `records`, `users`, `requests` or the /_fake/* hooks.
export {DEFAULT_API_KEY, DEFAULT_USERS_API_KEY, type FakeEnterpret, startFakeEnterpret} from './server.js'
