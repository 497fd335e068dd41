import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import type { Credential } from './credential.js';
import type { Transport } from './digest-session.js';
import type { AbortLike, HttpRequest, HttpResponse } from './http-transport.js';

/** Refresh this long before the token expires, so no request goes out with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;
/** A token of an older secret is revoked within this time, or left to expire. */
const REVOKE_TIMEOUT_MS = 10_000;

const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().regex(/^bearer$/i),
});

export interface TokenSourceOptions {
  readonly now?: () => number;
  /** A token of an older secret could not be revoked; the error names no secret. */
  readonly onRevokeFailure?: (error: unknown) => void;
}

/**
 * The OAuth 2.0 client-credentials token of one service account: fetched once, shared by every
 * request, refreshed (one request at a time, whoever asks) a minute before it expires or when
 * the API rejects it, and revoked on shutdown. A token fetched with an older secret (its file
 * changed) is replaced at the next request and revoked with the new secret. The token never leaves
 * this object but in the Authorization header.
 */
export class TokenSource {
  readonly #credential: Credential;
  readonly #transport: Transport;
  readonly #now: () => number;
  readonly #onRevokeFailure: (error: unknown) => void;
  #token: { value: string; refreshAt: number; secretVersion: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(credential: Credential, transport: Transport, options: TokenSourceOptions = {}) {
    this.#credential = credential;
    this.#transport = transport;
    this.#now = options.now ?? Date.now;
    this.#onRevokeFailure = options.onRevokeFailure ?? (() => undefined);
  }

  /** A valid token: the cached one, or a new one (single flight). */
  token(signal: AbortLike): Promise<string> {
    if (this.#token && this.#token.secretVersion !== this.#credential.secretVersion) {
      const stale = this.#token.value;
      this.#token = undefined;
      this.#revoke(stale, AbortSignal.timeout(REVOKE_TIMEOUT_MS)).catch(this.#onRevokeFailure);
    }
    if (this.#token && this.#now() < this.#token.refreshAt) return Promise.resolve(this.#token.value);
    this.#pending ??= this.#fetch(signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Drops `token` if it is still the cached one: the API refused it. */
  invalidate(token: string): void {
    if (this.#token?.value === token) this.#token = undefined;
  }

  /** Revokes the cached token; errors are the caller's to log, never thrown past shutdown. */
  async revoke(signal: AbortSignal): Promise<void> {
    const token = this.#token?.value;
    this.#token = undefined;
    if (token !== undefined) await this.#revoke(token, signal);
  }

  async #revoke(token: string, signal: AbortLike): Promise<void> {
    const url = revokeUrlOf(this.#tokenUrl());
    const response = await this.#transport(url, this.#post(new URLSearchParams({ token, token_type_hint: 'access_token' }), signal));
    await response.arrayBuffer();
    if (!response.ok) throw new ApiError('POST', url, response.status);
  }

  async #fetch(signal: AbortLike): Promise<string> {
    const url = this.#tokenUrl();
    const secretVersion = this.#credential.secretVersion;
    const response = await this.#transport(url, this.#post(new URLSearchParams({ grant_type: 'client_credentials' }), signal));
    const text = await response.text();
    if (!response.ok) throw new ApiError('POST', url, response.status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new InvalidResponseError(url, 'token response is not JSON');
    }
    const parsed = tokenSchema.safeParse(body);
    if (!parsed.success) throw new InvalidResponseError(url, 'token response lacks access_token, expires_in or a Bearer token_type');
    const lifetimeMs = parsed.data.expires_in * 1000;
    this.#token = { value: parsed.data.access_token, refreshAt: this.#now() + Math.max(lifetimeMs - REFRESH_MARGIN_MS, lifetimeMs / 2), secretVersion };
    return parsed.data.access_token;
  }

  #post(body: URLSearchParams, signal: AbortLike): HttpRequest {
    const basic = Buffer.from(`${this.#credential.username}:${this.#credential.secret()}`).toString('base64');
    return {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: body.toString(),
      signal,
    };
  }

  #tokenUrl(): string {
    if (this.#credential.tokenUrl === undefined) throw new TypeError(`${this.#credential.id} is not an OAuth credential`);
    return this.#credential.tokenUrl;
  }
}

/** `…/oauth/token` → `…/oauth/revoke`, as MongoDB Cloud serves them side by side. */
export function revokeUrlOf(tokenUrl: string): string {
  return tokenUrl.replace(/\/token$/, '/revoke');
}

/** Requests with the service account's bearer token; a 401 gets one fresh token and one more try. */
export class BearerSession {
  readonly #tokens: TokenSource;
  readonly #transport: Transport;

  constructor(tokens: TokenSource, transport: Transport) {
    this.#tokens = tokens;
    this.#transport = transport;
  }

  async get(url: string, init: HttpRequest): Promise<HttpResponse> {
    const signal = init.signal ?? new AbortController().signal;
    const send = async (token: string) => this.#transport(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
    const token = await this.#tokens.token(signal);
    const response = await send(token);
    if (response.status !== 401) return response;
    this.#tokens.invalidate(token);
    return send(await this.#tokens.token(signal));
  }
}
