/**
 * In-process micro-benchmark of the key exposition (no HTTP, no poll): builds the snapshot the
 * default bench scale produces and times the per-snapshot build and the per-scrape render.
 * `node --expose-gc dist-bench/bench/micro.js [projects]`
 */
import { performance } from 'node:perf_hooks';
import { UNPOOLED } from '../src/metrics/slabs.js';
import { buildKeyExpositionBytes, buildKeyExpositionBytesAsync, renderTimed } from '../src/metrics/key-exposition.js';
import type { Snapshot, ScopeState } from '../src/model/snapshot.js';
import { generateDataset } from '../src/simulator/index.js';
import { mapAgentKeys } from '../src/sources/agent-keys.js';
import { mapUserKeys } from '../src/sources/user-keys.js';

export function snapshotOf(projects: number, users = 20, keysPerUser = 600, keysPerProject = 3): Snapshot {
  const dataset = generateDataset({ seed: 1, projects, users, keysPerUser, keysPerProject });
  const zero = { unauthorized: 0, forbidden: 0, not_found: 0, rate_limited: 0, server_error: 0, timeout: 0, network: 0, tls: 0, invalid_response: 0 };
  const now = Date.now();
  const scopes: ScopeState[] = [
    ...dataset.users.map((user): ScopeState => ({ scope: { kind: 'user', owner: 'user', id: user.id, name: user.username, credentialId: 'u' }, up: true, keys: mapUserKeys(user.keys, 'x'), lastSuccessAt: now, errors: zero })),
    ...dataset.projects.map((project): ScopeState => ({ scope: { kind: 'agent', owner: 'project', id: project.id, name: project.name, credentialId: 'p' }, up: true, keys: mapAgentKeys(project.agentKeys, 'x'), lastSuccessAt: now, errors: zero })),
  ];
  return { scopes, trails: [], completedAt: now, cycle: 1 };
}

const time = <T>(label: string, run: () => T, times = 5): T => {
  let result!: T;
  const all: number[] = [];
  for (let index = 0; index < times; index++) {
    (globalThis as { gc?: () => void }).gc?.();
    const started = performance.now();
    result = run();
    all.push(performance.now() - started);
  }
  console.log(`${label}: ${all.map((ms) => ms.toFixed(1)).join(' ')} ms`);
  return result;
};

if (process.argv[1]?.endsWith('micro.js')) {
  const snapshot = snapshotOf(Number(process.argv[2] ?? 10_000));
  const bytes = time('buildKeyExpositionBytes', () => buildKeyExpositionBytes(snapshot));
  console.log(`series ${bytes.series}, fixed ${bytes.fixed.reduce((sum, chunk) => sum + chunk.length, 0)} bytes`);
  const started = performance.now();
  await buildKeyExpositionBytesAsync(snapshot);
  console.log(`buildKeyExpositionBytesAsync: ${(performance.now() - started).toFixed(1)} ms wall`);
  time('renderTimedBytes (all)', () => bytes.timed.map((timed) => [...renderTimed(timed, Date.now(), UNPOOLED.take)]), 10);
}
