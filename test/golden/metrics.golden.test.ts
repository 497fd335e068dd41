// Golden-file test of the whole `/metrics` body: the key and scope series of the literal snapshot in
// ../unit/fixtures/key-snapshot.ts and the exporter's own metrics after the fixed cycle reports and
// API requests of ../unit/fixtures/golden-cycle.ts, served over HTTP by the app at the fixture's
// clock, compared byte for byte with ./metrics.golden.txt. prom-client's process_* and nodejs_*
// families measure the test process, so they are left out, the way node_exporter's end-to-end test
// leaves out its go_ and process_ lines; the build info's version and nodejs_version read as
// placeholders.
//
// To rewrite the golden file after an intended change of the output, run
//   UPDATE_GOLDEN=1 npx vitest run test/golden/metrics.golden.test.ts
// then read the diff (git diff test/golden/metrics.golden.txt) before committing it.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { CONTENT_TYPE, EXPORTER_FAMILIES, KEY_FAMILIES, SCOPE_FAMILIES, TRAIL_FAMILIES } from '../../src/metrics/contract.js';
import { KEY_KINDS } from '../../src/model/api-key.js';
import { VERSION } from '../../src/version.js';
import { GOLDEN, goldenExporter, normalised } from '../unit/fixtures/golden-cycle.js';
import { FIXED_NOW, SNAPSHOT } from '../unit/fixtures/key-snapshot.js';

let server: Server | undefined;
let base = '';

beforeAll(async () => {
  const { exposition } = goldenExporter();
  const app = createApp({
    telemetryPath: '/metrics',
    exposition,
    ready: () => true,
    snapshot: () => SNAPSHOT,
    version: VERSION,
    log: pino({ level: 'silent' }),
    now: () => FIXED_NOW,
  });
  server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
});

/** GET /metrics; the body as sent on the wire. */
function scrape(headers: Record<string, string>): Promise<{ status: number | undefined; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/metrics`, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool not found on PATH: install Prometheus (Debian/Ubuntu: apt-get install prometheus) to check the exposition');
  }
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('/metrics golden file', () => {
  let plain: Awaited<ReturnType<typeof scrape>>;
  let served = '';
  let actual = '';

  beforeAll(async () => {
    plain = await scrape({ 'accept-encoding': 'identity' });
    served = plain.body.toString('utf8');
    actual = normalised(served);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, actual);
  });

  it('serves the fixed snapshot and exporter metrics at the fixed clock exactly as the golden file', () => {
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe(CONTENT_TYPE);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('serves the same text gzipped', async () => {
    const gzipped = await scrape({ 'accept-encoding': 'gzip' });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(normalised(gunzipSync(gzipped.body).toString('utf8'))).toBe(actual);
  });

  it('holds every family of the contract, each with a series, and keys of every kind', () => {
    const lines = actual.split('\n');
    for (const family of [...Object.values(KEY_FAMILIES), ...Object.values(SCOPE_FAMILIES), ...Object.values(TRAIL_FAMILIES), ...Object.values(EXPORTER_FAMILIES)]) {
      expect(lines, family.name).toContain(`# TYPE ${family.name} ${family.type}`);
      const sample = new RegExp(`^${family.name}${family.type === 'histogram' ? '_(bucket|sum|count)' : ''}[{ ]`);
      expect(lines.some((line) => sample.test(line)), `${family.name} has a series`).toBe(true);
    }
    for (const kind of KEY_KINDS) {
      expect(lines.some((line) => line.startsWith(`${KEY_FAMILIES.info.name}{kind="${kind}",`)), `a key of kind ${kind}`).toBe(true);
    }
  });

  it('serves prom-client`s process and Node.js families, which the golden file leaves out, without gauges named like counters', () => {
    const types = served.split('\n').filter((line) => line.startsWith('# TYPE '));
    for (const family of ['process_cpu_user_seconds_total counter', 'process_start_time_seconds gauge', 'nodejs_heap_size_used_bytes gauge', 'nodejs_eventloop_lag_seconds gauge']) {
      expect(types).toContain(`# TYPE ${family}`);
    }
    expect(types.filter((line) => / nodejs_\S+_total gauge$/.test(line))).toEqual([]);
  });

  it('promtool check metrics accepts the golden text and the whole body as served', () => {
    expect(promtoolCheckMetrics(readFileSync(GOLDEN, 'utf8'))).toEqual({ status: 0, output: '' });
    expect(promtoolCheckMetrics(served)).toEqual({ status: 0, output: '' });
  });
});
