import type { Reason } from '../model/reason.js';

/** Every reason an error of this exporter can carry: the scope reasons, and a bad configuration. */
export type ErrorReason = Reason | 'invalid_config';

/** The base of every error the exporter raises on purpose. Its `reason` is what code branches on. */
export class ExporterError extends Error {
  override name = 'ExporterError';
  readonly reason: ErrorReason;

  constructor(reason: ErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Type guard for any error of this exporter. */
export function isExporterError(error: unknown): error is ExporterError {
  return error instanceof ExporterError;
}
