import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exporterConfigFor, generateDataset, runSimulatorCommand } from '../../src/simulator/index.js';
import { TestDigestClient } from './helpers.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('exporterConfigFor', () => {
  const sim = {
    atlasBaseUrl: 'http://127.0.0.1:1/api/atlas/v1.0',
    publicBaseUrl: 'http://127.0.0.1:1/api/public/v1.0',
    dataset: generateDataset({ users: 2, projects: 3, credentials: 2, now: 0 }),
  };

  it('polls every user and every credential, with discovery by default', () => {
    const config = exporterConfigFor(sim, { interval: '5s' });
    expect(config).toEqual({
      poll: { interval: '5s', concurrency: 8, timeout: '10s', retries: 3, staleAfter: '1h' },
      users: sim.dataset.users.map((user) => ({ username: user.username, apiKey: user.apiKey, userId: user.id, baseUrl: sim.atlasBaseUrl })),
      projects: sim.dataset.credentials.map((credential) => ({
        publicKey: credential.publicKey,
        privateKey: credential.privateKey,
        baseUrl: sim.publicBaseUrl,
        discover: true,
      })),
    });
  });

  it('lists project ids instead when discover is false', () => {
    const config = exporterConfigFor(sim, { discover: false }) as { projects: Record<string, unknown>[] };
    expect(config.projects.map((project) => project['ids'])).toEqual(sim.dataset.credentials.map((credential) => credential.projectIds));
    expect(config.projects.every((project) => !('discover' in project))).toBe(true);
  });
});

describe('runSimulatorCommand', () => {
  const exitCode = process.exitCode;
  afterEach(() => {
    process.exitCode = exitCode;
  });

  it.each([['--bogus'], ['--users', 'many'], ['--challenge-style', 'sha'], ['--port', '70000'], ['positional']])(
    'refuses %s with exit code 2',
    async (...argv) => {
      const stderr = capture();
      const stdout = capture();
      await runSimulatorCommand(argv, { stderr: stderr.stream, stdout: stdout.stream });
      expect(process.exitCode).toBe(2);
      expect(stderr.text()).toMatch(/^mongodb-apikey-exporter simulate: /);
      expect(stderr.text()).toContain('Usage:');
      expect(stdout.text()).toBe('');
    },
  );

  it('serves, prints URLs, credentials and a config, and stops on abort', async () => {
    const stdout = capture();
    const controller = new AbortController();
    const running = runSimulatorCommand(['--port', '0', '--seed', '4', '--users', '2', '--projects', '3', '--challenge-style', 'op'], {
      stdout: stdout.stream,
      signal: controller.signal,
    });
    await waitFor(() => stdout.text().includes('Exporter config:'));
    const text = stdout.text();
    const dataset = generateDataset({ seed: 4, users: 2, projects: 3 });
    const atlas = /Atlas API: +(\S+)/.exec(text)?.[1];
    expect(atlas).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/atlas\/v1\.0$/);
    expect(text).toMatch(/Cloud Manager API: +http:\/\/127\.0\.0\.1:\d+\/api\/public\/v1\.0/);
    for (const user of dataset.users) expect(text).toContain(`${user.username}  apiKey=${user.apiKey}  userId=${user.id}`);
    expect(text).toContain(`${dataset.credentials[0]!.publicKey}  privateKey=${dataset.credentials[0]!.privateKey}`);
    for (const project of dataset.projects) expect(text).toContain(project.id);
    const config = parse(text.slice(text.indexOf('Exporter config:') + 'Exporter config:'.length)) as { users: { baseUrl: string }[] };
    expect(config.users[0]!.baseUrl).toBe(atlas);

    const user = dataset.users[0]!;
    const client = new TestDigestClient(user.username, user.apiKey);
    try {
      expect((await client.get(`${atlas!}/users/${user.id}/keys`)).status).toBe(200);
    } finally {
      client.close();
    }
    controller.abort();
    await running;
    expect(stdout.text()).toContain('simulator stopped (abort)');
  });

  it('prints help', async () => {
    const stdout = capture();
    await runSimulatorCommand(['--help'], { stdout: stdout.stream });
    expect(stdout.text()).toContain('--keys-per-project N');
  });
});
