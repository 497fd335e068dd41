import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, organizationsConfigFor, type Dataset } from '../../src/simulator/index.js';
import { freePort } from '../helpers/process.js';
import { configEntries, scopeStates, startStack, type Stack } from '../helpers/stack.js';
import { hasTinyproxy, startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { makePki, type Pki } from '../web/certs.js';

/**
 * A real forward proxy (Debian's tinyproxy) between the exporter and the simulator: users' and
 * projects' digest, an organization's digest key and an OAuth service account (token and revoke
 * requests included) all go through it, or fail with `network` and a log line that names it.
 */

const PASSWORD = 'pr0xy-s3cret';
const dataset = (): Dataset =>
  generateDataset({ seed: 91, users: 1, keysPerUser: 2, projects: 1, credentials: 1, orgs: 1, programmaticKeysPerOrg: 1, serviceAccountsPerOrg: 1, secretsPerServiceAccount: 1 });

const withOrganizations = (config: Record<string, any>, sim: Parameters<typeof organizationsConfigFor>[0]) => {
  config.organizations = organizationsConfigFor(sim, { includeProjects: false });
};

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Nothing the user sees holds the proxy's password: logs and the whole /metrics. */
async function expectNoPassword(current: Stack): Promise<void> {
  expect(current.logs.join('')).not.toContain(PASSWORD);
  expect(await current.scrapeText()).not.toContain(PASSWORD);
}

describe.skipIf(!hasTinyproxy())('through tinyproxy', () => {
  let folder: string;
  let pki: Pki;
  let caFile: string;
  let open: Tinyproxy;
  let guarded: Tinyproxy;
  const authed = (proxy: Tinyproxy, password = PASSWORD) => proxy.url.replace('http://', `http://exporter:${password}@`);

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'apikey-proxy-'));
    pki = await makePki(folder);
    caFile = join(folder, 'ca.crt');
    await writeFile(caFile, pki.ca.cert);
    [open, guarded] = await Promise.all([startTinyproxy(), startTinyproxy({ basicAuth: { user: 'exporter', password: PASSWORD } })]);
  });
  afterAll(async () => {
    await Promise.all([open?.close(), guarded?.close()]);
    await rm(folder, { recursive: true, force: true });
  });

  it('forwards plain HTTP from HTTP_PROXY (absolute-URI requests, no CONNECT): digest and OAuth up', async () => {
    stack = await startStack({ dataset: dataset(), env: { HTTP_PROXY: open.url }, configure: withOrganizations });
    const { up, reasons } = await scopeStates(stack);
    expect(up.length).toBeGreaterThanOrEqual(4);
    expect(up.every((value) => value === 1)).toBe(true);
    expect(reasons).toStrictEqual([]);
    const log = await open.log();
    expect(log).toContain(`GET ${stack.sim.url}/api/atlas/v1.0/`);
    expect(log).toContain(`GET ${stack.sim.url}/api/public/v1.0/`);
    expect(log).toContain(`POST ${stack.sim.url}/api/oauth/token`);
    expect(log).not.toContain('CONNECT 127.0.0.1');
    expect(stack.sim.adminApiStats.tokensIssued).toBeGreaterThan(0);
    expect(stack.logs.join('')).toContain(`"httpProxy":"${open.url}"`);
  });

  it('tunnels HTTPS through CONNECT with proxy authentication from proxyUrl, and revokes the OAuth token through it', async () => {
    stack = await startStack({
      dataset: dataset(),
      simulator: { tls: { cert: pki.server.cert, key: pki.server.key } },
      configure: (config, sim) => {
        withOrganizations(config, sim);
        for (const entry of configEntries(config)) Object.assign(entry, { proxyUrl: authed(guarded), tls: { caFile } });
      },
    });
    const { up, reasons } = await scopeStates(stack);
    expect(up.length).toBeGreaterThanOrEqual(4);
    expect(up.every((value) => value === 1)).toBe(true);
    expect(reasons).toStrictEqual([]);
    const { port } = new URL(stack.sim.url);
    expect(await guarded.log()).toContain(`CONNECT 127.0.0.1:${port}`);
    await expectNoPassword(stack);
    expect(stack.logs.join('')).toContain(`"proxy":"${guarded.url}"`);
    const sim = stack.sim;
    await stack.close();
    stack = undefined;
    expect(sim.adminApiStats.tokensRevoked).toBe(sim.adminApiStats.tokensIssued);
  });

  it('reads the proxy URL, credentials included, from proxyUrlFile', async () => {
    const file = join(folder, 'proxy-url');
    await writeFile(file, `${authed(guarded)}\n`);
    stack = await startStack({
      dataset: dataset(),
      simulator: { tls: { cert: pki.server.cert, key: pki.server.key } },
      configure: (config) => {
        for (const entry of configEntries(config)) Object.assign(entry, { proxyUrlFile: file, tls: { caFile } });
      },
    });
    const { up } = await scopeStates(stack);
    expect(up.every((value) => value === 1)).toBe(true);
    expect(await guarded.log()).toContain('CONNECT 127.0.0.1');
    await expectNoPassword(stack);
  });

  it('a proxy that refuses the credentials fails every scope with network, and the log line names the proxy', async () => {
    stack = await startStack({
      dataset: dataset(),
      simulator: { tls: { cert: pki.server.cert, key: pki.server.key } },
      configure: (config) => {
        for (const entry of configEntries(config)) Object.assign(entry, { proxyUrl: authed(guarded, `wrong-${PASSWORD}`), tls: { caFile } });
      },
    });
    const { up, reasons } = await scopeStates(stack);
    expect(up.length).toBeGreaterThan(0);
    expect(up.every((value) => value === 0)).toBe(true);
    expect(reasons).toStrictEqual(['network']);
    const failures = stack.logs.filter((line) => line.includes('scope poll failed'));
    expect(failures.length).toBeGreaterThan(0);
    // tinyproxy answers wrong credentials with 401 and none with 407.
    for (const line of failures) expect(line).toMatch(new RegExp(`through the proxy ${guarded.url}: the proxy answered 40[17]`));
    await expectNoPassword(stack);
    expect(stack.logs.join('')).not.toContain(`wrong-${PASSWORD}`);
  });

  it('a forwarded request without proxy credentials (407) fails with network, naming the proxy', async () => {
    stack = await startStack({ dataset: dataset(), env: { HTTP_PROXY: guarded.url } });
    const { up, reasons } = await scopeStates(stack);
    expect(up.every((value) => value === 0)).toBe(true);
    expect(reasons).toStrictEqual(['network']);
    expect(stack.logs.join('')).toContain(`through the proxy ${guarded.url}: the proxy answered 407`);
  });

  it('a proxy that forbids the port (403 to CONNECT) fails with network, naming the proxy', async () => {
    const strict = await startTinyproxy({ connectPorts: [443] });
    try {
      stack = await startStack({ dataset: dataset(), simulator: { tls: { cert: pki.server.cert, key: pki.server.key } }, env: { HTTPS_PROXY: strict.url }, configure: (config) => {
        for (const entry of configEntries(config)) Object.assign(entry, { tls: { caFile } });
      } });
      const { up, reasons } = await scopeStates(stack);
      expect(up.every((value) => value === 0)).toBe(true);
      expect(reasons).toStrictEqual(['network']);
      expect(stack.logs.join('')).toContain(`through the proxy ${strict.url}: the proxy answered 403`);
    } finally {
      await stack?.close();
      stack = undefined;
      await strict.close();
    }
  });

  it('a proxy that is down fails with network, naming the proxy', async () => {
    const down = `http://exporter:${PASSWORD}@127.0.0.1:${await freePort()}`;
    stack = await startStack({ dataset: dataset(), configure: (config) => {
      for (const entry of configEntries(config)) entry.proxyUrl = down;
    } });
    const { up, reasons } = await scopeStates(stack);
    expect(up.every((value) => value === 0)).toBe(true);
    expect(reasons).toStrictEqual(['network']);
    expect(stack.logs.join('')).toMatch(/through the proxy http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    await expectNoPassword(stack);
  });

  it('NO_PROXY bypasses the environment proxy for the hosts it lists, and only those', async () => {
    stack = await startStack({
      dataset: dataset(),
      env: { HTTP_PROXY: open.url, NO_PROXY: 'example.com,127.0.0.1' },
      // The users by name (through the proxy), the projects by address (listed in NO_PROXY).
      configure: (config) => {
        for (const user of config.users) user.baseUrl = user.baseUrl.replace('127.0.0.1', 'localhost');
      },
    });
    const { up } = await scopeStates(stack);
    expect(up.length).toBeGreaterThan(0);
    expect(up.every((value) => value === 1)).toBe(true);
    const log = await open.log();
    const { port } = new URL(stack.sim.url);
    expect(log).toContain(`GET http://localhost:${port}/api/atlas/v1.0/`);
    expect(log).not.toContain(`http://127.0.0.1:${port}/api/public/v1.0/`);
  });
});
