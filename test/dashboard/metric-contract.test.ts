/**
 * test/dashboard/metric-contract.json against the exporter: it lists exactly the families of
 * src/metrics/contract.ts, with the labels the exposition writes; and every metric the dashboard
 * and the alert rules read is one of those families, matched on labels it carries.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ExporterMetrics } from '../../src/metrics/exporter-metrics.js';
import { OWNER_LABEL } from '../../src/metrics/contract.js';
import { renderKeyExposition } from '../../src/metrics/key-exposition.js';
import type { ApiKey } from '../../src/model/api-key.js';
import type { Scope } from '../../src/model/scope.js';
import type { Snapshot } from '../../src/model/snapshot.js';
import { FIXED_NOW, SNAPSHOT } from '../unit/fixtures/key-snapshot.js';
import { analyze, CONTRACT_FAMILIES, familyOf } from './promql.js';
import { dashboardQueries, variableQueries, type Dashboard } from './queries.js';
import contract from './metric-contract.json' with { type: 'json' };

const listed: Record<string, { labels: string[] } | undefined> = contract.metrics;
const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(fileURLToPath(new URL(path, root)), 'utf8');

// The fixture snapshot of every kind but global, and an Ops Manager instance with a global key.
const OPS_MANAGER: Scope = { kind: 'global', owner: 'global', id: 'opsmanager.example.com:8080', credentialId: 'abcdwxyz@opsmanager.example.com:8080' };
const GLOBAL_KEY: ApiKey = { id: '5f1b2c3d4e5f6a7b8c9d0e1f', description: 'Backup automation', suffix: 'c0de', publicKey: 'abcdwxyz', roles: [{ name: 'GLOBAL_READ_ONLY' }] };
const EVERY_KIND: Snapshot = {
  ...SNAPSHOT,
  scopes: [...SNAPSHOT.scopes, { scope: OPS_MANAGER, up: true, keys: [GLOBAL_KEY], lastSuccessAt: FIXED_NOW - 34_000, errors: SNAPSHOT.scopes[0]!.errors }],
};

/** The label names each family's series carry in a Prometheus text exposition. */
function labelsByFamily(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const series = /^(\w+)(?:\{(.*)\})? \S+$/.exec(line);
    if (!series) continue;
    const names = out.get(series[1]!) ?? new Set<string>();
    out.set(series[1]!, names);
    // Sticky: each match starts where the last one ended, so a value never reads as a label.
    const pair = /([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*",?/y;
    for (let m = pair.exec(series[2] ?? ''); m; m = pair.exec(series[2] ?? '')) names.add(m[1]!);
  }
  return out;
}

const written = labelsByFamily(renderKeyExposition(EVERY_KIND, FIXED_NOW));
const exporterMetrics = new ExporterMetrics('0.0.0-test');
/** The labels of a family: as the key exposition writes them, or as prom-client declares them. */
function labelsOf(name: string): Set<string> | undefined {
  const declared = (exporterMetrics.registry.getSingleMetric(name) as { labelNames?: readonly string[] } | undefined)?.labelNames;
  return written.get(name) ?? (declared ? new Set(declared) : undefined);
}
// Owner labels a kind leaves absent: selectors of every kind match on all of them.
const OWNER_LABELS = new Set<string>(Object.values(OWNER_LABEL).filter((l) => l !== undefined));

describe('test/dashboard/metric-contract.json', () => {
  it('lists exactly the families of src/metrics/contract.ts', () => {
    expect(Object.keys(contract.metrics).sort()).toEqual(CONTRACT_FAMILIES.map((f) => f.name).sort());
  });

  it.each(CONTRACT_FAMILIES.map((f) => f.name))('%s: the labels the exporter writes, and owner labels a kind leaves absent', (name) => {
    const labels = labelsOf(name);
    expect(labels, `${name} is neither written for the fixture snapshot nor registered with prom-client`).toBeDefined();
    expect([...labels!].filter((l) => !listed[name]?.labels.includes(l)), 'written but not listed').toEqual([]);
    const mayBeAbsent = (l: string): boolean => written.has(name) && labels!.has('kind') && OWNER_LABELS.has(l);
    expect(listed[name]?.labels.filter((l) => !labels!.has(l) && !mayBeAbsent(l)), 'listed but never written').toEqual([]);
  });
});

interface Use {
  where: string;
  expr: string;
}

const dashboard = JSON.parse(read('grafana/mongodb-apikey-exporter.json')) as Dashboard;
const rules = (parse(read('prometheus/alerts.yaml')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
const uses: Use[] = [
  ...dashboardQueries(dashboard).map((q) => ({ where: `dashboard ${q.panel} / ${q.refId}`, expr: q.expr })),
  ...variableQueries(dashboard, { job: '.+', instance: '.+' }).map((q) => ({ where: `dashboard variable ${q.variable}`, expr: q.expr })),
  ...rules.map((r) => ({ where: `alerts.yaml ${r.alert ?? r.record}`, expr: r.expr })),
];
/** Each metric the dashboard and the rules read, where, and the labels they match it on, each with where. */
const metricsUsed = new Map<string, { where: Set<string>; labels: Map<string, Set<string>> }>();
for (const use of uses) {
  for (const sel of analyze(use.expr).selectors) {
    const entry = metricsUsed.get(sel.metric) ?? { where: new Set<string>(), labels: new Map<string, Set<string>>() };
    metricsUsed.set(sel.metric, entry);
    entry.where.add(use.where);
    for (const { label } of sel.matchers) {
      if (label !== '__name__') entry.labels.set(label, (entry.labels.get(label) ?? new Set<string>()).add(use.where));
    }
  }
}
const external = new Set(Object.keys(contract.external).filter((k) => !k.startsWith('$')));

describe('metrics the dashboard and the alert rules read', () => {
  it('found the queries of both', () => {
    expect(uses.filter((u) => u.where.startsWith('dashboard')).length).toBeGreaterThanOrEqual(30);
    expect(uses.filter((u) => u.where.startsWith('alerts.yaml')).length).toBeGreaterThanOrEqual(10);
  });

  it.each([...metricsUsed].filter(([metric]) => !external.has(metric)))('%s is a family of src/metrics/contract.ts with the labels matched', (metric, use) => {
    const fam = familyOf(metric);
    const family = CONTRACT_FAMILIES.find((f) => f.name === fam?.family);
    expect(family, `read by ${[...use.where].join('; ')}`).toBeDefined();
    const allowed = new Set([...(listed[family!.name]?.labels ?? []), ...(fam?.extraLabels ?? []), ...contract.scrapeLabels]);
    const unknown = [...use.labels].filter(([label]) => !allowed.has(label)).map(([label, where]) => `${label} (${[...where].join('; ')})`);
    expect(unknown, 'labels the family does not carry').toEqual([]);
  });
});
