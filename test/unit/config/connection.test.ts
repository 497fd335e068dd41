import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, redactConfig, secretFilesOf } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { makePki, type Pki } from '../../web/certs.js';

const PASSWORD = 'pr0xy-s3cret';
let folder: string;
let pki: Pki;
let counter = 0;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'apikey-connection-'));
  pki = await makePki(folder);
  await writeFile(join(folder, 'not-pem.txt'), 'hello\n');
  await writeFile(join(folder, 'proxy-url'), `http://exporter:${PASSWORD}@proxy.corp:3128\n`);
  await writeFile(join(folder, 'bad-proxy-url'), `ftp://exporter:${PASSWORD}@proxy.corp:21\n`);
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Loads a config whose one user carries `extra` (YAML flow mapping entries). */
async function load(extra: string) {
  const file = join(folder, `config-${++counter}.yaml`);
  await writeFile(file, `users:\n  - {username: alice@example.com, apiKey: supersecret, ${extra}}\n`);
  return loadConfig(file, {});
}
const failure = async (extra: string) => {
  const error = await load(extra).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
};

describe('proxyUrl', () => {
  it('is kept inline, and redacted in the logged config', async () => {
    const config = await load(`proxyUrl: "http://exporter:${PASSWORD}@proxy.corp:3128"`);
    expect(config.users[0]?.proxyUrl?.value()).toBe(`http://exporter:${PASSWORD}@proxy.corp:3128`);
    expect(JSON.stringify(redactConfig(config))).toContain('"proxyUrl":"<redacted>"');
    expect(JSON.stringify(redactConfig(config))).not.toContain(PASSWORD);
  });

  it('is read from proxyUrlFile, trimmed, relative to the config file', async () => {
    const config = await load('proxyUrlFile: proxy-url');
    expect(config.users[0]?.proxyUrl?.value()).toBe(`http://exporter:${PASSWORD}@proxy.corp:3128`);
    expect(config.users[0]).not.toHaveProperty('proxyUrlFile');
    // Watched like every secret file: a rotated proxy password reaches the next request.
    expect(secretFilesOf(config).map(({ secret }) => secret.field)).toEqual(['proxyUrl']);
  });

  it.each([
    [`proxyUrl: "socks5://exporter:${PASSWORD}@proxy.corp:1080"`, 'users[0].proxyUrl', 'must be an http or https URL'],
    [`proxyUrl: "http://exporter:${PASSWORD}@proxy.corp:3128/path"`, 'users[0].proxyUrl', 'scheme, host and port only'],
    [`proxyUrl: "http://exporter:${PASSWORD}@proxy corp:3128"`, 'users[0].proxyUrl', 'not a valid URL'],
    ['proxyUrlFile: bad-proxy-url', 'users[0].proxyUrlFile', 'must be an http or https URL'],
    ['proxyUrlFile: missing', 'users[0].proxyUrlFile', 'ENOENT'],
    [`proxyUrl: "http://proxy.corp:3128", proxyUrlFile: proxy-url`, 'users[0].proxyUrl', 'not both'],
  ])('%s: the error names %s and never the value', async (extra, field, detail) => {
    const message = await failure(extra);
    expect(message).toContain(field);
    expect(message).toContain(detail);
    expect(message).not.toContain(PASSWORD);
  });
});

describe('tls', () => {
  it('reads the CA, the client certificate and its key at load; logs the file names, never the key', async () => {
    const config = await load('tls: {caFile: ca.crt, certFile: client.crt, keyFile: client.key, serverName: api.corp}');
    const tls = config.users[0]?.tls;
    expect(tls?.connectOptions()).toStrictEqual({ ca: pki.ca.cert.trim(), cert: pki.client.cert.trim(), key: pki.client.key.trim(), servername: 'api.corp', rejectUnauthorized: true });
    const logged = JSON.stringify(redactConfig(config));
    expect(logged).toContain('"tls":{"caFile":"ca.crt","certFile":"client.crt","keyFile":"client.key","serverName":"api.corp","insecureSkipVerify":false}');
    expect(logged).not.toContain('PRIVATE KEY');
  });

  it('insecureSkipVerify turns verification off', async () => {
    const config = await load('tls: {insecureSkipVerify: true}');
    expect(config.users[0]?.tls?.connectOptions()).toStrictEqual({ rejectUnauthorized: false });
  });

  it.each([
    ['tls: {caFile: missing.crt}', 'users[0].tls.caFile', 'ENOENT'],
    ['tls: {caFile: not-pem.txt}', 'users[0].tls.caFile', 'holds no PEM certificate'],
    ['tls: {certFile: client.crt}', 'users[0].tls.keyFile', 'give certFile and keyFile together'],
    ['tls: {certFile: not-pem.txt, keyFile: client.key}', 'users[0].tls.certFile', 'holds no PEM certificate'],
    ['tls: {certFile: client.crt, keyFile: not-pem.txt}', 'users[0].tls.keyFile', 'holds no PEM private key'],
    ['tls: {certFile: client.crt, keyFile: server.key}', 'users[0].tls.keyFile', 'is not the key of certFile'],
    ['tls: {caFile: ca.crt, verify: false}', 'users[0].tls', 'verify'],
  ])('%s: the error names %s', async (extra, field, detail) => {
    const message = await failure(extra);
    expect(message).toContain(field);
    expect(message).toContain(detail);
    expect(message).not.toContain('PRIVATE KEY');
  });
});
