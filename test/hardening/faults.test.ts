import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/simulator/index.js';
import { select, valueOf } from '../helpers/metrics.js';
import { freePort } from '../helpers/process.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const page = (results: unknown[]) => ({ links: [], results, totalCount: results.length });
const userKey = (overrides: Record<string, unknown>) => ({
  id: '5af9a1d29cc0cdb6acdca6d5',
  userId: '5af9a1d29cc0cdb6ac0bf3f8',
  description: 'Staging Application',
  enabled: true,
  usedCount: 7,
  createdAt: '2018-05-14T14:45:22Z',
  lastUsed: '2018-05-14T14:45:23Z',
  obfuscatedKey: '********-****-****-92732876eeae',
  ...overrides,
});

describe('schema drift in the personal keys', () => {
  const cases: [string, unknown, boolean][] = [
    ['extra, unknown fields', page([userKey({ scopes: ['x'], nested: { a: 1 } })]), true],
    ['lastUsed null', page([userKey({ lastUsed: null, usedCount: 0 })]), true],
    ['lastUsed missing', page([(({ lastUsed: _drop, ...rest }) => rest)(userKey({}))]), true],
    ['a missing id', page([(({ id: _drop, ...rest }) => rest)(userKey({}))]), false],
    ['usedCount as a string', page([userKey({ usedCount: '7' })]), false],
    ['an unparsable date', page([userKey({ createdAt: 'last Tuesday' })]), false],
    ['results not an array', { links: [], results: 'none', totalCount: 0 }, false],
  ];

  it.each(cases)('%s', async (_name, body, accepted) => {
    const dataset = generateDataset({ seed: 31, users: 2, keysPerUser: 3, projects: 1 });
    stack = await startStack({ dataset });
    const [victim, other] = dataset.users;
    stack.sim.setFault(victim!.id, { type: 'body', body });
    await stack.cycle();
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { user_id: victim!.id })).toBe(accepted ? 1 : 0);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { user_id: victim!.id, reason: 'invalid_response' })).toBe(accepted ? 0 : 1);
    if (accepted) {
      const identity = { user_id: victim!.id, key_id: '5af9a1d29cc0cdb6acdca6d5' };
      expect(select(samples, 'mongodb_apikey_info', identity)).toHaveLength(1);
      const neverUsed = (body as { results: Record<string, unknown>[] }).results[0]?.lastUsed == null;
      expect(select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity)).toHaveLength(neverUsed ? 0 : 1);
    }
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { user_id: other!.id })).toBe(1);
    // The log names the field that broke, so the user can act on it.
    if (!accepted) expect(stack.logs.join('')).toMatch(/"reason":"invalid_response"/);
  });
});

describe('faults outside the API', () => {
  it('connection refused and an unresolvable host fail their scopes with reason network', async () => {
    const dataset = generateDataset({ seed: 32, users: 1, keysPerUser: 2, projects: 2 });
    const closed = await freePort();
    stack = await startStack({
      dataset,
      configure: (config) => {
        config.poll.retries = 1;
        config.projects.push(
          { publicKey: 'refused', privateKey: 'x', baseUrl: `http://127.0.0.1:${closed}/api/public/v1.0`, ids: ['5e2211c17a3e5a48f5497de3'] },
          { publicKey: 'nohost', privateKey: 'x', baseUrl: 'http://no-such-host.invalid/api/public/v1.0', ids: ['5e2211c17a3e5a48f5497de4'] },
        );
      },
    });
    const samples = await stack.scrape();
    for (const id of ['5e2211c17a3e5a48f5497de3', '5e2211c17a3e5a48f5497de4']) {
      expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: id })).toBe(0);
      expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { project_id: id, reason: 'network' })).toBe(1);
    }
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'agent' }).filter((sample) => sample.value === 1)).toHaveLength(2);
    expect(stack.logs.join('')).toMatch(/ECONNREFUSED/);
    expect(stack.logs.join('')).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });

  it('survives nonces that expire in the middle of a cycle (stale=true)', async () => {
    const dataset = generateDataset({ seed: 33, users: 3, keysPerUser: 900, projects: 10 });
    stack = await startStack({ dataset, simulator: { latencyMs: 15 } });
    // The first page of a user's keys expires every nonce; the nonces the exporter holds from the first cycle, and the one
    // that first page went out with, are stale from then on.
    stack.sim.setFault(dataset.users[0]!.id, { fault: { type: 'expire-nonces' }, times: 1 });
    stack.sim.resetStats();
    await stack.cycle();
    const samples = await stack.scrape();
    expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
    expect(stack.sim.stats.staleNonces).toBeGreaterThan(0);
    expect(stack.sim.stats.replays).toBe(0);
  });

  it('reads a user with 100,000 keys', async () => {
    const dataset = generateDataset({ seed: 34, users: 1, keysPerUser: 100_000, projects: 1 });
    stack = await startStack({ dataset });
    const user = dataset.users[0]!;
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_keys', { user_id: user.id })).toBe(100_000);
    expect(select(samples, 'mongodb_apikey_info', { user_id: user.id })).toHaveLength(100_000);
    expect(stack.sim.stats.byRoute['/users/{USER-ID}/keys']).toBeGreaterThanOrEqual(200);
  }, 60_000);
});

describe('rate limits and load on the API', () => {
  it('on a 429 the whole credential backs off for Retry-After, not just one request', async () => {
    const dataset = generateDataset({ seed: 35, users: 1, keysPerUser: 1, projects: 6, keysPerProject: 1 });
    stack = await startStack({ dataset, configure: (config) => (config.poll.concurrency = 1) });
    const [limited] = dataset.projects;
    stack.sim.setFault(limited!.id, { fault: { type: 'status', status: 429, retryAfterSeconds: 1 }, times: 1 });
    const started = Date.now();
    await stack.cycle();
    const elapsed = Date.now() - started;
    // Concurrency 1 serialises the six projects; the pause of the credential holds every one of them.
    expect(elapsed).toBeGreaterThanOrEqual(950);
    const samples = await stack.scrape();
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'agent' }).every((sample) => sample.value === 1)).toBe(true);
    expect(valueOf(samples, 'mongodb_apikey_api_requests_total', { api: 'public', code: '429' })).toBe(1);
  });

  it('keeps retries bounded in count', async () => {
    const dataset = generateDataset({ seed: 36, users: 1, keysPerUser: 1, projects: 1 });
    stack = await startStack({ dataset, configure: (config) => (config.poll.retries = 2) });
    const project = dataset.projects[0]!;
    stack.sim.setFault(project.id, { type: 'status', status: 503 });
    await stack.cycle();
    const samples = await stack.scrape();
    // One attempt and two retries in the cycle just run.
    expect(valueOf(samples, 'mongodb_apikey_api_requests_total', { api: 'public', code: '503' })).toBe(3);
  });

  it('caps requests per second across the exporter with poll.maxRequestsPerSecond', async () => {
    const dataset = generateDataset({ seed: 37, users: 1, keysPerUser: 1, projects: 20, keysPerProject: 1 });
    stack = await startStack({ dataset, configure: (config) => (config.poll.maxRequestsPerSecond = 20) });
    stack.sim.resetStats();
    const started = Date.now();
    await stack.cycle();
    const seconds = (Date.now() - started) / 1000;
    const requests = stack.sim.stats.requests;
    expect(requests).toBeGreaterThanOrEqual(22);
    expect(requests / seconds).toBeLessThanOrEqual(22);
  });
});

describe('no overlap, no pile-up', () => {
  it('serves scrapes fast while a cycle hangs', async () => {
    const dataset = generateDataset({ seed: 38, users: 1, keysPerUser: 2, projects: 2 });
    stack = await startStack({ dataset, configure: (config) => (config.poll.timeout = '1s') });
    stack.sim.setFault(dataset.projects[0]!.id, { type: 'hang' });
    const hanging = stack.cycle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    const samples = await stack.scrape();
    expect(performance.now() - started).toBeLessThan(500);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: dataset.projects[0]!.id })).toBe(1);
    await hanging;
  });
});
