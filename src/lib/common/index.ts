// Small pieces every layer of src/lib shares: exit codes, the error shape, readable io-ts decoding, the calendar and
// the one parser of the dates and times people give.
export {ExitCode, type AppError} from './errors.js'
export {checkOrDecode, decode} from './decode.js'
export {daysFromCivil, daysInMonth, displayInstant, INSTANT_RULE, parseInstant} from './instant.js'
export {mapOrdered} from './concurrency.js'
export {appendLines, localFileProblem, readJsonLines, removeFile, safeFileName, writeAtomically} from './files.js'
export {finishLastLine, readLineChunks, readLines} from './lines.js'
export {hashOf, KeyedLines} from './offset-index.js'
