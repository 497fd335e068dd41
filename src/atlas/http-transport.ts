import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What a request needs: the method, headers, an optional body, and the signal that aborts it. */
export interface HttpRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal | null;
}

/** A whole response: status, headers and the body, already read. */
export class HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  readonly #body: Buffer;

  constructor(status: number, statusText: string, headers: IncomingMessage['headers'], body: Buffer) {
    this.status = status;
    this.statusText = statusText;
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
    return new Promise((resolve, reject) => {
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: init.method ?? 'GET',
          headers: { ...init.headers, ...(init.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(init.body)) } : {}) },
          agent: secure ? this.#https : this.#http,
          ...(init.signal ? { signal: init.signal } : {}),
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
            resolve(new HttpResponse(response.statusCode ?? 0, response.statusMessage ?? '', response.headers, Buffer.concat(chunks)));
          });
        },
      );
      request.on('error', reject);
      request.end(init.body);
    });
  }

  /** Closes the idle connections. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
