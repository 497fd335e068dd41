import autocannon from 'autocannon';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/simulator/index.js';
import { select } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ dataset: generateDataset({ seed: 61, users: 3, keysPerUser: 50, projects: 20, keysPerProject: 3 }) });
});
afterAll(async () => {
  await stack.close();
});

describe('bad HTTP input to the exporter', () => {
  it('answers unknown paths 404, other methods 405, HEAD without a body', async () => {
    const base = stack.exporter.url;
    for (const path of ['/metrics/', '/metricsx', '/../etc/passwd', '/healthz/extra', '/%00']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await fetch(`${base}/metrics`, { method });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('drops a client that sends its headers too slowly', async () => {
    const { port } = new URL(stack.exporter.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const dribble = setInterval(() => socket.write('X-Slow: a\r\n'), 1_000);
    const started = Date.now();
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(dribble);
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(8);
    expect(seconds).toBeLessThan(13);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);

  it('gives 50 concurrent scrapers for 10 s complete, correct bodies', async () => {
    const expectedKeys = select(await stack.scrape(), 'mongodb_apikey_info').length;
    expect(expectedKeys).toBe(3 * 50 + 20 * 3);
    const complete = (body: string) =>
      body.endsWith('\n') && body.split('\nmongodb_apikey_info{').length - 1 === expectedKeys && body.includes('\nmongodb_apikey_exporter_build_info{');
    const result = await autocannon({ url: `${stack.exporter.url}/metrics`, connections: 50, duration: 10, verifyBody: complete });
    expect(result.requests.total).toBeGreaterThan(100);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.mismatches).toBe(0);
    expect(result['2xx']).toBe(result.requests.total);
  }, 30_000);
});
