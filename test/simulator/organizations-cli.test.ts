import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateDataset, organizationsConfigFor, runSimulatorCommand } from '../../src/simulator/index.js';
import { TestDigestClient } from './helpers.js';

describe('organizationsConfigFor', () => {
  it('proposes one entry per v2 credential, digest and OAuth', () => {
    const sim = { url: 'http://127.0.0.1:1', dataset: generateDataset({ projects: 2, orgs: 1, programmaticKeysPerOrg: 1, serviceAccountsPerOrg: 1, secretsPerServiceAccount: 1, globalKeys: 1, now: 0 }) };
    const [digest, oauth] = sim.dataset.orgCredentials!;
    expect(organizationsConfigFor(sim)).toEqual([
      { publicKey: digest!.kind === 'digest' ? digest!.publicKey : '', privateKey: digest!.kind === 'digest' ? digest!.privateKey : '', baseUrl: 'http://127.0.0.1:1/api/atlas/v2', discover: true, apiKeys: true, accessLists: true, serviceAccounts: true, includeProjects: true },
      { clientId: oauth!.kind === 'oauth' ? oauth!.clientId : '', clientSecret: oauth!.kind === 'oauth' ? oauth!.clientSecret : '', baseUrl: 'http://127.0.0.1:1/api/atlas/v2', discover: true, apiKeys: true, accessLists: true, serviceAccounts: true, includeProjects: true },
    ]);
    expect(organizationsConfigFor(sim, { discover: false, includeProjects: false })[0]).toMatchObject({ ids: [sim.dataset.orgs![0]!.id], includeProjects: false });
  });
});

describe('simulate with organizations', () => {
  it('takes the organizations count flags and prints their credentials', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const text = (): string => Buffer.concat(chunks).toString('utf8');
    const controller = new AbortController();
    const running = runSimulatorCommand(
      ['--port', '0', '--seed', '4', '--orgs', '1', '--keys-per-org', '2', '--service-accounts-per-org', '1', '--secrets-per-service-account', '1', '--token-ttl-seconds', '60'],
      { stdout, signal: controller.signal },
    );
    const started = Date.now();
    while (!text().includes('Exporter config:') && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 10));
    const output = text();
    expect(output).toMatch(/Atlas Admin API v2: +http:\/\/127\.0\.0\.1:\d+\/api\/atlas\/v2/);
    expect(output).toMatch(/OAuth token: +http:\/\/127\.0\.0\.1:\d+\/api\/oauth\/token/);
    expect(output).toMatch(/ {2}digest {2}[a-z]{8} {2}privateKey=[0-9a-f-]{36}/);
    expect(output).toMatch(/ {2}oauth {3}mdb_sa_id_[0-9a-f]{24} {2}clientSecret=mdb_sa_sk_[0-9a-f]{40}/);
    expect(output).toContain('Organizations config:');
    controller.abort();
    await running;
  });
});

describe('simulate --mutate-every-ms', () => {
  it('changes the data while it serves, with the events to match', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const text = (): string => Buffer.concat(chunks).toString('utf8');
    const controller = new AbortController();
    const since = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const running = runSimulatorCommand(['--port', '0', '--orgs', '1', '--keys-per-org', '3', '--service-accounts-per-org', '1', '--mutate-every-ms', '20'], { stdout, signal: controller.signal });
    const client = { current: undefined as TestDigestClient | undefined };
    try {
      const started = Date.now();
      while (!text().includes('Exporter config:') && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 10));
      const output = text();
      const base = /Atlas Admin API v2: +(\S+)/.exec(output)?.[1];
      const orgId = /Organizations \(Atlas Admin API v2\) — \d+:\n {2}([0-9a-f]{24})/.exec(output)?.[1];
      const [, publicKey, privateKey] = / {2}digest {2}([a-z]{8}) {2}privateKey=(\S+)/.exec(output) ?? [];
      expect([base, orgId, publicKey, privateKey].every((value) => value !== undefined)).toBe(true);
      client.current = new TestDigestClient(publicKey!, privateKey!);
      let changes: unknown[] = [];
      while (changes.length < 2 && Date.now() - started < 20_000) {
        const response = await client.current.get(`${base!}/orgs/${orgId!}/events?minDate=${since}`, { headers: { Accept: 'application/vnd.atlas.2023-01-01+json' } });
        changes = (JSON.parse(response.body) as { results: unknown[] }).results;
        if (changes.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(changes.length).toBeGreaterThanOrEqual(2);
    } finally {
      client.current?.close();
      controller.abort();
      await running;
    }
  });

  it('refuses a value that is not a number of milliseconds', async () => {
    const stderr = new PassThrough();
    const chunks: Buffer[] = [];
    stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const exitCode = process.exitCode;
    await runSimulatorCommand(['--mutate-every-ms', 'often'], { stderr, stdout: new PassThrough() });
    expect(process.exitCode).toBe(2);
    process.exitCode = exitCode;
    expect(Buffer.concat(chunks).toString('utf8')).toContain('--mutate-every-ms must be an integer');
  });
});
