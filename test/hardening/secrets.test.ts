import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateDataset, startSimulator, type Fault, type Simulator } from '../../src/simulator/index.js';
import { freePort, spawnExporter, waitForStatus, type Exporter } from '../helpers/process.js';

let sim: Simulator | undefined;
let exporter: Exporter | undefined;
afterAll(async () => {
  exporter?.child.kill('SIGKILL');
  await sim?.close();
});

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** Every form in which a secret could leak: itself, HTTP Basic's base64, the digest HA1. */
function leakForms(username: string, secret: string): string[] {
  return [secret, base64(`${username}:${secret}`), md5(`${username}:MMS Public API:${secret}`)];
}

it('never shows a secret, its base64 or its digest HA1 in output, /metrics, / or errors, through every fault', async () => {
  const dataset = generateDataset({ seed: 51, users: 2, keysPerUser: 3, projects: 3, keysPerProject: 2 });
  sim = await startSimulator({ dataset, nonceTtlMs: 2_000 });
  const [alice, bob] = dataset.users;
  const credential = dataset.credentials[0]!;
  const folder = await mkdtemp(join(tmpdir(), 'apikey-secrets-'));
  await writeFile(join(folder, 'bob.key'), `${bob!.apiKey}\n`);
  await writeFile(join(folder, 'cm.key'), credential.privateKey);
  const wrongSecret = 'e6f0c5a2-wrong-secret-9d1b7c3e';
  const closed = await freePort();
  const config = {
    poll: { interval: '1s', concurrency: 4, timeout: '500ms', retries: 1, staleAfter: '5s' },
    users: [
      { username: alice!.username, apiKey: '${ALICE_KEY}', baseUrl: sim.atlasBaseUrl },
      { username: bob!.username, apiKeyFile: join(folder, 'bob.key'), userId: bob!.id, baseUrl: sim.atlasBaseUrl },
      { username: 'mallory@example.com', apiKey: wrongSecret, baseUrl: sim.atlasBaseUrl },
    ],
    projects: [
      { publicKey: credential.publicKey, privateKeyFile: join(folder, 'cm.key'), baseUrl: sim.publicBaseUrl, discover: true },
      { publicKey: credential.publicKey, privateKeyFile: join(folder, 'cm.key'), baseUrl: `http://127.0.0.1:${closed}/api/public/v1.0`, ids: ['5e2211c17a3e5a48f5497de3'] },
      { publicKey: credential.publicKey, privateKeyFile: join(folder, 'cm.key'), baseUrl: 'http://no-such-host.invalid/api/public/v1.0', ids: ['5e2211c17a3e5a48f5497de4'] },
    ],
  };
  const file = join(folder, 'config.yaml');
  await writeFile(file, stringify(config));
  const port = await freePort();
  exporter = spawnExporter([`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=debug'], { ALICE_KEY: alice!.apiKey });
  const base = `http://127.0.0.1:${port}`;
  await waitForStatus(`${base}/readyz`, 200, 20_000);

  const faults: Fault[] = [
    { type: 'status', status: 401 },
    { type: 'status', status: 403 },
    { type: 'status', status: 404 },
    { type: 'status', status: 429, retryAfterSeconds: 1 },
    { type: 'status', status: 429 },
    { type: 'status', status: 500 },
    { type: 'status', status: 502 },
    { type: 'status', status: 503 },
    { type: 'hang' },
    { type: 'reset' },
    { type: 'truncated' },
    { type: 'html' },
    { type: 'body', body: [{ createdTime: 'not a date' }] },
  ];
  const targets = [alice!.id, bob!.id, 'groups', ...dataset.projects.map((project) => project.id)];
  const bodies: string[] = [];
  for (const fault of faults) {
    for (const target of targets) sim.setFault(target, fault);
    sim.expireNonces();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    bodies.push(await (await fetch(`${base}/metrics`)).text());
  }
  for (const target of targets) sim.setFault(target, undefined);
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  bodies.push(await (await fetch(`${base}/metrics`)).text(), await (await fetch(`${base}/`)).text(), await (await fetch(`${base}/readyz`)).text());
  exporter.child.kill('SIGTERM');
  expect(await exporter.exited).toBe(0);

  const output = exporter.stdout() + exporter.stderr();
  const everything = output + bodies.join('\n');
  // The run did go through the failures whose messages could carry a secret.
  for (const reason of ['unauthorized', 'forbidden', 'not_found', 'rate_limited', 'server_error', 'timeout', 'network', 'invalid_response']) {
    expect(output).toContain(`"reason":"${reason}"`);
  }
  expect(output).toContain('"msg":"configuration loaded"');
  const secrets: [string, string][] = [
    [alice!.username, alice!.apiKey],
    [bob!.username, bob!.apiKey],
    ['mallory@example.com', wrongSecret],
    [credential.publicKey, credential.privateKey],
  ];
  for (const [username, secret] of secrets) {
    for (const form of leakForms(username, secret)) expect(everything).not.toContain(form);
  }
}, 90_000);
