// A fake Gladly REST API and its seeded, time-based dataset, for end-to-end tests, the demo and the benchmark.
export {DEMO_CREDENTIALS, startFakeGladly, type FakeGladly, type FakeGladlyOptions} from './server.js'
export {REPORT_COLUMNS, reportWindow} from './reports.js'
export {GladlyDataset, type EdgeCaseIds} from './dataset.js'
export {HOUR as HOUR_MS} from './random.js'
export type * from './types.js'
