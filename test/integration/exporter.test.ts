import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, type Fault } from '../../src/simulator/index.js';
import { select, valueOf, type Sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** What the vendor documents, parsed independently of the exporter: epoch ms or ISO 8601. */
const ms = (value: unknown): number => (typeof value === 'number' ? value : Date.parse(String(value)));

describe('exporter against the simulator', () => {
  it('publishes every personal and agent key of the data set with the documented values', async () => {
    const dataset = generateDataset({ seed: 7, users: 3, keysPerUser: 12, projects: 6, keysPerProject: 4 });
    stack = await startStack({ dataset });
    const samples = await stack.scrape();
    const scrapedAt = Date.now() / 1000;

    for (const user of dataset.users) {
      expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'user', user_id: user.id })).toBe(user.keys.length);
      expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'user', user_id: user.id })).toBe(1);
      for (const key of user.keys) {
        const identity = { kind: 'user', user_id: user.id, key_id: String(key.id) };
        const info = select(samples, 'mongodb_apikey_info', identity);
        expect(info).toHaveLength(1);
        expect(info[0]?.labels).toMatchObject({ description: key.description, username: user.username, key_suffix: String(key.obfuscatedKey).slice(-4) });
        expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(ms(key.createdAt) / 1000);
        expect(valueOf(samples, 'mongodb_apikey_enabled', identity)).toBe(key.enabled ? 1 : 0);
        expect(valueOf(samples, 'mongodb_apikey_uses', identity)).toBe(key.usedCount);
        const lastUsed = select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity);
        const idle = valueOf(samples, 'mongodb_apikey_idle_seconds', identity);
        if (key.lastUsed == null) {
          expect(lastUsed).toHaveLength(0);
          expect(idle).toBeCloseTo(scrapedAt - ms(key.createdAt) / 1000, -1);
        } else {
          expect(lastUsed[0]?.value).toBe(ms(key.lastUsed) / 1000);
          expect(idle).toBeCloseTo(scrapedAt - ms(key.lastUsed) / 1000, -1);
        }
        expect(valueOf(samples, 'mongodb_apikey_age_seconds', identity)).toBeCloseTo(scrapedAt - ms(key.createdAt) / 1000, -1);
      }
    }
    const agentKeys = dataset.projects.flatMap((project) => project.agentKeys.map((key) => ({ project, key })));
    expect(agentKeys.some(({ key }) => typeof key.createdTime === 'number')).toBe(true);
    expect(agentKeys.some(({ key }) => typeof key.createdTime === 'string')).toBe(true);
    expect(agentKeys.some(({ key }) => key._id !== undefined)).toBe(true);
    expect(agentKeys.some(({ key }) => key.id !== undefined)).toBe(true);
    for (const { project, key } of agentKeys) {
      const identity = { kind: 'agent', project_id: project.id, key_id: String(key._id ?? key.id) };
      const info = select(samples, 'mongodb_apikey_info', identity);
      expect(info).toHaveLength(1);
      expect(info[0]?.labels).toMatchObject({ description: key.desc, created_by: key.createdBy, project_name: project.name, key_suffix: String(key.key).slice(-4) });
      expect(info[0]?.labels.created_ip).toBe(key.createdIpAddr);
      if (key.createdBy === 'PROVISIONING') expect(info[0]?.labels).not.toHaveProperty('created_ip');
      expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(ms(key.createdTime) / 1000);
      // Agent keys carry no usage data: no enabled, used_count or idle series.
      expect(select(samples, 'mongodb_apikey_idle_seconds', identity)).toHaveLength(0);
      expect(select(samples, 'mongodb_apikey_enabled', identity)).toHaveLength(0);
    }
    expect(select(samples, 'mongodb_apikey_info')).toHaveLength(3 * 12 + agentKeys.length);
    expect(valueOf(samples, 'mongodb_apikey_exporter_build_info')).toBe(1);
    // A secret of the data set never shows.
    const text = await stack.scrapeText();
    for (const user of dataset.users) expect(text).not.toContain(user.apiKey);
    for (const credential of dataset.credentials) expect(text).not.toContain(credential.privateKey);
  });

  it('pages through a user with more than 1,000 keys (500 per page, three requests)', async () => {
    const dataset = generateDataset({ seed: 3, users: 1, keysPerUser: 1_201, projects: 1, keysPerProject: 1 });
    stack = await startStack({ dataset });
    const user = dataset.users[0]!;
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'user', user_id: user.id })).toBe(1_201);
    expect(select(samples, 'mongodb_apikey_info', { kind: 'user' })).toHaveLength(1_201);
    const ids = new Set(select(samples, 'mongodb_apikey_info', { kind: 'user' }).map((sample) => sample.labels.key_id));
    expect(ids.size).toBe(1_201);
    expect(stack.sim.stats.byRoute['/users/{USER-ID}/keys']).toBeGreaterThanOrEqual(3);
  });

  it('resolves a username without userId once, through GET /users/byName', async () => {
    const dataset = generateDataset({ seed: 4, users: 2, keysPerUser: 3, projects: 1 });
    stack = await startStack({
      dataset,
      configure: (config) => {
        for (const user of config.users) delete user.userId;
      },
    });
    await stack.cycle();
    await stack.cycle();
    const samples = await stack.scrape();
    for (const user of dataset.users) {
      expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'user', user_id: user.id })).toBe(3);
    }
    // Each lookup is a challenge plus the authenticated request at most; three cycles, resolved once.
    const lookups = stack.sim.stats.byRoute['/users/byName/{USER-NAME}'] ?? 0;
    expect(lookups).toBeGreaterThanOrEqual(2);
    expect(lookups).toBeLessThanOrEqual(4);
  });

  it('publishes a username that cannot be resolved as a failed scope, named by the username', async () => {
    const dataset = generateDataset({ seed: 4, users: 1, keysPerUser: 3, projects: 1 });
    stack = await startStack({
      dataset,
      configure: (config) => {
        delete config.users[0].userId;
        config.users[0].apiKey = 'not-the-right-key';
      },
    });
    const username = dataset.users[0]!.username;
    await stack.cycle();
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'user', user_id: username })).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { user_id: username, reason: 'unauthorized' })).toBe(2);
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'agent' }).every((sample) => sample.value === 1)).toBe(true);
  });

  it('discovers projects at every cycle: new ones appear, deleted ones go away', async () => {
    const dataset = generateDataset({ seed: 5, users: 1, keysPerUser: 1, projects: 3, keysPerProject: 2 });
    stack = await startStack({ dataset });
    let samples = await stack.scrape();
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'agent' })).toHaveLength(3);

    const extra = generateDataset({ seed: 99, users: 0, projects: 1, keysPerProject: 5 }).projects[0]!;
    dataset.projects.push(extra);
    dataset.credentials[0]!.projectIds.push(extra.id);
    const removed = dataset.projects[0]!;
    dataset.projects.splice(0, 1);
    dataset.credentials[0]!.projectIds = dataset.credentials[0]!.projectIds.filter((id) => id !== removed.id);
    await stack.cycle();
    samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'agent', project_id: extra.id })).toBe(5);
    expect(select(samples, 'mongodb_apikey_scope_up', { project_id: removed.id })).toHaveLength(0);
    expect(select(samples, 'mongodb_apikey_info', { project_id: removed.id })).toHaveLength(0);
    expect(valueOf(samples, 'mongodb_apikey_discovery_up')).toBe(1);
  });

  it('keeps polling the last known projects when discovery fails', async () => {
    const dataset = generateDataset({ seed: 5, users: 1, keysPerUser: 1, projects: 3, keysPerProject: 2 });
    stack = await startStack({ dataset });
    stack.sim.setFault('groups', { type: 'status', status: 503 });
    await stack.cycle();
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_discovery_up')).toBe(0);
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'agent' }).map((sample) => sample.value)).toEqual([1, 1, 1]);
  });

  it('never has more requests in flight than poll.concurrency, across all scopes', async () => {
    const dataset = generateDataset({ seed: 6, users: 4, keysPerUser: 700, projects: 30, keysPerProject: 2 });
    stack = await startStack({
      dataset,
      simulator: { latencyMs: 15 },
      configure: (config) => {
        config.poll.concurrency = 3;
      },
    });
    stack.sim.resetStats();
    await stack.cycle();
    expect(stack.sim.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(stack.sim.stats.maxInFlight).toBeGreaterThanOrEqual(2);
    // One digest session per slot: no replayed nonce count, no bad digest.
    expect(stack.sim.stats.replays).toBe(0);
    expect(stack.sim.stats.badDigests).toBe(0);
    // Later cycles reuse the live nonces: no challenge at all.
    expect(stack.sim.stats.challenges).toBe(0);
  });

  it('polls at a concurrency above 10 without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      stack = await startStack({
        dataset: generateDataset({ seed: 7, users: 2, keysPerUser: 3, projects: 60, keysPerProject: 1 }),
        simulator: { latencyMs: 10 },
        configure: (config) => {
          config.poll.concurrency = 24;
        },
      });
      stack.sim.resetStats();
      await stack.cycle();
      expect(stack.sim.stats.maxInFlight).toBeGreaterThan(10);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('answers a stale nonce by re-challenging once, and recovers within the cycle', async () => {
    const dataset = generateDataset({ seed: 8, users: 2, keysPerUser: 3, projects: 2 });
    stack = await startStack({ dataset });
    stack.sim.expireNonces();
    stack.sim.resetStats();
    await stack.cycle();
    const samples = await stack.scrape();
    expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
    expect(stack.sim.stats.challenges).toBeGreaterThan(0);
    expect(select(samples, 'mongodb_apikey_scope_errors_total').every((sample) => sample.value === 0)).toBe(true);
  });
});

describe('faults: each fails its scope alone, with the right reason', () => {
  const cases: [string, Fault, string][] = [
    ['401 bad credentials', { type: 'status', status: 401 }, 'unauthorized'],
    ['403 no access', { type: 'status', status: 403 }, 'forbidden'],
    ['404 project deleted', { type: 'status', status: 404 }, 'not_found'],
    ['429 with Retry-After', { type: 'status', status: 429, retryAfterSeconds: 1 }, 'rate_limited'],
    ['429 without Retry-After', { type: 'status', status: 429 }, 'rate_limited'],
    ['500', { type: 'status', status: 500 }, 'server_error'],
    ['502', { type: 'status', status: 502 }, 'server_error'],
    ['503', { type: 'status', status: 503 }, 'server_error'],
    ['a response that hangs', { type: 'hang' }, 'timeout'],
    ['a connection reset mid-body', { type: 'reset' }, 'network'],
    ['truncated JSON', { type: 'truncated' }, 'invalid_response'],
    ['an HTML page with status 200', { type: 'html' }, 'invalid_response'],
    ['an item of the wrong shape', { type: 'body', body: [{ _id: 'x', createdTime: 'yesterday' }] }, 'invalid_response'],
  ];

  it.each(cases)('%s', async (_name, fault, reason) => {
    const dataset = generateDataset({ seed: 11, users: 1, keysPerUser: 2, projects: 3, keysPerProject: 2 });
    stack = await startStack({
      dataset,
      configure: (config) => {
        config.poll.timeout = '1s';
        config.poll.retries = 1;
      },
    });
    const [victim, ...others] = dataset.projects;
    stack.sim.setFault(victim!.id, fault);
    await stack.cycle();
    const samples: Sample[] = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: victim!.id })).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { project_id: victim!.id, reason })).toBe(1);
    const otherReasons = select(samples, 'mongodb_apikey_scope_errors_total', { project_id: victim!.id }).filter((sample) => sample.labels.reason !== reason);
    expect(otherReasons.every((sample) => sample.value === 0)).toBe(true);
    // Its last good keys stay (the first cycle succeeded, staleAfter is 15m).
    expect(valueOf(samples, 'mongodb_apikey_keys', { project_id: victim!.id })).toBe(2);
    for (const project of others) {
      expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: project.id })).toBe(1);
      expect(valueOf(samples, 'mongodb_apikey_keys', { project_id: project.id })).toBe(2);
    }
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'user' })).toBe(1);
    // Recovery on the next cycle.
    stack.sim.setFault(victim!.id, undefined);
    await stack.cycle();
    expect(valueOf(await stack.scrape(), 'mongodb_apikey_scope_up', { project_id: victim!.id })).toBe(1);
  });

  it('retries a 429 after its Retry-After and succeeds within the cycle', async () => {
    const dataset = generateDataset({ seed: 12, users: 1, keysPerUser: 2, projects: 1, keysPerProject: 2 });
    stack = await startStack({ dataset });
    const project = dataset.projects[0]!;
    stack.sim.setFault(project.id, { fault: { type: 'status', status: 429, retryAfterSeconds: 1 }, times: 1 });
    const started = Date.now();
    await stack.cycle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { project_id: project.id })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_api_requests_total', { api: 'public', code: '429' })).toBe(1);
  });

  it('retries 5xx and then succeeds in the same cycle', async () => {
    const dataset = generateDataset({ seed: 12, users: 1, keysPerUser: 2, projects: 1, keysPerProject: 2 });
    stack = await startStack({ dataset });
    const user = dataset.users[0]!;
    stack.sim.setFault(user.id, { fault: { type: 'status', status: 502 }, times: 2 });
    await stack.cycle();
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { user_id: user.id })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_api_requests_total', { api: 'atlas', code: '502' })).toBe(2);
  });
});

describe('stale policy', () => {
  it('keeps a failing scope`s last keys until staleAfter, then drops them', async () => {
    const dataset = generateDataset({ seed: 13, users: 1, keysPerUser: 4, projects: 1, keysPerProject: 3 });
    stack = await startStack({
      dataset,
      configure: (config) => {
        config.poll.staleAfter = '1500ms';
      },
    });
    const user = dataset.users[0]!;
    stack.sim.setFault(user.id, { type: 'status', status: 500 });
    await stack.cycle();
    let samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { user_id: user.id })).toBe(0);
    expect(select(samples, 'mongodb_apikey_info', { user_id: user.id })).toHaveLength(4);
    expect(select(samples, 'mongodb_apikey_idle_seconds', { user_id: user.id })).toHaveLength(4);
    const lastSuccess = valueOf(samples, 'mongodb_apikey_scope_last_success_timestamp_seconds', { user_id: user.id });

    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await stack.cycle();
    samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { user_id: user.id })).toBe(0);
    expect(select(samples, 'mongodb_apikey_info', { user_id: user.id })).toHaveLength(0);
    expect(select(samples, 'mongodb_apikey_keys', { user_id: user.id })).toHaveLength(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_last_success_timestamp_seconds', { user_id: user.id })).toBe(lastSuccess);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { user_id: user.id, reason: 'server_error' })).toBe(2);
    // The project scope was never affected.
    expect(select(samples, 'mongodb_apikey_info', { kind: 'agent' })).toHaveLength(3);
  });
});

describe('/metrics', () => {
  it('serves the same body gzipped when asked, as a valid multi-member gzip', async () => {
    const { gunzipSync } = await import('node:zlib');
    stack = await startStack({ dataset: generateDataset({ seed: 14 }) });
    const response = await fetch(`${stack.exporter.url}/metrics`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    // fetch decodes transparently; check the body still parses and matches the plain one in series.
    const decoded = await response.text();
    const plain = await stack.scrapeText();
    const names = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.replace(/\s\S+$/, ''));
    expect(names(decoded).filter((n) => n.startsWith('mongodb_apikey_info'))).toEqual(names(plain).filter((n) => n.startsWith('mongodb_apikey_info')));
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${stack!.exporter.url}/metrics`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        }),
      );
    });
    expect(gunzipSync(raw).toString()).toContain('mongodb_apikey_info{');
  });

  it('answers 404 elsewhere, 405 to other methods, and /readyz 200 once polled', async () => {
    stack = await startStack({ dataset: generateDataset({ seed: 15 }) });
    const base = stack.exporter.url;
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const landing = await fetch(`${base}/`);
    expect(landing.headers.get('content-type')).toMatch(/html/);
    expect(await landing.text()).toContain('href="/metrics"');
  });
});
