/**
 * A simple model of the Atlas Admin API v2 rate limits: one token bucket per credential (or, for
 * unauthenticated requests, per client address).
 *
 * Vendor facts (https://www.mongodb.com/docs/atlas/api/api-rate-limit): Atlas limits the v2
 * endpoints with the Token Bucket Algorithm (`capacity`, `refillRate` per `refillDurationSeconds`);
 * responses may carry `RateLimit-Limit` (the bucket capacity) and `RateLimit-Remaining` (tokens
 * left), and `Retry-After` (seconds) only once the limit is exceeded; an empty bucket answers 429
 * with errorCode `RATE_LIMITED_TOKEN_BUCKET` and the detail "Rate limit exceeded for api/atlas/v2/orgs.
 * Please retry after 55 seconds. Request capacity: 10. Refill rate: 5 per 60 seconds.", parameters
 * `[path, retryAfter, capacity, refillRate, refillDurationSeconds]`. The real buckets are per endpoint
 * set and scope (organization, project, user or IP); one bucket per credential is the simple model here.
 */
import { errorReply, type Reply } from './responses.js';

/** Bucket parameters, named as the vendor documents them. */
export interface RateLimitOptions {
  capacity: number;
  refillRate: number;
  refillDurationSeconds: number;
}

/** Roomy enough that no test or benchmark meets it unless it lowers it. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { capacity: 1000, refillRate: 1000, refillDurationSeconds: 60 };

/** The outcome of taking one token. */
export interface BucketTake {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until one token is back; 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Token buckets by key, refilled continuously. */
export class TokenBuckets {
  readonly options: RateLimitOptions;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions = DEFAULT_RATE_LIMIT, now: () => number = Date.now) {
    if (!(options.capacity >= 1) || !(options.refillRate > 0) || !(options.refillDurationSeconds > 0)) {
      throw new RangeError('rateLimit: capacity must be >= 1, refillRate and refillDurationSeconds > 0');
    }
    this.options = options;
    this.#now = now;
  }

  /** Takes one token from the bucket of `key`. */
  take(key: string): BucketTake {
    const { capacity, refillRate, refillDurationSeconds } = this.options;
    const now = this.#now();
    const perMs = refillRate / (refillDurationSeconds * 1000);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: capacity, updatedAt: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.updatedAt) * perMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, limit: capacity, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    return { allowed: false, limit: capacity, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  /** Refills every bucket. */
  reset(): void {
    this.#buckets.clear();
  }
}

/** The `RateLimit-*` headers of one answer. */
export function rateLimitHeaders(take: BucketTake): Record<string, string> {
  return { 'RateLimit-Limit': String(take.limit), 'RateLimit-Remaining': String(take.remaining) };
}

/** The vendor's 429 `RATE_LIMITED_TOKEN_BUCKET` body (docs sample, see the file comment), with `Retry-After`. */
export function tokenBucketReply(path: string, retryAfterSeconds: number, options: RateLimitOptions): Reply {
  const { capacity, refillRate, refillDurationSeconds } = options;
  const reply = errorReply(
    429,
    'RATE_LIMITED_TOKEN_BUCKET',
    `Rate limit exceeded for ${path}. Please retry after ${retryAfterSeconds} seconds. Request capacity: ${capacity}. Refill rate: ${refillRate} per ${refillDurationSeconds} seconds.`,
    [path, retryAfterSeconds, capacity, refillRate, refillDurationSeconds],
  );
  return { ...reply, headers: { 'Retry-After': String(retryAfterSeconds) } };
}
