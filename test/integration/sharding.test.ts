import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import { Shard } from '../../src/poller/shard.js';
import { demoDatasetOptions, exporterConfigFor, generateDataset, organizationsConfigFor, startSimulator, type Simulator } from '../../src/simulator/index.js';
import { parseMetrics, select, type Sample } from '../helpers/metrics.js';
import { waitFor } from '../helpers/stack.js';

let sim: Simulator | undefined;
let replicas: RunningExporter[] = [];
afterEach(async () => {
  await Promise.all(replicas.map((replica) => replica.close()));
  replicas = [];
  await sim?.close();
  sim = undefined;
});

/** N replicas with `--shard.count=N --shard.index=I`, polling one simulator; their scrapes. */
async function runShards(count: number): Promise<Sample[][]> {
  const file = join(await mkdtemp(join(tmpdir(), 'apikey-shards-')), 'config.yaml');
  await writeFile(file, stringify({ ...exporterConfigFor(sim!, { interval: '1h' }), organizations: organizationsConfigFor(sim!) }));
  const config = await loadConfig(file);
  replicas = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      startExporter({ config, listenHost: '127.0.0.1', listenPort: 0, telemetryPath: '/metrics', log: pino({ level: 'silent' }), shard: new Shard(index, count) }),
    ),
  );
  await waitFor(() => replicas.every((replica) => replica.poller.snapshot !== undefined), 20_000);
  const scrapes = await Promise.all(replicas.map(async (replica) => parseMetrics(await (await fetch(`${replica.url}/metrics`)).text())));
  await Promise.all(replicas.map((replica) => replica.close()));
  replicas = [];
  return scrapes;
}

const scopeIdOf = (sample: Sample) => `${sample.labels.kind}/${sample.labels.user_id ?? ''}/${sample.labels.project_id ?? ''}/${sample.labels.org_id ?? ''}`;

describe('sharding across replicas', () => {
  it('three shards cover every scope exactly once, and four again after rebalancing', async () => {
    sim = await startSimulator({ dataset: generateDataset({ ...demoDatasetOptions, seed: 93, projects: 40 }) });
    const whole = (await runShards(1))[0]!;
    const all = select(whole, 'mongodb_apikey_scope_up').map(scopeIdOf).sort();
    expect(all.length).toBeGreaterThan(60);

    const owners = new Map<number, Map<string, number>>();
    for (const count of [3, 4]) {
      const scrapes = await runShards(count);
      const assignment = new Map<string, number>();
      scrapes.forEach((samples, index) => {
        for (const scope of select(samples, 'mongodb_apikey_scope_up').map(scopeIdOf)) {
          expect(assignment.has(scope), `${scope} polled twice`).toBe(false);
          assignment.set(scope, index);
        }
        // Every replica lists the whole set, and says which share it took.
        expect(select(samples, 'mongodb_apikey_listed_scopes').reduce((sum, sample) => sum + sample.value, 0)).toBe(all.length);
        expect(select(samples, 'mongodb_apikey_shard_info')[0]?.labels).toEqual({ index: String(index), count: String(count) });
        expect(select(samples, 'mongodb_apikey_shard_scopes').reduce((sum, sample) => sum + sample.value, 0)).toBe(select(samples, 'mongodb_apikey_scope_up').length);
      });
      expect([...assignment.keys()].sort()).toEqual(all);
      // The keys are split too: together the replicas publish every key once.
      const keys = scrapes.flatMap((samples) => select(samples, 'mongodb_apikey_info'));
      expect(keys).toHaveLength(select(whole, 'mongodb_apikey_info').length);
      owners.set(count, assignment);
    }
    const moved = all.filter((scope) => owners.get(3)!.get(scope) !== owners.get(4)!.get(scope));
    // Jump consistent hashing: the scopes that move from 3 to 4 shards all move to the new one.
    expect(moved.every((scope) => owners.get(4)!.get(scope) === 3)).toBe(true);
    expect(moved.length).toBeLessThan(all.length / 2);
  });
});
