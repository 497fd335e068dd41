/**
 * Lints grafana/mongodb-apikey-exporter.json: grafana/dashboard-linter's rules (datasource variable,
 * job/instance matchers, $__rate_interval, title/description/unit), layout sanity, and every query
 * parsed with the Prometheus grammar and checked against the metric contract.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allPanels, dashboardQueries, expandVariables, variableQueries, type Dashboard, type Panel, type Variable } from './queries.js';
import { analyze, contract, contractProblems, familyOf } from './promql.js';
import { render } from '../../grafana/dashboard.js';
import { THRESHOLDS } from '../../src/model/thresholds.js';

const dashboardPath = fileURLToPath(new URL('../../grafana/mongodb-apikey-exporter.json', import.meta.url));
const raw = readFileSync(dashboardPath, 'utf8');
const dashboard = JSON.parse(raw) as Dashboard & Record<string, any>;
const variables = (dashboard.templating?.list ?? []) as Variable[];
const variable = (name: string): Variable | undefined => variables.find((v) => v.name === name);
const panels = allPanels(dashboard);
const dataPanels = panels.filter((p) => p.type !== 'row');

// Sentinels: after expansion, a matcher on job must read exactly this value.
const SENTINELS = { job: 'JOB-SENTINEL', instance: 'INSTANCE-SENTINEL', __rate_interval: '7777s' };
const lintQueries = dashboardQueries(dashboard, SENTINELS);
// What Grafana sends with the defaults (All → allValue, thresholds at their defaults).
const defaultQueries = dashboardQueries(dashboard, { __rate_interval: '5m', __range: '24h' });
// A multi-value selection, as Grafana expands it: (a|b), regex metacharacters escaped.
const multiQueries = dashboardQueries(dashboard, {
  job: ['mongodb-apikey-exporter', 'other.job'],
  instance: ['localhost:9947'],
  kind: ['user', 'agent'],
  org: ['5cf2d5946155fc6c070fc6e2', '5efb9a196155fc6c070fc6e3'],
  project: ['5e2211c17a3e5a48f5497de3'],
  user: ['$__all'],
  idle_days: '180',
});

const DATASOURCE_REFS = new Set(['${datasource}', '$datasource']);
const dsUid = (ds: unknown): string | undefined =>
  typeof ds === 'string' ? ds : ((ds as { uid?: string } | undefined)?.uid ?? undefined);
const key = (q: { panel: string; refId: string }): string => `${q.panel} / ${q.refId}`;

describe('dashboard JSON', () => {
  it('is in sync with grafana/dashboard.ts', () => {
    expect(raw, 'run `npm run dashboard` after editing the generator').toBe(render());
  });

  it('has a stable uid, a title, tags, a description, a current schemaVersion and README links', () => {
    expect(dashboard.uid).toBe('mongodb-apikey-exporter');
    expect(dashboard.title).toEqual(expect.any(String));
    expect(dashboard.description).toMatch(/\w+/);
    expect(dashboard.tags).toEqual(expect.arrayContaining(['mongodb']));
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.id ?? null).toBeNull();
    expect(dashboard.editable).toBe(false);
    const links = dashboard.links as { url: string }[];
    expect(links.map((l) => l.url)).toContain('https://github.com/mongodb-apikey-exporter/mongodb-apikey-exporter#dashboard');
  });

  it('is importable: no hard-coded datasource, and the inputs it declares are used', () => {
    const inputs = (dashboard.__inputs ?? []) as { name: string }[];
    for (const input of inputs) expect(raw).toContain(`\${${input.name}}`);
    // Only the datasource variable and Grafana's built-in annotation source may name a datasource.
    const uids = new Set<string>();
    JSON.stringify(dashboard, (k, v) => {
      if (k === 'datasource' && v && typeof v === 'object' && 'uid' in v) uids.add(String((v as { uid: unknown }).uid));
      return v;
    });
    expect([...uids].sort()).toEqual(['${datasource}', '-- Grafana --'].sort());
  });
});

describe('variables (dashboard-linter template rules)', () => {
  it('has exactly one datasource variable named datasource, for Prometheus', () => {
    const ds = variables.filter((v) => v.type === 'datasource');
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ name: 'datasource', label: 'Data Source', query: 'prometheus' });
  });

  it.each(['job', 'instance'])('%s is a multi-select query variable with All = .+', (name) => {
    const v = variable(name);
    expect(v, `variable ${name}`).toBeDefined();
    expect(v).toMatchObject({ type: 'query', label: name, multi: true, includeAll: true, allValue: '.+', refresh: 2 });
    expect(DATASOURCE_REFS.has(dsUid(v?.datasource) ?? '')).toBe(true);
  });

  it('has kind, org, project and user variables; All matches series without the owner label', () => {
    for (const name of ['kind', 'org', 'project', 'user']) {
      expect(variable(name), name).toMatchObject({ type: 'query', multi: true, includeAll: true, refresh: 2 });
      expect(DATASOURCE_REFS.has(dsUid(variable(name)?.datasource) ?? '')).toBe(true);
    }
    expect(variable('project')?.allValue).toBe('.*');
    expect(variable('user')?.allValue).toBe('.*');
    expect(variable('org')?.allValue).toBe('.*');
    const ore = regexFromGrafana(variable('org')?.regex as string);
    expect(ore.exec('{org_id="5cf2",org_name="Acme Platform"} 8 1')?.groups).toMatchObject({ value: '5cf2', text: 'Acme Platform' });
    expect(ore.exec('{org_id="5cf2"} 8 1')?.groups).toMatchObject({ value: '5cf2' });
    // project/user show names: the regex maps query_result lines to value (id) and text (name).
    const line = 'count{project_id="5e22",project_name="Prod"} 3 1700000000000';
    const re = regexFromGrafana(variable('project')?.regex as string);
    expect(re.exec(line)?.groups).toMatchObject({ value: '5e22', text: 'Prod' });
    expect(re.exec('{project_id="5e22"} 1 1')?.groups).toMatchObject({ value: '5e22' });
    const ure = regexFromGrafana(variable('user')?.regex as string);
    expect(ure.exec('{user_id="5af9",username="alice@example.com"} 2 1')?.groups).toMatchObject({ value: '5af9', text: 'alice@example.com' });
  });

  it.each([
    ['idle_days', String(THRESHOLDS.idle.default)],
    ['rotation_days', String(THRESHOLDS.rotation.default)],
    ['never_used_grace_days', String(THRESHOLDS.neverUsed.default)],
    ['expiry_days', String(THRESHOLDS.secretExpiryWarning.default)],
  ])('threshold %s defaults to %s, the alert rule\'s, one of its options', (name, value) => {
    const v = variable(name);
    expect(['constant', 'custom']).toContain(v?.type);
    expect(expandVariables(`$${name}`, dashboard)).toBe(value);
    expect(String(v?.query).split(',')).toContain(value);
  });

  it('has unique names and refreshes query variables on time range change', () => {
    const names = variables.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of variables.filter((v) => v.type === 'query')) expect(v.refresh, v.name).toBe(2);
  });

  it('variable queries parse and use contract metrics only', () => {
    const qs = variableQueries(dashboard, { job: '.+', instance: '.+' });
    expect(qs.map((q) => q.variable)).toEqual(['job', 'instance', 'kind', 'org', 'project', 'user']);
    for (const q of qs) {
      expect(['label_values', 'query_result'], q.variable).toContain(q.fn);
      const a = analyze(q.expr);
      expect(a.errors, `${q.variable}: ${q.expr}`).toEqual([]);
      expect(contractProblems(a), `${q.variable}: ${q.expr}`).toEqual([]);
    }
  });
});

describe('panels (dashboard-linter panel rules)', () => {
  it('has the rows Overview, Keys, Programmatic keys and service accounts, Activity, Recent changes and Exporter health', () => {
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Overview',
      'Keys',
      'Programmatic keys and service accounts',
      'Activity',
      'Recent changes',
      'Exporter health',
    ]);
  });

  it('has unique panel ids and unique titles', () => {
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && (id as number) > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = dataPanels.map((p) => p.title);
    expect(new Set(titles).size, 'panel titles identify queries in dashboardQueries()').toBe(titles.length);
  });

  it('has a sane, non-overlapping grid layout', () => {
    const cells = new Set<string>();
    for (const p of panels) {
      const g = p.gridPos as { x: number; y: number; w: number; h: number };
      expect(g, String(p.title)).toBeDefined();
      expect(g.x >= 0 && g.y >= 0 && g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${p.title}: ${JSON.stringify(g)}`).toBe(true);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const c = `${x},${y}`;
          expect(cells.has(c), `${p.title} overlaps at ${c}`).toBe(false);
          cells.add(c);
        }
      }
    }
  });

  it.each(dataPanels.map((p) => [p.title, p] as const))('%s: title, description, unit, datasource, targets', (_t, p: Panel) => {
    expect(p.title).toMatch(/\w/);
    expect(p.description).toMatch(/\w{3,}/);
    const unit = (p.fieldConfig as { defaults?: { unit?: string } } | undefined)?.defaults?.unit;
    expect(unit, 'fieldConfig.defaults.unit').toMatch(/\w/);
    expect(DATASOURCE_REFS.has(dsUid(p.datasource) ?? ''), 'panel datasource').toBe(true);
    expect(p.targets?.length, 'targets').toBeGreaterThan(0);
    for (const t of p.targets ?? []) {
      expect(DATASOURCE_REFS.has(dsUid(t.datasource) ?? ''), `target ${t.refId} datasource`).toBe(true);
      expect(t.expr, `target ${t.refId}`).toMatch(/\w/);
    }
    const refIds = (p.targets ?? []).map((t) => t.refId);
    expect(new Set(refIds).size).toBe(refIds.length);
  });

  it('table columns renamed by the organize transformation come from existing queries', () => {
    for (const p of dataPanels.filter((p) => p.type === 'table')) {
      const organize = (p.transformations as { id: string; options: any }[]).find((t) => t.id === 'organize');
      const refIds = (p.targets ?? []).map((t) => t.refId);
      for (const field of Object.keys(organize?.options.renameByName ?? {})) {
        const m = /^Value #(\w+)$/.exec(field);
        if (m) expect(refIds, `${p.title}: ${field}`).toContain(m[1]);
        if (field === 'Value') expect(refIds, `${p.title}: single-query tables name their value "Value"`).toHaveLength(1);
      }
      for (const t of p.targets ?? []) expect(t, `${p.title} ${t.refId}`).toMatchObject({ instant: true, format: 'table' });
    }
  });
});

describe('queries (dashboard-linter target rules)', () => {
  it('found the queries', () => {
    expect(lintQueries.length).toBeGreaterThanOrEqual(25);
    expect(lintQueries.length).toBe(defaultQueries.length);
  });

  it.each(lintQueries.map((q) => [key(q), q] as const))('%s', (_k, q) => {
    const a = analyze(q.expr);
    expect(a.errors, q.expr).toEqual([]);
    expect(a.selectors.length, 'reads at least one series').toBeGreaterThan(0);
    for (const sel of a.selectors) {
      const has = (label: string, value: string): boolean => sel.matchers.some((m) => m.label === label && m.op === '=~' && m.value === value);
      expect(has('job', SENTINELS.job), `${sel.text}: job=~"$job"`).toBe(true);
      expect(has('instance', SENTINELS.instance), `${sel.text}: instance=~"$instance"`).toBe(true);
    }
    for (const call of a.rangeCalls) expect(call.range, `${call.fn}() must use $__rate_interval`).toBe(SENTINELS.__rate_interval);
    // dashboard-linter target-counter-agg-rule: counters only through rate()/increase().
    for (const sel of a.selectors.filter((s) => s.metric.endsWith('_total') || s.metric.endsWith('_bucket'))) {
      expect(a.rangeCalls.length, `${sel.metric} without rate()/increase()`).toBeGreaterThan(0);
    }
    expect(contractProblems(a)).toEqual([]);
    // Per-key/per-scope families honour the kind/org/project/user variables. Per-kind counts
    // (shard_scopes, listed_scopes) honour kind only: they have no owner, and an owner matcher would
    // blank them as soon as one organisation is picked.
    for (const sel of a.selectors) {
      const fam = familyOf(sel.metric);
      const labels = sel.matchers.map((m) => m.label);
      if (fam?.spec.labels.includes('user_id')) {
        for (const l of ['kind', 'org_id', 'project_id', 'user_id']) expect(labels, `${sel.text}`).toContain(l);
      } else if (fam?.spec.labels.includes('kind')) {
        expect(labels, `${sel.text}`).toContain('kind');
        for (const l of ['org_id', 'project_id', 'user_id']) expect(labels, `${sel.text}`).not.toContain(l);
      }
    }
  });

  it('every query expands to valid PromQL with default and with multi-value selections', () => {
    for (const q of [...defaultQueries, ...multiQueries]) {
      expect(q.expr, key(q)).not.toMatch(/\$\{?[a-z_]+|\[\[/i);
      expect(analyze(q.expr).errors, `${key(q)}: ${q.expr}`).toEqual([]);
    }
    const overview = multiQueries.find((q) => q.panel === 'Idle keys');
    expect(overview?.expr).toContain('job=~"(mongodb-apikey-exporter|other\\\\.job)"');
    expect(overview?.expr).toContain('instance=~"localhost:9947"');
    expect(overview?.expr).toContain('user_id=~".*"');
    expect(overview?.expr).toContain('180 * 86400');
    expect(overview?.expr).toContain('org_id=~"(5cf2d5946155fc6c070fc6e2|5efb9a196155fc6c070fc6e3)"');
  });

  it('uses every contract metric except the extras it has no panel for', () => {
    const used = new Set(defaultQueries.flatMap((q) => analyze(q.expr).selectors.map((s) => familyOf(s.metric)?.family)));
    expect(Object.keys(contract.metrics).filter((m) => !used.has(m))).toEqual([]);
  });

  it('counts distinct keys by kind and key_id (once when an organisation and a project both list a key)', () => {
    for (const q of defaultQueries.filter((q) => /count\(count by/.test(q.expr))) {
      expect(q.expr, key(q)).toMatch(/count\(count by \(kind, key_id\)/);
    }
  });

  it('joins key panels with mongodb_apikey_info on the full identity (HA-safe)', () => {
    for (const q of defaultQueries.filter((q) => /group_left\([^)]*\)\s*mongodb_apikey_info\{/.test(q.expr))) {
      expect(q.expr, key(q)).toMatch(/on\(job, instance, kind, user_id, project_id, org_id, key_id\) group_left\(/);
    }
  });

  it('has each of the documented panels', () => {
    const titles = dataPanels.map((p) => p.title);
    for (const t of [
      'Keys',
      'Keys by kind',
      'Disabled keys',
      'Never-used keys',
      'Idle keys',
      'Keys due for rotation',
      'Scopes down',
      'API keys',
      'Key usage rate',
      'Keys created in the last 24 h',
      'Scope status',
      'Scope errors by reason',
      'Poll duration',
      'API requests by status code',
      'API request latency',
      'Time since last completed poll',
      'Secrets expiring soon',
      'Expired secrets',
      'Unrestricted keys',
      'Organization owner keys',
      'Idle organization owner keys',
      'Never-used programmatic keys',
      'Service-account secrets',
      'Programmatic keys',
      'Key roles',
      'Discovery status',
      'API rate limit remaining',
      'Shards',
      'Shard coverage',
      'Scopes polled vs listed',
      'Scopes per shard',
      'Access lists opened to any address',
      'Organizations not requiring access lists',
      'Trails with a key change in the last hour',
      'Event trails down',
      'Newest event per type',
      'Event trails',
    ]) {
      expect(titles).toContain(t);
    }
  });
});

describe('sharding: queries aggregate across shards', () => {
  const query = (panel: string, refId = 'A'): string => defaultQueries.find((q) => q.panel === panel && q.refId === refId)!.expr;
  const inExporterHealth = (title: string): boolean => {
    const rows = panels.filter((p) => p.type === 'row');
    const health = rows.find((r) => r.title === 'Exporter health')!;
    const y = (p: Panel): number => (p.gridPos as { y: number }).y;
    return y(dataPanels.find((p) => p.title === title)!) > y(health);
  };

  it('has the Shards panels in Exporter health', () => {
    for (const title of ['Shards', 'Shard coverage', 'Scopes polled vs listed', 'Scopes per shard']) expect(inExporterHealth(title), title).toBe(true);
  });

  it('Shards counts the replicas by the shard count they run with', () => {
    expect(query('Shards')).toBe('count by (count) (mongodb_apikey_shard_info{job=~".+", instance=~".+"})');
  });

  it('coverage: the sum of the shards\' scopes over the max of the listed ones, per deployment and kind, 0 polled when no shard reports a kind', () => {
    const listed = 'max by (job, namespace, kind) (mongodb_apikey_listed_scopes{job=~".+", instance=~".+", kind=~".+"})';
    const polled = `(sum by (job, namespace, kind) (mongodb_apikey_shard_scopes{job=~".+", instance=~".+", kind=~".+"}) or 0 * ${listed})`;
    expect(query('Shard coverage')).toBe(`${polled} / ${listed}`);
    expect(query('Scopes polled vs listed', 'A')).toBe(polled);
    expect(query('Scopes polled vs listed', 'B')).toBe(listed);
    // Never grouped by what differs between the shards of one deployment.
    for (const q of [query('Shard coverage'), query('Scopes polled vs listed', 'A'), query('Scopes polled vs listed', 'B')]) {
      expect(analyze(q).groupingLabels).not.toContain('instance');
      expect(analyze(q).groupingLabels).not.toContain('pod');
    }
  });

  it('exporter-health panels about one replica stay per instance (per shard)', () => {
    for (const [panel, refId] of [
      ['Poll duration', 'A'],
      ['Poll duration', 'B'],
      ['Poll duration', 'C'],
    ] as const) {
      expect(query(panel, refId)).toMatch(/by \(job, instance(, le)?\)/);
    }
    expect(query('Time since last completed poll')).not.toMatch(/\b(sum|max|min|avg|count)\b/);
    expect(query('Scopes per shard')).toMatch(/\* on\(job, instance\) group_left\(index\) mongodb_apikey_shard_info\{/);
  });

  it('counts of keys and scopes add up across shards (their series are disjoint): no instance in their grouping', () => {
    for (const panel of ['Keys', 'Keys by kind', 'Disabled keys', 'Never-used keys', 'Idle keys', 'Keys due for rotation', 'Scopes down', 'Scope errors by reason', 'API requests by status code']) {
      // instance appears only in on(...) joins of a key's series with its own info, on the shard that polls it.
      const byClauses = [...query(panel).matchAll(/\b(?:by|without) \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(/,\s*/));
      expect(byClauses, panel).not.toContain('instance');
    }
  });
});

describe('dashboardQueries()', () => {
  const d: Dashboard = {
    templating: {
      list: [
        { type: 'query', name: 'job', multi: true, includeAll: true, allValue: '.+', current: { value: ['$__all'] } },
        { type: 'query', name: 'project', multi: true, includeAll: true, allValue: '.*', current: { value: ['a'] } },
        { type: 'custom', name: 'days', query: '30,90', current: { value: '90' } },
        { type: 'constant', name: 'c', query: '7' },
      ],
    },
    panels: [
      {
        type: 'row',
        title: 'r',
        panels: [
          {
            title: 'p',
            targets: [
              { refId: 'A', expr: 'rate(x{job=~"$job", project_id=~"${project}"}[$__rate_interval]) > $days * [[c]]', instant: true },
              { refId: 'B', expr: 'label_replace(y, "a", "$1", "b", "(.*)") > $__range_s', hide: true },
              { refId: 'C', expr: 'z[$__range] offset $__interval' },
            ],
          },
        ],
      },
    ],
  };

  it('uses the dashboard defaults: All → allValue, current values, built-in defaults', () => {
    expect(dashboardQueries(d)).toEqual([
      { panel: 'p', refId: 'A', expr: 'rate(x{job=~".+", project_id=~"a"}[5m]) > 90 * 7', instant: true },
      { panel: 'p', refId: 'C', expr: 'z[1h] offset 1m', instant: false },
    ]);
  });

  it('expands multi-value selections to an escaped alternation and accepts built-ins', () => {
    const [a, c] = dashboardQueries(d, { job: ['a.b', 'c'], project: '$__all', days: '30', __rate_interval: '2m', __range: '6h', __interval: '30s' });
    expect(a?.expr).toBe('rate(x{job=~"(a\\\\.b|c)", project_id=~".*"}[2m]) > 30 * 7');
    expect(c?.expr).toBe('z[6h] offset 30s');
  });

  it('derives $__range_s and leaves unknown $names such as $1 alone', () => {
    expect(expandVariables('label_replace(y, "a", "$1", "b", "(.*)") > $__range_s', d, { __range: '1h30m' })).toBe(
      'label_replace(y, "a", "$1", "b", "(.*)") > 5400',
    );
  });
});

/** Grafana variable regexes are written /…/flags. */
function regexFromGrafana(s: string): RegExp {
  const m = /^\/(.*)\/([gimsuy]*)$/s.exec(s);
  if (!m) throw new Error(`not a /regex/: ${s}`);
  return new RegExp(m[1] as string, m[2]);
}
