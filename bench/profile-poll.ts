/**
 * Development aid: one simulator at latency 0 and the exporter child under `--cpu-prof`, for
 * `memory-cycles` cycles; the profile lands in /tmp/apikey-prof. `node dist-bench/bench/profile-poll.js [projects] [cycles]`
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { exporterConfigFor, generateDataset, startSimulator } from '../src/simulator/index.js';

const projects = Number(process.argv[2] ?? 10_000);
const cycles = Number(process.argv[3] ?? 2);
const latencyMs = Number(process.argv[4] ?? 0);
const sim = await startSimulator({ dataset: generateDataset({ seed: 1, projects, keysPerProject: 3, users: 20, keysPerUser: 600 }), latencyMs });
const folder = await mkdtemp(join(tmpdir(), 'apikey-prof-'));
const config = exporterConfigFor(sim, { interval: '2s' }) as { poll: Record<string, unknown> };
config.poll.concurrency = 16;
config.poll.timeout = '2s';
await writeFile(join(folder, 'c.yaml'), stringify(config));
const child = spawn(process.execPath, [...(process.env.PROF === '0' ? [] : ['--cpu-prof', '--cpu-prof-dir=/tmp/apikey-prof']), 'dist/main.js', `--config.file=${join(folder, 'c.yaml')}`, '--web.listen-address=127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
let seen = 0;
createInterface({ input: child.stdout! }).on('line', (line) => {
  const entry = JSON.parse(line) as { msg: string; durationSeconds?: number; cycle?: number };
  if (entry.msg !== 'poll cycle completed') return;
  console.log(`cycle ${entry.cycle}: ${entry.durationSeconds} s, sim ${JSON.stringify({ d: sim.stats.dataRequests, c: sim.stats.challenges, m: sim.stats.maxInFlight })}`);
  sim.resetStats();
  if (++seen === cycles) child.kill('SIGINT');
});
child.on('exit', () => void sim.close());
