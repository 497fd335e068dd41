// Golden-file test of the whole `/metrics` body: the key and scope series of the literal snapshot in
// ../unit/fixtures/key-snapshot.ts and the exporter's own metrics after a fixed cycle report and fixed
// API requests, served over HTTP by the app at the fixture's clock, compared byte for byte with
// ./metrics.golden.txt. prom-client's process_* and nodejs_* families measure the test process, so
// they are left out, the way node_exporter's end-to-end test leaves out its go_ and process_ lines;
// the build info's version and nodejs_version read as placeholders.
//
// To rewrite the golden file after an intended change of the output, run
//   UPDATE_GOLDEN=1 npx vitest run test/golden/metrics.golden.test.ts
// then read the diff (git diff test/golden/metrics.golden.txt) before committing it.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { CONTENT_TYPE, EXPORTER_FAMILIES, KEY_FAMILIES, SCOPE_FAMILIES, TRAIL_FAMILIES } from '../../src/metrics/contract.js';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { Exposition } from '../../src/metrics/exposition.js';
import { KEY_KINDS } from '../../src/model/api-key.js';
import type { CycleReport } from '../../src/poller/poller.js';
import { VERSION } from '../../src/version.js';
import { ACME, FIXED_NOW, PRODUCTION, SNAPSHOT } from '../unit/fixtures/key-snapshot.js';

const GOLDEN = fileURLToPath(new URL('./metrics.golden.txt', import.meta.url));

/** This replica is shard 1 of 2: the listed scopes outnumber the ones it polls. */
const SHARD = { index: 1, count: 2 };

/** The cycle that published SNAPSHOT. */
const CYCLE: CycleReport = {
  snapshot: SNAPSHOT,
  durationSeconds: 12.5,
  requests: 14,
  discovery: [
    { credentialId: ACME.credentialId },
    { credentialId: ACME.credentialId, orgId: ACME.id },
    {
      credentialId: ACME.credentialId,
      orgId: '4888442a3354817a7320eb62',
      failure: { reason: 'forbidden', status: 403, message: 'GET … answered 403 (ORG_REQUIRES_ACCESS_LIST)' },
    },
    { credentialId: PRODUCTION.credentialId },
  ],
  listed: { user: 5, agent: 4, programmatic: 3, service_account: 2, global: 1 },
};

/** A cycle before it: one more poll duration, and discovery series that the last cycle no longer has. */
const EARLIER_CYCLE: CycleReport = {
  ...CYCLE,
  durationSeconds: 40,
  discovery: [{ credentialId: ACME.credentialId, orgId: '4888442a3354817a7320eb63' }],
  listed: { user: 9 },
};

/** API requests as the client reports them: a digest challenge, successes, a 429, a server error. */
const REQUESTS: readonly (readonly ['atlas' | 'public', number, number])[] = [
  ['atlas', 401, 0.0625],
  ['atlas', 200, 0.375],
  ['atlas', 200, 0.75],
  ['atlas', 429, 0.125],
  ['atlas', 200, 3],
  ['public', 401, 0.0625],
  ['public', 200, 0.5],
  ['public', 503, 31.25],
];

/** prom-client's default families: they describe the process running the test. */
const PROCESS_LINE = /^(# (HELP|TYPE) )?(process_|nodejs_)/;

/**
 * The body without process and Node.js families (prom-client ends each family with a blank line,
 * dropped with it), and with the build info's versions as placeholders.
 */
function normalised(body: string): string {
  const kept: string[] = [];
  let dropping = false;
  for (const line of body.split('\n')) {
    if (PROCESS_LINE.test(line) || (dropping && line === '')) {
      dropping = line !== '';
      continue;
    }
    dropping = false;
    kept.push(
      line.startsWith(`${EXPORTER_FAMILIES.buildInfo.name}{`)
        ? line.replace(`version="${VERSION}"`, 'version="VERSION"').replace(`nodejs_version="${process.versions.node}"`, 'nodejs_version="NODE_VERSION"')
        : line,
    );
  }
  return kept.join('\n');
}

let server: Server | undefined;
let base = '';

beforeAll(async () => {
  const metrics = new ExporterMetrics(VERSION, SHARD);
  const exposition = new Exposition(metrics);
  for (const [api, status, seconds] of REQUESTS) metrics.observeRequest(api, status, seconds);
  metrics.observeRateLimit('atlas', 97);
  metrics.observeCycle(EARLIER_CYCLE);
  exposition.update(SNAPSHOT);
  metrics.observeCycle(CYCLE);
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
