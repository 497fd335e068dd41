import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { parseMetrics, select, valueOf, type Sample } from '../helpers/metrics.js';
import { startApache, type AccessLine, type Apache } from './apache-httpd.js';

/**
 * The exporter against Apache httpd's mod_auth_digest: a digest server we did not write, so a
 * shared misreading of RFC 7616 between our client and our simulator cannot hide here. Apache
 * serves the documented responses as static files; the query string (`pageNum`, `itemsPerPage`)
 * is ignored, which is fine because every list is one page.
 */

const USER = { username: 'alice@example.com', apiKey: '3c9e61d5-7b0a-4f28-9d4e-5a1b2c3d4e5f', userId: '5af9a1d29cc0cdb6ac0bf3f8' };
const PROJECT_KEY = { publicKey: 'qwrtzuio', privateKey: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0' };
const PROJECT = { id: '5e2211c17a3e5a48f5497de3', name: 'Interop Project' };

const USER_KEYS = [
  {
    id: '5c47503320eef5dc2f4fa3d1',
    userId: USER.userId,
    description: 'CI pipeline',
    enabled: true,
    usedCount: 42,
    createdAt: '2019-01-22T17:04:19Z',
    lastUsed: '2024-05-01T08:30:00Z',
    obfuscatedKey: '********-****-****-5f0c2b7ea1d9',
  },
  {
    id: '5c47503320eef5dc2f4fa3d2',
    userId: USER.userId,
    description: 'Grafana "read-only" key, never used',
    enabled: false,
    usedCount: 0,
    createdAt: '2023-11-30T23:59:59.500Z',
    lastUsed: null,
    obfuscatedKey: '********-****-****-0b1c2d3e7a8b',
  },
  {
    id: '5c47503320eef5dc2f4fa3d3',
    userId: USER.userId,
    description: 'Terraform',
    enabled: true,
    usedCount: 0,
    createdAt: '2022-02-10T10:00:00+01:00',
    // no lastUsed at all, and a field the docs do not list
    obfuscatedKey: '********-****-****-9e8d7c6b4f3e',
    roles: [{ roleName: 'ORG_READ_ONLY' }],
  },
];

const AGENT_KEYS: Record<string, unknown>[] = [
  {
    _id: '5f1a2b3c4d5e6f7a8b9c0d1e',
    key: '****************************ab12',
    desc: 'Agent key of db-host-1',
    createdTime: 1520458807291,
    createdBy: 'USER',
    createdIpAddr: '192.0.2.10',
    createdUserId: '5a1b2c3d4e5f6a7b8c9d0e1f',
  },
  {
    id: '5f1a2b3c4d5e6f7a8b9c0d1f',
    key: '****************************cd34',
    desc: 'Provisioned by automation',
    createdTime: '2021-06-15T12:34:56Z',
    createdBy: 'PROVISIONING',
  },
  {
    _id: '5f1a2b3c4d5e6f7a8b9c0d20',
    key: '****************************ef56',
    desc: 'Rotated key',
    createdTime: 1700000000123,
    createdBy: 'OLD_KEY',
    createdIpAddr: '198.51.100.7',
    createdUserId: '5a1b2c3d4e5f6a7b8c9d0e1f',
    futureField: { anything: true },
  },
];

const USER_KEYS_PATH = `api/atlas/v1.0/users/${USER.userId}/keys`;
const AGENT_KEYS_PATH = `api/public/v1.0/groups/${PROJECT.id}/agentapikeys`;
const GROUPS_PATH = '/api/public/v1.0/groups';

/** The vendor's timestamps, read independently of the exporter: epoch ms or ISO 8601 → Unix seconds. */
const seconds = (value: unknown): number => (typeof value === 'number' ? value : Date.parse(String(value))) / 1000;

function content(origin: string) {
  return {
    files: {
      [USER_KEYS_PATH]: {
        links: [{ rel: 'self', href: `${origin}/${USER_KEYS_PATH}?pageNum=1&itemsPerPage=500` }],
        results: USER_KEYS,
        totalCount: USER_KEYS.length,
      },
      [AGENT_KEYS_PATH]: AGENT_KEYS,
    },
    aliases: {
      // `/groups` is a file and `/groups/{id}/…` a folder: the list comes in through an alias.
      [GROUPS_PATH]: {
        links: [{ rel: 'self', href: `${origin}${GROUPS_PATH}?pageNum=1&itemsPerPage=500` }],
        results: [{ id: PROJECT.id, name: PROJECT.name, orgId: '5a0a1e7e0f2912c554080adc', clusterCount: 2 }],
        totalCount: 1,
      },
    },
  };
}

interface Running {
  readonly exporter: RunningExporter;
  scrape(): Promise<Sample[]>;
  close(): Promise<void>;
}

/** The exporter in-process, its config written as YAML and read by the real loader. */
async function runExporter(apache: Apache, config: { users?: object[]; projects?: object[] }): Promise<Running> {
  const folder = await mkdtemp(join(tmpdir(), 'apikey-interop-'));
  const file = join(folder, 'config.yaml');
  await writeFile(file, stringify({ poll: { interval: '1h', concurrency: 2, timeout: '5s', retries: 0 }, ...config }));
  const exporter = await startExporter({
    config: await loadConfig(file),
    listenHost: '127.0.0.1',
    listenPort: 0,
    telemetryPath: '/metrics',
    log: pino({ level: 'silent' }),
  });
  const deadline = Date.now() + 20_000;
  while (exporter.poller.snapshot === undefined) {
    if (Date.now() > deadline) throw new Error(`no first poll within 20 s; Apache error log:\n${await apache.errorLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    exporter,
    async scrape() {
      const response = await fetch(`${exporter.url}/metrics`);
      expect(response.status).toBe(200);
      return parseMetrics(await response.text());
    },
    async close() {
      await exporter.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

const userEntry = (apache: Apache, apiKey = USER.apiKey) => ({
  username: USER.username,
  apiKey,
  userId: USER.userId,
  baseUrl: `${apache.origin}/api/atlas/v1.0`,
});
const projectEntry = (apache: Apache) => ({
  publicKey: PROJECT_KEY.publicKey,
  privateKey: PROJECT_KEY.privateKey,
  baseUrl: `${apache.origin}/api/public/v1.0`,
  discover: true,
});

/** Requests the exporter says it sent (every code, 401 challenges included). */
const sentRequests = (samples: readonly Sample[]): number =>
  select(samples, 'mongodb_apikey_api_requests_total').reduce((sum, sample) => sum + sample.value, 0);

/**
 * Apache writes its access log line after the response has gone out: wait until it holds as many
 * lines as the exporter counted requests (a cross-check of both counts in itself).
 */
async function settledLog(apache: Apache, running: Running, from = 0): Promise<AccessLine[]> {
  const expected = sentRequests(await running.scrape());
  const deadline = Date.now() + 5_000;
  for (;;) {
    const lines = (await apache.accessLog()).slice(from);
    if (lines.length >= expected) {
      expect(lines, 'Apache logged more requests than the exporter counted').toHaveLength(expected);
      return lines;
    }
    if (Date.now() > deadline) throw new Error(`Apache logged ${lines.length} requests, the exporter counted ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const count = (lines: readonly AccessLine[], status: number) => lines.filter((line) => line.status === status).length;

function expectTheKeys(samples: readonly Sample[]): void {
  const user = { kind: 'user', user_id: USER.userId };
  expect(valueOf(samples, 'mongodb_apikey_scope_up', user)).toBe(1);
  expect(valueOf(samples, 'mongodb_apikey_keys', user)).toBe(USER_KEYS.length);
  for (const key of USER_KEYS) {
    const identity = { ...user, key_id: key.id };
    expect(select(samples, 'mongodb_apikey_info', identity).map((sample) => sample.labels)).toEqual([
      { ...identity, description: key.description, key_suffix: key.obfuscatedKey.slice(-4), username: USER.username },
    ]);
    expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(seconds(key.createdAt));
    expect(valueOf(samples, 'mongodb_apikey_enabled', identity)).toBe(key.enabled ? 1 : 0);
    const lastUsed = select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity);
    if (key.lastUsed == null) expect(lastUsed, `${key.id} was never used`).toHaveLength(0);
    else expect(lastUsed.map((sample) => sample.value)).toEqual([seconds(key.lastUsed)]);
  }
  // The fixtures themselves: a fractional second and an offset survive the trip.
  expect(seconds(USER_KEYS[1]?.createdAt)).toBe(1701388799.5);
  expect(seconds(USER_KEYS[2]?.createdAt)).toBe(1644483600);

  const project = { kind: 'agent', project_id: PROJECT.id };
  expect(valueOf(samples, 'mongodb_apikey_scope_up', project)).toBe(1);
  expect(valueOf(samples, 'mongodb_apikey_keys', project)).toBe(AGENT_KEYS.length);
  for (const key of AGENT_KEYS) {
    const identity = { ...project, key_id: String(key._id ?? key.id) };
    const info = select(samples, 'mongodb_apikey_info', identity);
    expect(info).toHaveLength(1);
    expect(info[0]?.labels).toEqual({
      ...identity,
      description: key.desc,
      key_suffix: String(key.key).slice(-4),
      created_by: key.createdBy,
      project_name: PROJECT.name,
      ...(key.createdIpAddr !== undefined ? { created_ip: key.createdIpAddr } : {}),
      ...(key.createdUserId !== undefined ? { created_user_id: key.createdUserId } : {}),
    });
    expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(seconds(key.createdTime));
    expect(select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity)).toHaveLength(0);
  }
  expect(select(samples, 'mongodb_apikey_info')).toHaveLength(USER_KEYS.length + AGENT_KEYS.length);
}

describe('exporter against Apache httpd mod_auth_digest', () => {
  let apache: Apache;
  let running: Running | undefined;

  beforeAll(async () => {
    apache = await startApache({
      content,
      users: { [USER.username]: USER.apiKey, [PROJECT_KEY.publicKey]: PROJECT_KEY.privateKey },
    });
  });
  afterAll(async () => {
    await apache?.stop();
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('reads every key through digest auth, and reuses each nonce with a rising nc in later cycles', async () => {
    running = await runExporter(apache, { users: [userEntry(apache)], projects: [projectEntry(apache)] });
    const cycles: AccessLine[][] = [];
    let seen = 0;
    const nextCycle = async () => {
      const lines = await settledLog(apache, running!);
      cycles.push(lines.slice(seen));
      seen = lines.length;
    };
    await nextCycle();
    for (let cycle = 2; cycle <= 3; cycle++) {
      const snapshot = await running.exporter.poller.runCycle();
      expect(snapshot, `cycle ${cycle} finished`).toBeDefined();
      await nextCycle();
    }
    const samples = await running.scrape();
    expectTheKeys(samples);

    const summary = cycles.map((lines) => ({ '401': count(lines, 401), '200': count(lines, 200), other: lines.length - count(lines, 401) - count(lines, 200) }));
    const details = JSON.stringify({ summary, cycles }, null, 1);
    // Cycle 1: one challenge per credential (user; project key), then GET keys, GET /groups and
    // the agent keys, the last one preemptively on the nonce /groups was challenged with.
    expect(summary[0], details).toEqual({ '401': 2, '200': 3, other: 0 });
    // Cycles 2 and 3: no challenge at all, every request authenticated up front.
    expect(summary[1], details).toEqual({ '401': 0, '200': 3, other: 0 });
    expect(summary[2], details).toEqual({ '401': 0, '200': 3, other: 0 });
    for (const line of [...(cycles[1] ?? []), ...(cycles[2] ?? [])]) expect(line.authorized, details).toBe(true);

    // Per nonce, Apache saw the nonce counts 1, 2, 3… in order: one nonce per credential, all cycles long.
    const all = cycles.flat().filter((line) => line.status === 200);
    const byNonce = new Map<string, AccessLine[]>();
    for (const line of all) byNonce.set(line.nonce!, [...(byNonce.get(line.nonce!) ?? []), line]);
    expect(byNonce.size, details).toBe(2);
    for (const lines of byNonce.values()) {
      expect(new Set(lines.map((line) => line.username)).size).toBe(1);
      expect(lines.map((line) => line.nc)).toEqual(lines.map((_, index) => index + 1));
    }
    expect(all.filter((line) => line.username === USER.username)).toHaveLength(3);
    expect(all.filter((line) => line.username === PROJECT_KEY.publicKey)).toHaveLength(6);

    // The exporter's own request counter agrees with Apache, code by code.
    const log = cycles.flat();
    for (const api of ['atlas', 'public'] as const) {
      const prefix = api === 'atlas' ? '/api/atlas/' : '/api/public/';
      for (const code of [200, 401]) {
        const logged = log.filter((line) => line.target.startsWith(prefix) && line.status === code).length;
        const counted = select(samples, 'mongodb_apikey_api_requests_total', { api, code: String(code) })[0]?.value ?? 0;
        expect(counted, `${api} ${code}`).toBe(logged);
      }
    }
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { kind: 'user', user_id: USER.userId, reason: 'unauthorized' })).toBe(0);
    expect(await apache.errorLog()).not.toMatch(/AH01794|AH01774|AH01779|AH01785|AH01786/);
  });

  it('reports a wrong API key as unauthorized, and Apache saw the digest fail', async () => {
    const before = (await apache.accessLog()).length;
    running = await runExporter(apache, { users: [userEntry(apache, 'not-the-right-key')] });
    const samples = await running.scrape();
    const user = { kind: 'user', user_id: USER.userId };
    expect(valueOf(samples, 'mongodb_apikey_scope_up', user)).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { ...user, reason: 'unauthorized' })).toBe(1);
    expect(select(samples, 'mongodb_apikey_info')).toHaveLength(0);
    expect(select(samples, 'mongodb_apikey_keys', user)).toHaveLength(0);

    const mine = await settledLog(apache, running, before);
    // The challenge, then the answer Apache rejected: both 401, the second one carrying digest auth.
    expect(mine.map((line) => [line.status, line.authorized, line.target])).toEqual([
      [401, false, `/${USER_KEYS_PATH}?pageNum=1&itemsPerPage=500`],
      [401, true, `/${USER_KEYS_PATH}?pageNum=1&itemsPerPage=500`],
    ]);
    expect(await apache.errorLog()).toContain(`AH01794: user ${USER.username}: password mismatch: /${USER_KEYS_PATH}`);
    // The secret never leaks into what the exporter publishes.
    const text = await (await fetch(`${running.exporter.url}/metrics`)).text();
    expect(text).not.toContain('not-the-right-key');
  });
});

describe('exporter against a strict mod_auth_digest (AuthDigestNcCheck On, 3 s nonce lifetime)', () => {
  let apache: Apache;
  let running: Running | undefined;

  beforeAll(async () => {
    apache = await startApache({
      content,
      users: { [USER.username]: USER.apiKey, [PROJECT_KEY.publicKey]: PROJECT_KEY.privateKey },
      digestDirectives: ['AuthDigestNcCheck On', 'AuthDigestNonceLifetime 3'],
    });
  });
  afterAll(async () => {
    await running?.close();
    await apache?.stop();
  });

  it('passes the nonce-count replay check, and answers an expired nonce with one new challenge per credential', async () => {
    running = await runExporter(apache, { users: [userEntry(apache)], projects: [projectEntry(apache)] });
    await running.exporter.poller.runCycle();
    await running.exporter.poller.runCycle();
    const early = await settledLog(apache, running);
    const earlyDetails = JSON.stringify(early, null, 1);
    // Three cycles well within the nonce lifetime: as with the defaults, two challenges in all.
    expect({ '401': count(early, 401), '200': count(early, 200) }, earlyDetails).toEqual({ '401': 2, '200': 9 });

    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const snapshot = await running.exporter.poller.runCycle();
    const late = (await settledLog(apache, running)).slice(early.length);
    const errorLog = await apache.errorLog();
    const details = `${JSON.stringify(late, null, 1)}\n${errorLog}`;
    // Each credential's first request goes out on its expired nonce, is told so (401), and the
    // session answers the new challenge; the rest of the cycle rides on the new nonce.
    expect({ '401': count(late, 401), '200': count(late, 200) }, details).toEqual({ '401': 2, '200': 3 });
    expect(late.filter((line) => line.status === 401).every((line) => line.authorized), details).toBe(true);
    const oldNonces = new Set(early.map((line) => line.nonce).filter(Boolean));
    expect(late.filter((line) => line.status === 200).every((line) => !oldNonces.has(line.nonce)), details).toBe(true);
    expect(errorLog).toContain(`AH01778: user ${USER.username}: nonce expired`);
    expect(errorLog).toContain(`AH01778: user ${PROJECT_KEY.publicKey}: nonce expired`);
    // No replayed nonce count, no lost opaque, no wrong password, all along.
    expect(errorLog).not.toMatch(/AH01774|AH01787|AH01794|AH01779/);
    // RFC 7616 counts per nonce: on every nonce, old or new, the counts run 1, 2, 3… in order.
    const byNonce = new Map<string, number[]>();
    for (const line of [...early, ...late].filter((entry) => entry.nonce !== undefined)) {
      byNonce.set(line.nonce!, [...(byNonce.get(line.nonce!) ?? []), line.nc ?? 0]);
    }
    expect(byNonce.size, details).toBe(4);
    for (const counts of byNonce.values()) expect(counts, details).toEqual(counts.map((_, index) => index + 1));
    expect(snapshot?.scopes.every((state) => state.up)).toBe(true);
    const samples = await running.scrape();
    expectTheKeys(samples);
    expect(select(samples, 'mongodb_apikey_scope_errors_total').every((sample) => sample.value === 0)).toBe(true);
  }, 30_000);
});
