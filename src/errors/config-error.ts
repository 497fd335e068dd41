import { ExporterError } from './exporter-error.js';

/** The configuration file or the flags cannot be used. The message is what the user sees, whole. */
export class ConfigError extends ExporterError {
  override name = 'ConfigError';

  constructor(message: string) {
    super('invalid_config', message);
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
