import { describe, expect, it } from 'vitest';
import { ExporterMetrics } from '../../../src/metrics/exporter-metrics.js';
import type { CycleReport } from '../../../src/poller/poller.js';

const report = (discovery: CycleReport['discovery']): CycleReport => ({
  snapshot: { cycle: 1, completedAt: 0, scopes: [], trails: [] },
  durationSeconds: 1,
  requests: 0,
  discovery,
  listed: {},
});

async function discoveryUp(metrics: ExporterMetrics): Promise<string[]> {
  const text = await metrics.registry.getSingleMetricAsString('mongodb_apikey_discovery_up');
  return text.split('\n').filter((line) => !line.startsWith('#') && line !== '');
}

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
