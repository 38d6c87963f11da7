// The product's job, and the only place that knows Gladly, the transform, Enterpret and the state
// together: export jobs → touched conversations → records → webhook, with checkpoints and a summary.
export {runImport, type Progress} from './run.js'
export {describeSummary, emptySummary, type RunSummary} from './summary.js'
export {openWatchSession, type WatchSession} from './watch.js'
export {checkMapping, type MappingCheck} from './check.js'
