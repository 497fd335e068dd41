import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, organizationsConfigFor, type Dataset } from '../../src/simulator/index.js';
import { configEntries, scopeStates, startStack, type Stack } from '../helpers/stack.js';
import { makePki, type Pki } from '../web/certs.js';

/**
 * The simulator over HTTPS with a private CA made by openssl: the CA, the client certificate and
 * the server name of each entry's `tls`, against a server that verifies what it was asked to.
 */

const dataset = (): Dataset => generateDataset({ seed: 93, users: 1, keysPerUser: 2, projects: 1, credentials: 1, orgs: 1, programmaticKeysPerOrg: 1, serviceAccountsPerOrg: 1, secretsPerServiceAccount: 1 });

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('TLS per entry, against the simulator over HTTPS', () => {
  let folder: string;
  let pki: Pki;
  const file = (name: string) => join(folder, name);

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'apikey-tls-'));
    pki = await makePki(folder);
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  /** A stack over HTTPS whose every entry (users, projects, a digest and an OAuth organization) gets `tls`. */
  const start = (tls: Record<string, unknown> | undefined, clientCa?: string) =>
    startStack({
      dataset: dataset(),
      simulator: { tls: { cert: pki.server.cert, key: pki.server.key, ...(clientCa !== undefined ? { clientCa } : {}) } },
      configure: (config, sim) => {
        config.organizations = organizationsConfigFor(sim, { includeProjects: false });
        if (tls !== undefined) for (const entry of configEntries(config)) entry.tls = tls;
      },
    });

  it('the right CA in tls.caFile: every scope up, OAuth included', async () => {
    stack = await start({ caFile: file('ca.crt') });
    const { up, reasons } = await scopeStates(stack);
    expect(up.length).toBeGreaterThanOrEqual(4);
    expect(up.every((value) => value === 1)).toBe(true);
    expect(reasons).toStrictEqual([]);
    expect(stack.sim.adminApiStats.tokensIssued).toBeGreaterThan(0);
  });

  it('another CA: every scope fails with reason tls, and the log names the certificate problem', async () => {
    stack = await start({ caFile: file('other-ca.crt') });
    const { up, reasons } = await scopeStates(stack);
    expect(up.every((value) => value === 0)).toBe(true);
    expect(reasons).toStrictEqual(['tls']);
    const failures = stack.logs.filter((line) => line.includes('scope poll failed'));
    expect(failures.length).toBe(up.length);
    for (const line of failures) expect(line).toMatch(/"reason":"tls".*UNABLE_TO_VERIFY_LEAF_SIGNATURE.*tls\.caFile/);
  });

  it("no CA at all (the system's roots): reason tls too", async () => {
    stack = await start(undefined);
    const { reasons } = await scopeStates(stack);
    expect(reasons).toStrictEqual(['tls']);
  });

  it('a serverName the certificate is not for: reason tls, ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    stack = await start({ caFile: file('ca.crt'), serverName: 'api.example.com' });
    const { reasons } = await scopeStates(stack);
    expect(reasons).toStrictEqual(['tls']);
    expect(stack.logs.join('')).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('insecureSkipVerify: up with any certificate, and a warning at start-up for each entry', async () => {
    stack = await start({ insecureSkipVerify: true });
    const { up } = await scopeStates(stack);
    expect(up.every((value) => value === 1)).toBe(true);
    const warnings = stack.logs.filter((line) => line.includes('tls.insecureSkipVerify is set'));
    // One user, one project, a digest and an OAuth organization.
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toContain('"level":40');
  });

  it('a server that requires a client certificate: up with certFile/keyFile', async () => {
    stack = await start({ caFile: file('ca.crt'), certFile: file('client.crt'), keyFile: file('client.key') }, pki.ca.cert);
    const { up } = await scopeStates(stack);
    expect(up.length).toBeGreaterThanOrEqual(4);
    expect(up.every((value) => value === 1)).toBe(true);
  });

  // TLS 1.3 refuses after the client's side of the handshake: the client reads the server's alert (tls) when it
  // arrives before the connection ends, and otherwise sees only the end (network). Both name the client certificate.
  const refusedClientCertificate = (line: string) =>
    (line.includes('"reason":"tls"') && /ERR_SSL_TLSV1\d?_ALERT_/.test(line) && line.includes('tls.certFile')) ||
    (line.includes('"reason":"network"') && line.includes('may require a client certificate it was not given or does not trust: check tls.certFile and tls.keyFile'));

  it.each([
    ['without one', () => ({})],
    ['with one from another CA', () => ({ certFile: file('other-client.crt'), keyFile: file('other-client.key') })],
  ])('a server that requires a client certificate, %s: every scope fails (tls or network), and the log says to check the client certificate', async (_case, client) => {
    stack = await start({ caFile: file('ca.crt'), ...client() }, pki.ca.cert);
    const { up, reasons } = await scopeStates(stack);
    expect(up.every((value) => value === 0)).toBe(true);
    expect(reasons.filter((reason) => reason !== 'tls' && reason !== 'network')).toStrictEqual([]);
    const failures = stack.logs.filter((line) => line.includes('scope poll failed'));
    expect(failures).toHaveLength(up.length);
    for (const line of failures) expect(refusedClientCertificate(line), line).toBe(true);
  });
});
