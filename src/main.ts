#!/usr/bin/env node
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hostname } from 'node:os';
import { USAGE, parseFlags } from './config/flags.js';
import { loadConfig } from './config/load.js';
import { isConfigError } from './errors/config-error.js';
import { startExporter } from './exporter.js';
import { createLogger } from './log/logger.js';
import { limitHeapGrowth } from './runtime/heap-growth.js';
import { shardFor } from './poller/shard.js';
import { demoDatasetOptions, exporterConfigFor, generateDataset, globalKeysConfigFor, organizationsConfigFor, runSimulatorCommand, startSimulator } from './simulator/index.js';
import { VERSION } from './version.js';

const SHUTDOWN_DEADLINE_MS = 9_000;

/** The exporter: flags, config, then everything else starts; SIGHUP reloads the config file; SIGTERM/SIGINT stop it with status 0. */
export async function run(argv: readonly string[]): Promise<void> {
  let flags;
  let config;
  let shard;
  try {
    flags = parseFlags(argv);
    if (flags.help || flags.version) {
      process.stdout.write(flags.help ? USAGE : `mongodb-apikey-exporter ${VERSION} (node ${process.version})\n`);
      return;
    }
    limitHeapGrowth(flags.heapGrowthPercent);
    config = await loadConfig(flags.configFile);
    shard = shardFor(flags, hostname());
  } catch (error) {
    if (!isConfigError(error)) throw error;
    process.stderr.write(`mongodb-apikey-exporter: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const log = createLogger(flags.logLevel, flags.logFormat);
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
  let exporter;
  try {
    exporter = await startExporter({
      config,
      configFile: flags.configFile,
      enableLifecycle: flags.enableLifecycle,
      listenHost: flags.listenHost,
      listenPort: flags.listenPort,
      telemetryPath: flags.telemetryPath,
      webConfigFile: flags.webConfigFile,
      shard,
      log,
    });
  } catch (error) {
    if (isConfigError(error)) {
      process.stderr.write(`mongodb-apikey-exporter: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    log.fatal({ err: error }, 'cannot start');
    process.exitCode = 1;
    return;
  }
  const running = exporter;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.warn('shutdown deadline passed; exiting');
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS).unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(0);
      },
    );
  };
  // The outcome is logged and in the reload metrics; a failed reload keeps the running config.
  process.on('SIGHUP', () => void running.reload('SIGHUP').catch(() => undefined));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** The demo polls every 30 s; its simulator changes its data (with the matching events) every third poll. */
const DEMO_POLL_SECONDS = 30;
const DEMO_MUTATE_EVERY_MS = 3 * DEMO_POLL_SECONDS * 1000;

/** `demo`: the simulator with a realistic data set, changing as it runs, and the exporter polling it on :9947. */
async function demo(argv: readonly string[]): Promise<void> {
  const simulator = await startSimulator({ dataset: generateDataset(demoDatasetOptions), mutateEveryMs: DEMO_MUTATE_EVERY_MS });
  const folder = await mkdtemp(join(tmpdir(), 'mongodb-apikey-exporter-demo-'));
  const configFile = join(folder, 'config.yaml');
  // The Ops Manager entry reads only the global keys: the v2 entries already read every organisation.
  const config = { ...exporterConfigFor(simulator, { interval: `${DEMO_POLL_SECONDS}s` }), organizations: [...organizationsConfigFor(simulator), ...globalKeysConfigFor(simulator)] };
  await writeFile(configFile, stringify(config), { mode: 0o600 });
  const address = argv.find((arg) => arg.startsWith('--web.listen-address='))?.split('=')[1] ?? ':9947';
  const base = `http://${address.startsWith(':') ? `localhost${address}` : address}`;
  process.stderr.write(
    `demo: simulator at ${simulator.url}, config ${configFile}; it changes a key, an access list, a secret or a setting every ${DEMO_MUTATE_EVERY_MS / 1000} s\n` +
      `demo: open ${base}/ and ${base}/metrics (Ctrl-C to stop)\n`,
  );
  await run([`--config.file=${configFile}`, '--log.format=pretty', ...argv]);
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'simulate') return runSimulatorCommand(rest);
  if (command === 'demo') return demo(rest);
  return run(argv);
}

await main(process.argv.slice(2));
