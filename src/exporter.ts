import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AtlasClient } from './atlas/client.js';
import { proxyEnvironment, shownProxy, type ProxyEnvironment } from './atlas/connection.js';
import { loadConfig, redactConfig, secretFilesOf, type Config } from './config/load.js';
import { SecretWatch } from './config/secret-watch.js';
import { ConfigError } from './errors/config-error.js';
import { createApp } from './http/app.js';
import { WebGuard } from './http/web-guard.js';
import { Exposition } from './metrics/exposition.js';
import { ExporterMetrics } from './metrics/exporter-metrics.js';
import { Poller, type PollerSettings } from './poller/poller.js';
import type { Shard } from './poller/shard.js';
import { ConfigReload, type ReloadTrigger } from './runtime/config-reload.js';
import { directoriesFrom, sourcesFrom, trailSourcesFrom, type EventTrailSource, type Source } from './sources/index.js';
import { VERSION } from './version.js';

export interface ExporterOptions {
  readonly config: Config;
  /** The file `config` was loaded from: a reload reads it again. Without it, a reload fails. */
  readonly configFile?: string | undefined;
  /** `--web.enable-lifecycle`: serve `POST /-/reload`. */
  readonly enableLifecycle?: boolean;
  /** How often secret files are read whatever their folder's watch says (tests shorten it). */
  readonly secretCheckIntervalMs?: number;
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
  /** Where `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are read; the process's environment by default. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningExporter {
  readonly url: string;
  readonly poller: Poller;
  /**
   * Reads the config file again and, when it is valid as a whole, puts it in force from the next
   * cycle; rejects with the loader's ConfigError otherwise, and the running config stays.
   * Flags and the web config are not part of it.
   */
  reload(trigger: ReloadTrigger): Promise<void>;
  /** Stops polling, lets in-flight scrapes finish, closes the listener. */
  close(): Promise<void>;
}

/** What one config puts in force: the client and sources of its credentials, and the watch on its secret files. */
interface InForce {
  readonly config: Config;
  readonly client: AtlasClient;
  readonly sources: Source[];
  readonly trailSources: EventTrailSource[];
  readonly secrets: SecretWatch;
}

/** The key sources and the event-trail sources of a config, over one set of organisation directories. */
function sourcesOf(config: Config): Pick<InForce, 'sources' | 'trailSources'> {
  const directories = directoriesFrom(config);
  return { sources: sourcesFrom(config, directories), trailSources: trailSourcesFrom(directories) };
}

/** Wires config → sources → client → poller → snapshot → exposition → HTTP, and starts them. */
export async function startExporter(options: ExporterOptions): Promise<RunningExporter> {
  const { log, telemetryPath } = options;
  // First, so that a bad web config stops start-up before anything runs.
  const web = options.webConfigFile !== undefined ? await WebGuard.load(options.webConfigFile, log) : undefined;
  const proxies = proxyEnvironment(options.env ?? process.env);
  const metrics = new ExporterMetrics(VERSION, options.shard);
  const exposition = new Exposition(metrics);
  const inForce = (config: Config): InForce => {
    log.debug({ config: redactConfig(config) }, 'configuration loaded');
    logConnections(config, proxies, log);
    return {
      config,
      client: new AtlasClient({
        concurrency: config.poll.concurrency,
        timeoutMs: config.poll.timeoutMs,
        retries: config.poll.retries,
        maxResponseBytes: config.poll.maxResponseBytes,
        proxies,
        ...(config.poll.maxRequestsPerSecond !== undefined ? { maxRequestsPerSecond: config.poll.maxRequestsPerSecond } : {}),
        ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
        observe: (api, status, seconds) => metrics.observeRequest(api, status, seconds),
        observeRateLimit: (api, remaining) => metrics.observeRateLimit(api, remaining),
        onRevokeFailure: (credential, error) => log.warn({ credential, err: error }, 'could not revoke the OAuth token of a replaced secret'),
      }),
      ...sourcesOf(config),
      secrets: SecretWatch.start({
        secrets: secretFilesOf(config),
        log,
        observe: ({ credential, secret }, ok) => metrics.observeSecretFile(credential, secret.field, ok),
        ...(options.secretCheckIntervalMs !== undefined ? { checkIntervalMs: options.secretCheckIntervalMs } : {}),
      }),
    };
  };
  const settingsOf = ({ config, client, sources, trailSources }: InForce): PollerSettings => ({
    sources,
    trailSources,
    client,
    intervalMs: config.poll.intervalMs,
    staleAfterMs: config.poll.staleAfterMs,
    scopesInFlight: 2 * config.poll.concurrency,
  });
  let current = inForce(options.config);
  metrics.observeConfigLoad(true, Date.now());
  const poller = new Poller({
    ...settingsOf(current),
    log,
    ...(options.shard ? { shard: options.shard } : {}),
    onCycle: (report) => {
      exposition.update(report.snapshot);
      metrics.observeCycle(report);
    },
  });
  // OAuth tokens are revoked rather than left to expire; a failure only costs a log line.
  const closeClient = async (client: AtlasClient) => {
    for (const error of await client.close()) log.warn({ err: error }, 'could not revoke an OAuth token');
  };
  // Clients of replaced configs, closed once the cycles that use them are over.
  const retiring = new Set<Promise<void>>();
  const configReload = new ConfigReload({
    load: () => (options.configFile === undefined ? Promise.reject(new ConfigError('no config file to reload')) : loadConfig(options.configFile)),
    apply: async (config) => {
      const previous = current;
      previous.secrets.close();
      metrics.forgetSecretFiles();
      current = inForce(config);
      const retired = poller.reconfigure(settingsOf(current)).then(() => closeClient(previous.client));
      retiring.add(retired);
      void retired.finally(() => retiring.delete(retired));
    },
    observe: (ok, atMs) => metrics.observeConfigLoad(ok, atMs),
    log,
  });
  const reload = (trigger: ReloadTrigger) => configReload.reload(trigger);
  const app = createApp({
    telemetryPath,
    exposition,
    log,
    ...(web ? { guard: web.middleware } : {}),
    ...(options.enableLifecycle === true ? { reload: () => reload('POST /-/reload') } : {}),
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
    { address: `${host}:${address.port}`, telemetryPath, version: VERSION, tls: tlsOptions !== undefined, basicAuthUsers: web?.config.users.size ?? 0, lifecycle: options.enableLifecycle === true },
    'listening',
  );
  poller.start();

  return {
    url,
    poller,
    reload,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await poller.stop();
      current.secrets.close();
      await Promise.all([closeClient(current.client), ...retiring]);
      await closed;
    },
  };
}

/** The proxies in force, shown without credentials, and a warning for every entry that does not verify its server. */
function logConnections(config: Config, proxies: ProxyEnvironment, log: Logger): void {
  const shown = (proxy: string | undefined) => (proxy === undefined ? undefined : shownProxy(proxy));
  if (proxies.httpProxy !== undefined || proxies.httpsProxy !== undefined) {
    log.info({ httpProxy: shown(proxies.httpProxy), httpsProxy: shown(proxies.httpsProxy), noProxy: proxies.noProxy }, 'proxies from the environment');
  }
  const entries = [
    ...config.users.map((entry, index) => ({ at: `users[${index}]`, entry })),
    ...config.projects.map((entry, index) => ({ at: `projects[${index}]`, entry })),
    ...config.organizations.map((entry, index) => ({ at: `organizations[${index}]`, entry })),
  ];
  for (const { at, entry } of entries) {
    if (entry.proxyUrl !== undefined) log.info({ entry: at, proxy: shown(entry.proxyUrl.value()) }, 'entry goes through its own proxy');
    if (entry.tls?.insecureSkipVerify) log.warn({ entry: at, baseUrl: entry.baseUrl }, 'tls.insecureSkipVerify is set: the certificate of the API server is not verified, anyone on the path can read and change the traffic');
  }
}
