/**
 * Proof against a real Prometheus. The simulator (in process) serves a known data set, the built
 * exporter polls it as a child process, and Debian's prometheus scrapes the exporter every second
 * with prometheus/alerts.yaml loaded. Then every query of grafana/mongodb-apikey-exporter.json
 * (variables expanded as Grafana expands them), every variable query and every alert expression
 * runs through Prometheus' HTTP API, and each answer is compared with what the data set's raw
 * documents imply (test/e2e/expected.ts), not merely checked for being non-empty.
 *
 * The scene, set up once (about 25 s):
 * - 3 users × 8 personal keys and 4 projects × 3 agent keys (seed 42), plus a personal key created
 *   10 minutes ago and an agent key created 2 minutes ago (MongoDBApiKeyCreated fires);
 * - 2 organisations (2 projects each) read through `organizations:` (both credentials of each: a
 *   programmatic key and a service account, discover + includeProjects): 4 programmatic keys per
 *   organisation and 1 per project (access lists of every profile: restricted, 0.0.0.0/0, ::/0,
 *   empty, never used), 2 service accounts per organisation with 2 secrets each (valid, expired,
 *   expiring within 3 and 14 days, never used), plus two ORG_OWNER keys of the first organisation:
 *   one last used 200 days ago, one never used (MongoDBApiKeyOrgOwnerIdle);
 * - after Prometheus has seen the first, clean scrape: project DOWN answers 503 from then on (its
 *   agent, programmatic and service-account scopes keep their keys, scope_up 0: "Scopes down",
 *   MongoDBApiKeyScopeDown, and the kept values); user FLAKY answers 500 three times, then recovers
 *   (MongoDBApiKeyScopeErrors; a user, because a project fault would be shared by its three
 *   scopes); user LIMITED answers 429 twice, then recovers (MongoDBApiKeyRateLimited); one personal
 *   key is used 600 more times (Key usage rate).
 * Only panels whose value is a timing (poll duration, request rates and latency, time since the
 * last poll) are checked for their series and a sane range instead of exact values.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  exporterConfigFor,
  generateDataset,
  isoSeconds,
  organizationsConfigFor,
  redactPrivateKey,
  startSimulator,
  DEFAULT_RATE_LIMIT,
  type Dataset,
  type Simulator,
} from '../../src/simulator/index.js';
import { EVENT_TYPES } from '../../src/model/event.js';
import { REASONS } from '../../src/model/reason.js';
import { credentialIdOf } from '../../src/model/scope.js';
import { THRESHOLDS } from '../../src/model/thresholds.js';
import { allPanels, dashboardQueries, durationMs, variableQueries, type Dashboard, type DashboardQuery } from '../dashboard/queries.js';
import { parseMetrics, select, type Sample } from '../helpers/metrics.js';
import { freePort, MAIN, spawnExporter, stopExporter, waitForStatus, type Exporter } from '../helpers/process.js';
import {
  DAY,
  ageAt,
  expectedTrails,
  expectedKeys,
  expiresInAt,
  idleAt,
  joinedLabels,
  keyIdentity,
  selections,
  seriesIdentity,
  type ExpectedEntry,
  type ExpectedKey,
  type ExpectedTrail,
} from './expected.js';
import { until as waitUntil } from './until.js';
import { startPrometheus, type Prometheus, type Series } from './prometheus-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ALERTS_FILE = join(root, 'prometheus/alerts.yaml');
const dashboard = JSON.parse(readFileSync(join(root, 'grafana/mongodb-apikey-exporter.json'), 'utf8')) as Dashboard;

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
}
const ruleGroups = (parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] }).groups;
const alertRules = ruleGroups.flatMap((group) => group.rules);

const JOB = 'mongodb-apikey-exporter';
const SCRAPE = '1s';
const POLL_INTERVAL_S = 2;
/** $__rate_interval for panels without a minimum interval: 15 s of 1 s scrapes. */
const RATE_INTERVAL = '15s';
/** How old "recent" may be at T: a poll interval, a scrape, and room for a loaded CI machine. */
const SLACK_S = 3 * POLL_INTERVAL_S + 4;

// The scene's actors, picked from the generated data set.
const dataset: Dataset = generateDataset({
  seed: 42,
  users: 3,
  keysPerUser: 8,
  projects: 4,
  keysPerProject: 3,
  orgs: 2,
  programmaticKeysPerOrg: 4,
  programmaticKeysPerProject: 1,
  serviceAccountsPerOrg: 2,
  secretsPerServiceAccount: 2,
  assignedServiceAccountsPerProject: 1,
});
const orgs = dataset.orgs!;
const DOWN = dataset.projects[3]!.id;
const FLAKY = dataset.users[1]!.id;
const LIMITED = dataset.users[2]!.id;
const BUMPED = dataset.users[0]!.keys.find((key) => (key['usedCount'] as number) > 0 && key['enabled'] === true)!;
const BUMP = 600;

let sim: Simulator | undefined;
let exporter: Exporter | undefined;
let prometheus: Prometheus | undefined;
let folder: string | undefined;
let instance = '';
let exporterUrl = '';
/** Unix seconds. */
let exporterStartedAt = 0;
let secretFile: { credential: string; field: string } = { credential: '', field: '' };
let faultsSetAt = 0;
/** The instant every query is evaluated at, Unix seconds. */
let T = 0;
let keys: ExpectedKey[] = [];
/** The event trails the data set implies at T (the default 90-day lookback). */
let trails: ExpectedTrail[] = [];
/** The exporter's own /metrics, read right before T. */
let exporterSamples: Sample[] = [];

const logs = () => `exporter stderr:\n${exporter?.stderr().slice(-3000) ?? ''}\nprometheus log:\n${prometheus?.log().slice(-3000) ?? ''}`;
const until = async (what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  await waitUntil(what, condition, timeoutMs, logs);
};

const one = async (expr: string): Promise<number | undefined> => (await prometheus!.query(expr))[0]?.value;

beforeAll(async () => {
  try {
    readFileSync(MAIN);
  } catch {
    throw new Error(`${MAIN} is missing: build first (npx tsc -p tsconfig.build.json, or npm test)`);
  }
  const now = Date.now();
  // Two keys created minutes ago: MongoDBApiKeyCreated has something to fire for.
  const user1 = dataset.users[1]!;
  user1.keys.push({
    id: '65e2e0000000000000000001',
    userId: user1.id,
    description: 'E2E fresh personal key',
    enabled: true,
    usedCount: 0,
    createdAt: isoSeconds(now - 10 * 60_000),
    obfuscatedKey: '********-****-****-00000000e2e1',
  });
  dataset.projects[0]!.agentKeys.push({
    _id: '65e2e0000000000000000002',
    createdBy: 'USER',
    createdIpAddr: '203.0.113.77',
    createdTime: now - 2 * 60_000,
    createdUserId: '65e2e00000000000000000ff',
    desc: 'E2E fresh agent key',
    key: '****************************e2e2',
  });
  // Two organisation owners of the first organisation: one idle for 200 days, one never used.
  const org0 = orgs[0]!;
  const ownerKey = (id: string, publicKey: string, desc: string, secretTail: string) => ({
    desc,
    id,
    privateKey: redactPrivateKey(`00000000-0000-0000-0000-${secretTail}`),
    publicKey,
    roles: [{ orgId: org0.id, roleName: 'ORG_OWNER' }],
  });
  org0.programmaticKeys.push(ownerKey('65e2e0000000000000000003', 'eeeidlea', 'E2E idle org owner', '00000000e2e3'));
  org0.accessLists['65e2e0000000000000000003'] = [
    { cidrBlock: '198.51.100.7/32', ipAddress: '198.51.100.7', count: 12, created: isoSeconds(now - 400 * DAY * 1000), lastUsed: isoSeconds(now - 200 * DAY * 1000), lastUsedAddress: '198.51.100.7' },
  ];
  org0.programmaticKeys.push(ownerKey('65e2e0000000000000000004', 'eeenever', 'E2E never-used org owner', '00000000e2e4'));
  org0.accessLists['65e2e0000000000000000004'] = [{ cidrBlock: '198.51.100.8/32', ipAddress: '198.51.100.8', created: isoSeconds(now - 30 * DAY * 1000) }];

  sim = await startSimulator({ dataset });
  folder = await mkdtemp(join(tmpdir(), 'apikey-e2e-'));
  const config = exporterConfigFor(sim, { interval: `${POLL_INTERVAL_S}s` }) as { poll: Record<string, unknown> };
  // One request per scope per cycle: each injected failure is exactly one scope error.
  Object.assign(config.poll, { timeout: `${POLL_INTERVAL_S}s`, retries: 0, staleAfter: '15m' });
  const organizations = organizationsConfigFor(sim) as Record<string, unknown>[];
  // One secret from a file, for the Secret files panel.
  const fromFile = organizations.find((entry) => typeof entry['privateKey'] === 'string')!;
  await writeFile(join(folder, 'org-private-key'), String(fromFile['privateKey']), { mode: 0o600 });
  delete fromFile['privateKey'];
  fromFile['privateKeyFile'] = join(folder, 'org-private-key');
  secretFile = { credential: credentialIdOf(String(fromFile['publicKey']), String(fromFile['baseUrl'] ?? sim.url)), field: 'privateKey' };
  (config as Record<string, unknown>)['organizations'] = organizations;
  const configFile = join(folder, 'config.yaml');
  await writeFile(configFile, stringify(config), { mode: 0o600 });
  const port = await freePort();
  instance = `127.0.0.1:${port}`;
  exporterUrl = `http://${instance}`;
  exporterStartedAt = Date.now() / 1000;
  exporter = spawnExporter([`--config.file=${configFile}`, `--web.listen-address=${instance}`]);
  await waitForStatus(`${exporterUrl}/readyz`, 200, 20_000);

  prometheus = await startPrometheus({ targets: [instance], job: JOB, ruleFiles: [ALERTS_FILE], interval: SCRAPE });
  const promStartedAt = Date.now();
  const scopeCount = scopes().length;
  // Every scope, and every error counter at 0, before anything fails.
  await until(
    'the first scrape',
    async () =>
      (await one('count(mongodb_apikey_scope_up == 1)')) === scopeCount &&
      (await one('count(mongodb_apikey_scope_errors_total == 0)')) === scopeCount * REASONS.length,
    20_000,
  );

  faultsSetAt = Date.now() / 1000;
  sim.setFault(DOWN, { type: 'status', status: 503 });
  sim.setFault(FLAKY, { fault: { type: 'status', status: 500 }, times: 3 });
  sim.setFault(LIMITED, { fault: { type: 'status', status: 429 }, times: 2 });
  BUMPED['usedCount'] = (BUMPED['usedCount'] as number) + BUMP;
  BUMPED['lastUsed'] = isoSeconds(Date.now());

  await until(
    'the faults to play out in Prometheus',
    async () => {
      const [flaky, limited, up, uses, alerts] = await Promise.all([
        one(`mongodb_apikey_scope_errors_total{user_id="${FLAKY}", reason="server_error"}`),
        one(`mongodb_apikey_scope_errors_total{user_id="${LIMITED}", reason="rate_limited"}`),
        prometheus!.query('mongodb_apikey_scope_up'),
        one(`mongodb_apikey_uses{key_id="${String(BUMPED['id'])}"}`),
        prometheus!.alerts(),
      ]);
      const firing = new Set(alerts.filter((a) => a.state === 'firing').map((a) => a.labels['alertname']));
      return (
        flaky === 3 &&
        limited === 2 &&
        up.every((s) => s.value === (s.metric['project_id'] === DOWN ? 0 : 1)) &&
        uses === BUMPED['usedCount'] &&
        firing.has('MongoDBApiKeyScopeErrors') &&
        firing.has('MongoDBApiKeyRateLimited') &&
        // Full rate windows, and every rule evaluated at least a few times.
        Date.now() - promStartedAt >= 20_000
      );
    },
    60_000,
  );
  exporterSamples = parseMetrics(await (await fetch(`${exporterUrl}/metrics`)).text());
  T = Date.now() / 1000;
  keys = expectedKeys(dataset);
  trails = expectedTrails(dataset, T, 90 * DAY, EVENT_TYPES);
}, 110_000);

afterAll(async () => {
  await prometheus?.close();
  await stopExporter(exporter);
  await sim?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------ helpers

const target = () => ({ job: JOB, instance });
const byIdentity = (a: Record<string, string>, b: Record<string, string>) => seriesIdentity(a).localeCompare(seriesIdentity(b));
const sortedLabels = (labels: Record<string, string>[]) => [...labels].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
type Extra = Parameters<typeof joinedLabels>[2];
/** The info labels the dashboard's key panels join. */
const INFO: Extra = ['description', 'key_suffix', 'owner_name', 'account_name', 'public_key'];
/** The info labels the existing per-key alerts join. */
const ALERT_INFO: Extra = ['description', 'key_suffix', 'owner_name', 'account_name'];
/** Service-account panels and alerts. */
const SA_INFO: Extra = ['description', 'key_suffix', 'owner_name', 'account_name', 'client_id'];
/** Programmatic-key panels and alerts. */
const PK_INFO: Extra = ['description', 'key_suffix', 'owner_name', 'public_key'];

/**
 * A per-key result: exactly `expected`'s keys (same identity set, then the same full label sets),
 * and each value within `tolerance` of `value(key)`.
 */
function expectKeys(result: Series[], expected: readonly ExpectedKey[], extra: Extra, value?: (key: ExpectedKey) => number, tolerance = 0): void {
  expect(result.map((s) => seriesIdentity(s.metric)).sort(), 'key identities').toEqual(expected.map(keyIdentity).sort());
  expect(result.map((s) => s.metric).sort(byIdentity), 'labels').toEqual(expected.map((k) => joinedLabels(k, target(), extra)).sort(byIdentity));
  if (!value) return;
  const byId = new Map(result.map((s) => [seriesIdentity(s.metric), s.value]));
  for (const key of expected) {
    const actual = byId.get(keyIdentity(key)) as number;
    const want = value(key);
    expect(Math.abs(actual - want), `${keyIdentity(key)} (${key.description}): ${actual} vs ${want}`).toBeLessThanOrEqual(tolerance);
  }
}

const ENTRY_INFO: Extra = ['description', 'key_suffix', 'owner_name', 'account_name', 'public_key'];

/**
 * A per-entry result: one series per shown entry that has `has`, labelled as the key joined with
 * `extra` info labels, the entry and its last address, valued `value`.
 */
function expectEntries(result: Series[], has: (entry: ExpectedEntry) => unknown, value: (entry: ExpectedEntry) => number, extra: Extra = ENTRY_INFO): void {
  const want = keys.flatMap((key) =>
    (key.entries ?? [])
      .filter((entry) => has(entry) !== undefined)
      .map((entry) => ({ labels: { ...joinedLabels(key, target(), extra), entry: entry.entry, ...(entry.lastUsedAddress ? { last_used_address: entry.lastUsedAddress } : {}) }, value: value(entry) })),
  );
  expect(want.length, 'entries in the data set').toBeGreaterThan(0);
  const json = (labels: Record<string, string>) => JSON.stringify(sortedKeys(labels));
  expect(result.map((s) => json(s.metric)).sort()).toEqual(want.map((w) => json(w.labels)).sort());
  const byLabels = new Map(result.map((s) => [json(s.metric), s.value]));
  for (const w of want) expect(byLabels.get(json(w.labels)), json(w.labels)).toBeCloseTo(w.value, 3);
}

/** A result of one series without labels (a count or a `vector(0)`). */
function expectScalar(result: Series[], value: number): void {
  expect(result.map((s) => s.metric)).toEqual([{}]);
  expect(result[0]?.value).toBe(value);
}

/** `count by (kind)` results. */
function expectByKind(result: Series[], selected: readonly ExpectedKey[]): void {
  const want: Record<string, number> = {};
  for (const key of selected) want[key.kind] = (want[key.kind] ?? 0) + 1;
  expect(Object.fromEntries(result.map((s) => [s.metric['kind'], s.value]))).toEqual(want);
  expect(result.every((s) => Object.keys(s.metric).join() === 'kind')).toBe(true);
}

interface ExpectedScope {
  labels: Record<string, string>;
  kind: string;
  id: string;
}
/**
 * Every scope of the data set: users, agent projects, and per organisation the programmatic and
 * service-account scopes of the organisation and (includeProjects) of each of its projects.
 */
function scopes(): ExpectedScope[] {
  const scope = (kind: string, label: string, id: string): ExpectedScope => ({ labels: { ...target(), kind, [label]: id }, kind, id });
  return [
    ...dataset.users.map((u) => scope('user', 'user_id', u.id)),
    ...dataset.projects.map((p) => scope('agent', 'project_id', p.id)),
    ...['programmatic', 'service_account'].flatMap((kind) => [
      ...orgs.map((o) => scope(kind, 'org_id', o.id)),
      ...orgs.flatMap((o) => o.projectIds).map((id) => scope(kind, 'project_id', id)),
    ]),
  ];
}
const scopeKey = (kind: string, id: string) => `${kind}/${id}`;
function expectScopes(result: Series[], value: (scope: ExpectedScope) => number | [number, number], name?: string): void {
  const want = scopes();
  expect(sortedLabels(result.map((s) => s.metric))).toEqual(sortedLabels(want.map((w) => (name ? { __name__: name, ...w.labels } : w.labels))));
  const byScope = new Map(result.map((s) => [scopeKey(s.metric['kind']!, s.metric['user_id'] ?? s.metric['project_id'] ?? s.metric['org_id']!), s.value]));
  for (const scope of want) {
    const { id } = scope;
    const actual = byScope.get(scopeKey(scope.kind, id))!;
    const v = value(scope);
    if (Array.isArray(v)) {
      expect(actual, id).toBeGreaterThanOrEqual(v[0]);
      expect(actual, id).toBeLessThanOrEqual(v[1]);
    } else {
      expect(actual, id).toBe(v);
    }
  }
}

/** Series with exactly these label sets (in any order), each value in [min, max]. */
function expectSeries(result: Series[], labels: Record<string, string>[], min: number, max: number): void {
  expect(sortedLabels(result.map((s) => s.metric))).toEqual(sortedLabels(labels));
  for (const s of result) {
    expect(s.value, JSON.stringify(s.metric)).toBeGreaterThanOrEqual(min);
    expect(s.value, JSON.stringify(s.metric)).toBeLessThanOrEqual(max);
  }
}

const keysOfScope = (scope: ExpectedScope) => keys.filter((k) => k.kind === scope.kind && k.owner === scope.id).length;
const sortedKeys = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const downScopes = () => scopes().filter((scope) => scope.id === DOWN);
const ofKind = (...kinds: ExpectedKey['kind'][]) => keys.filter((k) => kinds.includes(k.kind));
/** One label set per role of each key, joined with the info labels of the Key roles table. */
function roleLabels(list: readonly ExpectedKey[], extra: Extra): Record<string, string>[] {
  return list.flatMap((k) =>
    (k.roles ?? []).map((r) => ({
      ...joinedLabels(k, target(), extra),
      role: r.role,
      ...(r.orgId ? { role_org_id: r.orgId } : {}),
      ...(r.projectId ? { role_project_id: r.projectId } : {}),
    })),
  );
}
const sel = () => selections(keys, T);
const userKeys = () => keys.filter((k) => k.kind === 'user');
const exporterValue = (name: string, labels: Record<string, string>) =>
  select(exporterSamples, name, labels).reduce((sum, s) => sum + s.value, 0);
/** One series per kind of scope, with `labels` + kind, worth its number of scopes (or `value`). */
function expectPerKind(result: Series[], labels: Record<string, string>, value?: number): void {
  const counts: Record<string, number> = {};
  for (const scope of scopes()) counts[scope.kind] = (counts[scope.kind] ?? 0) + 1;
  expect(sortedLabels(result.map((s) => s.metric))).toEqual(sortedLabels(Object.keys(counts).map((kind) => ({ ...labels, kind }))));
  for (const [kind, n] of Object.entries(counts)) expect(result.find((s) => s.metric['kind'] === kind)?.value, kind).toBe(value ?? n);
}

// ------------------------------------------------------------------------------------ the dashboard

/** Grafana's $__rate_interval for a panel: max($__interval + scrape interval, 4 × scrape interval), $__interval ≥ the panel's minimum. */
function rateIntervalOf(panelInterval: string | undefined): string {
  const ms = Math.max(durationMs(RATE_INTERVAL), panelInterval ? durationMs(panelInterval) + durationMs(SCRAPE) : 0);
  return `${ms / 1000}s`;
}

/** Every panel query, expanded with job/instance of this test, All for kind/project/user, default thresholds. */
function expandedQueries(): DashboardQuery[] {
  const vars = { job: JOB, instance, kind: '$__all', project: '$__all', user: '$__all' };
  const out: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    const single: Dashboard = { ...dashboard, panels: [{ ...panel, panels: [] }] };
    const interval = typeof panel['interval'] === 'string' ? panel['interval'] : undefined;
    out.push(...dashboardQueries(single, { ...vars, __rate_interval: rateIntervalOf(interval) }));
  }
  return out;
}

type Check = (result: Series[]) => void;

// The event trails: the labels of a trail's series, and what the change alerts and panels select.
/** Labels in name order, as Prometheus answers them: one text per label set. */
const labelText = (labels: Readonly<Record<string, string>>): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const labelTexts = (list: readonly Readonly<Record<string, string>>[]): string[] => list.map(labelText).sort();
const trailLabels = (trail: ExpectedTrail): Record<string, string> => ({ ...target(), org_id: trail.orgId, ...(trail.projectId !== undefined ? { project_id: trail.projectId } : {}) });
const RECENT_S = THRESHOLDS.recentChange.default;
const isRecent = (at: number | undefined): at is number => at !== undefined && T - at < RECENT_S;
const downTrails = () => trails.filter((trail) => trail.projectId === DOWN);
/** Organisations whose newest access-list setting event is NOT_REQUIRED. */
const notRequiringOrgs = () =>
  trails.filter((trail) => {
    const off = trail.newest['ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED'];
    const on = trail.newest['ORG_PUBLIC_API_ACCESS_LIST_REQUIRED'];
    return trail.projectId === undefined && off !== undefined && !(on !== undefined && on >= off);
  });
/** Each trail's recent events of the given types, one series each: labels and event time. */
const recentOf = (types: readonly string[], keep: (trail: ExpectedTrail, type: string) => boolean = () => true) =>
  trails.flatMap((trail) => types.filter((type) => isRecent(trail.newest[type]) && keep(trail, type)).map((type) => ({ labels: { ...trailLabels(trail), event_type: type }, at: trail.newest[type]! })));
const KEY_EVENT = /^(API_KEY|SERVICE_ACCOUNT)_/;
const ENTRY_ADDED = ['API_KEY_ACCESS_LIST_ENTRY_ADDED', 'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED'];
const ROLES_CHANGED = ['API_KEY_ROLES_CHANGED', 'SERVICE_ACCOUNT_ROLES_CHANGED'];
const CREATED_OR_DELETED = ['API_KEY_CREATED', 'API_KEY_DELETED', 'SERVICE_ACCOUNT_CREATED', 'SERVICE_ACCOUNT_DELETED', 'SERVICE_ACCOUNT_SECRET_ADDED', 'SERVICE_ACCOUNT_SECRET_DELETED'];
/** The change alerts' series at T, by alert: labels (without __name__) and the time of the event. */
const changeAlerts = (): Record<string, { labels: Record<string, string>; at: number }[]> => ({
  MongoDBApiKeyOrgAccessListNotRequired: notRequiringOrgs().map((trail) => ({ labels: { ...trailLabels(trail), event_type: 'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED' }, at: trail.newest['ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED']! })),
  MongoDBApiKeyAccessListEntryAdded: recentOf(ENTRY_ADDED, (trail, type) => trail.newest[type] !== trail.anyAddressAdded),
  MongoDBApiKeyAccessListOpenedToAnyAddress: trails.filter((trail) => isRecent(trail.anyAddressAdded)).map((trail) => ({ labels: trailLabels(trail), at: trail.anyAddressAdded! })),
  MongoDBApiKeyRolesChanged: recentOf(ROLES_CHANGED),
  MongoDBApiKeyCreatedOrDeleted: recentOf(CREATED_OR_DELETED),
});
/** A result of the change alert's expression: its series, valued the time since the event (or the event time, `asTime`). */
function expectChanges(result: Series[], alert: string, asTime = false): void {
  const want = changeAlerts()[alert]!.map((w) => ({ ...w, labels: asTime ? { __name__: 'mongodb_apikey_event_last_timestamp_seconds', ...w.labels } : w.labels }));
  expect(labelTexts(result.map((s) => s.metric))).toEqual(labelTexts(want.map((w) => w.labels)));
  for (const w of want) {
    const series = result.find((s) => labelText(s.metric) === labelText(w.labels))!;
    if (asTime) expect(series.value).toBe(w.at);
    else expect(Math.abs(series.value - (T - w.at))).toBeLessThanOrEqual(5);
  }
}

/** The expectation of every panel query, by `panel / refId`. */
const PANEL_CHECKS: Record<string, Check> = {
  'Keys / A': (r) => expectScalar(r, keys.length),
  'Keys by kind / A': (r) => expectByKind(r, keys),
  'Disabled keys / A': (r) => expectScalar(r, sel().disabled.length),
  'Never-used keys / A': (r) => expectScalar(r, sel().neverUsed.length),
  'Idle keys / A': (r) => expectScalar(r, sel().idle.length),
  'Keys due for rotation / A': (r) => expectScalar(r, sel().rotationDue.length),
  'Scopes down / A': (r) => expectScalar(r, downScopes().length),

  // Recent changes: the event trails.
  'Access lists opened to any address / A': (r) => expectScalar(r, trails.filter((trail) => isRecent(trail.anyAddressAdded)).length),
  'Organizations not requiring access lists / A': (r) => expectScalar(r, notRequiringOrgs().length),
  'Trails with a key change in the last hour / A': (r) =>
    expectScalar(r, trails.filter((trail) => Object.entries(trail.newest).some(([type, at]) => KEY_EVENT.test(type) && isRecent(at))).length),
  'Event trails down / A': (r) => expectScalar(r, downTrails().length),
  'Newest event per type / A': (r) => {
    const want = trails.flatMap((trail) => Object.entries(trail.newest).map(([type, at]) => ({ labels: { ...trailLabels(trail), event_type: type }, value: at * 1000 })));
    expect(want.length).toBeGreaterThan(0);
    expect(labelTexts(r.map((s) => s.metric))).toEqual(labelTexts(want.map((w) => w.labels)));
    const byLabels = new Map(r.map((s) => [labelText(s.metric), s.value]));
    for (const w of want) expect(byLabels.get(labelText(w.labels)), JSON.stringify(w.labels)).toBe(w.value);
  },
  'Event trails / B': (r) => {
    expect(labelTexts(r.map((s) => s.metric))).toEqual(labelTexts(trails.map(trailLabels)));
    for (const s of r) expect(s.value, JSON.stringify(s.metric)).toBe(s.metric['project_id'] === DOWN ? 0 : 1);
  },
  'Event trails / C': (r) => {
    const want = trails.filter((trail) => trail.anyAddressAdded !== undefined);
    expect(want.length).toBeGreaterThan(0);
    expect(labelTexts(r.map((s) => s.metric))).toEqual(labelTexts(want.map(trailLabels)));
    for (const trail of want) expect(r.find((s) => s.metric['org_id'] === trail.orgId && s.metric['project_id'] === trail.projectId)?.value).toBe(trail.anyAddressAdded! * 1000);
  },

  // The table: each column is one query, joined with _info for description, suffix and owner name.
  'API keys / A': (r) => expectKeys(r, keys.filter((k) => k.created !== undefined), INFO, (k) => k.created! * 1000, 1),
  'API keys / B': (r) => expectKeys(r, keys.filter((k) => k.lastUsed !== undefined), INFO, (k) => k.lastUsed! * 1000, 1),
  'API keys / C': (r) => expectKeys(r, keys.filter((k) => idleAt(k, T) !== undefined), INFO, (k) => idleAt(k, T)! / DAY, 5 / DAY),
  'API keys / D': (r) => expectKeys(r, keys.filter((k) => k.created !== undefined), INFO, (k) => ageAt(k, T)! / DAY, 5 / DAY),
  'API keys / E': (r) => expectKeys(r, userKeys(), INFO, (k) => (k.enabled ? 1 : 0)),
  'API keys / F': (r) => expectKeys(r, ofKind('user'), INFO, (k) => k.usedCount!),
  'API keys / G': (r) => expectKeys(r, ofKind('service_account'), INFO, (k) => k.expiresAt! * 1000, 1),

  // Programmatic keys and service accounts.
  'Secrets expiring soon / A': (r) => expectScalar(r, sel().expiringWithin14d.length),
  'Expired secrets / A': (r) => expectScalar(r, sel().expired.length),
  'Unrestricted keys / A': (r) => expectScalar(r, sel().unrestricted.length),
  'Organization owner keys / A': (r) => expectScalar(r, sel().orgOwner.length),
  'Idle organization owner keys / A': (r) => expectScalar(r, sel().orgOwnerIdle.length),
  'Never-used programmatic keys / A': (r) => expectScalar(r, sel().neverUsedProgrammatic.length),
  'Service-account secrets / A': (r) => expectKeys(r, ofKind('service_account'), SA_INFO, (k) => k.created! * 1000, 1),
  'Service-account secrets / B': (r) =>
    expectKeys(r, ofKind('service_account').filter((k) => k.lastUsed !== undefined), SA_INFO, (k) => k.lastUsed! * 1000, 1),
  'Service-account secrets / C': (r) => expectKeys(r, ofKind('service_account'), SA_INFO, (k) => k.expiresAt! * 1000, 1),
  'Service-account secrets / D': (r) => expectKeys(r, ofKind('service_account'), SA_INFO, (k) => expiresInAt(k, T)! / DAY, 5 / DAY),
  'Service-account secrets / E': (r) => expectKeys(r, ofKind('service_account'), SA_INFO, (k) => idleAt(k, T)! / DAY, 5 / DAY),
  'Service-account secrets / F': (r) => expectKeys(r, ofKind('service_account'), SA_INFO, (k) => k.accessListEntries!),
  'Service-account secrets / G': (r) => expectKeys(r, ofKind('service_account'), SA_INFO, (k) => (k.unrestricted ? 1 : 0)),
  'Programmatic keys / B': (r) =>
    expectKeys(r, ofKind('programmatic').filter((k) => k.lastUsed !== undefined), PK_INFO, (k) => k.lastUsed! * 1000, 1),
  'Programmatic keys / C': (r) =>
    expectKeys(r, ofKind('programmatic').filter((k) => idleAt(k, T) !== undefined), PK_INFO, (k) => idleAt(k, T)! / DAY, 5 / DAY),
  'Programmatic keys / D': (r) => expectKeys(r, ofKind('programmatic'), PK_INFO, (k) => k.accessListEntries!),
  'Programmatic keys / E': (r) => expectKeys(r, ofKind('programmatic'), PK_INFO, (k) => (k.unrestricted ? 1 : 0)),
  // One row per shown entry; the last address joins every column that has it.
  'Access-list entries / A': (r) => expectEntries(r, (e) => e.requests, (e) => e.requests!),
  'Access-list entries / B': (r) => expectEntries(r, (e) => e.lastUsed, (e) => e.lastUsed! * 1000),
  'Access-list entries / C': (r) => expectEntries(r, (e) => e.created, (e) => e.created! * 1000),
  'Key roles / A': (r) => {
    const got = r.map((s) => JSON.stringify(sortedKeys(s.metric)));
    // DOWN's service-account listing fails: the organisation's accounts are published without their roles in DOWN.
    const want = roleLabels(ofKind('programmatic', 'service_account'), INFO)
      .filter((l) => !(l['kind'] === 'service_account' && l['role_project_id'] === DOWN))
      .map((l) => JSON.stringify(sortedKeys(l)));
    expect({ missing: want.filter((w) => !got.includes(w)), unexpected: got.filter((g) => !want.includes(g)) }).toEqual({ missing: [], unexpected: [] });
    expect(got.length).toBe(want.length);
    expect(r.every((s) => s.value === 1)).toBe(true);
  },

  'Key usage rate / A': (r) => {
    // Every personal key (the join adds description, suffix, owner name); only the bumped one moves.
    expectKeys(r, ofKind('user'), ['description', 'key_suffix', 'owner_name']);
    for (const s of r) {
      if (s.metric['key_id'] === BUMPED['id']) expect(s.value, 'the bumped key').toBeGreaterThan(0);
      else expect(s.value, s.metric['key_id']).toBe(0);
    }
  },
  // Requests from the last address of every used entry shown; nothing changes them during the test.
  'Key usage rate / B': (r) => {
    expectEntries(r, (e) => e.requests, () => 0, ['description', 'key_suffix', 'owner_name', 'account_name']);
  },
  'Key inventory by kind / A': (r) => expectByKind(r, keys),
  'Keys created in the last 24 h (rolling) / A': (r) => expectByKind(r, sel().createdLastDay),
  'Keys created in the last 24 h / A': (r) =>
    expectKeys(r, sel().createdLastDay, [...INFO, 'created_by', 'created_ip', 'created_user_id'], (k) => k.created! * 1000, 1),

  // Scopes: DOWN's scopes are down but keep their keys and the time of their last success (before
  // the fault). Project scopes of programmatic keys and service accounts hold no key: everything
  // their listings hold is published under the organisation.
  'Scopes / A': (r) => expectScopes(r, ({ id }) => (id === DOWN ? 0 : 1)),
  'Scopes / B': (r) => expectScopes(r, keysOfScope),
  'Scopes / C': (r) =>
    // A cycle in flight when the fault was set may still succeed for DOWN: up to one poll later.
    expectScopes(r, ({ id }) =>
      id === DOWN ? [exporterStartedAt * 1000, (faultsSetAt + POLL_INTERVAL_S) * 1000] : [(T - SLACK_S) * 1000, T * 1000],
    ),
  'Scope status / A': (r) => expectScopes(r, ({ id }) => (id === DOWN ? 0 : 1), 'mongodb_apikey_scope_up'),

  'Scope errors by reason / A': (r) => {
    // 500 ×3 (FLAKY) and a 503 every cycle since (DOWN) are server_error; 429 ×2 (LIMITED) rate_limited.
    // increase() may extrapolate a little past the last sample, never below it: the counters start at 0 in the window.
    expect(sortedLabels(r.map((s) => s.metric))).toEqual([{ reason: 'rate_limited' }, { reason: 'server_error' }]);
    const rateLimited = r.find((s) => s.metric['reason'] === 'rate_limited')!.value;
    const serverError = r.find((s) => s.metric['reason'] === 'server_error')!.value;
    expect(rateLimited).toBeGreaterThanOrEqual(2);
    expect(rateLimited).toBeLessThan(2.5);
    expect(serverError).toBeGreaterThanOrEqual(3 + 1);
    expect(serverError).toBeLessThan(exporterValue('mongodb_apikey_scope_errors_total', { reason: 'server_error' }) + 3);
  },

  // Timings: one series per exporter, in a sane range (a cycle takes milliseconds here; p50/p95 are
  // interpolated inside the histogram's lowest bucket, 0–0.5 s, the mean is the real one).
  'Poll duration / A': (r) => expectSeries(r, [target()], Number.MIN_VALUE, POLL_INTERVAL_S),
  'Poll duration / B': (r) => expectSeries(r, [target()], Number.MIN_VALUE, POLL_INTERVAL_S),
  'Poll duration / C': (r) => expectSeries(r, [target()], Number.MIN_VALUE, POLL_INTERVAL_S),
  'Time since last completed poll / A': (r) => expectSeries(r, [target()], 0, SLACK_S),
  'Config reload / A': (r) => expectSeries(r, [{ __name__: 'mongodb_apikey_config_last_reload_successful', ...target() }], 1, 1),
  'Config loaded / A': (r) => expectSeries(r, [target()], exporterStartedAt * 1000, Date.now()),
  'Secret files / A': (r) => expectSeries(r, [{ __name__: 'mongodb_apikey_secret_file_read_successful', ...target(), ...secretFile }], 1, 1),
  'Exporter version / A': (r) => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expectSeries(r, [{ __name__: 'mongodb_apikey_exporter_build_info', ...target(), version, nodejs_version: process.versions.node }], 1, 1);
  },
  'API requests by status code / A': (r) => {
    // Exactly the (api, code) pairs the exporter counted; 200s on both APIs and DOWN's 503s keep coming.
    const pairs = select(exporterSamples, 'mongodb_apikey_api_requests_total').map((s) => ({ api: s.labels['api']!, code: s.labels['code']! }));
    expect(pairs.map((p) => p.code)).toEqual(expect.arrayContaining(['200', '401', '429', '500', '503']));
    expectSeries(r, pairs, 0, 1000);
    for (const [api, code] of [['atlas', '200'], ['public', '200'], ['public', '503']]) {
      expect(r.find((s) => s.metric['api'] === api && s.metric['code'] === code)?.value, `${api} ${code}`).toBeGreaterThan(0);
    }
  },
  'API request latency / A': (r) => expectSeries(r, [{ api: 'atlas' }, { api: 'public' }], Number.MIN_VALUE, POLL_INTERVAL_S),
  'API request latency / B': (r) => expectSeries(r, [{ api: 'atlas' }, { api: 'public' }], Number.MIN_VALUE, POLL_INTERVAL_S),
  'Discovery status / A': (r) => {
    // Every discovery listing: the Cloud Manager keys' GET /groups, and both credentials of each
    // organisation: GET /orgs (org_id empty), and GET /orgs/{id}/groups of each organisation; all succeed.
    const host = new URL(sim!.url).host;
    const series = (id: string, orgId?: string) => ({ __name__: 'mongodb_apikey_discovery_up', ...target(), credential: `${id}@${host}`, ...(orgId ? { org_id: orgId } : {}) });
    expectSeries(
      r,
      [
        ...dataset.credentials.map((c) => series(c.publicKey)),
        ...(dataset.orgCredentials ?? []).flatMap((c) => {
          const id = c.kind === 'digest' ? c.publicKey : c.clientId;
          return [series(id), ...c.orgIds.map((orgId) => series(id, orgId))];
        }),
      ],
      1,
      1,
    );
  },
  // Sharding: the unsharded exporter is shard 0 of 1 and polls every scope it lists.
  'Shards / A': (r) => expectSeries(r, [{ count: '1' }], 1, 1),
  'Shard coverage / A': (r) => expectPerKind(r, { job: JOB }, 1),
  'Scopes polled vs listed / A': (r) => expectPerKind(r, { job: JOB }),
  'Scopes polled vs listed / B': (r) => expectPerKind(r, { job: JOB }),
  'Scopes per shard / A': (r) => expectPerKind(r, { ...target(), index: '0' }),
  'API rate limit remaining / A': (r) => {
    // One series per API that sent RateLimit-Remaining (the v2 API does), between 0 and the bucket.
    const apis = [...new Set(select(exporterSamples, 'mongodb_apikey_api_ratelimit_remaining').map((s) => s.labels['api']!))];
    expect(apis).toContain('atlas');
    expectSeries(r, apis.map((api) => ({ api })), 0, DEFAULT_RATE_LIMIT.capacity);
  },
};

describe('the data set', () => {
  it('exercises every case the panels and alerts distinguish', () => {
    const s = selections(expectedKeys(dataset), Date.now() / 1000);
    expect(s.disabled.length).toBeGreaterThan(0);
    expect(s.neverUsed.length).toBeGreaterThan(0);
    expect(s.idle.length).toBeGreaterThan(0);
    expect(s.rotationDue.filter((k) => k.kind === 'user').length).toBeGreaterThan(0);
    expect(s.rotationDue.filter((k) => k.kind === 'agent').length).toBeGreaterThan(0);
    expect(s.createdLastHour.map((k) => k.description).sort()).toEqual(['E2E fresh agent key', 'E2E fresh personal key']);
    expect(s.createdLastDay.length).toBeGreaterThan(s.createdLastHour.length);
    // A never-used key idle for over 90 days: the idle stat and alert must leave it to never-used.
    const keysNow = expectedKeys(dataset);
    expect(keysNow.some((k) => k.usedCount === 0 && (ageAt(k, Date.now() / 1000) ?? 0) > 90 * DAY)).toBe(true);
    // A disabled key that is also idle counts under both.
    expect(s.disabled.some((k) => s.idle.includes(k))).toBe(true);
    // The new kinds: every expiry tier, both kinds of unrestricted list (open CIDR; empty and not
    // required), both kinds of idle organisation owner, a never-used programmatic key, project keys
    // and roles of both scopes.
    expect(s.expiringSoon.length).toBeGreaterThan(0);
    expect(s.expiringVerySoon.length).toBeGreaterThan(0);
    expect(s.expired.length).toBeGreaterThan(0);
    expect(keysNow.some((k) => k.kind === 'service_account' && k.lastUsed === undefined)).toBe(true);
    expect(s.unrestricted.some((k) => k.accessListEntries === 0)).toBe(true);
    expect(s.unrestricted.some((k) => k.accessListEntries! > 0)).toBe(true);
    // Service-account secrets with their account's list, open and not; a mask with no visible tail.
    expect(s.unrestricted.some((k) => k.kind === 'service_account')).toBe(true);
    expect(keysNow.some((k) => k.kind === 'service_account' && k.unrestricted === false)).toBe(true);
    expect(keysNow.some((k) => k.kind === 'service_account' && k.suffix === '')).toBe(true);
    expect(keysNow.some((k) => (k.entries ?? []).some((e) => e.lastUsed === undefined))).toBe(true);
    expect(keysNow.some((k) => k.kind === 'programmatic' && k.accessListEntries === 0 && !k.unrestricted)).toBe(true);
    expect(s.orgOwnerIdle.map((k) => k.description).sort()).toEqual(['E2E idle org owner', 'E2E never-used org owner']);
    expect(s.neverUsedProgrammatic.length).toBeGreaterThan(1);
    expect(keysNow.some((k) => (k.roles ?? []).some((r) => r.projectId))).toBe(true);
    expect(s.idle.some((k) => k.kind === 'programmatic')).toBe(true);
  });
});

describe('every dashboard query against Prometheus', () => {
  const listed = dashboardQueries(dashboard).map((q) => `${q.panel} / ${q.refId}`);

  it('has an expectation for every panel query and no stale one', () => {
    expect(Object.keys(PANEL_CHECKS).sort()).toEqual([...listed].sort());
  });

  it.each(listed)('%s', async (name) => {
    const query = expandedQueries().find((q) => `${q.panel} / ${q.refId}` === name)!;
    expect(query.expr).not.toMatch(/\$\w|\[\[/);
    const result = await prometheus!.query(query.expr, T);
    const check = PANEL_CHECKS[name];
    expect(check, `no expectation for ${name}`).toBeDefined();
    try {
      check!(result);
    } catch (error) {
      (error as Error).message += `\n  query: ${query.expr}\n  result: ${JSON.stringify(result).slice(0, 4000)}`;
      throw error;
    }
    if (!query.instant) {
      // What the time series panels draw: the same query as a range query.
      const matrix = await prometheus!.queryRange(query.expr, T - 10, T, 1);
      expect(matrix.length, 'range query series').toBe(result.length);
    }
  });
});

describe('every dashboard variable against Prometheus', () => {
  const queries = () => variableQueries(dashboard, { job: JOB, instance, kind: '$__all' });

  /** Values (and texts) as Grafana computes them for label_values / query_result. */
  async function options(name: string): Promise<{ value: string; text: string }[]> {
    const v = queries().find((q) => q.variable === name)!;
    let texts: string[];
    if (v.fn === 'label_values') {
      texts = await prometheus!.labelValues(v.label!, v.expr, Math.floor(T - 3600), Math.ceil(T));
    } else if (v.fn === 'query_result') {
      // Grafana: `name{label="value",…} value timestamp_ms`, labels in Prometheus' (sorted) order.
      texts = (await prometheus!.query(v.expr, T)).map((s) => {
        const { __name__: name = '', ...labels } = s.metric;
        return `${name}{${Object.entries(labels).map(([l, x]) => `${l}="${x}"`).join(',')}} ${s.value} ${Math.round(T * 1000)}`;
      });
    } else {
      throw new Error(`variable ${name}: ${v.fn} is not handled by this test`);
    }
    if (!v.regex) return texts.map((t) => ({ value: t, text: t }));
    const m = /^\/(.*)\/([gimsuy]*)$/s.exec(v.regex)!;
    const regex = new RegExp(m[1]!, m[2]);
    return texts.flatMap((t) => {
      const match = regex.exec(t);
      if (!match) return [];
      const value = match.groups?.['value'] ?? match[1] ?? match[0];
      return [{ value, text: match.groups?.['text'] ?? value }];
    });
  }
  const sortByValue = (o: { value: string; text: string }[]) => [...o].sort((a, b) => a.value.localeCompare(b.value));

  it('has an expectation for every query variable', () => {
    expect(queries().map((q) => q.variable).sort()).toEqual(['instance', 'job', 'kind', 'org', 'project', 'user']);
  });
  it('job: the scrape job', async () => expect(await options('job')).toEqual([{ value: JOB, text: JOB }]));
  it('instance: the exporter', async () => expect(await options('instance')).toEqual([{ value: instance, text: instance }]));
  it('kind: all four kinds', async () =>
    expect((await options('kind')).map((o) => o.value).sort()).toEqual(['agent', 'programmatic', 'service_account', 'user']));
  it('org: every organisation id, shown by name', async () => {
    expect(sortByValue(await options('org'))).toEqual(sortByValue(orgs.map((o) => ({ value: o.id, text: o.name }))));
  });
  it('project: every project id, shown by name', async () => {
    expect(sortByValue(await options('project'))).toEqual(sortByValue(dataset.projects.map((p) => ({ value: p.id, text: p.name }))));
  });
  it('user: every user id, shown by username', async () => {
    expect(sortByValue(await options('user'))).toEqual(sortByValue(dataset.users.map((u) => ({ value: u.id, text: u.username }))));
  });
});

// ------------------------------------------------------------------------------------ the alerts

/** Expected series of each alert expression at T. */
const ALERT_CHECKS: Record<string, Check> = {
  MongoDBApiKeyIdle: (r) => expectKeys(r, sel().idle, ALERT_INFO, (k) => idleAt(k, T)!, 5),
  MongoDBApiKeyNeverUsed: (r) => expectKeys(r, sel().neverUsed, ALERT_INFO, (k) => ageAt(k, T)!, 5),
  MongoDBApiKeyRotationDue: (r) => expectKeys(r, sel().rotationDue, ALERT_INFO, (k) => ageAt(k, T)!, 5),
  MongoDBApiKeyCreated: (r) =>
    expectKeys(r, sel().createdLastHour, [...ALERT_INFO, 'created_by', 'created_ip', 'created_user_id'], (k) => ageAt(k, T)!, 5),
  MongoDBApiKeyDisabled: (r) => expectKeys(r, sel().disabled, ALERT_INFO, () => 0),
  MongoDBApiKeySecretExpiringSoon: (r) => expectKeys(r, sel().expiringSoon, SA_INFO, (k) => expiresInAt(k, T)!, 5),
  MongoDBApiKeySecretExpiringVerySoon: (r) => expectKeys(r, sel().expiringVerySoon, SA_INFO, (k) => expiresInAt(k, T)!, 5),
  MongoDBApiKeySecretExpired: (r) => expectKeys(r, sel().expired, SA_INFO, (k) => -expiresInAt(k, T)!, 5),
  MongoDBApiKeyUnrestricted: (r) => expectKeys(r, sel().unrestricted, [...PK_INFO, 'account_name', 'client_id'], () => 1),
  // Idle ones carry their idle seconds, never-used ones 0.
  MongoDBApiKeyOrgOwnerIdle: (r) => expectKeys(r, sel().orgOwnerIdle, PK_INFO, (k) => idleAt(k, T) ?? 0, 5),
  MongoDBApiKeyScopeDown: (r) =>
    expectSeries(r, downScopes().map((scope) => ({ __name__: 'mongodb_apikey_scope_up', ...scope.labels })), 0, 0),
  // FLAKY only: DOWN fails too, but a scope that is down is MongoDBApiKeyScopeDown's.
  MongoDBApiKeyScopeErrors: (r) => expectSeries(r, [{ ...target(), kind: 'user', user_id: FLAKY, reason: 'server_error' }], 3, 3.5),
  MongoDBApiKeyRateLimited: (r) => expectSeries(r, [{ ...target(), kind: 'user', user_id: LIMITED }], 2, 2.5),
  MongoDBApiKeyExporterNoRecentPoll: (r) => expect(r).toEqual([]),
  MongoDBApiKeyExporterDown: (r) => expect(r).toEqual([]),
  MongoDBApiKeyExporterAbsent: (r) => expect(r).toEqual([]),
  MongoDBApiKeyShardCoverageIncomplete: (r) => expect(r).toEqual([]),
  MongoDBApiKeyExporterConfigReloadFailed: (r) => expect(r).toEqual([]),
  MongoDBApiKeySecretFileUnreadable: (r) => expect(r).toEqual([]),
  MongoDBApiKeyOrgAccessListNotRequired: (r) => expectChanges(r, 'MongoDBApiKeyOrgAccessListNotRequired', true),
  MongoDBApiKeyAccessListEntryAdded: (r) => expectChanges(r, 'MongoDBApiKeyAccessListEntryAdded'),
  MongoDBApiKeyAccessListOpenedToAnyAddress: (r) => expectChanges(r, 'MongoDBApiKeyAccessListOpenedToAnyAddress'),
  MongoDBApiKeyRolesChanged: (r) => expectChanges(r, 'MongoDBApiKeyRolesChanged'),
  MongoDBApiKeyCreatedOrDeleted: (r) => expectChanges(r, 'MongoDBApiKeyCreatedOrDeleted'),
  // DOWN's events fail with its other routes, from after the first clean scrape.
  MongoDBApiKeyEventsDown: (r) => expectSeries(r, downTrails().map((trail) => ({ __name__: 'mongodb_apikey_events_up', ...trailLabels(trail) })), 0, 0),
};

describe('every alert expression against Prometheus', () => {
  it('has an expectation for every alert and no stale one', () => {
    expect(Object.keys(ALERT_CHECKS).sort()).toEqual(alertRules.map((r) => r.alert).sort());
  });

  it.each(alertRules.map((r) => r.alert))('%s', async (name) => {
    const rule = alertRules.find((r) => r.alert === name)!;
    const result = await prometheus!.query(rule.expr, T);
    try {
      ALERT_CHECKS[name]!(result);
    } catch (error) {
      (error as Error).message += `\n  result: ${JSON.stringify(result).slice(0, 4000)}`;
      throw error;
    }
  });

  it('Prometheus loaded every group and rule of prometheus/alerts.yaml, all healthy', async () => {
    const groups = await prometheus!.rules();
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(groups.map((g) => ({ name: g.name, file: g.file, rules: g.rules.map((r) => r.name) })).sort(byName)).toEqual(
      ruleGroups.map((g) => ({ name: g.name, file: ALERTS_FILE, rules: g.rules.map((r) => r.alert) })).sort(byName),
    );
    for (const rule of groups.flatMap((g) => g.rules)) {
      expect({ rule: rule.name, type: rule.type, health: rule.health, lastError: rule.lastError ?? '' }).toEqual({
        rule: rule.name,
        type: 'alerting',
        health: 'ok',
        lastError: '',
      });
    }
  });

  it('the active alerts are exactly the ones the data set implies: firing without for:, pending with it', async () => {
    const now = Date.now() / 1000;
    const s = selections(keys, now);
    const forOf = new Map(alertRules.map((r) => [r.alert, r.for !== undefined]));
    const state = (alert: string) => (forOf.get(alert) ? 'pending' : 'firing');
    const want = [
      ...s.idle.map((k) => `MongoDBApiKeyIdle ${keyIdentity(k)}`),
      ...s.neverUsed.map((k) => `MongoDBApiKeyNeverUsed ${keyIdentity(k)}`),
      ...s.rotationDue.map((k) => `MongoDBApiKeyRotationDue ${keyIdentity(k)}`),
      ...s.createdLastHour.map((k) => `MongoDBApiKeyCreated ${keyIdentity(k)}`),
      ...s.disabled.map((k) => `MongoDBApiKeyDisabled ${keyIdentity(k)}`),
      ...s.expiringSoon.map((k) => `MongoDBApiKeySecretExpiringSoon ${keyIdentity(k)}`),
      ...s.expiringVerySoon.map((k) => `MongoDBApiKeySecretExpiringVerySoon ${keyIdentity(k)}`),
      ...s.expired.map((k) => `MongoDBApiKeySecretExpired ${keyIdentity(k)}`),
      ...s.unrestricted.map((k) => `MongoDBApiKeyUnrestricted ${keyIdentity(k)}`),
      ...s.orgOwnerIdle.map((k) => `MongoDBApiKeyOrgOwnerIdle ${keyIdentity(k)}`),
      ...downScopes().map((scope) => `MongoDBApiKeyScopeDown ${scope.kind}/${DOWN}/`),
      `MongoDBApiKeyScopeErrors user/${FLAKY}/`,
      `MongoDBApiKeyRateLimited user/${LIMITED}/`,
      ...Object.entries(changeAlerts()).flatMap(([alert, series]) => series.map((s) => `${alert} ${seriesIdentity(s.labels)}`)),
      ...downTrails().map((trail) => `MongoDBApiKeyEventsDown ${seriesIdentity(trailLabels(trail))}`),
    ].map((line) => `${line} ${state(line.split(' ')[0]!)}`);
    const alerts = await prometheus!.alerts();
    expect(alerts.map((a) => `${a.labels['alertname']} ${seriesIdentity(a.labels)} ${a.state}`).sort()).toEqual(want.sort());

    for (const alert of alerts) {
      const name = alert.labels['alertname']!;
      // Templates expanded against real labels: no template error, no empty "()" for a missing label.
      for (const text of [alert.annotations['summary'], alert.annotations['description']]) {
        expect(text, name).toBeTruthy();
        expect(text, name).not.toMatch(/<error|\{\{|\(…\)|%!/);
      }
      expect(alert.annotations['runbook_url']).toMatch(new RegExp(`/docs/runbooks/${name}\\.md$`));
    }
    const agentCreated = alerts.find((a) => a.labels['alertname'] === 'MongoDBApiKeyCreated' && a.labels['kind'] === 'agent')!;
    expect(agentCreated.labels).toMatchObject({ created_by: 'USER', created_ip: '203.0.113.77', project_name: dataset.projects[0]!.name });
    // The new kinds name the service account and the public key, and the organisation by name.
    const neverUsedOwner = alerts.find((a) => a.labels['alertname'] === 'MongoDBApiKeyOrgOwnerIdle' && a.labels['key_id'] === '65e2e0000000000000000004')!;
    expect(neverUsedOwner.annotations['description']).toBe(
      `programmatic API key "E2E never-used org owner" (…e2e4, public key eeenever, id 65e2e0000000000000000004) of organization ${orgs[0]!.name} holds the Organization Owner role and has never been used. Delete it, or give it a narrower role, if nobody needs it.`,
    );
    const expired = alerts.find((a) => a.labels['alertname'] === 'MongoDBApiKeySecretExpired')!;
    expect(expired.annotations['description']).toMatch(
      new RegExp(`^Secret \\(…\\w{4}, id [0-9a-f]{24}\\) of service account \\S+ \\(mdb_sa_id_[0-9a-f]{24}\\) "[^"]+" of organization (${orgs.map((o) => o.name).join('|')}) expired .+ ago\\.`),
    );
    expect(agentCreated.annotations['description']).toMatch(
      new RegExp(`^agent API key "E2E fresh agent key" \\(…e2e2, id 65e2e0000000000000000002\\) of project ${dataset.projects[0]!.name} was created .+ ago by USER \\(user id 65e2e00000000000000000ff\\) from 203\\.0\\.113\\.77\\.`),
    );
  });

  // Last: stops the exporter.
  it('when the exporter goes away, MongoDBApiKeyExporterDown names it and MongoDBApiKeyExporterAbsent stays quiet', async () => {
    exporter!.child.kill('SIGTERM');
    expect(await exporter!.exited).toBe(0);
    await until('Prometheus to see the target down', async () => (await one(`up{job="${JOB}"}`)) === 0, 10_000);
    const at = Date.now() / 1000;
    const rule = (name: string) => alertRules.find((r) => r.alert === name)!.expr;
    expect(await prometheus!.query(rule('MongoDBApiKeyExporterDown'), at)).toEqual([{ metric: { __name__: 'up', ...target() }, value: 0 }]);
    // The exporter's series went stale with the failed scrape: absent() alone would fire.
    expect(await prometheus!.query('absent(mongodb_apikey_exporter_build_info)', at)).toEqual([{ metric: {}, value: 1 }]);
    expect(await prometheus!.query(rule('MongoDBApiKeyExporterAbsent'), at)).toEqual([]);
  }, 20_000);
});
