import { parseArgs } from 'node:util';
import { ConfigError } from '../errors/config-error.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type LogFormat = 'json' | 'pretty';

/** The command line, named as the Prometheus exporters name theirs. */
export interface Flags {
  readonly configFile: string;
  readonly listenHost: string | undefined;
  readonly listenPort: number;
  readonly telemetryPath: string;
  readonly webConfigFile: string | undefined;
  /** `--web.enable-lifecycle`: serve `POST /-/reload`, as Prometheus does. */
  readonly enableLifecycle: boolean;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** This replica's shard of the scopes: `shardIndex` of `shardCount` (see `--shard.*`). */
  readonly shardCount: number;
  readonly shardIndex: number;
  /** Take the shard index from the ordinal of a StatefulSet pod's hostname (`…-2` → 2). */
  readonly shardIndexFromHostname: boolean;
  /** How far the V8 heap may grow past its live set before a full collection, in percent; 0 is V8's default. */
  readonly heapGrowthPercent: number;
  readonly version: boolean;
  readonly help: boolean;
}

export const DEFAULT_LISTEN_ADDRESS = ':9947';
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const RESERVED_PATHS = ['/', '/healthz', '/readyz', '/-/reload'];

export const USAGE = `Usage: mongodb-apikey-exporter [flags]
       mongodb-apikey-exporter simulate [simulator flags]   (a fake MongoDB Cloud API, see --help there)
       mongodb-apikey-exporter demo                         (the simulator and the exporter together)

Audits MongoDB Cloud API keys and serves them as Prometheus metrics.

Flags:
  --config.file=PATH             configuration file (YAML)               [default: config.yaml]
  --web.listen-address=ADDR      address to listen on                    [default: ${DEFAULT_LISTEN_ADDRESS}]
  --web.telemetry-path=PATH      path under which to expose metrics      [default: /metrics]
  --web.config.file=PATH         TLS and basic auth (exporter-toolkit web config format)
  --web.enable-lifecycle         serve POST /-/reload (SIGHUP reloads the config file always)
  --log.level=LEVEL              trace, debug, info, warn, error, fatal  [default: info]
  --log.format=FORMAT            json or pretty                          [default: json]
  --shard.count=N                split the scopes among N replicas       [default: 1]
  --shard.index=I                this replica's share, 0 to N-1          [default: 0]
  --shard.index-from-hostname    take I from the hostname's ordinal (StatefulSet pod name-I)
  --runtime.heap-growth-percent=P  heap growth past the live set before a full GC; 0: V8's [default: 30]
  --version                      print the version and exit
  --help                         print this help and exit
`;

/** Parses the exporter's flags. Pure: throws a ConfigError that names the flag. */
export function parseFlags(argv: readonly string[]): Flags {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'config.file': { type: 'string', default: 'config.yaml' },
        'web.listen-address': { type: 'string', default: DEFAULT_LISTEN_ADDRESS },
        'web.telemetry-path': { type: 'string', default: '/metrics' },
        'web.config.file': { type: 'string' },
        'web.enable-lifecycle': { type: 'boolean', default: false },
        'log.level': { type: 'string', default: 'info' },
        'log.format': { type: 'string', default: 'json' },
        'shard.count': { type: 'string', default: '1' },
        'shard.index': { type: 'string' },
        'shard.index-from-hostname': { type: 'boolean', default: false },
        'runtime.heap-growth-percent': { type: 'string', default: '30' },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const logLevel = String(values['log.level']);
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError(`--log.level: must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(logLevel)}`);
  }
  const logFormat = String(values['log.format']);
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(`--log.format: must be json or pretty, not ${JSON.stringify(logFormat)}`);
  }
  const telemetryPath = String(values['web.telemetry-path']);
  if (!telemetryPath.startsWith('/') || RESERVED_PATHS.includes(telemetryPath)) {
    throw new ConfigError(`--web.telemetry-path: must start with / and not be one of ${RESERVED_PATHS.join(', ')}`);
  }
  const { host, port } = parseListenAddress(String(values['web.listen-address']));
  const webConfigFile = values['web.config.file'];
  const shardCount = wholeNumber('--shard.count', String(values['shard.count']), 1, 1_000);
  const fromHostname = values['shard.index-from-hostname'] === true;
  if (fromHostname && values['shard.index'] !== undefined) {
    throw new ConfigError('--shard.index and --shard.index-from-hostname exclude each other');
  }
  const shardIndex = values['shard.index'] === undefined ? 0 : wholeNumber('--shard.index', String(values['shard.index']), 0, shardCount - 1);
  const heapGrowthPercent = wholeNumber('--runtime.heap-growth-percent', String(values['runtime.heap-growth-percent']), 0, 1_000);
  return {
    configFile: String(values['config.file']),
    listenHost: host,
    listenPort: port,
    telemetryPath,
    webConfigFile: typeof webConfigFile === 'string' ? webConfigFile : undefined,
    enableLifecycle: values['web.enable-lifecycle'] === true,
    logLevel: logLevel as LogLevel,
    logFormat,
    shardCount,
    shardIndex,
    shardIndexFromHostname: fromHostname,
    heapGrowthPercent,
    version: values.version === true,
    help: values.help === true,
  };
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(`${flag}: must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** `:9947`, `0.0.0.0:9947`, `[::1]:9947`, `localhost:9947`; host undefined means every interface. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw new ConfigError(`--web.listen-address: expected [host]:port, e.g. ":9947", not ${JSON.stringify(address)}`);
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}
