import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlasClient, type ClientOptions } from '../../../src/atlas/client.js';
import { Credential } from '../../../src/atlas/credential.js';
import { Secret } from '../../../src/config/secret.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { CredentialPausedError } from '../../../src/errors/credential-paused-error.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { NetworkError } from '../../../src/errors/network-error.js';
import { TimeoutError } from '../../../src/errors/timeout-error.js';

/** How the test server answers one request; `hang` never answers, `reset` drops the connection. */
type Answer = { status?: number; headers?: Record<string, string>; body?: string } | 'hang' | 'reset';

interface TestServer {
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly seen: IncomingMessage[];
  /** The answers still to give, in order; the last one repeats. */
  readonly answers: Answer[];
  inFlight: number;
  mostInFlight: number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

async function testServer(answers: Answer[], delayMs = 0): Promise<TestServer> {
  const state: TestServer = { origin: '', seen: [], answers, inFlight: 0, mostInFlight: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.seen.push(req);
    state.inFlight++;
    state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
    const answer = (state.answers.length > 1 ? state.answers.shift() : state.answers[0]) ?? {};
    const reply = () => {
      state.inFlight--;
      if (answer === 'hang') return;
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json', ...answer.headers }).end(answer.body ?? '{}');
    };
    if (delayMs > 0) setTimeout(reply, delayMs);
    else reply();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

const clientOf = (options: Partial<ClientOptions> = {}) => new AtlasClient({ concurrency: 4, timeoutMs: 5_000, retries: 0, retryBaseMs: 1, ...options });
const credentialOf = (server: TestServer, username = 'user', api = 'atlas/v2') => new Credential(username, 'secret', `${server.origin}/api/${api}`);
const signal = new AbortController().signal;
const failureOf = (promise: Promise<unknown>) => promise.then(
  () => expect.unreachable('expected a failure'),
  (error: unknown) => error,
);

describe('AtlasClient.getJson', () => {
  it('GETs the base URL and path, asking for JSON or the media type given, and counts each request', async () => {
    const server = await testServer([{ body: '{"a":1}' }]);
    const client = clientOf();
    expect(await client.getJson(credentialOf(server), '/orgs/o1', signal)).toEqual({ a: 1 });
    await client.getJson(credentialOf(server), '/orgs/o1', signal, { accept: 'application/vnd.atlas.2023-01-01+json' });
    expect(server.seen.map((request) => [request.method, request.url, request.headers.accept])).toEqual([
      ['GET', '/api/atlas/v2/orgs/o1', 'application/json'],
      ['GET', '/api/atlas/v2/orgs/o1', 'application/vnd.atlas.2023-01-01+json'],
    ]);
    expect(client.requests).toBe(2);
  });

  it('fails an error status as an ApiError with the vendor’s errorCode, and does not retry a 4xx', async () => {
    const server = await testServer([{ status: 404, body: JSON.stringify({ errorCode: 'RESOURCE_NOT_FOUND', detail: 'x' }) }]);
    const error = await failureOf(clientOf({ retries: 3 }).getJson(credentialOf(server), '/groups/p1', signal));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, errorCode: 'RESOURCE_NOT_FOUND', reason: 'not_found', retryAfterSeconds: undefined });
    expect((error as Error).message).toBe(`GET ${server.origin}/api/atlas/v2/groups/p1 answered 404 (RESOURCE_NOT_FOUND)`);
    expect(server.seen).toHaveLength(1);
  });

  it('reads an errorCode only when it is a string, cut at 100 characters, and none from a body that is not JSON', async () => {
    const long = 'X'.repeat(150);
    const server = await testServer([
      { status: 400, body: JSON.stringify({ errorCode: 42 }) },
      { status: 400, body: JSON.stringify({ errorCode: long }) },
      { status: 400, body: '<html>bad request</html>', headers: { 'Content-Type': 'text/html' } },
    ]);
    const client = clientOf();
    const codes = [];
    for (let request = 0; request < 3; request++) codes.push(((await failureOf(client.getJson(credentialOf(server), '/x', signal))) as ApiError).errorCode);
    expect(codes).toEqual([undefined, 'X'.repeat(100), undefined]);
  });

  it('retries a 5xx up to `retries` times and takes the answer that comes', async () => {
    const server = await testServer([{ status: 500 }, { status: 502 }, { body: '[1]' }]);
    expect(await clientOf({ retries: 2 }).getJson(credentialOf(server), '/x', signal)).toEqual([1]);
    expect(server.seen).toHaveLength(3);
    const failing = await testServer([{ status: 503 }]);
    const error = await failureOf(clientOf({ retries: 2 }).getJson(credentialOf(failing), '/x', signal));
    expect(error).toMatchObject({ status: 503, reason: 'server_error' });
    expect(failing.seen).toHaveLength(3);
  });

  it('does not retry a 429 whose Retry-After is longer than the request timeout, and holds the credential: its next request fails unsent', async () => {
    const server = await testServer([{ status: 429, headers: { 'Retry-After': '30' } }, { body: '{}' }]);
    const client = clientOf({ retries: 3, timeoutMs: 2_000 });
    const credential = credentialOf(server);
    const error = await failureOf(client.getJson(credential, '/x', signal));
    expect(error).toMatchObject({ status: 429, reason: 'rate_limited', retryAfterSeconds: 30 });
    expect(server.seen).toHaveLength(1);
    const paused = await failureOf(client.getJson(credential, '/y', signal));
    expect(paused).toBeInstanceOf(CredentialPausedError);
    expect(paused).toMatchObject({ reason: 'rate_limited' });
    expect((paused as Error).message).toContain(`GET ${server.origin}/api/atlas/v2/y not sent`);
    expect(server.seen).toHaveLength(1);
    // Another credential of the same API is not held back.
    expect(await client.getJson(credentialOf(server, 'other'), '/z', signal)).toEqual({});
    expect(server.seen).toHaveLength(2);
  });

  it('does not hold the credential for a 503 without Retry-After, whatever its backoff', async () => {
    const server = await testServer([{ status: 503 }, { body: '{}' }]);
    // A backoff of the whole timeout (5 s) that must hold back nothing but a retry of this request.
    const client = clientOf({ retries: 0, retryBaseMs: 60_000, timeoutMs: 5_000, random: () => 1 });
    const credential = credentialOf(server);
    expect(await failureOf(client.getJson(credential, '/x', signal))).toMatchObject({ status: 503 });
    const started = Date.now();
    expect(await client.getJson(credential, '/x', signal)).toEqual({});
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('takes RateLimit-Remaining without an observer for it', async () => {
    const server = await testServer([{ body: '{}', headers: { 'RateLimit-Remaining': '3' } }]);
    expect(await clientOf({ retries: 0 }).getJson(credentialOf(server), '/x', signal)).toEqual({});
  });

  it('waits out a Retry-After that fits in the request timeout, and then retries', async () => {
    const server = await testServer([{ status: 429, headers: { 'Retry-After': '1' } }, { body: '{"ok":true}' }]);
    const started = Date.now();
    expect(await clientOf({ retries: 1, timeoutMs: 5_000 }).getJson(credentialOf(server), '/x', signal)).toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(server.seen).toHaveLength(2);
  });

  it('takes only JSON: another content type, or a body that does not parse, is an invalid response', async () => {
    const server = await testServer([
      { body: '<html></html>', headers: { 'Content-Type': 'text/html; charset=utf-8' } },
      { body: '{"a":', headers: {} },
      { body: '{"a":2}', headers: { 'Content-Type': 'application/problem+JSON' } },
    ]);
    const client = clientOf();
    const html = await failureOf(client.getJson(credentialOf(server), '/x', signal));
    expect(html).toBeInstanceOf(InvalidResponseError);
    expect((html as Error).message).toContain('expected JSON, got text/html');
    expect((html as Error).message).not.toContain('charset');
    const broken = await failureOf(client.getJson(credentialOf(server), '/x', signal));
    expect(broken).toBeInstanceOf(InvalidResponseError);
    expect((broken as Error).message).toContain('body is not valid JSON (');
    expect(await client.getJson(credentialOf(server), '/x', signal)).toEqual({ a: 2 });
  });

  it('accepts JSON sent without a content type', async () => {
    const raw = createServer((_req, res) => {
      res.end('{"b":4}');
    });
    servers.push(raw);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    expect(await clientOf().getJson(new Credential('user', 'secret', `${origin}/api/atlas/v2`), '/x', signal)).toEqual({ b: 4 });
  });

  it('times a request out after timeoutMs as a timeout, and does not retry it', async () => {
    const server = await testServer(['hang']);
    const error = await failureOf(clientOf({ retries: 2, timeoutMs: 300 }).getJson(credentialOf(server), '/x', signal));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect((error as Error).message).toBe(`GET ${server.origin}/api/atlas/v2/x timed out after 300 ms`);
    expect(server.seen).toHaveLength(1);
  });

  it('fails a dropped connection as a network error, and retries it', async () => {
    const server = await testServer(['reset']);
    const error = await failureOf(clientOf({ retries: 1 }).getJson(credentialOf(server), '/x', signal));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ reason: 'network' });
    expect(server.seen).toHaveLength(2);
  });

  it('leaves with the stop signal’s reason when stopped mid-request, without retrying', async () => {
    const server = await testServer(['hang']);
    const stop = new AbortController();
    const pending = failureOf(clientOf({ retries: 3 }).getJson(credentialOf(server), '/x', stop.signal));
    while (server.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const reason = new Error('poller stopped');
    stop.abort(reason);
    expect(await pending).toBe(reason);
    expect(server.seen).toHaveLength(1);
    const stopped = new AbortController();
    stopped.abort(reason);
    expect(await failureOf(clientOf().getJson(credentialOf(server), '/x', stopped.signal))).toBe(reason);
    expect(server.seen).toHaveLength(1);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const server = await testServer([{ body: '{}' }], 30);
    const client = clientOf({ concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, index) => client.getJson(credentialOf(server, `user${index % 3}`), '/x', signal)));
    expect(server.seen).toHaveLength(6);
    expect(server.mostInFlight).toBe(2);
  });

  it('reports each exchange by API and status, and RateLimit-Remaining where the API sent it', async () => {
    const server = await testServer([{ status: 500, headers: { 'RateLimit-Remaining': '7' } }, { headers: { 'RateLimit-Remaining': 'n/a' } }]);
    const observed: [string, number, number][] = [];
    const remaining: [string, number][] = [];
    const client = clientOf({
      retries: 2,
      observe: (api, status, seconds) => observed.push([api, status, seconds]),
      observeRateLimit: (api, value) => remaining.push([api, value]),
    });
    await client.getJson(credentialOf(server, 'user', 'public/v1.0'), '/x', signal);
    expect(observed.map(([api, status]) => [api, status])).toEqual([
      ['public', 500],
      ['public', 200],
    ]);
    for (const [, , seconds] of observed) {
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(seconds).toBeLessThan(60);
    }
    expect(remaining).toEqual([['public', 7]]);
  });

  it('fails a request queued behind a 429 unsent, once the pause it set is longer than the timeout', async () => {
    const server = await testServer([{ status: 429, headers: { 'Retry-After': '30' } }, { body: '{}' }], 50);
    const client = clientOf({ concurrency: 1, retries: 0, timeoutMs: 2_000 });
    const credential = credentialOf(server);
    const [first, queued] = await Promise.all([failureOf(client.getJson(credential, '/a', signal)), failureOf(client.getJson(credential, '/b', signal))]);
    expect(first).toMatchObject({ status: 429 });
    expect(queued).toBeInstanceOf(CredentialPausedError);
    expect(server.seen.map((request) => request.url)).toEqual(['/api/atlas/v2/a']);
  });

  it('keeps a digest session for the next request of its credential: one challenge, then answers', async () => {
    const seen: (string | undefined)[] = [];
    const digest = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization === undefined) res.writeHead(401, { 'WWW-Authenticate': 'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"' }).end('{}');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    servers.push(digest);
    await new Promise<void>((resolve) => digest.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(digest.address() as AddressInfo).port}`;
    const client = clientOf({ concurrency: 1 });
    const credential = new Credential('user', 'secret', `${origin}/api/atlas/v2`);
    await client.getJson(credential, '/a', signal);
    await client.getJson(credential, '/b', signal);
    expect(seen.map((header) => header?.match(/nc=(\w+)/)?.[1] ?? 'none')).toEqual(['none', '00000001', '00000002']);
    expect(client.requests).toBe(3);
  });

  it('leaves no listener on the stop signal once a request is done', async () => {
    const server = await testServer([{ body: '{}' }, { status: 404 }]);
    const stop = new AbortController();
    const client = clientOf();
    await client.getJson(credentialOf(server), '/x', stop.signal);
    await failureOf(client.getJson(credentialOf(server), '/x', stop.signal));
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('fails a listing whose page is not a page', async () => {
    const server = await testServer([{ body: '{"results":"none"}' }]);
    const error = await failureOf(clientOf().getAllPages(credentialOf(server), '/x', signal));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain('not a documented page');
  });

  it('closes with nothing to revoke and no failure', async () => {
    expect(await clientOf().close()).toEqual([]);
  });

  it('sends a service account’s requests with its bearer token, and revokes the token on close, returning a refused revocation', async () => {
    const token = { status: 200, body: JSON.stringify({ access_token: 'tok-1', expires_in: 3600, token_type: 'Bearer' }) };
    const server = await testServer([token, { body: '{"a":1}' }, { body: '{"a":2}' }, { status: 500 }]);
    const oauth = new Credential('mdb_sa_id_1', 'sa-secret', `${server.origin}/api/atlas/v2`, { tokenUrl: `${server.origin}/api/oauth/token` });
    const client = clientOf();
    expect(await client.getJson(oauth, '/orgs', signal)).toEqual({ a: 1 });
    expect(await client.getJson(oauth, '/orgs', signal)).toEqual({ a: 2 });
    const failures = await client.close();
    expect(server.seen.map((request) => [request.method, request.url, request.headers.authorization?.split(' ')[0]])).toEqual([
      ['POST', '/api/oauth/token', 'Basic'],
      ['GET', '/api/atlas/v2/orgs', 'Bearer'],
      ['GET', '/api/atlas/v2/orgs', 'Bearer'],
      ['POST', '/api/oauth/revoke', 'Basic'],
    ]);
    expect(server.seen[1]?.headers.authorization).toBe('Bearer tok-1');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ status: 500 });
  });

  it('closes with no failure when the revocation is accepted', async () => {
    const token = { status: 200, body: JSON.stringify({ access_token: 'tok-1', expires_in: 3600, token_type: 'Bearer' }) };
    const server = await testServer([token, { body: '{}' }, { body: '' }]);
    const oauth = new Credential('mdb_sa_id_1', 'sa-secret', `${server.origin}/api/atlas/v2`, { tokenUrl: `${server.origin}/api/oauth/token` });
    const client = clientOf();
    await client.getJson(oauth, '/orgs', signal);
    expect(await client.close()).toEqual([]);
    expect(server.seen.at(-1)?.url).toBe('/api/oauth/revoke');
  });
});

describe('AtlasClient proxies', () => {
  it('sends each credential through its own proxy, however the proxy URLs serialise', async () => {
    // Two forwarding proxies that answer every request themselves, and record its absolute URI.
    const proxies = await Promise.all(
      [0, 1].map(async () => {
        const seen: string[] = [];
        const server = createServer((req, res) => {
          seen.push(req.url ?? '');
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return { seen, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      }),
    );
    const client = clientOf();
    try {
      for (const [index, proxy] of proxies.entries()) {
        const credential = new Credential(`user${index}`, 'secret', 'http://api.example.invalid/api/atlas/v2', undefined, { proxyUrl: new Secret('proxyUrl', proxy.url) });
        expect(await client.getJson(credential, `/from/${index}`, signal)).toEqual({ ok: true });
      }
      expect(proxies.map((proxy) => proxy.seen)).toEqual([['http://api.example.invalid/api/atlas/v2/from/0'], ['http://api.example.invalid/api/atlas/v2/from/1']]);
    } finally {
      await client.close();
      for (const proxy of proxies) proxy.server.close();
    }
  });
});
