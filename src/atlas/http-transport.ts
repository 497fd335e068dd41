import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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

/** A whole response: status, headers and the body, already read. */
export class HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly #body: Buffer;

  constructor(status: number, headers: IncomingMessage['headers'], body: Buffer) {
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

/**
 * HTTP/1.1 requests over keep-alive connections with node:http. A poll sends tens of thousands of
 * small requests, and `fetch` leaves several times more garbage per request (streams, Request and
 * Headers objects, finalizers), which showed as a heap twice the size for the same work.
 */
export class HttpTransport {
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;

  constructor(maxSockets: number) {
    this.#http = new HttpAgent({ keepAlive: true, maxSockets });
    this.#https = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  /** Sends the request and reads the whole response; rejects on a network error or an abort. */
  send(url: string, init: HttpRequest = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const { signal } = init;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<HttpResponse>((resolve, reject) => {
      // The signal is not handed to node:http: its abort wiring (a stream finished-listener per
      // request) kept a few hundred bytes per request alive long enough to reach the old
      // generation. One listener here does the same.
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('request aborted'));
      const settle = <T>(done: (value: T) => void) => (value: T) => {
        signal?.removeEventListener('abort', onAbort);
        done(value);
      };
      resolve = settle(resolve);
      reject = settle(reject);
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: init.method ?? 'GET',
          headers: { ...init.headers, ...(init.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(init.body)) } : {}) },
          agent: secure ? this.#https : this.#http,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('aborted', () => reject(new Error('response aborted')));
          response.on('end', () => {
            if (!response.complete) {
              reject(new Error('connection closed before the response ended'));
              return;
            }
            resolve(new HttpResponse(response.statusCode ?? 0, response.headers, Buffer.concat(chunks)));
          });
        },
      );
      request.on('error', reject);
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(init.body);
    });
  }

  /** Closes the idle connections. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
