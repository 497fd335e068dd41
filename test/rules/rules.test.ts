/**
 * prometheus/alerts.yaml, its promtool tests and the example prometheus.yml: runs the real promtool,
 * then checks every alert statically (PromQL grammar, metric contract, labels, annotations, runbooks).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { analyze, contractProblems, familyOf } from '../dashboard/promql.js';

const dir = fileURLToPath(new URL('../../prometheus/', import.meta.url));
const rulesText = readFileSync(`${dir}alerts.yaml`, 'utf8');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const groups = (parse(rulesText) as { groups: { name: string; rules: Rule[] }[] }).groups;
const alerts = groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => typeof r.alert === 'string');

interface RuleTest {
  alert_rule_test?: { alertname: string; eval_time: string; exp_alerts?: unknown[] }[];
}
const ruleTests = (parse(readFileSync(`${dir}alerts.test.yaml`, 'utf8')) as { tests: RuleTest[] }).tests;

const RUNBOOKS = 'https://github.com/mongodb-apikey-exporter/mongodb-apikey-exporter/blob/main/docs/runbooks/';
const IDENTITY_JOIN = /on\(job, instance, kind, user_id, project_id, org_id, key_id\)\s+group_left\(description, key_suffix, username, project_name[,)]/;

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool not found on PATH: install Prometheus (Debian/Ubuntu: apt-get install prometheus) to test the alert rules');
  }
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('promtool', () => {
  it('check rules prometheus/alerts.yaml', () => {
    const r = promtool('check', 'rules', 'alerts.yaml');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('test rules prometheus/alerts.test.yaml', () => {
    const r = promtool('test', 'rules', 'alerts.test.yaml');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('SUCCESS');
  });

  it('check config prometheus/prometheus.yml', () => {
    const r = promtool('check', 'config', 'prometheus.yml');
    expect(r.status, r.output).toBe(0);
    const config = parse(readFileSync(`${dir}prometheus.yml`, 'utf8')) as any;
    expect(config.rule_files).toContain('alerts.yaml');
    const job = config.scrape_configs.find((j: any) => j.static_configs?.some((s: any) => s.targets.includes('localhost:9947')));
    expect(job, 'a scrape job for localhost:9947').toBeDefined();
  });
});

describe('alert rules', () => {
  it('has every alert, each uniquely named MongoDBApiKey…', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^MongoDBApiKey[A-Z][A-Za-z]+$/);
    expect(names).toEqual(
      expect.arrayContaining([
        'MongoDBApiKeyIdle',
        'MongoDBApiKeyNeverUsed',
        'MongoDBApiKeyRotationDue',
        'MongoDBApiKeyCreated',
        'MongoDBApiKeyDisabled',
        'MongoDBApiKeyScopeDown',
        'MongoDBApiKeyExporterNoRecentPoll',
        'MongoDBApiKeyExporterDown',
        'MongoDBApiKeyExporterAbsent',
        'MongoDBApiKeyScopeErrors',
        'MongoDBApiKeyRateLimited',
        'MongoDBApiKeySecretExpiringSoon',
        'MongoDBApiKeySecretExpiringVerySoon',
        'MongoDBApiKeySecretExpired',
        'MongoDBApiKeyUnrestricted',
        'MongoDBApiKeyOrgOwnerIdle',
      ]),
    );
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s', (name, a) => {
    const analysis = analyze(a.expr);
    expect(analysis.errors, a.expr).toEqual([]);
    expect(contractProblems(analysis), a.expr).toEqual([]);
    expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
    for (const k of ['summary', 'description', 'runbook_url']) expect(a.annotations?.[k], k).toMatch(/\S/);
    expect(a.annotations?.runbook_url).toBe(`${RUNBOOKS}${name}.md`);
    if (a.for !== undefined) expect(a.for).toMatch(/^(\d+[smhd])+$/);
    // Alerts about one key name the key and its owner through mongodb_apikey_info.
    const perKey = analysis.selectors.some((s) => familyOf(s.metric)?.spec.labels.includes('key_id'));
    if (perKey) {
      expect(a.expr).toMatch(IDENTITY_JOIN);
      for (const k of ['summary', 'description'] as const) {
        expect(a.annotations?.[k], k).toContain('$labels.description');
        expect(a.annotations?.[k], k).toContain('$labels.key_suffix');
      }
      expect(a.annotations?.description).toMatch(/\$labels\.username/);
      expect(a.annotations?.description).toMatch(/\$labels\.project_name/);
      expect(a.annotations?.description).toMatch(/\$labels\.org_name/);
      expect(a.expr).toMatch(/group_left\([^)]*\borg_name\b/);
      // Service-account alerts name the account; programmatic-key alerts the public key.
      if (a.expr.includes('mongodb_apikey_expires_in_seconds')) {
        for (const k of ['summary', 'description'] as const) expect(a.annotations?.[k], k).toContain('$labels.account_name');
        expect(a.expr).toMatch(/group_left\([^)]*\baccount_name\b[^)]*\bclient_id\b/);
      }
      if (a.expr.includes('kind="programmatic"') || a.expr.includes('mongodb_apikey_unrestricted')) {
        expect(a.annotations?.description).toContain('$labels.public_key');
        expect(a.expr).toMatch(/group_left\([^)]*\bpublic_key\b/);
      }
    }
    // Thresholds are documented at the top of the file.
    const header = rulesText.slice(0, rulesText.indexOf('groups:'));
    expect(header).toContain(name);
  });

  it.each(alerts.map((a) => [a.alert] as const))('%s has a firing and a not-firing promtool case', (name) => {
    const cases = ruleTests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === name);
    expect(cases.some((c) => (c.exp_alerts ?? []).length > 0), 'firing case').toBe(true);
    expect(cases.some((c) => (c.exp_alerts ?? []).length === 0), 'not-firing case').toBe(true);
  });
});
