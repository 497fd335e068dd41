import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/simulator/index.js';
import { select, valueOf } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * Bodies are capped by poll.maxResponseBytes (default 16 MiB), before and after gunzip: a server
 * that streams without end, and a gzip bomb, fail their scope with invalid_response, the
 * connection is dropped, and memory stays bounded. The exporter runs in this process, so its RSS
 * is this process's.
 */

const USER_ID = '5af9a1d29cc0cdb6ac0bf3f8';
const MB = 1024 * 1024;
/** What an uncapped client would hold: far past the cap, bounded so that a regression fails the test rather than the machine. */
const STREAMED = 384 * MB;

let stack: Stack | undefined;
let server: Server | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  const open = server;
  server = undefined;
  if (open === undefined) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/atlas/v1.0`;
}

/** A stack whose only entry is one user at `baseUrl`. */
const stackOn = (baseUrl: string, poll: Record<string, unknown> = {}) =>
  startStack({
    dataset: generateDataset({ seed: 95, users: 1, keysPerUser: 1, projects: 0 }),
    captureLogs: true,
    configure: (config) => {
      config.users = [{ username: 'bomb@example.com', apiKey: 'k', userId: USER_ID, baseUrl }];
      config.projects = [];
      Object.assign(config.poll, { retries: 0, timeout: '30s', ...poll });
    },
  });

/** The peak RSS while `run` runs, sampled every 5 ms, less the RSS before. */
async function rssGrowth(run: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    await run();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage.rss()) - before;
}

async function expectInvalidResponse(current: Stack, detail: RegExp): Promise<void> {
  const samples = await current.scrape();
  expect(valueOf(samples, 'mongodb_apikey_scope_up', { user_id: USER_ID })).toBe(0);
  expect(select(samples, 'mongodb_apikey_scope_errors_total', { user_id: USER_ID }).filter((sample) => sample.value > 0).map((sample) => sample.labels.reason)).toStrictEqual([
    'invalid_response',
  ]);
  expect(current.logs.join('')).toMatch(detail);
}

describe('bounded responses', () => {
  let bomb: Buffer;
  beforeAll(async () => {
    // 256 MiB of zeros, gzipped as a stream (a few hundred KB): never whole in memory here.
    const gzip = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on('data', (part: Buffer) => parts.push(part));
    const zeros = Buffer.alloc(MB);
    for (let written = 0; written < 256 * MB; written += MB) if (!gzip.write(zeros)) await once(gzip, 'drain');
    gzip.end();
    await once(gzip, 'end');
    bomb = Buffer.concat(parts);
  });

  it('an endless body: the connection is dropped at the cap, the scope fails with invalid_response, RSS stays bounded', async () => {
    let sent = 0;
    let droppedEarly = false;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const baseUrl = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"results":["');
      const pump = () => {
        while (sent < STREAMED && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.once('close', () => (droppedEarly = sent < STREAMED));
      pump();
    });
    stack = await stackOn(baseUrl);
    const growth = await rssGrowth(() => stack!.cycle());
    await expectInvalidResponse(stack, /body larger than poll\.maxResponseBytes \(16777216 bytes\)/);
    expect(droppedEarly).toBe(true);
    expect(growth).toBeLessThan(50 * MB);
  });

  it('a gzip bomb: asked for with Accept-Encoding, cut at the cap once decompressed, RSS stays bounded', async () => {
    const encodings: string[] = [];
    const baseUrl = await serve((req, res) => {
      encodings.push(req.headers['accept-encoding'] ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': bomb.length });
      res.end(bomb);
    });
    expect(bomb.length).toBeLessThan(16 * MB);
    stack = await stackOn(baseUrl);
    const growth = await rssGrowth(() => stack!.cycle());
    await expectInvalidResponse(stack, /decompressed body larger than poll\.maxResponseBytes/);
    expect(encodings.every((encoding) => /\bgzip\b/.test(encoding))).toBe(true);
    expect(growth).toBeLessThan(50 * MB);
  });

  it('a smaller poll.maxResponseBytes caps a body the default lets through', async () => {
    const page = JSON.stringify({ links: [], results: [], totalCount: 0, padding: 'x'.repeat(200_000) });
    const baseUrl = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(page);
    });
    stack = await stackOn(baseUrl, { maxResponseBytes: 100_000 });
    await expectInvalidResponse(stack, /body larger than poll\.maxResponseBytes \(100000 bytes\)/);
  });

  it('a gzipped page within the cap is read: the keys are there', async () => {
    const key = {
      id: '5af9a1d29cc0cdb6acdca6d5',
      userId: USER_ID,
      description: 'Gzipped',
      enabled: true,
      createdAt: '2018-05-14T14:45:22Z',
      obfuscatedKey: '********-****-****-92732876eeae',
    };
    let gzipped = 0;
    const baseUrl = await serve((req, res) => {
      const body = JSON.stringify({ links: [], results: [key], totalCount: 1 });
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        gzipped++;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        res.end(gzipSync(body));
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(body);
      }
    });
    stack = await stackOn(baseUrl);
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { user_id: USER_ID })).toBe(1);
    expect(select(samples, 'mongodb_apikey_info', { user_id: USER_ID, key_id: key.id })).toHaveLength(1);
    expect(gzipped).toBeGreaterThan(0);
  });
});

describe('the simulator gzips when asked', () => {
  it('every scope is up over gzipped answers', async () => {
    stack = await startStack({ dataset: generateDataset({ seed: 96, users: 2, keysPerUser: 3, projects: 2 }), simulator: { gzip: true } });
    const samples = await stack.scrape();
    const up = select(samples, 'mongodb_apikey_scope_up').map((sample) => sample.value);
    expect(up.length).toBeGreaterThanOrEqual(4);
    expect(up.every((value) => value === 1)).toBe(true);
    expect(select(samples, 'mongodb_apikey_info').length).toBeGreaterThanOrEqual(6);
    const asked = await request(`${stack.sim.atlasBaseUrl}/users/x/keys`, { headers: { 'accept-encoding': 'gzip' } });
    const plain = await request(`${stack.sim.atlasBaseUrl}/users/x/keys`);
    expect(asked.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(Buffer.from(await asked.body.arrayBuffer())).toString()).toBe(await plain.body.text());
  });
});
