import { getEventListeners, once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyEnvironment } from '../../../src/atlas/connection.js';
import { HttpResponse, HttpTransport } from '../../../src/atlas/http-transport.js';
import { Secret } from '../../../src/config/secret.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { NetworkError } from '../../../src/errors/network-error.js';

const NO_PROXIES: ProxyEnvironment = { httpProxy: undefined, httpsProxy: undefined, noProxy: '' };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function transport(options: { connections?: number; maxResponseBytes?: number; proxyUrl?: string } = {}): HttpTransport {
  const made = new HttpTransport(options.proxyUrl === undefined ? {} : { proxyUrl: new Secret('proxyUrl', options.proxyUrl) }, { connections: options.connections ?? 4, maxResponseBytes: options.maxResponseBytes ?? 1 << 20, proxies: NO_PROXIES });
  closers.push(() => made.close());
  return made;
}

interface Served {
  readonly origin: string;
  readonly requests: Array<{ method: string; headers: IncomingMessage['headers']; body: string }>;
  /** Connections accepted, and the most open at once. */
  readonly connections: { opened: number; open: number; most: number };
}

async function serve(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const served: Served = { origin: '', requests: [], connections: { opened: 0, open: 0, most: 0 } };
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      served.requests.push({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req, res);
    });
  });
  server.on('connection', (socket: Socket) => {
    served.connections.opened++;
    served.connections.open++;
    served.connections.most = Math.max(served.connections.most, served.connections.open);
    socket.on('close', () => served.connections.open--);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return Object.assign(served, { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** A server that writes `raw` bytes on each connection and then ends it. */
async function rawServer(raw: string): Promise<string> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => socket.end(raw));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HttpTransport, direct requests', () => {
  it('sends the method, the headers, a body with its Content-Length, and asks for gzip', async () => {
    const server = await serve((_req, res) => res.writeHead(201, { 'X-Answer': 'yes' }).end('done'));
    const response = await transport().send(`${server.origin}/token`, { method: 'POST', headers: { authorization: 'Basic x' }, body: 'grant_type=client_credentials' });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('X-Answer')).toBe('yes');
    expect(response.headers.get('x-missing')).toBeNull();
    expect(await response.text()).toBe('done');
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.body).toBe('grant_type=client_credentials');
    expect(request?.headers['content-length']).toBe('29');
    expect(request?.headers['transfer-encoding']).toBeUndefined();
    expect(request?.headers.authorization).toBe('Basic x');
    expect(request?.headers['accept-encoding']).toBe('gzip');
  });

  it('a GET without a method, headers or body', async () => {
    const server = await serve((_req, res) => res.writeHead(404).end());
    const response = await transport().send(`${server.origin}/x`);
    expect(response.status).toBe(404);
    expect(response.ok).toBe(false);
    expect(server.requests[0]?.method).toBe('GET');
    expect(server.requests[0]?.headers['content-length']).toBeUndefined();
  });

  it('reuses one keep-alive connection for requests one after another', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const client = transport();
    for (let i = 0; i < 5; i++) expect(await (await client.send(`${server.origin}/${i}`)).text()).toBe('ok');
    expect(server.connections.opened).toBe(1);
  });

  it('opens at most `connections` connections at once', async () => {
    const server = await serve((_req, res) => setTimeout(() => res.end('ok'), 30));
    const client = transport({ connections: 2 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => client.send(`${server.origin}/${i}`)));
    expect(server.requests).toHaveLength(6);
    expect(server.connections.most).toBe(2);
  });

  it('joins a header sent more than once', async () => {
    const server = await serve((_req, res) => {
      res.setHeader('X-Many', ['a', 'b']);
      res.end();
    });
    expect((await transport().send(`${server.origin}/`)).headers.get('x-many')).toBe('a, b');
  });

  it('gunzips a gzipped body, and reads an empty gzipped one as empty', async () => {
    const page = JSON.stringify({ results: [{ id: 'a' }], totalCount: 1 });
    const server = await serve((req, res) => (req.url === '/empty' ? res.writeHead(204, { 'Content-Encoding': 'gzip' }).end() : res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(page))));
    const client = transport();
    expect(await (await client.send(`${server.origin}/page`)).text()).toBe(page);
    expect(new Uint8Array(await (await client.send(`${server.origin}/page`)).arrayBuffer())).toStrictEqual(new Uint8Array(Buffer.from(page)));
    expect(await (await client.send(`${server.origin}/empty`)).text()).toBe('');
  });

  it('an encoding it did not ask for, or a body that is not gzip, is invalid_response', async () => {
    const server = await serve((req, res) => res.writeHead(200, { 'Content-Encoding': req.url === '/br' ? 'br' : 'gzip' }).end('not gzip'));
    const client = transport();
    await expect(client.send(`${server.origin}/br`)).rejects.toSatisfy((error) => error instanceof InvalidResponseError && /Content-Encoding br was not asked for/.test(error.message));
    await expect(client.send(`${server.origin}/bad`)).rejects.toSatisfy((error) => error instanceof InvalidResponseError && /not valid gzip/.test(error.message));
  });

  it('a body over the cap is invalid_response, whether announced by Content-Length, streamed, or once gunzipped', async () => {
    const big = 'x'.repeat(4096);
    const server = await serve((req, res) => {
      // Announced and never sent: only the Content-Length can fail it.
      if (req.url === '/announced') res.writeHead(200, { 'Content-Length': String(1 << 30) }).write('x');
      else if (req.url === '/streamed') {
        res.writeHead(200);
        res.write(big.slice(0, 1000));
        setTimeout(() => res.end(big.slice(1000)), 10);
      } else res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(big));
    });
    const client = transport({ maxResponseBytes: 2048 });
    for (const path of ['/announced', '/streamed']) {
      await expect(client.send(`${server.origin}${path}`)).rejects.toSatisfy((error) => error instanceof InvalidResponseError && /body larger than poll\.maxResponseBytes \(2048 bytes\)/.test(error.message));
    }
    await expect(client.send(`${server.origin}/gzip`)).rejects.toSatisfy((error) => error instanceof InvalidResponseError && /decompressed body larger than poll\.maxResponseBytes/.test(error.message));
    // At the cap exactly is not over it.
    const exact = await serve((_req, res) => res.end('y'.repeat(2048)));
    expect((await client.send(`${exact.origin}/`)).status).toBe(200);
  });

  it('a body cut short by the server is a network error, not a short page', async () => {
    const origin = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"results":[');
    await expect(transport().send(`${origin}/keys`)).rejects.toSatisfy((error) => error instanceof NetworkError && error.reason === 'network' && error.message.startsWith(`GET ${origin}/keys failed`));
  });

  it('a refused connection is a network error that names the request', async () => {
    const origin = await rawServer('');
    const port = new URL(origin).port;
    await Promise.all(closers.splice(0).map((close) => close()));
    await expect(transport().send(`http://127.0.0.1:${port}/x`, { method: 'DELETE' })).rejects.toSatisfy(
      (error) => error instanceof NetworkError && error.message.startsWith(`DELETE http://127.0.0.1:${port}/x failed`) && error.message.includes('ECONNREFUSED'),
    );
  });

  it('an abort ends the request with the signal’s reason, and leaves no listener behind', async () => {
    const server = await serve(() => undefined);
    const controller = new AbortController();
    const reason = new Error('deadline');
    const pending = transport().send(`${server.origin}/hang`, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);

    const done = new AbortController();
    const answered = await serve((_req, res) => res.end('ok'));
    await transport().send(`${answered.origin}/`, { signal: done.signal });
    expect(getEventListeners(done.signal, 'abort')).toHaveLength(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('an aborted signal sends nothing', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const reason = new Error('already');
    await expect(transport().send(`${server.origin}/`, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it('close() drops the idle connections', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const client = new HttpTransport({}, { connections: 2, maxResponseBytes: 1024, proxies: NO_PROXIES });
    await client.send(`${server.origin}/`);
    expect(server.connections.open).toBe(1);
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.connections.open).toBe(0);
  });
  it('ok is 2xx only', () => {
    const ok = (status: number) => new HttpResponse(status, {}, Buffer.alloc(0)).ok;
    expect([ok(199), ok(200), ok(299), ok(300)]).toStrictEqual([false, true, true, false]);
  });

  it('reads identity as it is, and x-gzip or GZIP as gzip', async () => {
    const server = await serve((req, res) => {
      const coding = req.url!.slice(1);
      res.writeHead(200, { 'Content-Encoding': coding }).end(coding === 'identity' ? 'plain' : gzipSync('zipped'));
    });
    const client = transport();
    expect(await (await client.send(`${server.origin}/identity`)).text()).toBe('plain');
    expect(await (await client.send(`${server.origin}/x-gzip`)).text()).toBe('zipped');
    expect(await (await client.send(`${server.origin}/GZIP`)).text()).toBe('zipped');
  });
});

/** A forward proxy for http:// targets (absolute-URI requests), that answers 407 without the credentials it expects. */
async function forwardProxy(credentials: string): Promise<Served & { url: (userinfo?: string) => string }> {
  const proxy = await serve((req, res) => {
    if (req.headers['proxy-authorization'] !== `Basic ${Buffer.from(credentials).toString('base64')}`) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="proxy"' }).end();
      return;
    }
    const { 'proxy-authorization': _credentials, ...headers } = req.headers;
    const forwarded = httpRequest(req.url!, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.writeHead(502).end());
    forwarded.end(proxy.requests.at(-1)?.body);
  });
  return Object.assign(proxy, { url: (userinfo?: string) => proxy.origin.replace('http://', `http://${userinfo === undefined ? '' : `${userinfo}@`}`) });
}

describe('HttpTransport, through a proxy', () => {
  it('forwards http:// requests to the proxy as absolute URIs, with the credentials of the proxy URL, body included', async () => {
    const api = await serve((_req, res) => res.writeHead(200, { 'X-From': 'api' }).end('through'));
    const proxy = await forwardProxy('me:s3cret');
    const client = transport({ proxyUrl: proxy.url('me:s3cret') });
    const response = await client.send(`${api.origin}/keys?x=1`, { method: 'POST', body: 'form' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-from')).toBe('api');
    expect(await response.text()).toBe('through');
    expect(proxy.requests).toHaveLength(1);
    expect(api.requests.map((request) => [request.method, request.body])).toStrictEqual([['POST', 'form']]);
    expect(proxy.requests[0]?.headers['accept-encoding']).toBe('gzip');
  });

  it('one agent per proxy: requests one after another reuse its connections (an agent per request would open one each)', async () => {
    const api = await serve((_req, res) => res.end('ok'));
    const proxy = await forwardProxy('me:pw');
    const client = transport({ proxyUrl: proxy.url('me:pw') });
    for (let i = 0; i < 6; i++) await client.send(`${api.origin}/${i}`);
    // undici may open a second one while it checks the first before reusing it.
    expect(proxy.connections.opened).toBeLessThanOrEqual(2);
  });

  it('a proxy that answers 407 fails with network, naming the proxy and what 407 means, never its credentials', async () => {
    const api = await serve((_req, res) => res.end('ok'));
    const proxy = await forwardProxy('me:right');
    const error = await transport({ proxyUrl: proxy.url('me:wrong-pass') })
      .send(`${api.origin}/keys`)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    const { message } = error as NetworkError;
    expect(message).toBe(`GET ${api.origin}/keys failed through the proxy ${proxy.origin}: the proxy answered 407 (proxy authentication required: check the credentials in the proxy URL)`);
    expect(message).not.toContain('wrong-pass');
    expect(api.requests).toHaveLength(0);
  });

  it('a proxy that is down fails with network, naming the proxy', async () => {
    const proxy = await forwardProxy('me:pw');
    const port = new URL(proxy.origin).port;
    await Promise.all(closers.splice(0).map((close) => close()));
    const error = await transport({ proxyUrl: `http://me:pw@127.0.0.1:${port}` })
      .send('http://api.example.invalid/keys')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(new RegExp(`^GET http://api\\.example\\.invalid/keys failed through the proxy http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it('an abort through the proxy ends the request with the signal’s reason', async () => {
    const api = await serve(() => undefined);
    const proxy = await forwardProxy('me:pw');
    const controller = new AbortController();
    const reason = new Error('deadline');
    const pending = transport({ proxyUrl: proxy.url('me:pw') }).send(`${api.origin}/hang`, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it("a rotated proxyUrl goes through the new proxy, and the old proxy's connections close", async () => {
    const api = await serve((_req, res) => res.end('ok'));
    const [first, second] = [await forwardProxy('me:pw'), await forwardProxy('me:pw')];
    let current = first.url('me:pw');
    const rotating = { value: () => current } as unknown as Secret;
    const client = new HttpTransport({ proxyUrl: rotating }, { connections: 2, maxResponseBytes: 1024, proxies: NO_PROXIES });
    closers.push(() => client.close());
    await client.send(`${api.origin}/1`);
    expect(first.connections.open).toBe(1);
    current = second.url('me:pw');
    await client.send(`${api.origin}/2`);
    expect([first.requests.length, second.requests.length]).toStrictEqual([1, 1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(first.connections.open).toBe(0);
  });

  it("the environment's proxy, unless NO_PROXY lists the host", async () => {
    const api = await serve((_req, res) => res.end('ok'));
    const proxy = await forwardProxy('me:pw');
    const environment = (noProxy: string) => new HttpTransport({}, { connections: 2, maxResponseBytes: 1024, proxies: { httpProxy: proxy.url('me:pw'), httpsProxy: undefined, noProxy } });
    for (const [noProxy, proxied] of [['', 1], ['127.0.0.1', 0], ['example.org, 127.0.0.1', 0]] as const) {
      const client = environment(noProxy);
      closers.push(() => client.close());
      const before = proxy.requests.length;
      for (let i = 0; i < 2; i++) expect((await client.send(`${api.origin}/${i}`)).status, noProxy).toBe(200);
      expect(proxy.requests.length - before, `NO_PROXY=${noProxy}`).toBe(2 * proxied);
    }
  });

  it('caps a body read through the proxy too', async () => {
    const api = await serve((_req, res) => res.end('x'.repeat(4096)));
    const proxy = await forwardProxy('me:pw');
    const client = new HttpTransport({ proxyUrl: new Secret('proxyUrl', proxy.url('me:pw')) }, { connections: 2, maxResponseBytes: 2048, proxies: NO_PROXIES });
    closers.push(() => client.close());
    await expect(client.send(`${api.origin}/big`)).rejects.toSatisfy((error) => error instanceof InvalidResponseError && /body larger than poll\.maxResponseBytes \(2048 bytes\)/.test(error.message));
  });

  it('close() drops the connections to the proxy', async () => {
    const api = await serve((_req, res) => res.end('ok'));
    const proxy = await forwardProxy('me:pw');
    const client = new HttpTransport({ proxyUrl: new Secret('proxyUrl', proxy.url('me:pw')) }, { connections: 2, maxResponseBytes: 1024, proxies: NO_PROXIES });
    await client.send(`${api.origin}/`);
    expect(proxy.connections.open).toBe(1);
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.connections.open).toBe(0);
  });
});
