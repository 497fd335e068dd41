import { describe, expect, it } from 'vitest';
import { ExporterMetrics } from '../../../src/metrics/exporter-metrics.js';
import type { ScopeState } from '../../../src/model/snapshot.js';
import type { CycleReport } from '../../../src/poller/poller.js';

const report = (discovery: CycleReport['discovery']): CycleReport => ({
  snapshot: { cycle: 1, completedAt: 0, scopes: [], trails: [] },
  durationSeconds: 1,
  requests: 0,
  discovery,
  listed: {},
});

/** The samples of one family, in the registry's order. */
async function samplesOf(metrics: ExporterMetrics, name: string): Promise<string[]> {
  const text = await metrics.registry.getSingleMetricAsString(name);
  return text.split('\n').filter((line) => !line.startsWith('#') && line !== '');
}

const discoveryUp = (metrics: ExporterMetrics) => samplesOf(metrics, 'mongodb_apikey_discovery_up');

/** A scope of the kind, polled; only its kind counts for shard_scopes. */
const scopeOf = (kind: 'user' | 'agent' | 'programmatic', id: string): ScopeState => ({
  scope: { kind, owner: kind === 'user' ? 'user' : 'project', id, credentialId: 'c' },
  up: true,
  keys: [],
  errors: { unauthorized: 0, forbidden: 0, not_found: 0, rate_limited: 0, server_error: 0, timeout: 0, network: 0, tls: 0, invalid_response: 0 },
});

const cycleOf = (scopes: readonly ScopeState[], listed: CycleReport['listed']): CycleReport => ({ ...report([]), snapshot: { cycle: 1, completedAt: 0, scopes, trails: [] }, listed });

describe('ExporterMetrics: discovery_up', () => {
  it('has a series per discovery listing: the credential`s own (org_id empty) and each organisation`s projects', async () => {
    const metrics = new ExporterMetrics('test');
    metrics.observeCycle(
      report([
        { credentialId: 'key@host' },
        { credentialId: 'key@host', orgId: 'a1', failure: { reason: 'server_error', status: 503, message: 'GET … answered 503' } },
        { credentialId: 'key@host', orgId: 'b2' },
      ]),
    );
    expect(await discoveryUp(metrics)).toEqual([
      'mongodb_apikey_discovery_up{credential="key@host",org_id=""} 1',
      'mongodb_apikey_discovery_up{credential="key@host",org_id="a1"} 0',
      'mongodb_apikey_discovery_up{credential="key@host",org_id="b2"} 1',
    ]);
    // An organisation no longer listed has no series left.
    metrics.observeCycle(report([{ credentialId: 'key@host' }, { credentialId: 'key@host', orgId: 'b2' }]));
    expect(await discoveryUp(metrics)).toEqual(['mongodb_apikey_discovery_up{credential="key@host",org_id=""} 1', 'mongodb_apikey_discovery_up{credential="key@host",org_id="b2"} 1']);
  });
});

describe('ExporterMetrics: scopes by kind', () => {
  it('counts the scopes this replica polls and those the cycle listed, by kind, each cycle anew', async () => {
    const metrics = new ExporterMetrics('test');
    metrics.observeCycle(cycleOf([scopeOf('user', 'u1'), scopeOf('agent', 'p1'), scopeOf('user', 'u2'), scopeOf('user', 'u3')], { user: 6, agent: 2 }));
    expect(await samplesOf(metrics, 'mongodb_apikey_shard_scopes')).toEqual(['mongodb_apikey_shard_scopes{kind="user"} 3', 'mongodb_apikey_shard_scopes{kind="agent"} 1']);
    expect(await samplesOf(metrics, 'mongodb_apikey_listed_scopes')).toEqual(['mongodb_apikey_listed_scopes{kind="user"} 6', 'mongodb_apikey_listed_scopes{kind="agent"} 2']);
    // A kind that the next cycle neither polls nor lists has no series left.
    metrics.observeCycle(cycleOf([scopeOf('programmatic', 'p2')], { programmatic: 1 }));
    expect(await samplesOf(metrics, 'mongodb_apikey_shard_scopes')).toEqual(['mongodb_apikey_shard_scopes{kind="programmatic"} 1']);
    expect(await samplesOf(metrics, 'mongodb_apikey_listed_scopes')).toEqual(['mongodb_apikey_listed_scopes{kind="programmatic"} 1']);
  });
});

describe('ExporterMetrics: secret files and config loads', () => {
  it('has one series per secret file read, 1 when readable, and none once a reload forgets them', async () => {
    const metrics = new ExporterMetrics('test');
    metrics.observeSecretFile('a@host', 'privateKey', true);
    metrics.observeSecretFile('b@host', 'clientSecret', false);
    expect(await samplesOf(metrics, 'mongodb_apikey_secret_file_read_successful')).toEqual([
      'mongodb_apikey_secret_file_read_successful{credential="a@host",field="privateKey"} 1',
      'mongodb_apikey_secret_file_read_successful{credential="b@host",field="clientSecret"} 0',
    ]);
    metrics.forgetSecretFiles();
    expect(await samplesOf(metrics, 'mongodb_apikey_secret_file_read_successful')).toEqual([]);
  });

  it('keeps the time of the last successful load when a reload fails', async () => {
    const metrics = new ExporterMetrics('test');
    metrics.observeConfigLoad(true, 1_748_779_200_500);
    expect(await samplesOf(metrics, 'mongodb_apikey_config_last_reload_successful')).toEqual(['mongodb_apikey_config_last_reload_successful 1']);
    metrics.observeConfigLoad(false, 1_748_779_260_000);
    expect(await samplesOf(metrics, 'mongodb_apikey_config_last_reload_successful')).toEqual(['mongodb_apikey_config_last_reload_successful 0']);
    expect(await samplesOf(metrics, 'mongodb_apikey_config_last_reload_success_timestamp_seconds')).toEqual(['mongodb_apikey_config_last_reload_success_timestamp_seconds 1748779200.5']);
  });
});

describe('ExporterMetrics: the registry', () => {
  it('has the build and shard info, shard 0 of 1 by default', async () => {
    const metrics = new ExporterMetrics('1.2.3', { index: 2, count: 3 });
    expect(await samplesOf(metrics, 'mongodb_apikey_exporter_build_info')).toEqual([`mongodb_apikey_exporter_build_info{version="1.2.3",nodejs_version="${process.versions.node}"} 1`]);
    expect(await samplesOf(metrics, 'mongodb_apikey_shard_info')).toEqual(['mongodb_apikey_shard_info{index="2",count="3"} 1']);
    expect(await samplesOf(new ExporterMetrics('1.2.3'), 'mongodb_apikey_shard_info')).toEqual(['mongodb_apikey_shard_info{index="0",count="1"} 1']);
  });

  it('serves the process and Node.js families without the gauges named like counters', async () => {
    const names = (await new ExporterMetrics('test').registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_active_handles');
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) expect(names).not.toContain(name);
  });
});
