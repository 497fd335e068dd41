import { ExporterError } from './exporter-error.js';

/**
 * A request not sent: the API named a time (`Retry-After` of a 429 or 503) before which this
 * credential must not call it, and that time is further off than one request may wait.
 */
export class CredentialPausedError extends ExporterError {
  override name = 'CredentialPausedError';

  /** `untilMs`: when the credential may call the API again (epoch ms). */
  constructor(method: string, url: string, untilMs: number) {
    super('rate_limited', `${method} ${url} not sent: the API asked this credential to wait until ${new Date(untilMs).toISOString()} (Retry-After)`);
  }
}

export function isCredentialPausedError(error: unknown): error is CredentialPausedError {
  return error instanceof CredentialPausedError;
}
