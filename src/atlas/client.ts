import pLimit, { type LimitFunction } from 'p-limit';
import { ApiError } from '../errors/api-error.js';
import { CredentialPausedError, isCredentialPausedError } from '../errors/credential-paused-error.js';
import { isExporterError, type ExporterError } from '../errors/exporter-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import { NetworkError } from '../errors/network-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import type { Api, Credential } from './credential.js';
import { DigestSession, SessionPool } from './digest-session.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../config/schema.js';
import type { Connection, ProxyEnvironment } from './connection.js';
import { HttpTransport, type AbortLike, type HttpRequest, type HttpResponse } from './http-transport.js';
import { BearerSession, TokenSource } from './oauth.js';
import { Pacer, sleep } from './pacer.js';
import { ITEMS_PER_PAGE, nextLink, pageCount, pagePath, pageSchema, type Page } from './paging.js';
import { isRetryable, parseRetryAfter, pausesCredential, retryDelayMs } from './retry.js';

/** Called once per raw HTTP exchange, 401 challenges included. */
export type RequestObserver = (api: Api, status: number, seconds: number) => void;

/** Called with the `RateLimit-Remaining` the API sent, where it sent one. */
export type RateLimitObserver = (api: Api, remaining: number) => void;

/** Per-request choices: the media type (the Admin API v2 versions its resources by `Accept`). */
export interface RequestOptions {
  readonly accept?: string;
}

export interface ClientOptions {
  /** Requests in flight at most, across every credential and scope. */
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly maxRequestsPerSecond?: number;
  /** First backoff step; doubles per attempt. */
  readonly retryBaseMs?: number;
  readonly random?: () => number;
  readonly observe?: RequestObserver;
  readonly observeRateLimit?: RateLimitObserver;
  /** An OAuth token of a replaced secret could not be revoked (the error names no secret). */
  readonly onRevokeFailure?: (credentialId: string, error: unknown) => void;
  /** The most pages one listing may take before it counts as never-ending; default {@link MAX_PAGES}. */
  readonly maxPages?: number;
  /** The largest response body, before and after decompression; default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  readonly maxResponseBytes?: number;
  /** The environment's proxies (`HTTPS_PROXY`, …); none by default. */
  readonly proxies?: ProxyEnvironment;
}

const NO_PROXIES: ProxyEnvironment = { httpProxy: undefined, httpsProxy: undefined, noProxy: '' };

const ERROR_BODY_LIMIT = 4096;
/** 5,000,000 items at 500 a page: no real listing is longer, and a server that never ends one stops here. */
export const MAX_PAGES = 10_000;
const JSON_MEDIA_TYPE = 'application/json';

/**
 * The MongoDB Cloud API client: digest auth, bounded concurrency, timeouts, retries, paging.
 * Every failure leaves it as an ExporterError with a reason; an abort of `signal` (shutdown)
 * leaves as the signal's reason.
 */
export class AtlasClient {
  readonly #options: ClientOptions;
  readonly #limit: LimitFunction;
  readonly #pacer: Pacer;
  readonly #pools = new Map<string, SessionPool>();
  readonly #tokens = new Map<string, TokenSource>();
  /**
   * One transport per way of reaching the API, by the entry's proxy secret and TLS options (their
   * identity: a secret serialises as `<redacted>`); credentials without options share one.
   */
  readonly #transports = new Map<Connection['proxyUrl'], Map<Connection['tls'], HttpTransport>>();
  #requests = 0;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#limit = pLimit(options.concurrency);
    this.#pacer = new Pacer(options.maxRequestsPerSecond);
  }

  /** HTTP requests sent so far, 401 challenges included. */
  get requests(): number {
    return this.#requests;
  }

  /** GET `{baseUrl}{path}` as JSON, retried as configured. */
  getJson(credential: Credential, path: string, signal: AbortSignal, options: RequestOptions = {}): Promise<unknown> {
    return this.#getWithRetries(credential, `${credential.baseUrl}${path}`, signal, options);
  }

  /** Revokes every OAuth token this client holds and closes its connections (on shutdown); failures are returned, not thrown. */
  async close(timeoutMs = 2_000): Promise<unknown[]> {
    const signal = AbortSignal.timeout(timeoutMs);
    const results = await Promise.allSettled([...this.#tokens.values()].map((tokens) => tokens.revoke(signal)));
    await Promise.all([...this.#transports.values()].flatMap((byTls) => [...byTls.values()]).map((transport) => transport.close()));
    return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  }

  /**
   * Every `results` item of a paged list. `totalCount` is an estimate: the pages it predicts are
   * fetched in parallel (bounded by the shared limit), and the listing ends only at a page that is
   * not full and has no `next` link. Until then `next` links are followed, or without one the
   * following page number is asked for. A `next` link is followed only on the credential's own
   * origin: a link elsewhere would send our digest answer to a stranger.
   */
  async getAllPages(credential: Credential, path: string, signal: AbortSignal, options: RequestOptions = {}): Promise<unknown[]> {
    const maxPages = this.#options.maxPages ?? MAX_PAGES;
    const numbered = (pageNum: number) => `${credential.baseUrl}${pagePath(path, pageNum)}`;
    const fetchPage = async (url: string) => parsePage(url, await this.#getWithRetries(credential, url, signal, options));
    const firstUrl = numbered(1);
    let page = await fetchPage(firstUrl);
    let pageNum = 1;
    const results = [...page.results];
    if (page.totalCount !== undefined && hasMore(page)) {
      const predicted = pageCount(page.totalCount);
      if (predicted > maxPages) throw new InvalidResponseError(firstUrl, `totalCount ${page.totalCount} needs more than ${maxPages} pages`);
      const rest = await Promise.all(Array.from({ length: predicted - 1 }, (_, index) => fetchPage(numbered(index + 2))));
      for (const later of rest) results.push(...later.results);
      page = rest.at(-1) ?? page;
      pageNum = predicted;
    }
    const origin = new URL(credential.baseUrl).origin;
    while (hasMore(page)) {
      if (pageNum >= maxPages) throw new InvalidResponseError(firstUrl, `the listing goes on past ${maxPages} pages`);
      pageNum++;
      const next = nextLink(page);
      let url = numbered(pageNum);
      if (next !== undefined) {
        const link = new URL(next, credential.baseUrl);
        if (link.origin !== origin) throw new InvalidResponseError(firstUrl, `next link leaves ${origin}`);
        url = link.href;
      }
      page = await fetchPage(url);
      results.push(...page.results);
    }
    return results;
  }

  async #getWithRetries(credential: Credential, url: string, signal: AbortSignal, options: RequestOptions): Promise<unknown> {
    const { retries, timeoutMs, retryBaseMs = 500, random = Math.random } = this.#options;
    const accept = options.accept ?? JSON_MEDIA_TYPE;
    for (let attempt = 0; ; ) {
      // A pause that ends within one request timeout is waited out; a longer one fails the request unsent.
      const pausedUntil = this.#pacer.pausedUntil(credential.id);
      if (pausedUntil - Date.now() > timeoutMs) throw new CredentialPausedError('GET', url, pausedUntil);
      await this.#pacer.wait(credential.id, signal);
      let delay = 0;
      const onFailure = (error: unknown): never => {
        if (isExporterError(error) && !isCredentialPausedError(error)) {
          delay = retryDelayMs(error, attempt, retryBaseMs, timeoutMs, random);
          // The time the API named binds the credential, not this request: all its requests wait, next
          // cycle included. Set before the slot is freed, so no request queued behind this one goes first.
          if (pausesCredential(error)) this.#pacer.pause(credential.id, Date.now() + delay);
        }
        throw error;
      };
      try {
        return await this.#limit(() => this.#getOnce(credential, url, signal, accept).catch(onFailure));
      } catch (error) {
        // Paused while it queued for a slot: never sent, it waits or fails as above.
        if (isCredentialPausedError(error)) continue;
        if (!isExporterError(error) || signal.aborted) throw error;
        if (attempt >= retries || !isRetryable(error) || delay > timeoutMs) throw error;
        attempt++;
        await sleep(delay, signal);
      }
    }
  }

  async #getOnce(credential: Credential, url: string, signal: AbortSignal, accept: string): Promise<unknown> {
    const pausedUntil = this.#pacer.pausedUntil(credential.id);
    if (pausedUntil > Date.now()) throw new CredentialPausedError('GET', url, pausedUntil);
    const pool = this.#poolOf(credential);
    const session = pool.acquire();
    const deadline = new Deadline(signal, this.#options.timeoutMs);
    let sound = false;
    try {
      const response = await session.get(url, { method: 'GET', headers: { Accept: accept }, signal: deadline });
      const text = await response.text();
      sound = true;
      if (!response.ok) throw apiErrorOf(url, response, text);
      return parseJson(url, response, text);
    } catch (error) {
      throw classify(error, url, signal, deadline.expired, this.#options.timeoutMs);
    } finally {
      deadline.clear();
      // A session whose exchange broke may hold a nonce count the server never saw.
      if (sound) pool.release(session);
    }
  }

  #poolOf(credential: Credential): SessionPool {
    let pool = this.#pools.get(credential.id);
    if (pool === undefined) {
      const transport = this.#transport(credential);
      if (credential.scheme === 'oauth') {
        const { onRevokeFailure } = this.#options;
        const tokens = new TokenSource(credential, transport, onRevokeFailure ? { onRevokeFailure: (error) => onRevokeFailure(credential.id, error) } : {});
        this.#tokens.set(credential.id, tokens);
        pool = new SessionPool(() => new BearerSession(tokens, transport));
      } else {
        pool = new SessionPool(() => new DigestSession(credential, transport), () => credential.secretVersion);
      }
      this.#pools.set(credential.id, pool);
    }
    return pool;
  }

  #httpOf(connection: Connection): HttpTransport {
    let byTls = this.#transports.get(connection.proxyUrl);
    if (byTls === undefined) {
      byTls = new Map();
      this.#transports.set(connection.proxyUrl, byTls);
    }
    let transport = byTls.get(connection.tls);
    if (transport === undefined) {
      const { concurrency, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES, proxies = NO_PROXIES } = this.#options;
      transport = new HttpTransport(connection, { connections: concurrency, maxResponseBytes, proxies });
      byTls.set(connection.tls, transport);
    }
    return transport;
  }

  /** The exchanges of one credential, OAuth token and revoke requests included, over its own transport. */
  #transport(credential: Credential) {
    const { observe, observeRateLimit } = this.#options;
    const http = this.#httpOf(credential.connection());
    return async (url: string, init: HttpRequest): Promise<HttpResponse> => {
      this.#requests++;
      const started = performance.now();
      // The whole body is read before this resolves, so every connection (401s included) goes back to the pool.
      const response = await http.send(url, init);
      observe?.(credential.api, response.status, (performance.now() - started) / 1000);
      const remaining = Number(response.headers.get('ratelimit-remaining') ?? Number.NaN);
      if (Number.isFinite(remaining)) observeRateLimit?.(credential.api, remaining);
      return response;
    };
  }
}

/** A full page, or one with a `next` link, may be followed by more: `totalCount` is only an estimate. */
function hasMore(page: Page): boolean {
  return page.results.length >= ITEMS_PER_PAGE || nextLink(page) !== undefined;
}

function parsePage(url: string, body: unknown): Page {
  const page = pageSchema.safeParse(body);
  if (!page.success) throw new InvalidResponseError(url, `not a documented page: ${page.error.issues[0]?.message ?? ''}`);
  return page.data;
}

function parseJson(url: string, response: HttpResponse, text: string): unknown {
  const type = response.headers.get('content-type') ?? '';
  if (type !== '' && !/json/i.test(type)) throw new InvalidResponseError(url, `expected JSON, got ${type.split(';')[0]}`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidResponseError(url, `body is not valid JSON (${(error as Error).message})`);
  }
}

function apiErrorOf(url: string, response: HttpResponse, text: string): ApiError {
  let errorCode: string | undefined;
  try {
    const body = JSON.parse(text.slice(0, ERROR_BODY_LIMIT)) as { errorCode?: unknown };
    if (typeof body.errorCode === 'string') errorCode = body.errorCode.slice(0, 100);
  } catch {
    // Not the vendor's JSON error shape: the status says enough.
  }
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  return new ApiError('GET', url, response.status, errorCode, retryAfter);
}

function classify(error: unknown, url: string, signal: AbortSignal, expired: boolean, timeoutMs: number): unknown {
  if (isExporterError(error)) return error;
  if (signal.aborted) return signal.reason;
  if (expired) return new TimeoutError('GET', url, timeoutMs);
  return new NetworkError('GET', url, error) satisfies ExporterError;
}

/**
 * What aborts one request: the poller's stop signal or the request timeout, whichever comes
 * first. Not an AbortController: Node 20's AbortSignal objects outlive their requests (see
 * AbortLike), and AbortSignal.any() kept every signal it made reachable from the stop signal.
 */
class Deadline implements AbortLike {
  readonly #parent: AbortSignal;
  readonly #timer: NodeJS.Timeout;
  readonly #onAbort = () => this.#abort(this.#parent.reason);
  #listeners: (() => void)[] = [];
  aborted = false;
  reason: unknown;
  expired = false;

  constructor(parent: AbortSignal, timeoutMs: number) {
    this.#parent = parent;
    this.#timer = setTimeout(() => {
      this.expired = true;
      this.#abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    if (parent.aborted) this.#onAbort();
    else parent.addEventListener('abort', this.#onAbort, { once: true });
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners = this.#listeners.filter((candidate) => candidate !== listener);
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#parent.removeEventListener('abort', this.#onAbort);
  }

  #abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}
