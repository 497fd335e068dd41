import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../config/flags.js';
import { SECRET_FIELDS } from '../config/schema.js';

// Secrets never reach a log line, whatever object is logged by mistake: the config's secret fields and the other names a secret goes by, up to two levels deep.
const SECRET_NAMES = [...SECRET_FIELDS, 'password', 'secret'];
const REDACT = [...SECRET_NAMES.flatMap((name) => [name, `*.${name}`, `*.*.${name}`]), 'headers.authorization', '*.headers.authorization'];

/** The process logger: JSON lines on stdout, or pretty text for people. */
export function createLogger(level: LogLevel, format: LogFormat, destination: NodeJS.WritableStream = process.stdout): Logger {
  const options = { level, base: { name: 'mongodb-apikey-exporter' }, redact: { paths: REDACT, censor: '<redacted>' } };
  if (format === 'pretty') return pino(options, pretty({ destination: destination as never, sync: true, colorize: false }));
  return pino(options, destination);
}
