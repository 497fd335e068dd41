import { describe, expect, it } from 'vitest';
import { isRetryable, parseRetryAfter, pausesCredential, retryDelayMs } from '../../../src/atlas/retry.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { NetworkError } from '../../../src/errors/network-error.js';
import { TimeoutError } from '../../../src/errors/timeout-error.js';

const URL = 'https://cloud.mongodb.com/api/atlas/v1.0/users/u/keys';
const apiError = (status: number, retryAfterSeconds?: number) => new ApiError('GET', URL, status, undefined, retryAfterSeconds);
const fixed = (value: number) => () => value;

describe('isRetryable', () => {
  it.each([429, 500, 502, 503, 504])('retries status %d', (status) => {
    expect(isRetryable(apiError(status))).toBe(true);
  });

  it.each([400, 401, 403, 404, 409])('does not retry status %d', (status) => {
    expect(isRetryable(apiError(status))).toBe(false);
  });

  it('retries a network error, not a timeout nor an invalid response', () => {
    expect(isRetryable(new NetworkError('GET', URL, new Error('socket hang up')))).toBe(true);
    expect(isRetryable(new TimeoutError('GET', URL, 30_000))).toBe(false);
    expect(isRetryable(new InvalidResponseError(URL, 'not JSON'))).toBe(false);
  });
});

describe('pausesCredential', () => {
  it('holds the credential on a 429, with or without Retry-After, and on a 503 that names a time', () => {
    expect(pausesCredential(apiError(429, 5))).toBe(true);
    expect(pausesCredential(apiError(429))).toBe(true);
    expect(pausesCredential(apiError(503, 5))).toBe(true);
  });

  it('not on a 503 without Retry-After, another status, or an error the API did not answer', () => {
    expect(pausesCredential(apiError(503))).toBe(false);
    expect(pausesCredential(apiError(500, 5))).toBe(false);
    expect(pausesCredential(apiError(502))).toBe(false);
    expect(pausesCredential(new NetworkError('GET', URL, new Error('reset')))).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it("waits what Retry-After says, without jitter", () => {
    expect(retryDelayMs(apiError(429, 7), 0, 1_000, 30_000, fixed(0.99))).toBe(7_000);
    expect(retryDelayMs(apiError(503, 0), 5, 1_000, 30_000, fixed(0.99))).toBe(0);
  });

  it('never shortens a Retry-After longer than capMs: it is a minimum', () => {
    expect(retryDelayMs(apiError(429, 3_600), 0, 1_000, 30_000, fixed(0))).toBe(3_600_000);
    expect(retryDelayMs(apiError(503, 45), 2, 1_000, 30_000, fixed(0))).toBe(45_000);
  });

  it.each([
    // attempt, lowest (random 0), highest (random → 1)
    [0, 500, 1_000],
    [1, 1_000, 2_000],
    [3, 4_000, 8_000],
    [4, 8_000, 16_000],
    [5, 15_000, 30_000],
    [20, 15_000, 30_000],
  ])('attempt %d backs off between %d and %d ms', (attempt, low, high) => {
    const error = apiError(500);
    expect(retryDelayMs(error, attempt, 1_000, 30_000, fixed(0))).toBe(low);
    expect(retryDelayMs(error, attempt, 1_000, 30_000, fixed(0.999_999_9))).toBe(high);
    expect(retryDelayMs(error, attempt, 1_000, 30_000, fixed(0.5))).toBe(Math.round((low + high) / 2));
  });

  it('backs off the same way for a network error, which has no Retry-After', () => {
    expect(retryDelayMs(new NetworkError('GET', URL, new Error('reset')), 2, 100, 10_000, fixed(0.5))).toBe(300);
  });

  it('stays within [ceiling/2, ceiling] for any random value', () => {
    for (let step = 0; step <= 100; step++) {
      const delay = retryDelayMs(apiError(502), 2, 1_000, 30_000, fixed(step / 100.000_001));
      expect(delay).toBeGreaterThanOrEqual(2_000);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 5 ', now)).toBe(5);
    expect(parseRetryAfter('0', now)).toBe(0);
  });

  it('reads an HTTP-date as seconds from now, rounded up', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now + 500)).toBe(30);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now + 1_000)).toBe(29);
  });

  it('an HTTP-date in the past means now', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
  });

  it('no header is undefined', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it.each(['', '   ', 'soon', 'later please', 'NaN'])('garbage %j is undefined', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });

  // BUG: V8's lenient Date.parse reads "1.5" as 5 Jan 2001 and "-1" as a date in 2001, so these
  // non-conforming headers become a date in the past, i.e. "retry now" (0 s) on a 429, instead of
  // being ignored in favour of the backoff.
  it.each(['1.5', '-1'])('a header that is neither delay-seconds nor an HTTP-date (%j) is undefined', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});
