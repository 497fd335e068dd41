import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AtlasClient } from './atlas/client.js';
import type { Config } from './config/load.js';
import { createApp } from './http/app.js';
import { WebGuard } from './http/web-guard.js';
import { Exposition } from './metrics/exposition.js';
import { ExporterMetrics } from './metrics/exporter-metrics.js';
import { Poller } from './poller/poller.js';
import type { Shard } from './poller/shard.js';
import { directoriesFrom, sourcesFrom, trailSourcesFrom } from './sources/index.js';
import { VERSION } from './version.js';

export interface ExporterOptions {
  readonly config: Config;
  readonly listenHost?: string | undefined;
  readonly listenPort: number;
  readonly telemetryPath: string;
  readonly log: Logger;
  /** This replica's share of the scopes; all of them by default. */
  readonly shard?: Shard;
  /** First retry backoff step (tests shorten it). */
  readonly retryBaseMs?: number;
  /** `--web.config.file`: TLS, basic auth, headers (exporter-toolkit format). A bad file throws a ConfigError. */
  readonly webConfigFile?: string | undefined;
}

export interface RunningExporter {
  readonly url: string;
  readonly poller: Poller;
  /** Stops polling, lets in-flight scrapes finish, closes the listener. */
  close(): Promise<void>;
}

/** Wires config → sources → client → poller → snapshot → exposition → HTTP, and starts them. */
export async function startExporter(options: ExporterOptions): Promise<RunningExporter> {
  const { config, log, telemetryPath } = options;
  // First, so that a bad web config stops start-up before anything runs.
  const web = options.webConfigFile !== undefined ? await WebGuard.load(options.webConfigFile, log) : undefined;
  const metrics = new ExporterMetrics(VERSION, options.shard);
  const exposition = new Exposition(metrics);
  const client = new AtlasClient({
    concurrency: config.poll.concurrency,
    timeoutMs: config.poll.timeoutMs,
    retries: config.poll.retries,
    ...(config.poll.maxRequestsPerSecond !== undefined ? { maxRequestsPerSecond: config.poll.maxRequestsPerSecond } : {}),
    ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
    observe: (api, status, seconds) => metrics.observeRequest(api, status, seconds),
    observeRateLimit: (api, remaining) => metrics.observeRateLimit(api, remaining),
  });
  const directories = directoriesFrom(config);
  const poller = new Poller({
    sources: sourcesFrom(config, directories),
    trailSources: trailSourcesFrom(directories),
    client,
    intervalMs: config.poll.intervalMs,
    staleAfterMs: config.poll.staleAfterMs,
    scopesInFlight: 2 * config.poll.concurrency,
    log,
    ...(options.shard ? { shard: options.shard } : {}),
    onCycle: (report) => {
      exposition.update(report.snapshot);
      metrics.observeCycle(report);
    },
  });
  const app = createApp({
    telemetryPath,
    exposition,
    log,
    ...(web ? { guard: web.middleware } : {}),
    ready: () => poller.snapshot !== undefined,
    snapshot: () => poller.snapshot,
    version: VERSION,
  });
  // Slow clients cannot pin connections: headers within 10 s, a whole request within 60 s, checked every second.
  const serverOptions = { requestTimeout: 60_000, headersTimeout: 10_000, keepAliveTimeout: 65_000, connectionsCheckingInterval: 1_000 };
  const tlsOptions = web?.tlsOptions;
  const server: Server | HttpsServer = tlsOptions ? createHttpsServer({ ...serverOptions, ...tlsOptions }, app) : createServer(serverOptions, app);
  web?.attach(server);
  server.listen(options.listenPort, options.listenHost);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tlsOptions ? 'https' : 'http'}://${host === '[::]' || host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  log.info(
    { address: `${host}:${address.port}`, telemetryPath, version: VERSION, tls: tlsOptions !== undefined, basicAuthUsers: web?.config.users.size ?? 0 },
    'listening',
  );
  poller.start();

  return {
    url,
    poller,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await poller.stop();
      // OAuth tokens are revoked rather than left to expire; a failure only costs a log line.
      for (const error of await client.close()) log.warn({ err: error }, 'could not revoke an OAuth token');
      await closed;
    },
  };
}
