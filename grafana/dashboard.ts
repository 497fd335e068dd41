/**
 * Source of grafana/mongodb-apikey-exporter.json, the dashboard users import. Its ~30 queries share
 * one selector, one join and one set of thresholds, and name their metrics through the families of
 * src/metrics/contract.ts. Regenerate with `npm run dashboard`; test/dashboard/dashboard.test.ts
 * fails when the JSON and this module disagree.
 */
import { EXPORTER_FAMILIES as EXPORTER, KEY_FAMILIES as KEY, REASONS, SCOPE_FAMILIES as SCOPE, TRAIL_FAMILIES as TRAIL, type Family } from '../src/metrics/contract.js';
import { ACCESS_LIST_ENTRIES_SHOWN } from '../src/model/api-key.js';
import { THRESHOLDS } from '../src/model/thresholds.js';
import {
  Layout,
  histogramSeries,
  numberVariable,
  queryVariable,
  selector,
  stat,
  stateTimeline,
  steps,
  table,
  tableTarget,
  target,
  timeseries,
  valueMapping,
  type Column,
  type Metric,
  type Target,
  type Thresholds,
} from './panels.js';

const README = 'https://github.com/mongodb-apikey-exporter/mongodb-apikey-exporter';

// Every selector carries the job/instance matchers (dashboard-linter target-job/instance rules).
const TARGET = 'job=~"$job", instance=~"$instance"';
// Per-key and per-scope families also honour the kind/org/project/user variables ("All" is `.*`, so
// series without the owner label still match).
const SCOPED = `${TARGET}, kind=~"$kind", org_id=~"$org", project_id=~"$project", user_id=~"$user"`;
/** A selector of an exporter-wide family. */
const t = (metric: Metric, extra?: string): string => selector(metric, TARGET, extra);
/** A selector of a per-key or per-scope family. */
const s = (family: Family, extra?: string): string => selector(family, SCOPED, extra);

// A key's identity, and the join that adds its descriptive labels. job and instance are part of
// the join so that two exporters watching the same keys (HA pair) do not make it many-to-many.
const KEY_IDENTITY = 'kind, user_id, project_id, org_id, key_id';
const JOIN = `job, instance, ${KEY_IDENTITY}`;
const INFO = 'description, key_suffix, username, project_name, org_name, account_name, public_key';
const withInfo = (expr: string, labels = INFO): string => `${expr} * on(${JOIN}) group_left(${labels}) ${s(KEY.info)}`;
/** Instant table queries of per-key expressions joined with the given labels of their info. */
const infoTarget =
  (labels: string) =>
  (refId: string, expr: string): Target =>
    tableTarget(refId, withInfo(expr, labels));
// Key ids (ObjectIds, and secret ids for service accounts) are unique across owners: counting by
// kind and key_id counts a key once even when an organisation and a project both list it, or when
// several exporters (an HA pair) watch it.
const DISTINCT = 'kind, key_id';
/** Number of distinct keys matching a per-key expression, 0 when none. */
const countKeys = (expr: string): string => `count(count by (${DISTINCT}) (${expr})) or vector(0)`;
/** Distinct keys per kind. */
const keysByKind = (expr: string): string => `count by (kind) (count by (${DISTINCT}) (${expr}))`;

const DAY = 86400;
// The alert rules' defaults, which the variables start at and the cell colours use.
const IDLE_DAYS = THRESHOLDS.idle.default;
const ROTATION_DAYS = THRESHOLDS.rotation.default;
const EXPIRY_WARNING_DAYS = THRESHOLDS.secretExpiryWarning.default;
const EXPIRY_CRITICAL_DAYS = THRESHOLDS.secretExpiryCritical.default;
/** Cells turn orange this many days before a threshold. */
const ORANGE_BEFORE_DAYS = 30;
const SA = 'kind="service_account"';
const PROGRAMMATIC = 'kind="programmatic"';
// A key's access-list entry: the key and the entry's CIDR block or address.
const ENTRY_JOIN = `${JOIN}, entry`;
/**
 * Programmatic keys whose access list was read (access_list_entries exists) and records no use (no
 * last_used series), valued 0: the API gives programmatic keys no use count and no creation time.
 */
const neverUsedProgrammatic = `0 * ${s(KEY.accessListEntries, PROGRAMMATIC)} unless on(${JOIN}) ${s(KEY.lastUsed, PROGRAMMATIC)}`;

const GREEN_RED_AT_1 = steps(['green', null], ['red', 1]);
const GREEN_ORANGE_AT_1 = steps(['green', null], ['orange', 1]);
const INFORMATIONAL = steps(['blue', null]);
const UP = steps(['red', null], ['green', 1]);

const YES_NO = valueMapping([1, 'yes', 'green'], [0, 'no', 'red']);
const USED_COUNT_MAPPING = valueMapping([0, '0 (never used)', 'orange']);
const UNRESTRICTED_MAPPING = valueMapping([1, 'yes (any address)', 'red'], [0, 'no', 'green']);
const UP_DOWN = valueMapping([1, 'up', 'green'], [0, 'down', 'red']);

/** A stat of the number of distinct keys matching a per-key expression. */
const keyCount = (title: string, description: string, w: number, thresholds: Thresholds, expr: string) =>
  stat({ title, description, w, thresholds, targets: [target('A', countKeys(expr), { instant: true })] });

const QUANTILES = [['A', 0.5, 'p50'], ['B', 0.95, 'p95']] as const;
/** p50 and p95 of a histogram's bucket series, refIds A and B. */
const quantiles = (buckets: Metric, by: string, legend: string): Target[] =>
  QUANTILES.map(([refId, q, name]) =>
    target(refId, `histogram_quantile(${q}, sum by (${by}, le) (rate(${t(buckets)}[$__rate_interval])))`, { legend: `${name} ${legend}` }),
  );

// Table columns: the labels of a key's series and of its info, with their headers.
const LABEL_COLUMNS = {
  kind: { name: 'Kind', width: 80 },
  username: { name: 'User' },
  project_name: { name: 'Project' },
  org_name: { name: 'Org' },
  user_id: { name: 'User ID' },
  project_id: { name: 'Project ID' },
  org_id: { name: 'Org ID' },
  account_name: { name: 'Service account' },
  client_id: { name: 'Client ID' },
  public_key: { name: 'Public key' },
  description: { name: 'Description' },
  key_suffix: { name: 'Key suffix', width: 90 },
  key_id: { name: 'Key ID' },
  role: { name: 'Role' },
  role_org_id: { name: 'Role org ID' },
  role_project_id: { name: 'Role project ID' },
  entry: { name: 'Entry' },
  last_used_address: { name: 'Last address' },
  created_by: { name: 'Created by' },
  created_ip: { name: 'Created from IP' },
  created_user_id: { name: 'Created by user ID' },
  instance: { name: 'Exporter' },
} satisfies Record<string, Omit<Column, 'field'>>;
const labels = (...fields: (keyof typeof LABEL_COLUMNS)[]): Column[] => fields.map((field) => ({ field, ...LABEL_COLUMNS[field] }));
/** Every owner and descriptive label of a key of any kind. */
const KEY_COLUMNS = labels('kind', 'username', 'project_name', 'org_name', 'user_id', 'project_id', 'org_id', 'account_name', 'public_key', 'description', 'key_suffix', 'key_id');
/** The owner and descriptive labels of programmatic keys and service accounts. */
const ORG_KEY_COLUMNS = labels('org_name', 'project_name', 'org_id', 'project_id', 'account_name', 'public_key', 'description', 'key_suffix', 'key_id');

/** The value column of query refId. */
const value = (refId: string, name: string, format: Omit<Column, 'field' | 'name'> = {}): Column => ({ field: `Value #${refId}`, name, ...format });
const DATE = { unit: 'dateTimeAsIso' };
const COUNT = { decimals: 0 };
const idleDays = (refId: string): Column => value(refId, 'Idle', { unit: 'd', decimals: 0, thresholds: steps(['green', null], ['orange', IDLE_DAYS - ORANGE_BEFORE_DAYS], ['red', IDLE_DAYS]) });
const accessListEntries = (refId: string): Column => value(refId, 'Access list entries', COUNT);
const unrestricted = (refId: string): Column => value(refId, 'Unrestricted', { mappings: UNRESTRICTED_MAPPING });

const layout = new Layout();

// ---------------------------------------------------------------- Overview
layout.row('Overview');
layout.line(
  4,
  stat({
    title: 'Keys',
    description:
      'Distinct API keys of all kinds the exporter currently reports; a service account counts once per secret. A key is counted once even when several exporters watch it or an organisation and a project both list it.',
    w: 3,
    thresholds: INFORMATIONAL,
    targets: [target('A', countKeys(s(KEY.info)), { instant: true })],
  }),
  stat({
    title: 'Keys by kind',
    description:
      'Distinct API keys per kind: user = personal API keys (Atlas users), agent = agent API keys (Cloud/Ops Manager projects), programmatic = organisation/project programmatic API keys, service_account = service-account secrets (one per secret), global = Ops Manager global API keys.',
    w: 5,
    thresholds: INFORMATIONAL,
    colorMode: 'value',
    targets: [target('A', keysByKind(s(KEY.info)), { instant: true, legend: '{{kind}}' })],
  }),
  keyCount(
    'Disabled keys',
    'Personal (user) API keys that are disabled but still exist: delete them. The other kinds have no enabled flag.',
    3,
    GREEN_ORANGE_AT_1,
    `${s(KEY.enabled)} == 0`,
  ),
  keyCount(
    'Never-used keys',
    'Personal (user) API keys with usedCount 0 that are older than the grace period ($never_used_grace_days days, variable never_used_grace_days). Agent keys and service accounts report no use count, and programmatic keys have neither a use count nor a creation time, so they never count here: see Never-used programmatic keys.',
    3,
    GREEN_ORANGE_AT_1,
    `(${s(KEY.usedCount)} == 0) and on(${JOIN}) (${s(KEY.age)} > $never_used_grace_days * ${DAY})`,
  ),
  keyCount(
    'Idle keys',
    'Keys last used more than $idle_days days ago (variable idle_days), as the MongoDBApiKeyIdle alert: personal keys, programmatic keys with a recorded use, and service-account secrets (counted from creation when never used). Never-used personal keys count under Never-used keys instead. Agent API keys report no usage, so they never count here.',
    3,
    GREEN_ORANGE_AT_1,
    `(${s(KEY.idle)} > $idle_days * ${DAY}) unless on(${JOIN}) (${s(KEY.usedCount)} == 0)`,
  ),
  keyCount(
    'Keys due for rotation',
    'API keys older than the rotation age of $rotation_days days (variable rotation_days): personal, agent and service-account secrets. Programmatic keys have no creation time, so they never count here.',
    3,
    GREEN_ORANGE_AT_1,
    `${s(KEY.age)} > $rotation_days * ${DAY}`,
  ),
  stat({
    title: 'Scopes down',
    description:
      'Scopes (a user for personal keys, a project for agent keys, an organisation or project per kind for programmatic keys and service accounts) whose last poll failed. Their key series keep their last values until poll.staleAfter, so key numbers above may be stale; see Exporter health.',
    w: 4,
    targets: [target('A', `count(${s(SCOPE.up)} == 0) or vector(0)`, { instant: true })],
  }),
);

// ---------------------------------------------------------------- Keys
layout.row('Keys');
const keyQ = infoTarget(INFO);
layout.line(
  12,
  table({
    title: 'API keys',
    description:
      `One row per API key (per secret for service accounts), joined with mongodb_apikey_info for its description, last four characters and owner (user, project or organisation). Created/last used are the API times; idle counts from the last use, or from creation for never-used keys. Enabled and used count (usedCount) exist for personal keys only; idle for personal keys, programmatic keys with a recorded use and service-account secrets; created/age for all but programmatic keys (the API gives no time); expires for service-account secrets. Agent API keys report no usage. Cell colours use the default thresholds (idle ${IDLE_DAYS} d, rotation ${ROTATION_DAYS} d); change them with the idle_days/rotation_days variables for the stats above and in the column overrides here.`,
    w: 24,
    sortBy: 'Idle',
    targets: [
      keyQ('A', `${s(KEY.created)} * 1000`),
      keyQ('B', `${s(KEY.lastUsed)} * 1000`),
      keyQ('C', `${s(KEY.idle)} / ${DAY}`),
      keyQ('D', `${s(KEY.age)} / ${DAY}`),
      keyQ('E', s(KEY.enabled)),
      keyQ('F', s(KEY.usedCount)),
      keyQ('G', `${s(KEY.expiry)} * 1000`),
    ],
    hidden: ['job', 'instance'],
    columns: [
      ...KEY_COLUMNS,
      value('A', 'Created', DATE),
      value('B', 'Last used', DATE),
      idleDays('C'),
      value('D', 'Age', { unit: 'd', decimals: 0, thresholds: steps(['green', null], ['orange', ROTATION_DAYS - ORANGE_BEFORE_DAYS], ['red', ROTATION_DAYS]) }),
      value('E', 'Enabled', { mappings: YES_NO }),
      value('F', 'Used count', { decimals: 0, mappings: USED_COUNT_MAPPING }),
      value('G', 'Expires', DATE),
    ],
  }),
);

// ---------------------------------------------------------------- Programmatic keys and service accounts
layout.row('Programmatic keys and service accounts');
// Programmatic keys are idle for MongoDBApiKeyOrgOwnerIdle when their last use is old or, having no
// creation time, when their access list records no use at all.
const orgOwnerIdle = `((${s(KEY.idle, PROGRAMMATIC)} > $idle_days * ${DAY}) or on(${JOIN}) (${neverUsedProgrammatic})) and on(${JOIN}) ${s(KEY.role, `${PROGRAMMATIC}, role="ORG_OWNER"`)}`;
layout.line(
  4,
  keyCount(
    'Secrets expiring soon',
    `Service-account secrets that expire within $expiry_days days (variable expiry_days; alerts MongoDBApiKeySecretExpiringSoon at ${EXPIRY_WARNING_DAYS} days, MongoDBApiKeySecretExpiringVerySoon at ${EXPIRY_CRITICAL_DAYS}) and have not expired yet.`,
    4,
    GREEN_ORANGE_AT_1,
    `${s(KEY.expiresIn)} < $expiry_days * ${DAY} > 0`,
  ),
  keyCount(
    'Expired secrets',
    'Service-account secrets past their expiry that still exist (alert MongoDBApiKeySecretExpired): they cannot authenticate any more; delete them.',
    4,
    GREEN_RED_AT_1,
    `${s(KEY.expiresIn)} <= 0`,
  ),
  keyCount(
    'Unrestricted keys',
    "Programmatic keys and service-account secrets usable from any address: 0.0.0.0/0 or ::/0 on the API access list (a secret has its account's), or an empty list while the organisation does not require one or its settings do not say (alert MongoDBApiKeyUnrestricted). Only organisations read with accessLists: true report this.",
    4,
    GREEN_RED_AT_1,
    `${s(KEY.unrestricted)} == 1`,
  ),
  keyCount(
    'Organization owner keys',
    'Programmatic keys and service-account secrets holding the ORG_OWNER role (full control of the organisation). See Key roles below.',
    4,
    INFORMATIONAL,
    s(KEY.role, 'role="ORG_OWNER"'),
  ),
  keyCount(
    'Idle organization owner keys',
    `Programmatic keys with ORG_OWNER last used more than $idle_days days ago (variable idle_days), or with no recorded use at all, as the MongoDBApiKeyOrgOwnerIdle alert (${THRESHOLDS.orgOwnerIdle.default} days).`,
    4,
    GREEN_ORANGE_AT_1,
    orgOwnerIdle,
  ),
  keyCount(
    'Never-used programmatic keys',
    'Organisation programmatic keys whose API access list records no use: no entry has a last use. The API gives programmatic keys no creation time, so there is no grace period: a key created minutes ago counts too.',
    4,
    GREEN_ORANGE_AT_1,
    neverUsedProgrammatic,
  ),
);
const saQ = infoTarget('description, key_suffix, project_name, org_name, account_name, client_id');
layout.line(
  10,
  table({
    title: 'Service-account secrets',
    description:
      `One row per service-account secret, joined with mongodb_apikey_info for the account name, client id, description and owner. Expires in turns orange within ${EXPIRY_WARNING_DAYS} days and red within ${EXPIRY_CRITICAL_DAYS} (the alert thresholds), negative once expired. Idle counts from the last use, or from creation when the secret was never used. Access list entries and Unrestricted are the account's (with accessLists: true).`,
    w: 24,
    targets: [
      saQ('A', `${s(KEY.created, SA)} * 1000`),
      saQ('B', `${s(KEY.lastUsed, SA)} * 1000`),
      saQ('C', `${s(KEY.expiry)} * 1000`),
      saQ('D', `${s(KEY.expiresIn)} / ${DAY}`),
      saQ('E', `${s(KEY.idle, SA)} / ${DAY}`),
      saQ('F', s(KEY.accessListEntries, SA)),
      saQ('G', s(KEY.unrestricted, SA)),
    ],
    hidden: ['job', 'instance', 'kind'],
    columns: [
      ...labels('account_name', 'client_id', 'org_name', 'project_name', 'org_id', 'project_id', 'description'),
      { field: 'key_suffix', name: 'Secret suffix', width: 90 },
      { field: 'key_id', name: 'Secret ID' },
      value('A', 'Created', DATE),
      value('B', 'Last used', DATE),
      value('C', 'Expires', DATE),
      value('D', 'Expires in', { unit: 'd', decimals: 1, thresholds: steps(['red', null], ['orange', EXPIRY_CRITICAL_DAYS], ['green', EXPIRY_WARNING_DAYS]) }),
      idleDays('E'),
      accessListEntries('F'),
      unrestricted('G'),
    ],
  }),
);
const pkQ = infoTarget('description, key_suffix, project_name, org_name, public_key');
const orgKeyQ = infoTarget('description, key_suffix, project_name, org_name, account_name, public_key');
layout.line(
  10,
  table({
    title: 'Programmatic keys',
    description:
      'One row per organisation programmatic key whose API access list is read: last use (latest lastUsed of its entries; empty when never used), idle (since that use; absent when never used: the API gives no creation time), access list entries, and whether the key is usable from any address. The API reports no total use of a programmatic key: see Access-list entries for the requests per entry.',
    w: 14,
    sortBy: 'Idle',
    targets: [
      pkQ('B', `${s(KEY.lastUsed, PROGRAMMATIC)} * 1000`),
      pkQ('C', `${s(KEY.idle, PROGRAMMATIC)} / ${DAY}`),
      pkQ('D', s(KEY.accessListEntries, PROGRAMMATIC)),
      pkQ('E', s(KEY.unrestricted, PROGRAMMATIC)),
    ],
    hidden: ['job', 'instance', 'kind'],
    columns: [
      ...labels('org_name', 'project_name', 'org_id', 'project_id', 'description', 'public_key', 'key_suffix', 'key_id'),
      value('B', 'Last used', DATE),
      idleDays('C'),
      accessListEntries('D'),
      unrestricted('E'),
    ],
  }),
  table({
    title: 'Key roles',
    description:
      'One row per role of a programmatic key or service account (mongodb_apikey_role_info joined with mongodb_apikey_info): the role and the organisation or project it applies to. Service accounts repeat their roles for each secret.',
    w: 10,
    targets: [orgKeyQ('A', s(KEY.role))],
    hidden: ['job', 'instance', 'Value', 'user_id', 'username'],
    columns: [...labels('kind', 'role', 'role_org_id', 'role_project_id'), ...ORG_KEY_COLUMNS],
  }),
);

// The API reports per entry: creation, last use, and the requests from the entry's last address.
// The last address is a label of requests only: the other columns take it from there to share rows.
const entryQ = (refId: string, expr: string): Target => orgKeyQ(refId, `(${expr})`);
const withLastAddress = (expr: string): string =>
  `${expr} * on(${ENTRY_JOIN}) group_left(last_used_address) (0 * ${s(KEY.accessListEntryRequests)} + 1)`;
layout.line(
  9,
  table({
    title: 'Access-list entries',
    description:
      `One row per API access-list entry (CIDR block or address) of a programmatic key or service-account secret, at most ${ACCESS_LIST_ENTRIES_SHOWN} per key, the most recently used: when it was added, its last use, and the requests that came from its last address as the API counts them (count, requestCount). That count is neither the entry's nor the key's total use: it starts again when another address of the entry sends a request. Never-used entries show their creation time only.`,
    w: 24,
    sortBy: 'Last used',
    targets: [
      entryQ('A', s(KEY.accessListEntryRequests)),
      entryQ('B', withLastAddress(`${s(KEY.accessListEntryLastUsed)} * 1000`)),
      entryQ('C', `${withLastAddress(`${s(KEY.accessListEntryCreated)} * 1000`)} or on(${ENTRY_JOIN}) ${s(KEY.accessListEntryCreated)} * 1000`),
    ],
    hidden: ['job', 'instance', 'user_id', 'username'],
    columns: [
      ...labels('kind'),
      ...ORG_KEY_COLUMNS,
      ...labels('entry'),
      value('C', 'Added', DATE),
      value('B', 'Last used', DATE),
      ...labels('last_used_address'),
      value('A', 'Requests from last address', COUNT),
    ],
  }),
);

// ---------------------------------------------------------------- Activity
layout.row('Activity');
layout.line(
  8,
  timeseries({
    title: 'Key usage rate',
    description:
      'Uses per minute of each personal (user) API key, from the change of its usedCount between polls (5 min by default, hence the 5m minimum interval); and requests per minute from the last address of each access-list entry of programmatic keys and service accounts (count, requestCount: per address, so a new last address starts a new series). Agent keys report no use.',
    w: 12,
    unit: 'opm',
    interval: '5m',
    targets: [
      target('A', withInfo(`rate(${s(KEY.usedCount)}[$__rate_interval]) * 60`, 'description, key_suffix, username, org_name'), {
        legend: '{{username}}{{org_name}} {{description}} (…{{key_suffix}})',
      }),
      target('B', withInfo(`rate(${s(KEY.accessListEntryRequests)}[$__rate_interval]) * 60`, 'description, key_suffix, org_name, project_name, account_name'), {
        legend: '{{org_name}}{{project_name}} {{account_name}} {{description}} (…{{key_suffix}}) {{entry}} from {{last_used_address}}',
      }),
    ],
  }),
  timeseries({
    title: 'Key inventory by kind',
    description: 'Number of distinct API keys per kind over time: steps up when keys are created, down when deleted.',
    w: 6,
    unit: 'short',
    targets: [target('A', keysByKind(s(KEY.info)), { legend: '{{kind}}' })],
  }),
  timeseries({
    title: 'Keys created in the last 24 h (rolling)',
    description:
      'At each point in time, the number of API keys whose creation time lies within the previous 24 hours, per kind. A new key shows as a 24 h plateau once the exporter has polled it.',
    w: 6,
    unit: 'short',
    targets: [target('A', keysByKind(`${s(KEY.age)} < ${DAY}`), { legend: '{{kind}}' })],
  }),
);
layout.line(
  8,
  table({
    title: 'Keys created in the last 24 h',
    description:
      'API keys (and service-account secrets) created during the last 24 hours with who created them: created_by/created_ip/created_user_id come from agent API keys (absent for PROVISIONING keys); the other kinds show their owner instead. Programmatic keys have no creation time and never show here.',
    w: 24,
    sortBy: 'Created',
    targets: [tableTarget('A', withInfo(`(${s(KEY.created)} > time() - ${DAY}) * 1000`, `${INFO}, created_by, created_ip, created_user_id`))],
    hidden: ['job', 'instance'],
    columns: [{ field: 'Value', name: 'Created', ...DATE }, ...KEY_COLUMNS, ...labels('created_by', 'created_ip', 'created_user_id')],
  }),
);

// ---------------------------------------------------------------- Recent changes
// The organisations' and projects' event trails: the time of the newest event of each type, of the
// newest 0.0.0.0/0 or ::/0 added, and whether the trail was read. They have no kind or user, so
// only the organisation and project variables apply.
layout.row('Recent changes');
const TRAIL_SCOPE = `${TARGET}, org_id=~"$org", project_id=~"$project"`;
/** A selector of a per-trail family. */
const tr = (family: Family, extra?: string): string => selector(family, TRAIL_SCOPE, extra);
const RECENT_S = THRESHOLDS.recentChange.default;
const KEY_EVENTS = 'event_type=~"API_KEY_.+|SERVICE_ACCOUNT_.+"';
const ACCESS_LIST_SETTING = (type: 'REQUIRED' | 'NOT_REQUIRED'): string => tr(TRAIL.eventLast, `event_type="ORG_PUBLIC_API_ACCESS_LIST_${type}", project_id=""`);
/** Instant table queries, one row per trail (and per `by` label). */
const trailQ = (refId: string, expr: string, by = ''): Target => tableTarget(refId, `max by (job, instance, org_id, project_id${by}) (${expr})`);
const TRAIL_COLUMNS = labels('org_id', 'project_id');
/** Distinct trails matching an expression, 0 when none: once though two exporters (an HA pair) read it. */
const countTrails = (expr: string): string => `count(max by (org_id, project_id) (${expr})) or vector(0)`;
layout.line(
  4,
  stat({
    title: 'Access lists opened to any address',
    description: `Organisations and projects whose trail recorded, in the last ${RECENT_S / 60} minutes, an access-list entry of 0.0.0.0/0 or ::/0 added to an API key or a service account (MongoDBApiKeyAccessListOpenedToAnyAddress). The audit page's Recent changes says which key, who and from where.`,
    w: 6,
    thresholds: GREEN_RED_AT_1,
    targets: [target('A', countTrails(`time() - ${tr(TRAIL.anyAddressAdded)} < ${RECENT_S}`), { instant: true })],
  }),
  stat({
    title: 'Organizations not requiring access lists',
    description:
      'Organisations whose newest access-list setting event is ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED, or that have no ORG_PUBLIC_API_ACCESS_LIST_REQUIRED within the events lookback (MongoDBApiKeyOrgAccessListNotRequired).',
    w: 6,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [
      target('A', countTrails(`${ACCESS_LIST_SETTING('NOT_REQUIRED')} unless on(job, instance, org_id) (${ACCESS_LIST_SETTING('REQUIRED')} >= on(job, instance, org_id) ${ACCESS_LIST_SETTING('NOT_REQUIRED')})`), { instant: true }),
    ],
  }),
  stat({
    title: 'Trails with a key change in the last hour',
    description: `Organisations and projects with an API key or service-account event (created, deleted, roles, access list, …) in the last ${RECENT_S / 60} minutes, the window of the change alerts.`,
    w: 6,
    thresholds: INFORMATIONAL,
    targets: [target('A', countTrails(`time() - ${tr(TRAIL.eventLast, KEY_EVENTS)} < ${RECENT_S}`), { instant: true })],
  }),
  stat({
    title: 'Event trails down',
    description: 'Organisations and projects whose last read of events failed (MongoDBApiKeyEventsDown after 15 minutes). Their change alerts can neither fire nor resolve meanwhile; the key listing is not affected.',
    w: 6,
    thresholds: GREEN_RED_AT_1,
    targets: [target('A', countTrails(`${tr(TRAIL.up)} == 0`), { instant: true })],
  }),
);
layout.line(
  8,
  table({
    title: 'Newest event per type',
    description:
      'One row per organisation or project trail and event type: the time of its newest event within the events lookback, and how long ago. Project ID is empty for the organisation\'s own trail. Which key, who and from where: the audit page\'s Recent changes (/?eventScope=<org or project id>).',
    w: 16,
    sortBy: 'Newest event',
    targets: [trailQ('A', `${tr(TRAIL.eventLast)} * 1000`, ', event_type')],
    hidden: ['job', 'instance'],
    columns: [...TRAIL_COLUMNS, { field: 'event_type', name: 'Event type' }, { field: 'Value', name: 'Newest event', ...DATE }],
  }),
  table({
    title: 'Event trails',
    description: 'One row per organisation or project trail: whether its last read of events succeeded, and the newest 0.0.0.0/0 or ::/0 added to an access list in it (empty when none within the lookback).',
    w: 8,
    targets: [trailQ('B', tr(TRAIL.up)), trailQ('C', `${tr(TRAIL.anyAddressAdded)} * 1000`)],
    hidden: ['job', 'instance'],
    columns: [...TRAIL_COLUMNS, value('B', 'Events', { mappings: UP_DOWN }), value('C', 'Any address added', DATE)],
  }),
);

// ---------------------------------------------------------------- Exporter health
// Sharding (--shard.count): each replica polls its own shard of the scopes, so key and scope series
// of different replicas are disjoint; the counts above (count by kind, key_id), the joins (on job and
// instance, where the key's series live) and sum/count across instances are right as they are. The
// panels below stay per instance (= per shard) where a replica's own health is meant.
layout.row('Exporter health');
const scopeQ = (refId: string, expr: string): Target => tableTarget(refId, `max by (job, instance, kind, user_id, project_id, org_id) (${expr})`);
layout.line(
  8,
  table({
    title: 'Scopes',
    description:
      'One row per scope (a user for personal keys, a project for agent keys, an organisation or a project per kind for programmatic keys and service accounts): whether its last poll succeeded, its number of keys (secrets for service accounts) and the time of its last successful poll. A failing scope keeps its last key series until poll.staleAfter.',
    w: 10,
    targets: [scopeQ('A', s(SCOPE.up)), scopeQ('B', s(SCOPE.keys)), scopeQ('C', `${s(SCOPE.lastSuccess)} * 1000`)],
    hidden: ['job'],
    columns: [
      ...labels('kind', 'user_id', 'project_id', 'org_id', 'instance'),
      value('A', 'Status', { mappings: UP_DOWN }),
      value('B', 'Keys', COUNT),
      value('C', 'Last success', DATE),
    ],
  }),
  stateTimeline({
    title: 'Scope status',
    description: 'Whether the last poll of each scope succeeded (mongodb_apikey_scope_up), over time.',
    w: 14,
    targets: [target('A', s(SCOPE.up), { legend: '{{kind}} {{user_id}}{{project_id}}{{org_id}} ({{instance}})' })],
    thresholds: UP,
    mappings: UP_DOWN,
  }),
);
const pollDuration = (series: 'sum' | 'count'): string =>
  `sum by (job, instance) (rate(${t(histogramSeries(EXPORTER.pollDuration, series))}[$__rate_interval]))`;
layout.line(
  8,
  timeseries({
    title: 'Scope errors by reason',
    description:
      `Failed scope polls per reason (${REASONS.join(', ')}), after the client's retries, summed over every exporter (all shards when sharded).`,
    w: 8,
    unit: 'short',
    interval: '5m',
    bars: true,
    stack: true,
    targets: [target('A', `sum by (reason) (increase(${s(SCOPE.errors)}[$__rate_interval])) > 0`, { legend: '{{reason}}' })],
  }),
  timeseries({
    title: 'Poll duration',
    description:
      'Duration of one full poll cycle over the scopes of each exporter (mongodb_apikey_poll_duration_seconds), per instance: with sharding, one line per shard, each polling its share of the scopes. One cycle runs per poll interval (5 min by default), hence the 5m minimum interval.',
    w: 8,
    unit: 's',
    interval: '5m',
    targets: [
      ...quantiles(histogramSeries(EXPORTER.pollDuration, 'bucket'), 'job, instance', '{{instance}}'),
      target('C', `${pollDuration('sum')} / ${pollDuration('count')}`, { legend: 'mean {{instance}}' }),
    ],
  }),
  stat({
    title: 'Time since last completed poll',
    description:
      `Seconds since the end of the last completed poll cycle, per exporter (per shard when sharded). Orange after two poll intervals (10 min), red after three (${THRESHOLDS.noRecentPoll.default / 60} min, the MongoDBApiKeyExporterNoRecentPoll alert).`,
    w: 4,
    unit: 's',
    colorMode: 'background',
    thresholds: steps(['green', null], ['orange', 600], ['red', THRESHOLDS.noRecentPoll.default]),
    targets: [target('A', `time() - ${t(EXPORTER.lastPoll)}`, { instant: true, legend: '{{instance}}' })],
  }),
  stat({
    title: 'Exporter version',
    description: 'Version of each exporter and of the Node.js runtime it runs on (mongodb_apikey_exporter_build_info).',
    w: 4,
    unit: 'none',
    textMode: 'name',
    colorMode: 'none',
    thresholds: INFORMATIONAL,
    targets: [target('A', t(EXPORTER.buildInfo), { instant: true, legend: '{{version}} (Node.js {{nodejs_version}})' })],
  }),
);
layout.line(
  8,
  timeseries({
    title: 'API requests by status code',
    description:
      'Requests to the MongoDB Cloud APIs per second, by API (atlas = personal keys and the Admin API v2 of programmatic keys and service accounts, public = agent keys and Cloud/Ops Manager) and HTTP status code, summed over every exporter (all shards when sharded: the load the API sees). 401 responses are digest challenges: the client reuses a nonce, so they appear when a session starts or its nonce expires, a few per poll, not one per request. A steady stream of 401s means wrong credentials.',
    w: 12,
    unit: 'reqps',
    interval: '5m',
    stack: true,
    targets: [target('A', `sum by (api, code) (rate(${t(EXPORTER.apiRequests)}[$__rate_interval]))`, { legend: '{{api}} {{code}}' })],
  }),
  timeseries({
    title: 'API request latency',
    description:
      'Latency of requests to the MongoDB Cloud APIs by API (p50 and p95). The histogram has no status code label, so latency cannot be split by code.',
    w: 12,
    unit: 's',
    interval: '5m',
    targets: quantiles(histogramSeries(EXPORTER.apiRequestDuration, 'bucket'), 'api', '{{api}}'),
  }),
);
layout.line(
  6,
  stat({
    title: 'Discovery status',
    description:
      'Per credential (public key or client id @ host) and discovery listing: whether its last discovery of projects (GET /groups) or organisations (GET /orgs) succeeded, and, with includeProjects, that of the projects of each organisation (org_id; GET /orgs/{orgId}/groups) (mongodb_apikey_discovery_up). While one fails, its last known list is polled.',
    w: 12,
    unit: 'none',
    colorMode: 'background',
    textMode: 'value_and_name',
    thresholds: UP,
    mappings: UP_DOWN,
    targets: [target('A', t(EXPORTER.discoveryUp), { instant: true, legend: '{{credential}} {{org_id}} ({{instance}})' })],
  }),
  timeseries({
    title: 'API rate limit remaining',
    description:
      'RateLimit-Remaining of the last API response that sent one, by API (mongodb_apikey_api_ratelimit_remaining; lowest across exporters). Near 0, polls start to get HTTP 429: see MongoDBApiKeyRateLimited.',
    w: 12,
    unit: 'short',
    targets: [target('A', `min by (api) (${t(EXPORTER.rateLimitRemaining)})`, { legend: '{{api}}' })],
  }),
);

// Shards: each replica reports its shard (shard_info{index, count}), the scopes it polls
// (shard_scopes) and every scope listed before sharding (listed_scopes, the same on every replica).
// Coverage is complete when the shards' scopes add up to the listed ones; a kind that no shard
// reports (its only shard is down) counts as 0 polled. Grouped by job and namespace (when scraped by
// a ServiceMonitor) so that two deployments are not added up.
const SHARD_GROUP = 'job, namespace, kind';
const listed = `max by (${SHARD_GROUP}) (${t(EXPORTER.listedScopes, 'kind=~"$kind"')})`;
const polled = `(sum by (${SHARD_GROUP}) (${t(EXPORTER.shardScopes, 'kind=~"$kind"')}) or 0 * ${listed})`;
layout.line(
  7,
  stat({
    title: 'Shards',
    description:
      'Exporter replicas reporting, by the shard count they run with (--shard.count; 1 when not sharded): count(mongodb_apikey_shard_info). Fewer than the count means a shard is down or missing and its scopes are not polled (alert MongoDBApiKeyShardCoverageIncomplete). Two counts at once: a change of sharding is rolling out.',
    w: 4,
    unit: 'short',
    colorMode: 'value',
    textMode: 'value_and_name',
    thresholds: INFORMATIONAL,
    targets: [target('A', `count by (count) (${t(EXPORTER.shardInfo)})`, { instant: true, legend: 'of {{count}} shards' })],
  }),
  stat({
    title: 'Shard coverage',
    description:
      'Per kind, the scopes the shards poll (sum of mongodb_apikey_shard_scopes) over the scopes listed before sharding (max of mongodb_apikey_listed_scopes, the same on every replica). 100 % when every shard is up; less while a shard is down or missing (alert MongoDBApiKeyShardCoverageIncomplete). An unsharded HA pair shows 200 %: both poll everything.',
    w: 6,
    unit: 'percentunit',
    colorMode: 'background',
    textMode: 'value_and_name',
    thresholds: UP,
    targets: [target('A', `${polled} / ${listed}`, { instant: true, legend: '{{kind}} {{namespace}}' })],
  }),
  timeseries({
    title: 'Scopes polled vs listed',
    description:
      'Per kind, the scopes the shards poll (sum over the replicas of mongodb_apikey_shard_scopes) and the scopes listed before sharding (mongodb_apikey_listed_scopes). The lines coincide while every shard is up; a gap is scopes nobody polls.',
    w: 7,
    unit: 'short',
    targets: [target('A', polled, { legend: 'polled {{kind}} {{namespace}}' }), target('B', listed, { legend: 'listed {{kind}} {{namespace}}' })],
  }),
  timeseries({
    title: 'Scopes per shard',
    description:
      "Scopes each replica polls (mongodb_apikey_shard_scopes), by shard index (mongodb_apikey_shard_info) and kind. Scopes go to shards by a consistent hash of their owner's id, so the shards hold about the same number; going from N to N + 1 shards moves about 1/(N + 1) of the scopes, all to the new shard.",
    w: 7,
    unit: 'short',
    targets: [
      target('A', `${t(EXPORTER.shardScopes, 'kind=~"$kind"')} * on(job, instance) group_left(index) ${t(EXPORTER.shardInfo)}`, {
        legend: 'shard {{index}} {{kind}} ({{instance}})',
      }),
    ],
  }),
);

// Reloads and secret files: a failed reload or an unreadable secret file leaves the last good one
// in force, so nothing else shows it until a secret is rotated at MongoDB Cloud.
layout.line(
  6,
  stat({
    title: 'Config reload',
    description:
      'Whether the last reload of the config file (SIGHUP, POST /-/reload) succeeded (mongodb_apikey_config_last_reload_successful). After a failure the running config stays in force; the log names the field.',
    w: 4,
    unit: 'none',
    colorMode: 'background',
    textMode: 'value_and_name',
    thresholds: UP,
    mappings: YES_NO,
    targets: [target('A', t(EXPORTER.configReload), { instant: true, legend: '{{instance}}' })],
  }),
  stat({
    title: 'Config loaded',
    description: 'When the config in force was loaded, at start-up or by the last successful reload (mongodb_apikey_config_last_reload_success_timestamp_seconds).',
    w: 6,
    unit: 'dateTimeFromNow',
    colorMode: 'value',
    textMode: 'value_and_name',
    thresholds: INFORMATIONAL,
    targets: [target('A', `${t(EXPORTER.configReloadTime)} * 1000`, { instant: true, legend: '{{instance}}' })],
  }),
  stat({
    title: 'Secret files',
    description:
      'Per credential and secret field given as a file (apiKeyFile, privateKeyFile, clientSecretFile): whether its last read succeeded (mongodb_apikey_secret_file_read_successful). A file that turns unreadable or empty keeps its last good value in use; the log gives the path and the error code.',
    w: 14,
    unit: 'none',
    colorMode: 'background',
    textMode: 'value_and_name',
    thresholds: UP,
    mappings: YES_NO,
    targets: [target('A', t(EXPORTER.secretFileRead), { instant: true, legend: '{{credential}} {{field}} ({{instance}})' })],
  }),
);

// ---------------------------------------------------------------- variables
/** An owner variable: query_result lines of info map the owner's id to value and its name to text. */
const ownerVariable = (name: string, label: string, id: string, ownerName: string, description: string) =>
  queryVariable(name, label, `query_result(count by (${id}, ${ownerName}) (${KEY.info.name}{${TARGET}, kind=~"$kind", ${id}!=""}))`, {
    description,
    regex: `/${id}="(?<value>[^"]+)"(?:,${ownerName}="(?<text>[^"]+)")?/`,
    allValue: '.*',
  });

const templating = {
  list: [
    {
      type: 'datasource',
      name: 'datasource',
      label: 'Data Source',
      query: 'prometheus',
      current: {},
      hide: 0,
      options: [],
      refresh: 1,
      regex: '',
    },
    queryVariable('job', 'job', `label_values(${EXPORTER.buildInfo.name}, job)`),
    queryVariable('instance', 'instance', `label_values(${EXPORTER.buildInfo.name}{job=~"$job"}, instance)`),
    queryVariable('kind', 'Kind', `label_values(${KEY.info.name}{${TARGET}}, kind)`, {
      description:
        'Key kind: user (personal API keys), agent (agent API keys), programmatic (programmatic API keys of organisations and projects), service_account (service-account secrets), global (Ops Manager global API keys).',
    }),
    ownerVariable(
      'org',
      'Organization',
      'org_id',
      'org_name',
      'Organisation (org_id, shown by name where known) of organisation-level programmatic keys and service accounts. All also matches keys without an organisation (user, agent and project-level keys).',
    ),
    ownerVariable(
      'project',
      'Project',
      'project_id',
      'project_name',
      'Project (project_id, shown by name where known) of agent keys and project-level programmatic keys and service accounts. All also matches keys without a project (user and organisation keys).',
    ),
    ownerVariable(
      'user',
      'User',
      'user_id',
      'username',
      'User of personal API keys (user_id, shown by username). All also matches keys without a user (every other kind).',
    ),
    numberVariable('idle_days', 'Idle threshold (days)', `A key unused for longer than this is idle (alert MongoDBApiKeyIdle: ${IDLE_DAYS}).`, [30, 60, 90, 180, 365], IDLE_DAYS),
    numberVariable(
      'rotation_days',
      'Rotation age (days)',
      `A key older than this is due for rotation (alert MongoDBApiKeyRotationDue: ${ROTATION_DAYS}).`,
      [90, 180, 365, 730],
      ROTATION_DAYS,
    ),
    numberVariable(
      'never_used_grace_days',
      'Never-used grace (days)',
      `A never-used key older than this is reported (alert MongoDBApiKeyNeverUsed: ${THRESHOLDS.neverUsed.default}).`,
      [7, 14, 30, 60, 90],
      THRESHOLDS.neverUsed.default,
    ),
    numberVariable(
      'expiry_days',
      'Secret expiry warning (days)',
      `A service-account secret expiring within this many days counts under Secrets expiring soon (alert MongoDBApiKeySecretExpiringSoon: ${EXPIRY_WARNING_DAYS}).`,
      [3, 7, 14, 30, 60],
      EXPIRY_WARNING_DAYS,
    ),
  ],
};

const readmeLink = (title: string, anchor: string, tooltip: string) => ({
  title,
  type: 'link',
  url: `${README}#${anchor}`,
  tooltip,
  icon: 'doc',
  targetBlank: true,
  asDropdown: false,
  includeVars: false,
  keepTime: false,
  tags: [],
});

const panelRequirement = (id: string, name: string) => ({ type: 'panel', id, name, version: '' });

export const dashboard = {
  __inputs: [],
  __elements: {},
  __requires: [
    { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
    { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
    panelRequirement('stat', 'Stat'),
    panelRequirement('table', 'Table'),
    panelRequirement('timeseries', 'Time series'),
    panelRequirement('state-timeline', 'State timeline'),
  ],
  annotations: {
    list: [
      {
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      },
    ],
  },
  description:
    'MongoDB Cloud API keys audited by mongodb-apikey-exporter (personal, agent and programmatic API keys, service-account secrets): which keys exist, which are disabled, never or no longer used, due for rotation, recently created, expiring, unrestricted or organisation owners; and the health of the exporter itself.',
  editable: false,
  fiscalYearStartMonth: 0,
  graphTooltip: 1,
  id: null,
  links: [readmeLink('README: dashboard', 'dashboard', 'How to read this dashboard'), readmeLink('README: alerts', 'alerts', 'Alert rules and runbooks')],
  panels: layout.panels,
  refresh: '5m',
  schemaVersion: 39,
  tags: ['mongodb', 'atlas', 'api-keys', 'security', 'mongodb-apikey-exporter'],
  templating,
  time: { from: 'now-24h', to: 'now' },
  timepicker: { refresh_intervals: ['1m', '5m', '15m', '30m', '1h'] },
  timezone: '',
  title: 'MongoDB API keys',
  uid: 'mongodb-apikey-exporter',
  version: 1,
  weekStart: '',
};

/** The dashboard as written to grafana/mongodb-apikey-exporter.json. */
export const render = (): string => `${JSON.stringify(dashboard, null, 2)}\n`;
