// Fake Enterpret Custom Webhook for tests, the demo and the benchmark: start one with startFakeEnterpret(),
// point the client's base URL at its `url`, then assert on `records`, `requests` or the /_fake/* hooks.
export {DEFAULT_API_KEY, type FakeEnterpret, startFakeEnterpret} from './server.js'
