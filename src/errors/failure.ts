import type { ScopeFailure } from '../model/snapshot.js';
import { REASONS, type Reason } from '../model/reason.js';
import { isApiError } from './api-error.js';
import { isExporterError } from './exporter-error.js';

/**
 * The failure of a scope, as data, from what a fetch threw. Anything that is not one of our
 * errors is a defect of ours met on an API answer, so it counts as `invalid_response` and is
 * still published rather than thrown out of the poll.
 */
export function failureOf(error: unknown): ScopeFailure {
  if (isExporterError(error) && (REASONS as readonly string[]).includes(error.reason)) {
    return {
      reason: error.reason as Reason,
      message: error.message,
      ...(isApiError(error) ? { status: error.status } : {}),
    };
  }
  return { reason: 'invalid_response', message: `unexpected error: ${error instanceof Error ? error.message : String(error)}` };
}
