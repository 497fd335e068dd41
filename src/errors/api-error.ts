import { reasonForStatus } from '../model/reason.js';
import { ExporterError } from './exporter-error.js';

/** The API answered with an error status. The message names method, URL, status and the vendor's errorCode. */
export class ApiError extends ExporterError {
  override name = 'ApiError';
  readonly status: number;
  readonly errorCode: string | undefined;
  /** Seconds the API asked us to wait (`Retry-After`), when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(method: string, url: string, status: number, errorCode?: string, retryAfterSeconds?: number) {
    super(reasonForStatus(status), `${method} ${url} answered ${status}${errorCode ? ` (${errorCode})` : ''}`);
    this.status = status;
    this.errorCode = errorCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
