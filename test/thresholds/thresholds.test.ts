/**
 * src/model/thresholds.ts against every other place that states a threshold: the rules of
 * prometheus/alerts.yaml and the table at their top, the Helm chart's values and schema, the audit
 * page's defaults, the runbooks and the README's alert table. A threshold changed in one place and not in the module fails here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_THRESHOLDS } from '../../src/audit/risk.js';
import { ruleText, THRESHOLDS, type RuleText, type Threshold } from '../../src/model/thresholds.js';

const repo = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  annotations?: Record<string, string>;
}
const rulesText = repo('prometheus/alerts.yaml');
const alerts = (parse(rulesText) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const header = rulesText.slice(0, rulesText.indexOf('\ngroups:'));

const thresholds = Object.entries(THRESHOLDS as Record<string, Threshold>);
const sites = thresholds.flatMap(([name, threshold]) => threshold.rules.map((site) => ({ name, threshold, site })));
const alertsOf = (threshold: Threshold): string[] => [...new Set(threshold.rules.map((site) => site.alert))];
const fieldOf = (rule: Rule, field: RuleText['field']): string =>
  String((field === 'summary' || field === 'description' ? rule.annotations?.[field] : rule[field]) ?? '');
const occurrences = (text: string, part: string): number => text.split(part).length - 1;
/** The numbers N of every `N * 86400` in a text. */
const daysIn = (text: string): number[] => [...text.matchAll(/(\d+) \* 86400/g)].map((m) => Number(m[1]));
/** The defaults of the thresholds in days that an alert's rule writes. */
const daysOf = (alert: string): number[] =>
  thresholds.flatMap(([, t]) => (t.unit === 'days' && t.rules.some((site) => site.alert === alert) ? [t.default] : []));

/** The value as the runbooks write it in their expressions. */
const inPromQL = (threshold: Threshold): string =>
  threshold.unit === 'days' ? `${threshold.default} * 86400` : threshold.unit === 'seconds' ? `> ${threshold.default}` : `for: ${threshold.default}`;
/** The value as the README's alert table says it. */
function inWords(threshold: Threshold): RegExp {
  if (threshold.unit === 'days') return new RegExp(`\\b${threshold.default} days?\\b|within ${threshold.default}\\)`);
  const minutes = threshold.unit === 'duration' ? Number(/^(\d+)m$/.exec(threshold.default)?.[1]) : threshold.default / 60;
  return new RegExp(`\\b${minutes} minutes\\b`);
}

describe('prometheus/alerts.yaml', () => {
  it.each(sites.map(({ name, threshold, site }) => [name, site.alert, site.field, ruleText(threshold, site), threshold, site] as const))(
    '%s: %s %s reads "%s", once',
    (_name, alert, field, literal, threshold, site) => {
      const rule = alerts.find((r) => r.alert === alert);
      expect(rule, alert).toBeDefined();
      expect(occurrences(fieldOf(rule!, field), literal), fieldOf(rule!, field)).toBe(1);
      // Another value is written in the one place the text keeps for it.
      expect(occurrences(site.text, '{}')).toBe(1);
      expect(ruleText(threshold, site, 12_345)).toBe(site.text.replace('{}', '12345'));
    },
  );

  it.each(alerts.map((rule) => [rule.alert, rule] as const))('%s states no number of days the module does not list', (alert, rule) => {
    const fields = { expr: rule.expr, summary: rule.annotations?.summary ?? '', description: rule.annotations?.description ?? '' };
    for (const { threshold, site } of sites.filter((s) => s.site.alert === alert && s.site.field in fields)) {
      const field = site.field as keyof typeof fields;
      fields[field] = fields[field].replace(ruleText(threshold, site), '');
    }
    expect(fields.expr).not.toMatch(/\d+ \* 86400/);
    expect(fields.summary).not.toMatch(/\d+ days?\b/);
    expect(fields.description).not.toMatch(/\d+ days?\b/);
  });

  it.each(thresholds.flatMap(([name, threshold]) => alertsOf(threshold).map((alert) => [name, alert, String(threshold.default)] as const)))(
    'the table at the top gives %s on the line of %s: %s',
    (_name, alert, value) => {
      const line = header.split('\n').find((l) => new RegExp(`^#\\s+${alert}\\s`).test(l));
      expect(line, alert).toBeDefined();
      expect(line).toMatch(new RegExp(`(^|[^\\w])${value}([^\\w]|$)`));
      for (const days of daysIn(line!)) expect(daysOf(alert), line).toContain(days);
    },
  );
});

describe('Helm chart', () => {
  const chart = 'helm/mongodb-apikey-exporter';
  const tunable = thresholds.filter(([, t]) => t.chartValue !== undefined);
  const values = (parse(repo(`${chart}/values.yaml`)) as { prometheusRule: { thresholds: Record<string, unknown> } }).prometheusRule.thresholds;
  const schema = (JSON.parse(repo(`${chart}/values.schema.json`)) as { properties: { prometheusRule: { properties: { thresholds: { properties: Record<string, { type: string }> } } } } })
    .properties.prometheusRule.properties.thresholds.properties;

  it('values.yaml holds the default of every threshold the chart can change, and nothing else', () => {
    expect(values).toEqual(Object.fromEntries(tunable.map(([, t]) => [t.chartValue, t.default])));
  });

  it('values.schema.json types every threshold of values.yaml', () => {
    expect(Object.keys(schema).sort()).toEqual(tunable.map(([, t]) => t.chartValue).sort());
    for (const [, t] of tunable) expect(schema[t.chartValue!]?.type, t.chartValue).toBe(t.unit === 'duration' ? 'string' : 'integer');
  });

  it.each(tunable.filter(([, t]) => t.below !== undefined))('%s stays below the threshold it names, which the chart can change too', (_name, t) => {
    const upper = (THRESHOLDS as Record<string, Threshold>)[t.below!];
    expect(upper?.chartValue).toBeDefined();
    expect(t.default < upper!.default).toBe(true);
  });
});

it("the audit page's defaults are the alert rules'", () => {
  expect(DEFAULT_THRESHOLDS).toEqual({
    idleDays: THRESHOLDS.idle.default,
    expiringDays: THRESHOLDS.secretExpiryWarning.default,
    neverUsedDays: THRESHOLDS.neverUsed.default,
  });
});

describe('docs', () => {
  const readme = repo('README.md');

  it.each(thresholds.flatMap(([name, threshold]) => alertsOf(threshold).map((alert) => [alert, inPromQL(threshold), name] as const)))(
    'docs/runbooks/%s.md writes %s (%s)',
    (alert, written) => {
      const runbook = repo(`docs/runbooks/${alert}.md`);
      expect(runbook).toContain(written);
      // A runbook may name another alert's threshold, never a number of days the module does not hold.
      const days = new Set(thresholds.flatMap(([, t]) => (t.unit === 'days' ? [t.default] : [])));
      for (const n of daysIn(runbook)) expect([...days], `${n} * 86400`).toContain(n);
    },
  );

  it.each(thresholds.flatMap(([name, threshold]) => alertsOf(threshold).map((alert) => [alert, name, threshold] as const)))(
    "the README's row of %s says %s's default",
    (alert, _name, threshold) => {
      const row = readme.split('\n').find((line) => line.startsWith(`| [${alert}](docs/runbooks/${alert}.md) |`));
      expect(row, alert).toBeDefined();
      expect(row).toMatch(inWords(threshold));
    },
  );
});
