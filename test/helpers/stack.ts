import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { startExporter, type RunningExporter } from '../../src/exporter.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { exporterConfigFor, startSimulator, type Dataset, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { parseMetrics, select, type Sample } from './metrics.js';

export interface Stack {
  readonly sim: Simulator;
  readonly exporter: RunningExporter;
  /** Every log line the exporter wrote, as text. */
  readonly logs: string[];
  /** Runs one more poll cycle now. */
  cycle(): Promise<Snapshot>;
  scrape(): Promise<Sample[]>;
  scrapeText(): Promise<string>;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly dataset: Dataset;
  readonly simulator?: Omit<SimulatorOptions, 'dataset'>;
  /** Changes to the generated config object, e.g. `(c) => { c.poll.concurrency = 4 }`. */
  readonly configure?: (config: Record<string, any>, sim: Simulator) => void;
  readonly retryBaseMs?: number;
  /** Keep the exporter's log lines in `logs` (default); off for long runs that measure memory. */
  readonly captureLogs?: boolean;
  /** The environment the exporter reads its proxies from (`HTTPS_PROXY`, …); none by default. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A simulator and an in-process exporter polling it, as a user would run them: the config goes
 * through a YAML file and the real loader. The poll interval is an hour, so after the first
 * cycle the test drives cycles itself.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const sim = await startSimulator({ dataset: options.dataset, ...options.simulator });
  const folder = await mkdtemp(join(tmpdir(), 'apikey-stack-'));
  const config = exporterConfigFor(sim, { interval: '1h' }) as Record<string, any>;
  config.poll.timeout = '5s';
  options.configure?.(config, sim);
  const file = join(folder, 'config.yaml');
  await writeFile(file, stringify(config));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      if (options.captureLogs !== false) logs.push(String(chunk));
      done();
    },
  });
  const exporter = await startExporter({
    config: await loadConfig(file),
    listenHost: '127.0.0.1',
    listenPort: 0,
    telemetryPath: '/metrics',
    log: pino({ level: 'debug' }, sink),
    retryBaseMs: options.retryBaseMs ?? 10,
    env: options.env ?? {},
  });
  await waitFor(() => exporter.poller.snapshot !== undefined, 20_000);
  const scrapeText = async () => {
    const response = await fetch(`${exporter.url}/metrics`);
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  };
  return {
    sim,
    exporter,
    logs,
    async cycle() {
      const snapshot = await exporter.poller.runCycle();
      if (!snapshot) throw new Error('cycle aborted');
      return snapshot;
    },
    scrapeText,
    scrape: async () => parseMetrics(await scrapeText()),
    async close() {
      await exporter.close();
      await sim.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every entry of a config the simulator made (users, projects, organizations), to give them all one setting. */
export const configEntries = (config: Record<string, any>): Record<string, unknown>[] => [...config.users, ...config.projects, ...(config.organizations ?? [])];

/** Every scope's `up` as scraped now, and the reasons of the failed ones, each once. */
export async function scopeStates(stack: Stack): Promise<{ up: number[]; reasons: string[] }> {
  const samples = await stack.scrape();
  const up = select(samples, 'mongodb_apikey_scope_up').map((sample) => sample.value);
  const reasons = select(samples, 'mongodb_apikey_scope_errors_total')
    .filter((sample) => sample.value > 0)
    .map((sample) => sample.labels.reason ?? '');
  return { up, reasons: [...new Set(reasons)] };
}
