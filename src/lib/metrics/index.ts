// Metrics of every import, for the monitors people already have: a listener that reads the run's summary and the
// profile's state when an import ends (however it ends), keeps a small record next to the state, and sends the
// figures to node_exporter's textfile collector, a Pushgateway and DogStatsD. `state show` and `doctor` read the
// same figures.
export {currentFigures, recordImport} from './listener.js'
export type {Figures} from './figures.js'
