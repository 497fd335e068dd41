import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { ProxyAgent, request, type Dispatcher } from 'undici';
import type { ExporterError } from '../errors/exporter-error.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import { NetworkError } from '../errors/network-error.js';
import { TlsError, tlsProblemOf } from '../errors/tls-error.js';
import { proxyFor, shownProxy, type Connection, type ProxyEnvironment } from './connection.js';

const gunzipAsync = promisify(gunzip);

/**
 * What aborts a request: an AbortSignal, or anything with the abort half of its shape. The
 * client's per-request deadline is such a thing: an AbortSignal per request outlived its request
 * in Node 20 (about 500 bytes each reached the old generation, 5 MB of garbage per 10,000 requests).
 */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What a request needs: the method, headers, an optional body, and what aborts it. */
export interface HttpRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortLike | null;
}

/** A whole response: status, headers and the body, already read (and decompressed). */
export class HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly #body: Buffer;

  constructor(status: number, headers: IncomingHttpHeaders, body: Buffer) {
    this.status = status;
    this.headers = {
      get: (name) => {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    };
    this.#body = body;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): Promise<string> {
    return Promise.resolve(this.#body.toString('utf8'));
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(new Uint8Array(this.#body).buffer);
  }
}

export interface TransportOptions {
  /** Connections per origin at most. */
  readonly connections: number;
  /** The largest body read, compressed or not; a longer one drops its connection. */
  readonly maxResponseBytes: number;
  /** The environment's proxies, for a connection without a `proxyUrl` of its own. */
  readonly proxies: ProxyEnvironment;
}

/** A response with its whole body read (not yet decoded). */
interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * HTTP/1.1 over keep-alive connections, for one way of reaching the API: direct, or through a
 * proxy (`CONNECT` for https, forwarding for http), with the connection's TLS options. Bodies are
 * read whole, capped, and gunzipped under the same cap.
 *
 * Direct requests go through node:http and node:https; proxied ones through undici's ProxyAgent,
 * since Node.js 20 has no proxy support of its own. undici is not used for direct requests: each
 * time it reuses a keep-alive connection it first waits two turns of the event loop, and a poll
 * keeps the loop busy, so each request took about 3 ms longer and a cycle about 10 % (README,
 * Performance). `fetch` is not used at all: its streams, Request and Headers objects cost several
 * times the garbage per request.
 */
export class HttpTransport {
  readonly #connection: Connection;
  readonly #options: TransportOptions;
  #http: HttpAgent | undefined;
  #https: HttpsAgent | undefined;
  readonly #proxied = new Map<string, ProxyAgent>();
  readonly #fromEnvironment = new Map<string, string | undefined>();

  constructor(connection: Connection, options: TransportOptions) {
    this.#connection = connection;
    this.#options = options;
  }

  /**
   * Sends the request and reads the whole response. Rejects with the signal's reason on an abort,
   * and otherwise with an ExporterError: `tls`, `network` (naming the proxy when there was one) or
   * `invalid_response` for a body over the cap.
   */
  async send(url: string, init: HttpRequest = {}): Promise<HttpResponse> {
    const { signal } = init;
    if (signal?.aborted) throw signal.reason;
    const method = init.method ?? 'GET';
    const target = new URL(url);
    const proxy = this.#proxyFor(target);
    const limit = this.#options.maxResponseBytes;
    const headers = { ...init.headers, 'accept-encoding': 'gzip' };
    try {
      const response = proxy === undefined ? await this.#direct(target, method, headers, init) : await this.#throughProxy(target, proxy, method, headers, init);
      return new HttpResponse(response.status, response.headers, await decoded(response.body, response.headers['content-encoding'], limit, url));
    } catch (error) {
      if (signal?.aborted || error instanceof InvalidResponseError) throw error;
      throw failureOf(error, method, url, proxy);
    }
  }

  /** Drops every connection. */
  async close(): Promise<void> {
    this.#http?.destroy();
    this.#https?.destroy();
    await Promise.all([...this.#proxied.values()].map((agent) => agent.destroy()));
  }

  #direct(target: URL, method: string, headers: Record<string, string>, init: HttpRequest): Promise<RawResponse> {
    const { signal, body } = init;
    const secure = target.protocol === 'https:';
    return new Promise<RawResponse>((resolve, reject) => {
      // One listener here rather than node:http's own signal wiring, which kept a few hundred bytes per request alive into the old generation.
      const onAbort = () => exchange.destroy(signal?.reason instanceof Error ? signal.reason : new Error('request aborted'));
      const settle =
        <T>(done: (value: T) => void) =>
        (value: T) => {
          signal?.removeEventListener('abort', onAbort);
          done(value);
        };
      resolve = settle(resolve);
      reject = settle(reject);
      const exchange = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method,
          // end(body) with the whole body lets node:http send its Content-Length.
          headers,
          agent: secure ? this.#httpsAgent() : this.#httpAgent(),
        },
        (response) => {
          // A body cut short fails the stream itself ('aborted', ECONNRESET).
          readCapped(response, response.headers['content-length'], this.#options.maxResponseBytes, target.href).then((whole) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: whole }), reject);
        },
      );
      exchange.on('error', reject);
      signal?.addEventListener('abort', onAbort, { once: true });
      exchange.end(body);
    });
  }

  async #throughProxy(target: URL, proxy: string, method: string, headers: Record<string, string>, init: HttpRequest): Promise<RawResponse> {
    const { signal } = init;
    const response = await request(target, {
      dispatcher: this.#proxyAgent(proxy),
      method: method as Dispatcher.HttpMethod,
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      // The deadline is handed over as it is: undici takes anything with addEventListener.
      ...(signal ? { signal: signal as unknown as AbortSignal } : {}),
    });
    return { status: response.statusCode, headers: response.headers, body: await readCapped(response.body, response.headers['content-length'], this.#options.maxResponseBytes, target.href) };
  }

  /** The entry's proxy, read per request (its file may change); else the environment's, which does not change, once per origin. */
  #proxyFor(target: URL): string | undefined {
    const own = this.#connection.proxyUrl?.value();
    if (own !== undefined) return own;
    if (!this.#fromEnvironment.has(target.origin)) this.#fromEnvironment.set(target.origin, proxyFor(target, undefined, this.#options.proxies));
    return this.#fromEnvironment.get(target.origin);
  }

  #httpAgent(): HttpAgent {
    this.#http ??= new HttpAgent({ keepAlive: true, maxSockets: this.#options.connections });
    return this.#http;
  }

  #httpsAgent(): HttpsAgent {
    this.#https ??= new HttpsAgent({ keepAlive: true, maxSockets: this.#options.connections, ...this.#connection.tls?.connectOptions() });
    return this.#https;
  }

  #proxyAgent(proxy: string): ProxyAgent {
    let agent = this.#proxied.get(proxy);
    if (agent === undefined) {
      // An entry's own proxy has one value in force: the agent of a value rotated away closes once its requests are done.
      if (this.#connection.proxyUrl !== undefined) {
        for (const old of this.#proxied.values()) void old.close();
        this.#proxied.clear();
      }
      agent = new ProxyAgent({
        uri: proxy,
        connections: this.#options.connections,
        // The client's deadline bounds each request whole; undici's own timers would race it with another reason.
        headersTimeout: 0,
        bodyTimeout: 0,
        // http:// targets are forwarded as absolute-URI requests, as Go's proxy support does; https:// go through CONNECT.
        proxyTunnel: false,
        ...(this.#connection.tls ? { requestTls: this.#connection.tls.connectOptions() } : {}),
      });
      this.#proxied.set(proxy, agent);
    }
    return agent;
  }
}

/** The body, read up to `limit` bytes; past it the stream is destroyed, and with it the connection. */
function readCapped(body: Readable, length: string | string[] | undefined, limit: number, url: string): Promise<Buffer> {
  const tooLarge = () => new InvalidResponseError(url, `body larger than poll.maxResponseBytes (${limit} bytes)`);
  return new Promise<Buffer>((resolve, reject) => {
    // First, so that the error a destroyed stream may emit (undici's UND_ERR_ABORTED) has a listener: rejecting again is a no-op.
    body.on('error', reject);
    const drop = () => {
      reject(tooLarge());
      body.destroy();
    };
    if (Number(length) > limit) {
      drop();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) drop();
      else chunks.push(chunk);
    });
    body.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
  });
}

/** The body as sent before `Content-Encoding`, never more than `limit` bytes of it (no zip bomb). */
async function decoded(raw: Buffer, encoding: string | string[] | undefined, limit: number, url: string): Promise<Buffer> {
  const coding = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? '')).trim().toLowerCase();
  if (coding === '' || coding === 'identity') return raw;
  if (coding !== 'gzip' && coding !== 'x-gzip') throw new InvalidResponseError(url, `Content-Encoding ${coding.slice(0, 40)} was not asked for`);
  if (raw.length === 0) return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InvalidResponseError(url, `decompressed body larger than poll.maxResponseBytes (${limit} bytes)`);
    throw new InvalidResponseError(url, `body is not valid gzip (${(error as Error).message})`);
  }
}

/** undici's messages when a proxy refuses: a CONNECT answered other than 200, or a 407 to a forwarded request. */
const PROXY_REFUSAL = /Proxy response \((\d+)\)|Proxy Authentication Required \((\d+)\)/;

function failureOf(error: unknown, method: string, url: string, proxy: string | undefined): ExporterError {
  const tls = tlsProblemOf(error);
  if (tls !== undefined) return new TlsError(method, url, tls, error, proxy === undefined ? undefined : shownProxy(proxy));
  if (proxy === undefined) return new NetworkError(method, url, closedOverTls(error, url) ? new Error(CLOSED_OVER_TLS) : error);
  const refused = error instanceof Error ? PROXY_REFUSAL.exec(error.message) : null;
  const status = refused?.[1] ?? refused?.[2];
  // Through a proxy, every connection is to the proxy: a refused or broken one is the proxy's.
  return new NetworkError(method, url, status !== undefined ? new Error(`the proxy answered ${status}${PROXY_STATUS[status] ?? ''}`) : error, shownProxy(proxy));
}

/**
 * A TLS 1.3 server refuses a missing or untrusted client certificate after the client's side of the
 * handshake is done; node:https then sees the connection end (`socket hang up`), not the alert.
 */
function closedOverTls(error: unknown, url: string): boolean {
  return url.startsWith('https:') && (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNRESET' && /socket hang up/.test((error as Error).message);
}

const CLOSED_OVER_TLS =
  'the server closed the TLS connection without an answer (ECONNRESET); when every request ends so, the server may require a client certificate it was not given or does not trust: check tls.certFile and tls.keyFile';

const PROXY_STATUS: Readonly<Record<string, string>> = {
  '401': ' (some proxies, tinyproxy among them, answer wrong credentials so: check the credentials in the proxy URL)',
  '403': ' (forbidden: its rules do not allow this host or port)',
  '407': ' (proxy authentication required: check the credentials in the proxy URL)',
  '502': ' (bad gateway: it could not reach the API)',
  '503': ' (unavailable)',
};
