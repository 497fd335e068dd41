import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exporterConfigFor, generateDataset, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseMetrics, select, valueOf, type Sample } from '../helpers/metrics.js';
import { freePort, spawnExporter, waitForStatus, type Exporter } from '../helpers/process.js';
import { waitFor } from '../helpers/stack.js';

const RELOAD_OK = 'mongodb_apikey_config_last_reload_successful';
const LOADED_AT = 'mongodb_apikey_config_last_reload_success_timestamp_seconds';

let sim: Simulator | undefined;
let exporter: Exporter | undefined;
let folder: string | undefined;

afterEach(async () => {
  exporter?.child.kill('SIGKILL');
  exporter = undefined;
  await sim?.close();
  sim = undefined;
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

/** The config of the simulator's users `from` to `to` (no projects), polled every `interval`. */
function usersConfig(simulator: Simulator, users: readonly number[], interval: string): string {
  const config = exporterConfigFor(simulator, { interval }) as { poll: Record<string, unknown>; users: unknown[]; projects: unknown[] };
  config.poll.timeout = '1s';
  config.users = users.map((index) => config.users[index]);
  config.projects = [];
  return stringify(config);
}

interface Running {
  readonly base: string;
  readonly file: string;
  scrape(): Promise<Sample[]>;
  /** User ids with a scope_up series. */
  userScopes(): Promise<string[]>;
  /** Log lines (JSON) with this message. */
  logs(msg: string): Record<string, unknown>[];
}

async function start(users: readonly number[], interval: string, flags: readonly string[] = []): Promise<Running> {
  sim = await startSimulator({ dataset: generateDataset({ seed: 151, users: 4, keysPerUser: 1, projects: 0 }) });
  folder = await mkdtemp(join(tmpdir(), 'apikey-reload-'));
  const file = join(folder, 'config.yaml');
  await writeFile(file, usersConfig(sim, users, interval));
  const port = await freePort();
  exporter = spawnExporter([`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, ...flags]);
  const base = `http://127.0.0.1:${port}`;
  await waitForStatus(`${base}/readyz`, 200, 20_000);
  const running = exporter;
  const scrape = async () => parseMetrics(await (await fetch(`${base}/metrics`)).text());
  return {
    base,
    file,
    scrape,
    userScopes: async () => select(await scrape(), 'mongodb_apikey_scope_up', { kind: 'user' }).map((sample) => sample.labels['user_id'] ?? '').sort(),
    logs: (msg) =>
      running
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['msg'] === msg),
  };
}

const idsOf = (indexes: readonly number[]): string[] => indexes.map((index) => sim!.dataset.users[index]!.id).sort();

/** Scrapes every 25 ms until stopped; the bodies that had no scope series. */
function watchForEmpty(base: string): { stop: () => Promise<string[]> } {
  const empty: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const body = await (await fetch(`${base}/metrics`)).text();
      if (!body.includes('mongodb_apikey_scope_up{')) empty.push(body);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return empty;
    },
  };
}

async function untilUserScopes(running: Running, expected: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await running.userScopes();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(last).toEqual(expected);
}

describe('config reload', () => {
  it('SIGHUP: scopes added and removed and the interval changed from the next cycle, never an empty /metrics; an invalid file keeps the running config', async () => {
    const running = await start([0, 1], '1h');
    expect(await running.userScopes()).toEqual(idsOf([0, 1]));
    const startup = await running.scrape();
    expect(valueOf(startup, RELOAD_OK)).toBe(1);
    const loadedAt = valueOf(startup, LOADED_AT);
    expect(loadedAt).toBeGreaterThan(Date.now() / 1000 - 60);

    const empty = watchForEmpty(running.base);
    await writeFile(running.file, usersConfig(sim!, [1, 2], '1s'));
    exporter!.child.kill('SIGHUP');
    await untilUserScopes(running, idsOf([1, 2]));
    // A 1 s interval instead of an hour: cycles keep coming.
    const cyclesAfterReload = running.logs('poll cycle completed').length;
    await waitFor(() => running.logs('poll cycle completed').length >= cyclesAfterReload + 2, 15_000);
    expect(await empty.stop(), 'a /metrics without scopes').toEqual([]);
    const reloaded = await running.scrape();
    expect(valueOf(reloaded, RELOAD_OK)).toBe(1);
    expect(valueOf(reloaded, LOADED_AT)).toBeGreaterThan(loadedAt);
    expect(running.logs('config reloaded; it applies from the next poll cycle')).toMatchObject([{ trigger: 'SIGHUP' }]);

    await writeFile(running.file, 'poll:\n  concurrency: 0\nusers: []\n');
    exporter!.child.kill('SIGHUP');
    await waitFor(() => running.logs('config reload failed; the running config stays').length === 1, 10_000);
    expect(String(running.logs('config reload failed; the running config stays')[0]?.['error'])).toContain('poll.concurrency');
    const failed = await running.scrape();
    expect(valueOf(failed, RELOAD_OK)).toBe(0);
    expect(valueOf(failed, LOADED_AT)).toBe(valueOf(reloaded, LOADED_AT));
    // Still polling the last good config, at its interval.
    const cyclesAfterFailure = running.logs('poll cycle completed').length;
    await waitFor(() => running.logs('poll cycle completed').length >= cyclesAfterFailure + 2, 15_000);
    expect(await running.userScopes()).toEqual(idsOf([1, 2]));
    expect(exporter!.child.exitCode).toBeNull();
    for (const user of sim!.dataset.users) expect(exporter!.stdout() + exporter!.stderr()).not.toContain(user.apiKey);
  });

  it('POST /-/reload with --web.enable-lifecycle: 200 and the new scopes, 500 with the field on an invalid file, 405 to a GET', async () => {
    const running = await start([0], '1h', ['--web.enable-lifecycle']);
    await writeFile(running.file, usersConfig(sim!, [2, 3], '1s'));
    const reloaded = await fetch(`${running.base}/-/reload`, { method: 'POST' });
    expect(reloaded.status).toBe(200);
    await untilUserScopes(running, idsOf([2, 3]));
    expect(running.logs('config reloaded; it applies from the next poll cycle')).toMatchObject([{ trigger: 'POST /-/reload' }]);

    await writeFile(running.file, usersConfig(sim!, [0], 'soon'));
    const invalid = await fetch(`${running.base}/-/reload`, { method: 'POST' });
    expect(invalid.status).toBe(500);
    expect(await invalid.text()).toContain('poll.interval');
    expect(valueOf(await running.scrape(), RELOAD_OK)).toBe(0);
    expect(await running.userScopes()).toEqual(idsOf([2, 3]));

    const get = await fetch(`${running.base}/-/reload`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, PUT');
  });

  it('has no lifecycle endpoint without --web.enable-lifecycle', async () => {
    const running = await start([0], '1h');
    await writeFile(running.file, usersConfig(sim!, [1], '1h'));
    const response = await fetch(`${running.base}/-/reload`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await running.userScopes()).toEqual(idsOf([0]));
    expect(running.logs('config reloaded; it applies from the next poll cycle')).toEqual([]);
  });
});
