// Small pieces every layer of src/lib shares: exit codes, the error shape, readable io-ts decoding.
export {ExitCode, type AppError} from './errors.js'
export {checkOrDecode, conformTo, decode} from './decode.js'
export {mapOrdered} from './concurrency.js'
export {appendLines, localFileProblem, readJsonLines, removeFile, safeFileName, writeAtomically} from './files.js'
export {finishLastLine, readLineChunks, readLines} from './lines.js'
export {hashOf, KeyedLines} from './offset-index.js'
