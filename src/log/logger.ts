import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/flags.js';

// Secrets never reach a log line, whatever object is logged by mistake.
const REDACT = ['apiKey', 'privateKey', 'password', 'secret', '*.apiKey', '*.privateKey', '*.password', '*.secret', '*.*.apiKey', '*.*.privateKey', 'headers.authorization', '*.headers.authorization'];

/** The process logger: JSON lines on stdout, or pretty text for people. */
export function createLogger(level: LogLevel, format: LogFormat, destination: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level, base: { name: 'mongodb-apikey-exporter' }, redact: { paths: REDACT, censor: '<redacted>' } };
  if (format === 'pretty') return pino(options, pretty({ destination: destination as never, sync: true, colorize: false }));
  return pino(options, destination);
}
