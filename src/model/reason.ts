/**
 * Why a scope failed. A closed set and a stable contract: it is the `reason` label of
 * `mongodb_apikey_scope_errors_total`, whose series all start at zero.
 */
export const REASONS = [
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'server_error',
  'timeout',
  'network',
  'tls',
  'invalid_response',
] as const;

export type Reason = (typeof REASONS)[number];

/** Maps an HTTP status of a failed API response to its reason. */
export function reasonForStatus(status: number): Reason {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  // Any other status is one we never asked for: the API answered something we cannot use.
  return 'invalid_response';
}
