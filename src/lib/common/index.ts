// Small pieces every layer of src/lib shares: exit codes, the error shape, readable io-ts decoding, the calendar and
// the one parser of the dates and times people give, and the clock, rate limiter and retry policy both APIs' clients
// run on.
export {ExitCode, type AppError} from './errors.js'
export {checkOrDecode, conformTo, decode} from './decode.js'
export {daysFromCivil, daysInMonth, displayInstant, INSTANT_RULE, parseInstant} from './instant.js'
export {mapOrdered} from './concurrency.js'
export {appendLines, localFileProblem, readJsonLines, removeFile, safeFileName, writeAtomically} from './files.js'
export {finishLastLine, readLineChunks, readLines} from './lines.js'
export {hashOf, KeyedLines} from './offset-index.js'
export {realClock, type Clock} from './clock.js'
export {createRateLimiter, type RateLimiter} from './rate-limiter.js'
export {
  backoff,
  errorCode,
  isRetryableCode,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  retryAfterMs,
  withRetries,
  type Attempt,
  type RequestStats,
  type RetryPolicy,
  type Tries,
} from './retry.js'
