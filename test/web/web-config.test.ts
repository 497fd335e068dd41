import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { hash } from 'bcryptjs';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig, type Config } from '../../src/config/load.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { exporterConfigFor, generateDataset, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { spawnExporter } from '../helpers/process.js';
import { makePki, type Pki } from './certs.js';

const ALICE = 'alice-password';
const BOB = 'bob: a longer password with spaces';

let folder: string;
let pki: Pki;
let sim: Simulator;
let configFile: string;
let config: Config;
let aliceHash: string;
let bobHash: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'apikey-web-'));
  pki = await makePki(folder);
  sim = await startSimulator({ dataset: generateDataset({ seed: 11, users: 1, keysPerUser: 3, projects: 1, keysPerProject: 2 }) });
  configFile = join(folder, 'config.yaml');
  await writeFile(configFile, stringify(exporterConfigFor(sim, { interval: '1h' })));
  config = await loadConfig(configFile);
  [aliceHash, bobHash] = await Promise.all([hash(ALICE, 4), hash(BOB, 4)]);
});

afterAll(async () => {
  await sim?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

interface Running {
  readonly exporter: RunningExporter;
  readonly webFile: string;
  readonly logs: string[];
}

let running: Running | undefined;
afterEach(async () => {
  await running?.exporter.close();
  running = undefined;
});

/** An in-process exporter with `web` as its web config file (relative paths inside resolve against `folder`). */
async function start(web: Record<string, unknown>, name = 'web.yml'): Promise<Running> {
  const webFile = join(folder, name);
  await writeFile(webFile, stringify(web));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const exporter = await startExporter({
    config,
    listenHost: '127.0.0.1',
    listenPort: 0,
    telemetryPath: '/metrics',
    log: pino({ level: 'debug' }, sink),
    retryBaseMs: 10,
    webConfigFile: webFile,
  });
  running = { exporter, webFile, logs };
  return running;
}

interface Answer {
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body?: string;
  /** SHA-256 fingerprint of the certificate the server presented. */
  readonly serverCert?: string;
  readonly error?: Error & { code?: string };
}

/** One GET on a fresh connection (no agent), resolving with the answer or the error. */
function get(url: string, options: { path?: string; user?: string; password?: string; tls?: RequestOptions } = {}): Promise<Answer> {
  const target = new URL(options.path ?? '/metrics', url);
  const headers: Record<string, string> = {};
  if (options.user !== undefined) headers.authorization = `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
  return new Promise((resolve) => {
    const requestFn = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = requestFn(target, { agent: false, headers, timeout: 5_000, ...(target.protocol === 'https:' ? { ca: pki.ca.cert, ...options.tls } : {}) }, (response) => {
      const socket = response.socket as TLSSocket;
      const serverCert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().fingerprint256 : undefined;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, ...(serverCert ? { serverCert } : {}) }));
      response.on('error', (error) => resolve({ error }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve({ error }));
    request.end();
  });
}

const tlsFiles = () => ({ cert_file: pki.server.certFile, key_file: pki.server.keyFile });
const withClient = (pair: { cert: string; key: string }): RequestOptions => ({ cert: pair.cert, key: pair.key });

describe('--web.config.file: TLS and basic auth over real HTTPS', () => {
  it('serves HTTPS and answers 200 to the right password, 401 with a challenge to a wrong one or none, on every path', async () => {
    const { exporter } = await start({
      tls_server_config: tlsFiles(),
      basic_auth_users: { alice: aliceHash },
      http_server_config: { headers: { 'Strict-Transport-Security': 'max-age=31536000', 'X-Frame-Options': 'deny' } },
    });
    expect(exporter.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const ok = await get(exporter.url, { user: 'alice', password: ALICE });
    expect(ok.error).toBeUndefined();
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('mongodb_apikey_exporter_build_info');
    expect(ok.headers?.['strict-transport-security']).toBe('max-age=31536000');
    expect(ok.headers?.['x-frame-options']).toBe('deny');
    expect(ok.serverCert).toBe(new X509Certificate(pki.server.cert).fingerprint256);

    for (const path of ['/metrics', '/', '/healthz', '/readyz', '/no-such-path']) {
      for (const credentials of [{}, { user: 'alice', password: 'wrong' }, { user: 'alice', password: '' }, { user: 'mallory', password: ALICE }]) {
        const denied = await get(exporter.url, { path, ...credentials });
        expect(denied.status, `${path} ${JSON.stringify(credentials)}`).toBe(401);
        expect(denied.headers?.['www-authenticate']).toBe('Basic realm="mongodb-apikey-exporter"');
        expect(denied.headers?.['strict-transport-security']).toBe('max-age=31536000');
        expect(denied.body).not.toContain('mongodb_apikey_');
      }
    }
    for (const path of ['/', '/healthz']) expect((await get(exporter.url, { path, user: 'alice', password: ALICE })).status).toBe(200);
    // A malformed header is no credentials at all.
    const malformed = await get(exporter.url, { tls: { headers: { authorization: 'Basic !!!' } } });
    expect(malformed.status).toBe(401);
  });

  it('refuses plain HTTP on the TLS port, and TLS 1.1 (the server says so), while TLS 1.2 and 1.3 work', async () => {
    const { exporter } = await start({ tls_server_config: tlsFiles() });
    const plain = await get(exporter.url.replace('https:', 'http:'));
    expect(plain.status).toBeUndefined();
    expect(plain.error).toBeDefined();

    // SECLEVEL=0 lets this client offer TLS 1.1, so the refusal is the server's protocol_version alert.
    const old = await get(exporter.url, { tls: { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } });
    expect(old.status).toBeUndefined();
    expect(old.error?.message).toMatch(/alert protocol version/i);

    expect((await get(exporter.url, { tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } })).status).toBe(200);
    expect((await get(exporter.url, { tls: { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } })).status).toBe(200);
    // An untrusting client (no CA) refuses the server: the certificate is what the test made.
    expect((await get(exporter.url, { tls: { ca: pki.otherCa.cert } })).error?.code).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
  });

  it('honours min_version TLS13, cipher_suites and curve_preferences', async () => {
    const { exporter } = await start({
      tls_server_config: { ...tlsFiles(), min_version: 'TLS12', cipher_suites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'], curve_preferences: ['CurveP384'] },
    });
    const tls12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;
    expect((await get(exporter.url, { tls: { ...tls12, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' } })).status).toBe(200);
    expect((await get(exporter.url, { tls: { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } })).error).toBeDefined();
    expect((await get(exporter.url, { tls: { ...tls12, ecdhCurve: 'P-256' } })).error).toBeDefined();
    await running?.exporter.close();
    running = undefined;

    const { exporter: only13 } = await start({ tls_server_config: { ...tlsFiles(), min_version: 'TLS13' } });
    expect((await get(only13.url, { tls: tls12 })).error).toBeDefined();
    expect((await get(only13.url, { tls: { minVersion: 'TLSv1.3' } })).status).toBe(200);
  });

  it('RequireAndVerifyClientCert: a client certificate from the CA passes; none, or one from another CA, is refused', async () => {
    const { exporter } = await start({ tls_server_config: { ...tlsFiles(), client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: pki.ca.certFile } });
    expect((await get(exporter.url, { tls: withClient(pki.client) })).status).toBe(200);
    const none = await get(exporter.url);
    expect(none.status).toBeUndefined();
    expect(none.error).toBeDefined();
    const stranger = await get(exporter.url, { tls: withClient(pki.otherClient) });
    expect(stranger.status).toBeUndefined();
    expect(stranger.error).toBeDefined();
  });

  it('client certificates and basic auth together: both are required', async () => {
    const { exporter } = await start({
      tls_server_config: { ...tlsFiles(), client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: pki.ca.certFile },
      basic_auth_users: { alice: aliceHash },
    });
    expect((await get(exporter.url, { tls: withClient(pki.client) })).status).toBe(401);
    expect((await get(exporter.url, { user: 'alice', password: ALICE, tls: withClient(pki.client) })).status).toBe(200);
    expect((await get(exporter.url, { user: 'alice', password: ALICE })).error).toBeDefined();
  });

  it('the other client_auth_types and client_allowed_sans behave as in Go', async () => {
    const cases: { web: Record<string, unknown>; none: boolean; good: boolean; stranger: boolean }[] = [
      { web: { client_auth_type: 'RequestClientCert' }, none: true, good: true, stranger: true },
      { web: { client_auth_type: 'RequireAnyClientCert' }, none: false, good: true, stranger: true },
      { web: { client_auth_type: 'VerifyClientCertIfGiven', client_ca_file: pki.ca.certFile }, none: true, good: true, stranger: false },
      { web: { client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: pki.ca.certFile, client_allowed_sans: ['prometheus'] }, none: false, good: true, stranger: false },
      { web: { client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: pki.ca.certFile, client_allowed_sans: ['someone-else'] }, none: false, good: false, stranger: false },
    ];
    for (const [index, { web, none, good, stranger }] of cases.entries()) {
      const { exporter } = await start({ tls_server_config: { ...tlsFiles(), ...web } }, `web-${index}.yml`);
      const label = JSON.stringify(web);
      expect((await get(exporter.url)).status === 200, `${label}: no certificate`).toBe(none);
      expect((await get(exporter.url, { tls: withClient(pki.client) })).status === 200, `${label}: CA client`).toBe(good);
      expect((await get(exporter.url, { tls: withClient(pki.otherClient) })).status === 200, `${label}: other CA client`).toBe(stranger);
      await exporter.close();
      running = undefined;
    }
  });

  it('re-reads the file when it changes: a new user works without restart, a bad edit keeps the last good config, certificates rotate', async () => {
    const certFile = join(folder, 'rotating.crt');
    const keyFile = join(folder, 'rotating.key');
    await copyFile(pki.server.certFile, certFile);
    await copyFile(pki.server.keyFile, keyFile);
    // Relative paths resolve against the web config file's folder, as in exporter-toolkit.
    const web = { tls_server_config: { cert_file: 'rotating.crt', key_file: 'rotating.key' }, basic_auth_users: { alice: aliceHash } };
    const { exporter, webFile, logs } = await start(web, 'reloading.yml');
    expect((await get(exporter.url, { user: 'alice', password: ALICE })).status).toBe(200);
    expect((await get(exporter.url, { user: 'bob', password: BOB })).status).toBe(401);

    await writeFile(webFile, stringify({ ...web, basic_auth_users: { alice: aliceHash, bob: bobHash } }));
    await eventually(async () => expect((await get(exporter.url, { user: 'bob', password: BOB })).status).toBe(200));
    expect((await get(exporter.url, { user: 'alice', password: ALICE })).status).toBe(200);

    // An invalid edit: logged once, and the last good config stays in force.
    await writeFile(webFile, stringify({ ...web, tls_server_config: { ...web.tls_server_config, min_version: 'TLS14' }, basic_auth_users: {} }));
    await eventually(async () => {
      expect((await get(exporter.url, { user: 'bob', password: BOB })).status).toBe(200);
      expect(logs.join('')).toContain('web config reload failed');
    });
    expect((await get(exporter.url, { user: 'bob', password: BOB })).status).toBe(200);
    expect((await get(exporter.url)).status).toBe(401);
    const failure = logs.find((line) => line.includes('web config reload failed')) ?? '';
    expect(failure).toContain('min_version');
    for (let i = 0; i < 3; i += 1) await get(exporter.url, { user: 'bob', password: BOB });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await get(exporter.url, { user: 'bob', password: BOB });
    expect(logs.filter((line) => line.includes('web config reload failed'))).toHaveLength(1);

    // Certificate rotation in place (as cert-manager does): new connections get the new certificate.
    await writeFile(webFile, stringify(web));
    await copyFile(pki.server2.keyFile, keyFile);
    await copyFile(pki.server2.certFile, certFile);
    const rotated = new X509Certificate(pki.server2.cert).fingerprint256;
    await eventually(async () => expect((await get(exporter.url, { user: 'alice', password: ALICE })).serverCert).toBe(rotated));
    expect((await get(exporter.url, { user: 'bob', password: BOB })).status).toBe(401);

    // Client authentication switched on by an edit applies to new connections.
    await writeFile(webFile, stringify({ ...web, tls_server_config: { ...web.tls_server_config, client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: pki.ca.certFile } }));
    await eventually(async () => expect((await get(exporter.url, { user: 'alice', password: ALICE })).error).toBeDefined());
    expect((await get(exporter.url, { user: 'alice', password: ALICE, tls: withClient(pki.client) })).status).toBe(200);
    expect((await get(exporter.url, { user: 'alice', password: ALICE, tls: withClient(pki.otherClient) })).error).toBeDefined();

    // No password ever reaches a log line.
    const all = logs.join('');
    for (const secret of [ALICE, BOB, aliceHash, bobHash]) expect(all).not.toContain(secret);
  });

  it('basic auth without TLS serves plain HTTP', async () => {
    const { exporter } = await start({ basic_auth_users: { alice: aliceHash } });
    expect(exporter.url).toMatch(/^http:\/\//);
    expect((await get(exporter.url, { user: 'alice', password: ALICE })).status).toBe(200);
    expect((await get(exporter.url)).status).toBe(401);
  });

  it('a bad web config file stops `node dist/main.js` with exit status 2 and a message naming the field', async () => {
    const bad = join(folder, 'bad.yml');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ tls_server_config: { ...tlsFiles(), min_version: 'TLS14' } }, /tls_server_config\.min_version/],
      [{ tls_server_config: { cert_file: join(folder, 'missing.crt'), key_file: pki.server.keyFile } }, /ENOENT[\s\S]*tls_server_config\.cert_file/],
      [{ basic_auth_users: { alice: 'plaintext-password' } }, /basic_auth_users\.alice/],
      [{ tls_server_config: tlsFiles(), unknown_section: {} }, /unknown_section/],
    ];
    for (const [web, field] of cases) {
      await writeFile(bad, stringify(web));
      const child = spawnExporter([`--config.file=${configFile}`, `--web.config.file=${bad}`, '--web.listen-address=127.0.0.1:0']);
      expect(await child.exited).toBe(2);
      expect(child.stderr()).toMatch(field);
      expect(child.stderr().trim().split('\n')[0]).toContain(bad);
      expect(child.stderr()).not.toContain('plaintext-password');
    }
  });
});

async function eventually(assertion: () => Promise<void>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
