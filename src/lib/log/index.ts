// Logging: consola on stderr for people, daily JSON-lines files for the record, redaction on both.
export {attachLogFiles, createLogger, escapeControls, recordOnly, silentLogger, type Logger} from './logger.js'
export {redact, redactText, registerSecret, REDACTED} from './redact.js'
export {logFileNames, removeExpiredLogs} from './file-sink.js'
