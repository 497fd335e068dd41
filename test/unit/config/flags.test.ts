import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/config-error.js';
import { parseFlags, parseListenAddress } from '../../../src/config/flags.js';
import { thrownBy } from '../../helpers/thrown.js';

describe('parseFlags', () => {
  it('has the documented defaults', () => {
    expect(parseFlags([])).toStrictEqual({
      configFile: 'config.yaml',
      listenHost: undefined,
      listenPort: 9947,
      telemetryPath: '/metrics',
      webConfigFile: undefined,
      enableLifecycle: false,
      logLevel: 'info',
      logFormat: 'json',
      shardCount: 1,
      shardIndex: 0,
      shardIndexFromHostname: false,
      heapGrowthPercent: 30,
      version: false,
      help: false,
    });
  });

  it('reads every flag in the --flag=value form', () => {
    expect(
      parseFlags([
        '--config.file=/etc/exporter/config.yaml',
        '--web.listen-address=127.0.0.1:9100',
        '--web.telemetry-path=/probe/metrics',
        '--web.config.file=web.yaml',
        '--web.enable-lifecycle',
        '--log.level=debug',
        '--log.format=pretty',
        '--shard.count=3',
        '--shard.index=2',
        '--runtime.heap-growth-percent=0',
      ]),
    ).toStrictEqual({
      configFile: '/etc/exporter/config.yaml',
      listenHost: '127.0.0.1',
      listenPort: 9100,
      telemetryPath: '/probe/metrics',
      webConfigFile: 'web.yaml',
      enableLifecycle: true,
      logLevel: 'debug',
      logFormat: 'pretty',
      shardCount: 3,
      shardIndex: 2,
      shardIndexFromHostname: false,
      heapGrowthPercent: 0,
      version: false,
      help: false,
    });
  });

  it('reads every flag in the --flag value form', () => {
    const flags = parseFlags([
      '--config.file',
      'c.yaml',
      '--web.listen-address',
      '[::1]:9947',
      '--web.telemetry-path',
      '/m',
      '--web.config.file',
      'w.yaml',
      '--log.level',
      'error',
      '--log.format',
      'json',
    ]);
    expect(flags).toMatchObject({
      configFile: 'c.yaml',
      listenHost: '::1',
      listenPort: 9947,
      telemetryPath: '/m',
      webConfigFile: 'w.yaml',
      logLevel: 'error',
      logFormat: 'json',
    });
  });

  it('reads --version, --help and -h', () => {
    expect(parseFlags(['--version']).version).toBe(true);
    expect(parseFlags(['--help']).help).toBe(true);
    expect(parseFlags(['-h']).help).toBe(true);
  });

  it.each(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])('accepts --log.level=%s', (level) => {
    expect(parseFlags([`--log.level=${level}`]).logLevel).toBe(level);
  });

  it.each([
    [['--log.level=verbose'], '--log.level: must be one of trace, debug, info, warn, error, fatal, not "verbose"'],
    [['--log.level', 'INFO'], '--log.level'],
    [['--log.format=xml'], '--log.format: must be json or pretty, not "xml"'],
    [['--web.telemetry-path=metrics'], '--web.telemetry-path: must start with /'],
    [['--web.telemetry-path=/'], '--web.telemetry-path'],
    [['--web.telemetry-path=/healthz'], '--web.telemetry-path'],
    [['--web.telemetry-path=/readyz'], '--web.telemetry-path'],
    [['--web.listen-address=9947'], '--web.listen-address: expected [host]:port'],
    [['--web.listen-address=:99999'], '--web.listen-address'],
    [['--web.listen-address', 'localhost'], '--web.listen-address'],
    [['--unknown.flag=1'], "'--unknown.flag'"],
    [['--config'], "'--config'"],
    [['positional'], 'positional'],
    [['--version=yes'], '--version'],
  ])('rejects %j', (argv, expected) => {
    const error = thrownBy(() => parseFlags(argv), ConfigError);
    expect(error.message).toContain(expected);
    expect(error.reason).toBe('invalid_config');
  });

  it('shows the usage after a flag it does not know', () => {
    expect(thrownBy(() => parseFlags(['--nope']), ConfigError).message).toContain('Usage: mongodb-apikey-exporter [flags]');
  });
});

describe('--shard.*', () => {
  it('reads a count and an index, or the hostname switch', () => {
    expect(parseFlags(['--shard.count=4', '--shard.index=3'])).toMatchObject({ shardCount: 4, shardIndex: 3, shardIndexFromHostname: false });
    expect(parseFlags(['--shard.count=4', '--shard.index-from-hostname'])).toMatchObject({ shardCount: 4, shardIndex: 0, shardIndexFromHostname: true });
  });

  it.each([
    [['--shard.count=0'], '--shard.count: must be a whole number from 1 to 1000, not "0"'],
    [['--shard.count=2', '--shard.index=2'], '--shard.index: must be a whole number from 0 to 1, not "2"'],
    [['--shard.index=-1'], '--shard.index: must be a whole number from 0 to 0, not "-1"'],
    [['--shard.count=3', '--shard.index=1', '--shard.index-from-hostname'], '--shard.index and --shard.index-from-hostname exclude each other'],
  ])('rejects %j', (argv, message) => {
    expect(thrownBy(() => parseFlags(argv), ConfigError).message).toBe(message);
  });
});

describe('--runtime.heap-growth-percent', () => {
  it.each([
    ['0', 0],
    ['30', 30],
    ['1000', 1000],
  ])('reads %s', (text, percent) => {
    expect(parseFlags([`--runtime.heap-growth-percent=${text}`]).heapGrowthPercent).toBe(percent);
  });

  it.each(['-1', '1001', '12.5', 'fast', ''])('rejects %j', (text) => {
    expect(thrownBy(() => parseFlags([`--runtime.heap-growth-percent=${text}`]), ConfigError).message).toBe(
      `--runtime.heap-growth-percent: must be a whole number from 0 to 1000, not ${JSON.stringify(text)}`,
    );
  });
});

describe('parseListenAddress', () => {
  it.each([
    [':9947', undefined, 9947],
    ['127.0.0.1:9947', '127.0.0.1', 9947],
    ['0.0.0.0:80', '0.0.0.0', 80],
    ['[::1]:9947', '::1', 9947],
    ['[::]:9947', '::', 9947],
    ['localhost:1', 'localhost', 1],
    ['exporter.example.com:65535', 'exporter.example.com', 65_535],
    [':0', undefined, 0],
  ])('%s is host %s, port %d', (address, host, port) => {
    expect(parseListenAddress(address)).toStrictEqual({ host, port });
  });

  it.each(['', '9947', ':', 'localhost', 'localhost:', ':65536', ':123456', ':port', '::1:9947', '[::1]', '[::1]9947', 'a:b:1', ':-1'])(
    'rejects %j naming the flag',
    (address) => {
      const error = thrownBy(() => parseListenAddress(address), ConfigError);
      expect(error.message).toBe(`--web.listen-address: expected [host]:port, e.g. ":9947", not ${JSON.stringify(address)}`);
    },
  );
});
