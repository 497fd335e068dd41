// A small, independent HTTP Digest client for testing the simulator: written from RFC 7616 and
// RFC 2069, sharing no code with the simulator or the exporter.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawOptions {
  method?: string;
  headers?: Record<string, string>;
  agent?: Agent;
  /** Abort the request after this long (rejects with an error named 'TimeoutError'). */
  timeoutMs?: number;
}

/** One HTTP request; rejects when the connection breaks before the whole body arrived. */
export function rawRequest(url: string, options: RawOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete) {
          reject(new Error('response incomplete'));
          return;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => {
        const error = new Error(`timed out after ${options.timeoutMs} ms`);
        error.name = 'TimeoutError';
        req.destroy(error);
      });
    }
    req.on('error', reject);
    req.end();
  });
}

export function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Parameters of a `WWW-Authenticate: Digest …` header. */
export function parseChallenge(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of header.replace(/^Digest\s+/i, '').matchAll(/([a-zA-Z]+)=(?:"([^"]*)"|([^,\s]*))/g)) {
    out[(match[1] ?? '').toLowerCase()] = match[2] ?? match[3] ?? '';
  }
  return out;
}

export interface DigestInput {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method?: string;
  uri: string;
  /** Omit for the RFC 2069 form. */
  qop?: 'auth';
  nc?: number;
  cnonce?: string;
}

/** The Authorization header value for one request. */
export function digestHeader(input: DigestInput): string {
  const method = input.method ?? 'GET';
  const ha1 = md5(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = md5(`${method}:${input.uri}`);
  if (input.qop === undefined) {
    const response = md5(`${ha1}:${input.nonce}:${ha2}`);
    return `Digest username="${input.username}", realm="${input.realm}", nonce="${input.nonce}", uri="${input.uri}", response="${response}", algorithm=MD5`;
  }
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const response = md5(`${ha1}:${input.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${input.username}", realm="${input.realm}", nonce="${input.nonce}", uri="${input.uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}

/** Path and query of a URL: the digest `uri`. */
export function requestTarget(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}

/**
 * A digest client that keeps its nonce and counts `nc` up, re-authenticating on a 401 challenge once
 * per request; uses `qop=auth` when the challenge offers it, else the RFC 2069 form.
 */
export class TestDigestClient {
  readonly agent = new Agent({ keepAlive: true });
  #challenge: Record<string, string> | undefined;
  #nc = 0;

  constructor(
    readonly username: string,
    readonly password: string,
  ) {}

  authorizationFor(url: string, method = 'GET'): string | undefined {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    this.#nc++;
    return digestHeader({
      username: this.username,
      password: this.password,
      realm: challenge['realm'] ?? '',
      nonce: challenge['nonce'] ?? '',
      uri: requestTarget(url),
      method,
      ...(challenge['qop'] === 'auth' ? { qop: 'auth' as const, nc: this.#nc } : {}),
    });
  }

  async get(url: string, options: Omit<RawOptions, 'agent'> = {}): Promise<RawResponse> {
    const method = options.method ?? 'GET';
    const first = this.authorizationFor(url, method);
    const send = (authorization: string | undefined): Promise<RawResponse> =>
      rawRequest(url, {
        ...options,
        agent: this.agent,
        headers: { ...options.headers, ...(authorization === undefined ? {} : { Authorization: authorization }) },
      });
    const response = await send(first);
    const header = response.headers['www-authenticate'];
    if (response.status !== 401 || typeof header !== 'string') return response;
    const stale = parseChallenge(header)['stale'] === 'true';
    if (first !== undefined && !stale) return response;
    this.#challenge = parseChallenge(header);
    this.#nc = 0;
    return send(this.authorizationFor(url, method));
  }

  async json<T = unknown>(url: string): Promise<T> {
    const response = await this.get(url);
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${response.body}`);
    return JSON.parse(response.body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A fresh challenge from the server: one unauthenticated GET. */
export async function fetchChallenge(url: string): Promise<{ header: string; params: Record<string, string>; response: RawResponse }> {
  const response = await rawRequest(url);
  const header = response.headers['www-authenticate'];
  if (typeof header !== 'string') throw new Error(`no challenge from ${url}: ${response.status}`);
  return { header, params: parseChallenge(header), response };
}
