import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exporterConfigFor, generateDataset, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { freePort, spawnExporter, waitForStatus, type Exporter } from '../helpers/process.js';

let sim: Simulator | undefined;
let exporter: Exporter | undefined;

afterEach(async () => {
  exporter?.child.kill('SIGKILL');
  exporter = undefined;
  await sim?.close();
  sim = undefined;
});

async function configFile(config: unknown): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'apikey-process-')), 'config.yaml');
  await writeFile(file, typeof config === 'string' ? config : stringify(config));
  return file;
}

describe('the exporter process', () => {
  it('stops on a bad config with one message naming the field, and status 2', async () => {
    const file = await configFile('poll:\n  concurrency: 0\nusers: []\n');
    exporter = spawnExporter([`--config.file=${file}`]);
    expect(await exporter.exited).toBe(2);
    expect(exporter.stderr()).toContain('poll.concurrency');
    expect(exporter.stderr()).not.toMatch(/\n\s+at /);
    expect(exporter.stdout()).toBe('');
  });

  it('stops on a bad flag with status 2, and prints --version and --help with status 0', async () => {
    exporter = spawnExporter(['--log.level=loud']);
    expect(await exporter.exited).toBe(2);
    expect(exporter.stderr()).toContain('--log.level');
    const version = spawnExporter(['--version']);
    expect(await version.exited).toBe(0);
    expect(version.stdout()).toMatch(/^mongodb-apikey-exporter \d+\.\d+\.\d+/);
    const help = spawnExporter(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('--web.listen-address');
  });

  it('is not ready until the first poll completes, then serves /metrics that promtool accepts', async () => {
    const dataset = generateDataset({ seed: 21 });
    sim = await startSimulator({ dataset, latencyMs: 400 });
    const port = await freePort();
    exporter = spawnExporter([`--config.file=${await configFile(exporterConfigFor(sim, { interval: '1h' }))}`, `--web.listen-address=127.0.0.1:${port}`]);
    const base = `http://127.0.0.1:${port}`;
    await waitForStatus(`${base}/healthz`, 200, 10_000);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    await waitForStatus(`${base}/readyz`, 200, 20_000);
    const body = await (await fetch(`${base}/metrics`)).text();
    expect(body).toContain('mongodb_apikey_info{');
    const { stdout, stderr } = await checkMetrics(body);
    expect(stdout + stderr).toBe('');
    // One JSON log line per cycle with the summary; no secret in the output.
    const summary = exporter.stdout().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'poll cycle completed');
    expect(summary).toMatchObject({ cycle: 1, scopesOk: dataset.users.length + dataset.projects.length, scopesFailed: 0 });
    for (const user of dataset.users) expect(exporter.stdout() + exporter.stderr()).not.toContain(user.apiKey);
  });

  it('exits 0 on SIGTERM within 10 s, even with a poll hanging, and finishes an in-flight scrape', async () => {
    const dataset = generateDataset({ seed: 22 });
    sim = await startSimulator({ dataset });
    const port = await freePort();
    const config = exporterConfigFor(sim, { interval: '1s' }) as { poll: Record<string, unknown> };
    config.poll.timeout = '1s';
    exporter = spawnExporter([`--config.file=${await configFile(config)}`, `--web.listen-address=127.0.0.1:${port}`]);
    const base = `http://127.0.0.1:${port}`;
    await waitForStatus(`${base}/readyz`, 200, 20_000);
    for (const project of dataset.projects) sim.setFault(project.id, { type: 'hang' });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const scrape = fetch(`${base}/metrics`).then((response) => response.text());
    const started = Date.now();
    exporter.child.kill('SIGTERM');
    expect(await exporter.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await scrape).toContain('mongodb_apikey_scope_up');
    expect(exporter.stdout()).toContain('shutting down');
  });
});

async function checkMetrics(body: string): Promise<{ stdout: string; stderr: string }> {
  const file = join(await mkdtemp(join(tmpdir(), 'apikey-promtool-')), 'metrics.txt');
  await writeFile(file, body);
  const { execSync } = await import('node:child_process');
  try {
    const stdout = execSync(`promtool check metrics < ${file}`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout, stderr: '' };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { stdout: failure.stdout ?? '', stderr: failure.stderr ?? failure.message };
  }
}
