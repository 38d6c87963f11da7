// Logging: consola on stderr for people, daily JSON-lines files for the record, redaction on both.
export {attachLogFiles, createLogger, escapeControls, recordOnly, silentLogger, type Logger, type LoggerOptions} from './logger.js'
export {redact, redactText, registerSecret, REDACTED} from './redact.js'
export {logFileNames, removeExpiredLogs, LOG_RETENTION_DAYS} from './file-sink.js'
