import { isApiError } from '../errors/api-error.js';
import type { ExporterError } from '../errors/exporter-error.js';

/** 429, 5xx and broken connections are worth another try; a timeout is not (it would multiply a hang). */
export function isRetryable(error: ExporterError): boolean {
  if (isApiError(error)) return error.status === 429 || error.status >= 500;
  return error.reason === 'network';
}

/**
 * How long to wait before attempt `attempt + 1`: the API's `Retry-After` when it sent one (a
 * minimum, never shortened), else exponential backoff with full jitter, never longer than `capMs`.
 */
export function retryDelayMs(error: ExporterError, attempt: number, baseMs: number, capMs: number, random: () => number): number {
  if (isApiError(error) && error.retryAfterSeconds !== undefined) return error.retryAfterSeconds * 1000;
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Whether an error holds back every request of its credential, not just its own: a 429 is about
 * the credential, and so is a 503 that names a time to come back.
 */
export function pausesCredential(error: ExporterError): boolean {
  if (!isApiError(error)) return false;
  return error.status === 429 || (error.status === 503 && error.retryAfterSeconds !== undefined);
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP-date starts with the day name; Date.parse alone would read "1.5" as a date in 2001.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
