/**
 * The service account side of MongoDB Cloud: OAuth 2.0 client credentials.
 *
 * Vendor facts:
 * - `POST https://cloud.mongodb.com/api/oauth/token`, `Authorization: Basic base64(clientId:secret)`,
 *   body `grant_type=client_credentials` → `{access_token, expires_in, token_type}`; access tokens
 *   are valid for 1 hour (3600 s) (https://www.mongodb.com/docs/atlas/api/service-accounts/generate-oauth2-token,
 *   https://www.mongodb.com/docs/atlas/api/api-authentication).
 * - `POST https://cloud.mongodb.com/api/oauth/revoke`, `Content-Type: application/x-www-form-urlencoded`,
 *   Basic auth, body `token={TOKEN}&token_type_hint=access_token` → 200
 *   (https://www.mongodb.com/docs/atlas/api/service-accounts/revoke-oauth2-token/).
 * Error bodies of these two endpoints are not shown by the vendor; they follow RFC 6749 §5.2
 * (`{"error":"invalid_client"}` with 401 and a `WWW-Authenticate: Basic` challenge when the client
 * authenticated with the Authorization header; `invalid_request`, `unsupported_grant_type` with 400)
 * and RFC 7009 §2.2 (revoking an unknown or expired token still answers 200).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Reply } from './responses.js';

/** The documented lifetime of an access token. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** Why a bearer token was refused. */
export type TokenFailure = 'unknown' | 'expired' | 'revoked';

interface IssuedToken {
  clientId: string;
  expiresAt: number;
  revoked: boolean;
}

/** Issues, checks and revokes opaque access tokens. Never logs a token or a secret. */
export class TokenAuthority {
  readonly ttlSeconds: number;
  readonly #now: () => number;
  readonly #tokens = new Map<string, IssuedToken>();
  #lastSweep = 0;

  constructor(options: { ttlSeconds?: number; now?: () => number } = {}) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    if (!(this.ttlSeconds > 0)) throw new RangeError('tokenTtlSeconds must be positive');
    this.#now = options.now ?? Date.now;
  }

  /** A fresh token for `clientId`. */
  issue(clientId: string): { token: string; expiresIn: number } {
    const now = this.#now();
    this.#sweep(now);
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, { clientId, expiresAt: now + this.ttlSeconds * 1000, revoked: false });
    return { token, expiresIn: Math.round(this.ttlSeconds) };
  }

  /** Who a token was issued to, or why it is refused. */
  verify(token: string): { ok: true; clientId: string } | { ok: false; failure: TokenFailure } {
    const issued = this.#tokens.get(token);
    if (issued === undefined) return { ok: false, failure: 'unknown' };
    if (issued.revoked) return { ok: false, failure: 'revoked' };
    if (this.#now() >= issued.expiresAt) return { ok: false, failure: 'expired' };
    return { ok: true, clientId: issued.clientId };
  }

  /**
   * Revokes a token of `clientId`. `unknown` (also for expired tokens) is not an error (RFC 7009);
   * `foreign` means the token was issued to another client.
   */
  revoke(token: string, clientId: string): 'revoked' | 'unknown' | 'foreign' {
    const issued = this.#tokens.get(token);
    if (issued === undefined || issued.revoked) return 'unknown';
    if (issued.clientId !== clientId) return 'foreign';
    if (this.#now() >= issued.expiresAt) return 'unknown';
    issued.revoked = true;
    return 'revoked';
  }

  /** Tokens neither expired nor revoked. */
  active(): number {
    const now = this.#now();
    let n = 0;
    for (const issued of this.#tokens.values()) if (!issued.revoked && now < issued.expiresAt) n++;
    return n;
  }

  /** Expires every token issued so far. */
  expireAll(): void {
    for (const issued of this.#tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, this.#now());
  }

  /** Forgets tokens expired for over a TTL, at most once a minute, to bound memory. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [token, issued] of this.#tokens) if (now - issued.expiresAt > this.ttlSeconds * 1000) this.#tokens.delete(token);
  }
}

/** `clientId` and `secret` of a `Basic` Authorization header (RFC 7617), or undefined. */
export function parseBasicAuthorization(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: the client id and secret are form-urlencoded before Basic encoding.
  const unform = (text: string): string | undefined => {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  };
  const user = unform(decoded.slice(0, colon));
  const password = unform(decoded.slice(colon + 1));
  return user === undefined || password === undefined ? undefined : { user, password };
}

/** Constant-time string comparison. */
export function sameSecret(given: string, wanted: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(wanted, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An RFC 6749 §5.2 error reply. */
export function oauthError(status: number, error: string, description?: string): Reply {
  const body: Record<string, string> = { error };
  if (description !== undefined) body['error_description'] = description;
  const reply: Reply = { status, body: JSON.stringify(body), contentType: 'application/json', headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } };
  if (status === 401) reply.headers = { ...reply.headers, 'WWW-Authenticate': 'Basic realm="MongoDB Cloud OAuth"' };
  return reply;
}

/** An RFC 6749 §5.1 token reply. */
export function tokenReply(token: string, expiresIn: number): Reply {
  return {
    status: 200,
    body: JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' }),
    contentType: 'application/json',
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  };
}
