import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlasClient } from '../../../src/atlas/client.js';
import { Credential } from '../../../src/atlas/credential.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';

/** What a test server answers for one page request. */
type PageHandler = (pageNum: number, itemsPerPage: number, url: URL) => Record<string, unknown>;

interface ListServer {
  readonly origin: string;
  /** Every path and query asked for, in arrival order. */
  readonly asked: string[];
}

const PATH = '/api/atlas/v1.0/things';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A server without auth (digest-fetch sends a plain request first and takes a 200 as it is). */
async function listServer(handler: PageHandler): Promise<ListServer> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = handler(Number(url.searchParams.get('pageNum') ?? 1), Number(url.searchParams.get('itemsPerPage') ?? 100), url);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

const items = (count: number) => Array.from({ length: count }, (_, index) => index);

/**
 * Pages of `total` items; `totalCount` and `next` links as the options say. `next` links go to
 * `nextOrigin` (default: the server itself), each page holds at most `pageSize` items.
 */
function listing(total: number, options: { totalCount?: number; links?: boolean; pageSize?: number; nextOrigin?: string; relative?: boolean } = {}): (origin: () => string) => PageHandler {
  return (origin) => (pageNum, asked) => {
    const size = Math.min(asked, options.pageSize ?? asked);
    const start = (pageNum - 1) * size;
    const body: Record<string, unknown> = { results: items(total).slice(start, start + size) };
    if (options.totalCount !== undefined) body['totalCount'] = options.totalCount;
    if (options.links !== false) {
      const href = `${options.relative ? '' : (options.nextOrigin ?? origin())}${PATH}?pageNum=${pageNum + 1}&itemsPerPage=${size}`;
      body['links'] = start + size < total ? [{ rel: 'next', href }] : [];
    }
    return body;
  };
}

async function serve(handler: (origin: () => string) => PageHandler): Promise<ListServer> {
  let origin = '';
  const server = await listServer(handler(() => origin));
  origin = server.origin;
  return server;
}

function client(maxPages?: number): AtlasClient {
  return new AtlasClient({ concurrency: 4, timeoutMs: 2_000, retries: 0, ...(maxPages === undefined ? {} : { maxPages }) });
}

async function getAll(server: ListServer, maxPages?: number): Promise<unknown[]> {
  const credential = new Credential('user', 'secret', `${server.origin}/api/atlas/v1.0`);
  return client(maxPages).getAllPages(credential, '/things', new AbortController().signal);
}

const pageNums = (server: ListServer) => server.asked.map((url) => Number(new URL(url, 'http://x').searchParams.get('pageNum'))).sort((a, b) => a - b);

describe('AtlasClient.getAllPages: a listing ends at a page that is not full and has no next link', () => {
  it('fetches the pages an exact totalCount predicts, once each', async () => {
    const server = await serve(listing(1_201, { totalCount: 1_201 }));
    expect(await getAll(server)).toEqual(items(1_201));
    expect(pageNums(server)).toEqual([1, 2, 3]);
  });

  it('goes on past a totalCount that is too low, by the next links', async () => {
    const server = await serve(listing(1_201, { totalCount: 500 }));
    expect(await getAll(server)).toEqual(items(1_201));
    expect(pageNums(server)).toEqual([1, 2, 3]);
  });

  it('goes on past the predicted pages when the last of them is full (1,201 items, totalCount 600)', async () => {
    const server = await serve(listing(1_201, { totalCount: 600 }));
    expect(await getAll(server)).toEqual(items(1_201));
    expect(pageNums(server)).toEqual([1, 2, 3]);
  });

  it('goes on by page number when a too-low totalCount comes without links', async () => {
    const server = await serve(listing(1_201, { totalCount: 500, links: false }));
    expect(await getAll(server)).toEqual(items(1_201));
  });

  it('takes a too-high totalCount: the pages past the end are empty, nothing is repeated', async () => {
    const server = await serve(listing(620, { totalCount: 3_000 }));
    expect(await getAll(server)).toEqual(items(620));
    expect(pageNums(server)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pages by number while pages are full when there is neither totalCount nor a link', async () => {
    const server = await serve(listing(1_000, { links: false }));
    expect(await getAll(server)).toEqual(items(1_000));
    // Page 2 is full, so page 3 is asked for: it is empty, and that ends the listing.
    expect(pageNums(server)).toEqual([1, 2, 3]);
  });

  it('follows next links to the end when pages hold fewer items than asked', async () => {
    const server = await serve(listing(1_201, { pageSize: 200 }));
    expect(await getAll(server)).toEqual(items(1_201));
    expect(server.asked).toHaveLength(7);
  });

  it('resolves a relative next link against the base URL', async () => {
    const server = await serve(listing(450, { pageSize: 200, relative: true }));
    expect(await getAll(server)).toEqual(items(450));
  });

  it('fails on a next link to another origin and sends nothing there', async () => {
    const stranger = await listServer(() => ({ results: [] }));
    const server = await serve(listing(1_201, { nextOrigin: stranger.origin }));
    const failure = await getAll(server).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidResponseError);
    expect((failure as Error).message).toContain(`next link leaves ${server.origin}`);
    expect(stranger.asked).toEqual([]);
  });

  it('fails a listing that never ends after maxPages pages', async () => {
    const server = await listServer(() => ({ results: items(500), links: [{ rel: 'next', href: `${PATH}?more` }] }));
    const failure = await getAll(server, 5).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidResponseError);
    expect((failure as Error).message).toContain('the listing goes on past 5 pages');
    expect(server.asked).toHaveLength(5);
  });

  it('takes a totalCount that needs exactly maxPages pages', async () => {
    const server = await serve(listing(1_400, { totalCount: 1_400 }));
    expect(await getAll(server, 3)).toEqual(items(1_400));
    expect(pageNums(server)).toEqual([1, 2, 3]);
  });

  it('fails at once on a totalCount that needs more than maxPages pages', async () => {
    const server = await serve(listing(1_000, { totalCount: 1_000_000_000 }));
    const failure = await getAll(server).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidResponseError);
    expect((failure as Error).message).toContain('totalCount 1000000000 needs more than 10000 pages');
    expect(server.asked).toHaveLength(1);
  });
});
