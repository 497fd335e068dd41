#!/usr/bin/env node
// Source of grafana/mongodb-apikey-exporter.json. The JSON is what users import; this script keeps
// its ~30 queries consistent (one selector, one join, one set of thresholds). After editing, run
//   node grafana/generate-dashboard.mjs
// test/dashboard/dashboard.test.ts fails when the JSON and this script disagree.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = 'https://github.com/mongodb-apikey-exporter/mongodb-apikey-exporter';
const DS = { type: 'prometheus', uid: '${datasource}' };

// Every selector carries the job/instance matchers (dashboard-linter target-job/instance rules).
const TARGET = 'job=~"$job", instance=~"$instance"';
// Per-key and per-scope families also honour the kind/org/project/user variables ("All" is `.*`, so
// series without the owner label still match).
const SCOPED = `${TARGET}, kind=~"$kind", org_id=~"$org", project_id=~"$project", user_id=~"$user"`;
/** A selector of an exporter-wide family. */
const t = (name, extra) => `${name}{${TARGET}${extra ? `, ${extra}` : ''}}`;
/** A selector of a per-key or per-scope family. */
const s = (name, extra) => `${name}{${SCOPED}${extra ? `, ${extra}` : ''}}`;

// A key's identity, and the join that adds its descriptive labels. job and instance are part of
// the join so that two exporters watching the same keys (HA pair) do not make it many-to-many.
const KEY = 'kind, user_id, project_id, org_id, key_id';
const JOIN = `job, instance, ${KEY}`;
const INFO = 'description, key_suffix, username, project_name, org_name, account_name, public_key';
const withInfo = (expr, labels = INFO) =>
  `${expr} * on(${JOIN}) group_left(${labels}) ${s('mongodb_apikey_info')}`;
// Key ids (ObjectIds, and secret ids for service accounts) are unique across owners: counting by
// kind and key_id counts a key once even when an organisation and a project both list it, or when
// several exporters (an HA pair) watch it.
const DISTINCT = 'kind, key_id';
/** Number of distinct keys matching a per-key expression, 0 when none. */
const countKeys = (expr) => `count(count by (${DISTINCT}) (${expr})) or vector(0)`;
/** Distinct keys per kind. */
const keysByKind = (expr) => `count by (kind) (count by (${DISTINCT}) (${expr}))`;

const DAY = 86400;
const SA = 'kind="service_account"';
const PROGRAMMATIC = 'kind="programmatic"';
// A key's access-list entry: the key and the entry's CIDR block or address.
const ENTRY_JOIN = `${JOIN}, entry`;
/**
 * Programmatic keys whose access list was read (access_list_entries exists) and records no use (no
 * last_used series), valued 0: the API gives programmatic keys no use count and no creation time.
 */
const neverUsedProgrammatic = `0 * ${s('mongodb_apikey_access_list_entries', PROGRAMMATIC)} unless on(${JOIN}) ${s('mongodb_apikey_last_used_timestamp_seconds', PROGRAMMATIC)}`;

let nextId = 1;
let y = 0;
const panels = [];

function row(title) {
  panels.push({ type: 'row', id: nextId++, title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
  y += 1;
}

/** Lays panels out left to right on one line of the grid. */
function line(h, ...items) {
  let x = 0;
  for (const p of items) {
    panels.push({ ...p, id: nextId++, gridPos: { h, w: p.w, x, y } });
    delete panels[panels.length - 1].w;
    x += p.w;
  }
  if (x > 24) throw new Error(`line at y=${y} is ${x} wide`);
  y += h;
}

function target(refId, expr, opts = {}) {
  const { instant = false, legend, format } = opts;
  return {
    datasource: DS,
    refId,
    expr,
    instant,
    range: !instant,
    ...(format ? { format } : {}),
    ...(legend ? { legendFormat: legend } : {}),
  };
}

const steps = (...s) => ({ mode: 'absolute', steps: s.map(([color, value]) => ({ color, value })) });
const GREEN_RED_AT_1 = steps(['green', null], ['red', 1]);
const GREEN_ORANGE_AT_1 = steps(['green', null], ['orange', 1]);

function stat({ title, description, w, targets, unit = 'short', thresholds = GREEN_RED_AT_1, textMode = 'auto', colorMode = 'background', mappings = [] }) {
  return {
    type: 'stat',
    title,
    description,
    w,
    datasource: DS,
    targets,
    fieldConfig: {
      defaults: { unit, color: { mode: 'thresholds' }, thresholds, mappings },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode,
      graphMode: 'none',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode,
      wideLayout: true,
      showPercentChange: false,
    },
  };
}

function timeseries({ title, description, w, targets, unit, interval, bars = false, stack = false, min = 0 }) {
  return {
    type: 'timeseries',
    title,
    description,
    w,
    datasource: DS,
    ...(interval ? { interval } : {}),
    targets,
    fieldConfig: {
      defaults: {
        unit,
        min,
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: bars ? 'bars' : 'line',
          lineWidth: 1,
          fillOpacity: bars ? 80 : 10,
          showPoints: 'never',
          spanNulls: true,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
        },
        thresholds: steps(['green', null]),
        mappings: [],
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', showLegend: true, calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  };
}

function table({ title, description, w, targets, columns, hidden = [], sortBy, unit = 'none' }) {
  const renameByName = {};
  const indexByName = {};
  const overrides = [];
  columns.forEach((c, i) => {
    renameByName[c.field] = c.name;
    indexByName[c.field] = i;
    const props = [];
    if (c.unit) props.push({ id: 'unit', value: c.unit });
    if (c.decimals !== undefined) props.push({ id: 'decimals', value: c.decimals });
    if (c.thresholds) {
      props.push({ id: 'thresholds', value: c.thresholds });
      props.push({ id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } });
    }
    if (c.mappings) {
      props.push({ id: 'mappings', value: c.mappings });
      props.push({ id: 'custom.cellOptions', value: { type: 'color-text' } });
    }
    if (c.width) props.push({ id: 'custom.width', value: c.width });
    if (props.length) overrides.push({ matcher: { id: 'byName', options: c.name }, properties: props });
  });
  const excludeByName = { Time: true };
  for (const h of hidden) excludeByName[h] = true;
  return {
    type: 'table',
    title,
    description,
    w,
    datasource: DS,
    targets,
    fieldConfig: {
      defaults: {
        unit,
        color: { mode: 'thresholds' },
        thresholds: steps(['green', null]),
        custom: { align: 'auto', cellOptions: { type: 'auto' }, filterable: true, inspect: false },
        mappings: [],
      },
      overrides,
    },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], countRows: false, fields: '' },
      ...(sortBy ? { sortBy: [{ displayName: sortBy, desc: true }] } : {}),
    },
    transformations: [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName, indexByName, renameByName } },
    ],
  };
}

const YES_NO = [
  { type: 'value', options: { 1: { text: 'yes', color: 'green', index: 0 }, 0: { text: 'no', color: 'red', index: 1 } } },
];
const USED_COUNT_MAPPING = [{ type: 'value', options: { 0: { text: '0 (never used)', color: 'orange', index: 0 } } }];
const UNRESTRICTED_MAPPING = [
  { type: 'value', options: { 1: { text: 'yes (any address)', color: 'red', index: 0 }, 0: { text: 'no', color: 'green', index: 1 } } },
];
const UP_DOWN = [
  { type: 'value', options: { 1: { text: 'up', color: 'green', index: 0 }, 0: { text: 'down', color: 'red', index: 1 } } },
];

// ---------------------------------------------------------------- Overview
row('Overview');
line(
  4,
  stat({
    title: 'Keys',
    description:
      'Distinct API keys of all kinds the exporter currently reports; a service account counts once per secret. A key is counted once even when several exporters watch it or an organisation and a project both list it.',
    w: 3,
    thresholds: steps(['blue', null]),
    targets: [target('A', countKeys(s('mongodb_apikey_info')), { instant: true })],
  }),
  stat({
    title: 'Keys by kind',
    description:
      'Distinct API keys per kind: user = personal API keys (Atlas users), agent = agent API keys (Cloud/Ops Manager projects), programmatic = organisation/project programmatic API keys, service_account = service-account secrets (one per secret).',
    w: 5,
    thresholds: steps(['blue', null]),
    colorMode: 'value',
    targets: [
      target('A', keysByKind(s('mongodb_apikey_info')), { instant: true, legend: '{{kind}}' }),
    ],
  }),
  stat({
    title: 'Disabled keys',
    description: 'Personal (user) API keys that are disabled but still exist: delete them. The other kinds have no enabled flag.',
    w: 3,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [target('A', countKeys(`${s('mongodb_apikey_enabled')} == 0`), { instant: true })],
  }),
  stat({
    title: 'Never-used keys',
    description:
      'Personal (user) API keys with usedCount 0 that are older than the grace period ($never_used_grace_days days, variable never_used_grace_days). Agent keys and service accounts report no use count, and programmatic keys have neither a use count nor a creation time, so they never count here: see Never-used programmatic keys.',
    w: 3,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [
      target(
        'A',
        countKeys(
          `(${s('mongodb_apikey_uses')} == 0) and on(${JOIN}) (${s('mongodb_apikey_age_seconds')} > $never_used_grace_days * ${DAY})`,
        ),
        { instant: true },
      ),
    ],
  }),
  stat({
    title: 'Idle keys',
    description:
      'Keys last used more than $idle_days days ago (variable idle_days), as the MongoDBApiKeyIdle alert: personal keys, programmatic keys with a recorded use, and service-account secrets (counted from creation when never used). Never-used personal keys count under Never-used keys instead. Agent API keys report no usage, so they never count here.',
    w: 3,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [
      target(
        'A',
        countKeys(
          `(${s('mongodb_apikey_idle_seconds')} > $idle_days * ${DAY}) unless on(${JOIN}) (${s('mongodb_apikey_uses')} == 0)`,
        ),
        { instant: true },
      ),
    ],
  }),
  stat({
    title: 'Keys due for rotation',
    description:
      'API keys older than the rotation age of $rotation_days days (variable rotation_days): personal, agent and service-account secrets. Programmatic keys have no creation time, so they never count here.',
    w: 3,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [target('A', countKeys(`${s('mongodb_apikey_age_seconds')} > $rotation_days * ${DAY}`), { instant: true })],
  }),
  stat({
    title: 'Scopes down',
    description:
      'Scopes (a user for personal keys, a project for agent keys, an organisation or project per kind for programmatic keys and service accounts) whose last poll failed. Their key series keep their last values until poll.staleAfter, so key numbers above may be stale; see Exporter health.',
    w: 4,
    targets: [target('A', `count(${s('mongodb_apikey_scope_up')} == 0) or vector(0)`, { instant: true })],
  }),
);

// ---------------------------------------------------------------- Keys
row('Keys');
const keyQ = (refId, expr) => target(refId, withInfo(expr), { instant: true, format: 'table' });
line(
  12,
  table({
    title: 'API keys',
    description:
      'One row per API key (per secret for service accounts), joined with mongodb_apikey_info for its description, last four characters and owner (user, project or organisation). Created/last used are the API times; idle counts from the last use, or from creation for never-used keys. Enabled and used count (usedCount) exist for personal keys only; idle for personal keys, programmatic keys with a recorded use and service-account secrets; created/age for all but programmatic keys (the API gives no time); expires for service-account secrets. Agent API keys report no usage. Cell colours use the default thresholds (idle 90 d, rotation 365 d); change them with the idle_days/rotation_days variables for the stats above and in the column overrides here.',
    w: 24,
    sortBy: 'Idle',
    targets: [
      keyQ('A', `${s('mongodb_apikey_created_timestamp_seconds')} * 1000`),
      keyQ('B', `${s('mongodb_apikey_last_used_timestamp_seconds')} * 1000`),
      keyQ('C', `${s('mongodb_apikey_idle_seconds')} / ${DAY}`),
      keyQ('D', `${s('mongodb_apikey_age_seconds')} / ${DAY}`),
      keyQ('E', s('mongodb_apikey_enabled')),
      keyQ('F', s('mongodb_apikey_uses')),
      keyQ('G', `${s('mongodb_apikey_expiry_timestamp_seconds')} * 1000`),
    ],
    hidden: ['job', 'instance'],
    columns: [
      { field: 'kind', name: 'Kind', width: 80 },
      { field: 'username', name: 'User' },
      { field: 'project_name', name: 'Project' },
      { field: 'org_name', name: 'Org' },
      { field: 'user_id', name: 'User ID' },
      { field: 'project_id', name: 'Project ID' },
      { field: 'org_id', name: 'Org ID' },
      { field: 'account_name', name: 'Service account' },
      { field: 'public_key', name: 'Public key' },
      { field: 'description', name: 'Description' },
      { field: 'key_suffix', name: 'Key suffix', width: 90 },
      { field: 'key_id', name: 'Key ID' },
      { field: 'Value #A', name: 'Created', unit: 'dateTimeAsIso' },
      { field: 'Value #B', name: 'Last used', unit: 'dateTimeAsIso' },
      { field: 'Value #C', name: 'Idle', unit: 'd', decimals: 0, thresholds: steps(['green', null], ['orange', 60], ['red', 90]) },
      { field: 'Value #D', name: 'Age', unit: 'd', decimals: 0, thresholds: steps(['green', null], ['orange', 335], ['red', 365]) },
      { field: 'Value #E', name: 'Enabled', mappings: YES_NO },
      { field: 'Value #F', name: 'Used count', decimals: 0, mappings: USED_COUNT_MAPPING },
      { field: 'Value #G', name: 'Expires', unit: 'dateTimeAsIso' },
    ],
  }),
);

// ---------------------------------------------------------------- Programmatic keys and service accounts
row('Programmatic keys and service accounts');
// Programmatic keys are idle for MongoDBApiKeyOrgOwnerIdle when their last use is old or, having no
// creation time, when their access list records no use at all.
const orgOwnerIdle = `((${s('mongodb_apikey_idle_seconds', PROGRAMMATIC)} > $idle_days * ${DAY}) or on(${JOIN}) (${neverUsedProgrammatic})) and on(${JOIN}) ${s('mongodb_apikey_role_info', `${PROGRAMMATIC}, role="ORG_OWNER"`)}`;
line(
  4,
  stat({
    title: 'Secrets expiring soon',
    description:
      'Service-account secrets that expire within $expiry_days days (variable expiry_days; alerts MongoDBApiKeySecretExpiringSoon at 14 days, MongoDBApiKeySecretExpiringVerySoon at 3) and have not expired yet.',
    w: 4,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [target('A', countKeys(`${s('mongodb_apikey_expires_in_seconds')} < $expiry_days * ${DAY} > 0`), { instant: true })],
  }),
  stat({
    title: 'Expired secrets',
    description: 'Service-account secrets past their expiry that still exist (alert MongoDBApiKeySecretExpired): they cannot authenticate any more; delete them.',
    w: 4,
    targets: [target('A', countKeys(`${s('mongodb_apikey_expires_in_seconds')} <= 0`), { instant: true })],
  }),
  stat({
    title: 'Unrestricted keys',
    description:
      'Programmatic keys and service-account secrets usable from any address: 0.0.0.0/0 or ::/0 on the API access list (a secret has its account\'s), or an empty list while the organisation does not require one or its settings do not say (alert MongoDBApiKeyUnrestricted). Only organisations read with accessLists: true report this.',
    w: 4,
    targets: [target('A', countKeys(`${s('mongodb_apikey_unrestricted')} == 1`), { instant: true })],
  }),
  stat({
    title: 'Organization owner keys',
    description: 'Programmatic keys and service-account secrets holding the ORG_OWNER role (full control of the organisation). See Key roles below.',
    w: 4,
    thresholds: steps(['blue', null]),
    targets: [target('A', countKeys(s('mongodb_apikey_role_info', 'role="ORG_OWNER"')), { instant: true })],
  }),
  stat({
    title: 'Idle organization owner keys',
    description:
      'Programmatic keys with ORG_OWNER last used more than $idle_days days ago (variable idle_days), or with no recorded use at all, as the MongoDBApiKeyOrgOwnerIdle alert (90 days).',
    w: 4,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [target('A', countKeys(orgOwnerIdle), { instant: true })],
  }),
  stat({
    title: 'Never-used programmatic keys',
    description:
      'Organisation programmatic keys whose API access list records no use: no entry has a last use. The API gives programmatic keys no creation time, so there is no grace period: a key created minutes ago counts too.',
    w: 4,
    thresholds: GREEN_ORANGE_AT_1,
    targets: [target('A', countKeys(neverUsedProgrammatic), { instant: true })],
  }),
);
const SA_INFO = 'description, key_suffix, project_name, org_name, account_name, client_id';
const saQ = (refId, expr) => target(refId, withInfo(expr, SA_INFO), { instant: true, format: 'table' });
line(
  10,
  table({
    title: 'Service-account secrets',
    description:
      'One row per service-account secret, joined with mongodb_apikey_info for the account name, client id, description and owner. Expires in turns orange within 14 days and red within 3 (the alert thresholds), negative once expired. Idle counts from the last use, or from creation when the secret was never used. Access list entries and Unrestricted are the account\'s (with accessLists: true).',
    w: 24,
    sortBy: undefined,
    targets: [
      saQ('A', `${s('mongodb_apikey_created_timestamp_seconds', SA)} * 1000`),
      saQ('B', `${s('mongodb_apikey_last_used_timestamp_seconds', SA)} * 1000`),
      saQ('C', `${s('mongodb_apikey_expiry_timestamp_seconds')} * 1000`),
      saQ('D', `${s('mongodb_apikey_expires_in_seconds')} / ${DAY}`),
      saQ('E', `${s('mongodb_apikey_idle_seconds', SA)} / ${DAY}`),
      saQ('F', s('mongodb_apikey_access_list_entries', SA)),
      saQ('G', s('mongodb_apikey_unrestricted', SA)),
    ],
    hidden: ['job', 'instance', 'kind'],
    columns: [
      { field: 'account_name', name: 'Service account' },
      { field: 'client_id', name: 'Client ID' },
      { field: 'org_name', name: 'Org' },
      { field: 'project_name', name: 'Project' },
      { field: 'org_id', name: 'Org ID' },
      { field: 'project_id', name: 'Project ID' },
      { field: 'description', name: 'Description' },
      { field: 'key_suffix', name: 'Secret suffix', width: 90 },
      { field: 'key_id', name: 'Secret ID' },
      { field: 'Value #A', name: 'Created', unit: 'dateTimeAsIso' },
      { field: 'Value #B', name: 'Last used', unit: 'dateTimeAsIso' },
      { field: 'Value #C', name: 'Expires', unit: 'dateTimeAsIso' },
      { field: 'Value #D', name: 'Expires in', unit: 'd', decimals: 1, thresholds: steps(['red', null], ['orange', 3], ['green', 14]) },
      { field: 'Value #E', name: 'Idle', unit: 'd', decimals: 0, thresholds: steps(['green', null], ['orange', 60], ['red', 90]) },
      { field: 'Value #F', name: 'Access list entries', decimals: 0 },
      { field: 'Value #G', name: 'Unrestricted', mappings: UNRESTRICTED_MAPPING },
    ],
  }),
);
const PK_INFO = 'description, key_suffix, project_name, org_name, public_key';
const pkQ = (refId, expr) => target(refId, withInfo(expr, PK_INFO), { instant: true, format: 'table' });
line(
  10,
  table({
    title: 'Programmatic keys',
    description:
      'One row per organisation programmatic key whose API access list is read: last use (latest lastUsed of its entries; empty when never used), idle (since that use; absent when never used: the API gives no creation time), access list entries, and whether the key is usable from any address. The API reports no total use of a programmatic key: see Access-list entries for the requests per entry.',
    w: 14,
    sortBy: 'Idle',
    targets: [
      pkQ('B', `${s('mongodb_apikey_last_used_timestamp_seconds', PROGRAMMATIC)} * 1000`),
      pkQ('C', `${s('mongodb_apikey_idle_seconds', PROGRAMMATIC)} / ${DAY}`),
      pkQ('D', s('mongodb_apikey_access_list_entries', PROGRAMMATIC)),
      pkQ('E', s('mongodb_apikey_unrestricted', PROGRAMMATIC)),
    ],
    hidden: ['job', 'instance', 'kind'],
    columns: [
      { field: 'org_name', name: 'Org' },
      { field: 'project_name', name: 'Project' },
      { field: 'org_id', name: 'Org ID' },
      { field: 'project_id', name: 'Project ID' },
      { field: 'description', name: 'Description' },
      { field: 'public_key', name: 'Public key' },
      { field: 'key_suffix', name: 'Key suffix', width: 90 },
      { field: 'key_id', name: 'Key ID' },
      { field: 'Value #B', name: 'Last used', unit: 'dateTimeAsIso' },
      { field: 'Value #C', name: 'Idle', unit: 'd', decimals: 0, thresholds: steps(['green', null], ['orange', 60], ['red', 90]) },
      { field: 'Value #D', name: 'Access list entries', decimals: 0 },
      { field: 'Value #E', name: 'Unrestricted', mappings: UNRESTRICTED_MAPPING },
    ],
  }),
  table({
    title: 'Key roles',
    description:
      'One row per role of a programmatic key or service account (mongodb_apikey_role_info joined with mongodb_apikey_info): the role and the organisation or project it applies to. Service accounts repeat their roles for each secret.',
    w: 10,
    sortBy: undefined,
    targets: [
      target('A', withInfo(s('mongodb_apikey_role_info'), 'description, key_suffix, project_name, org_name, account_name, public_key'), {
        instant: true,
        format: 'table',
      }),
    ],
    hidden: ['job', 'instance', 'Value', 'user_id', 'username'],
    columns: [
      { field: 'kind', name: 'Kind', width: 80 },
      { field: 'role', name: 'Role' },
      { field: 'role_org_id', name: 'Role org ID' },
      { field: 'role_project_id', name: 'Role project ID' },
      { field: 'org_name', name: 'Org' },
      { field: 'project_name', name: 'Project' },
      { field: 'org_id', name: 'Org ID' },
      { field: 'project_id', name: 'Project ID' },
      { field: 'account_name', name: 'Service account' },
      { field: 'public_key', name: 'Public key' },
      { field: 'description', name: 'Description' },
      { field: 'key_suffix', name: 'Key suffix', width: 90 },
      { field: 'key_id', name: 'Key ID' },
    ],
  }),
);

// The API reports per entry: creation, last use, and the requests from the entry's last address.
// The last address is a label of requests only: the other columns take it from there to share rows.
const ENTRY_INFO = 'description, key_suffix, project_name, org_name, account_name, public_key';
const entryQ = (refId, expr) => target(refId, withInfo(`(${expr})`, ENTRY_INFO), { instant: true, format: 'table' });
const withLastAddress = (expr) => `${expr} * on(${ENTRY_JOIN}) group_left(last_used_address) (0 * ${s('mongodb_apikey_access_list_entry_requests')} + 1)`;
line(
  9,
  table({
    title: 'Access-list entries',
    description:
      'One row per API access-list entry (CIDR block or address) of a programmatic key or service-account secret, at most 10 per key, the most recently used: when it was added, its last use, and the requests that came from its last address as the API counts them (count, requestCount). That count is neither the entry\'s nor the key\'s total use: it starts again when another address of the entry sends a request. Never-used entries show their creation time only.',
    w: 24,
    sortBy: 'Last used',
    targets: [
      entryQ('A', s('mongodb_apikey_access_list_entry_requests')),
      entryQ('B', withLastAddress(`${s('mongodb_apikey_access_list_entry_last_used_timestamp_seconds')} * 1000`)),
      entryQ(
        'C',
        `${withLastAddress(`${s('mongodb_apikey_access_list_entry_created_timestamp_seconds')} * 1000`)} or on(${ENTRY_JOIN}) ${s('mongodb_apikey_access_list_entry_created_timestamp_seconds')} * 1000`,
      ),
    ],
    hidden: ['job', 'instance', 'user_id', 'username'],
    columns: [
      { field: 'kind', name: 'Kind', width: 80 },
      { field: 'org_name', name: 'Org' },
      { field: 'project_name', name: 'Project' },
      { field: 'org_id', name: 'Org ID' },
      { field: 'project_id', name: 'Project ID' },
      { field: 'account_name', name: 'Service account' },
      { field: 'public_key', name: 'Public key' },
      { field: 'description', name: 'Description' },
      { field: 'key_suffix', name: 'Key suffix', width: 90 },
      { field: 'key_id', name: 'Key ID' },
      { field: 'entry', name: 'Entry' },
      { field: 'Value #C', name: 'Added', unit: 'dateTimeAsIso' },
      { field: 'Value #B', name: 'Last used', unit: 'dateTimeAsIso' },
      { field: 'last_used_address', name: 'Last address' },
      { field: 'Value #A', name: 'Requests from last address', decimals: 0 },
    ],
  }),
);

// ---------------------------------------------------------------- Activity
row('Activity');
line(
  8,
  timeseries({
    title: 'Key usage rate',
    description:
      'Uses per minute of each personal (user) API key, from the change of its usedCount between polls (5 min by default, hence the 5m minimum interval); and requests per minute from the last address of each access-list entry of programmatic keys and service accounts (count, requestCount: per address, so a new last address starts a new series). Agent keys report no use.',
    w: 12,
    unit: 'opm',
    interval: '5m',
    targets: [
      target('A', withInfo(`rate(${s('mongodb_apikey_uses')}[$__rate_interval]) * 60`, 'description, key_suffix, username, org_name'), {
        legend: '{{username}}{{org_name}} {{description}} (…{{key_suffix}})',
      }),
      target('B', withInfo(`rate(${s('mongodb_apikey_access_list_entry_requests')}[$__rate_interval]) * 60`, 'description, key_suffix, org_name, project_name, account_name'), {
        legend: '{{org_name}}{{project_name}} {{account_name}} {{description}} (…{{key_suffix}}) {{entry}} from {{last_used_address}}',
      }),
    ],
  }),
  timeseries({
    title: 'Key inventory by kind',
    description: 'Number of distinct API keys per kind over time: steps up when keys are created, down when deleted.',
    w: 6,
    unit: 'short',
    targets: [target('A', keysByKind(s('mongodb_apikey_info')), { legend: '{{kind}}' })],
  }),
  timeseries({
    title: 'Keys created in the last 24 h (rolling)',
    description:
      'At each point in time, the number of API keys whose creation time lies within the previous 24 hours, per kind. A new key shows as a 24 h plateau once the exporter has polled it.',
    w: 6,
    unit: 'short',
    targets: [
      target('A', keysByKind(`${s('mongodb_apikey_age_seconds')} < ${DAY}`), { legend: '{{kind}}' }),
    ],
  }),
);
line(
  8,
  table({
    title: 'Keys created in the last 24 h',
    description:
      'API keys (and service-account secrets) created during the last 24 hours with who created them: created_by/created_ip/created_user_id come from agent API keys (absent for PROVISIONING keys); the other kinds show their owner instead. Programmatic keys have no creation time and never show here.',
    w: 24,
    sortBy: 'Created',
    targets: [
      target(
        'A',
        withInfo(
          `(${s('mongodb_apikey_created_timestamp_seconds')} > time() - ${DAY}) * 1000`,
          `${INFO}, created_by, created_ip, created_user_id`,
        ),
        { instant: true, format: 'table' },
      ),
    ],
    hidden: ['job', 'instance'],
    columns: [
      { field: 'Value', name: 'Created', unit: 'dateTimeAsIso' },
      { field: 'kind', name: 'Kind', width: 80 },
      { field: 'username', name: 'User' },
      { field: 'project_name', name: 'Project' },
      { field: 'org_name', name: 'Org' },
      { field: 'user_id', name: 'User ID' },
      { field: 'project_id', name: 'Project ID' },
      { field: 'org_id', name: 'Org ID' },
      { field: 'account_name', name: 'Service account' },
      { field: 'public_key', name: 'Public key' },
      { field: 'description', name: 'Description' },
      { field: 'key_suffix', name: 'Key suffix', width: 90 },
      { field: 'key_id', name: 'Key ID' },
      { field: 'created_by', name: 'Created by' },
      { field: 'created_ip', name: 'Created from IP' },
      { field: 'created_user_id', name: 'Created by user ID' },
    ],
  }),
);

// ---------------------------------------------------------------- Exporter health
// Sharding (--shard.count): each replica polls its own shard of the scopes, so key and scope series
// of different replicas are disjoint; the counts above (count by kind, key_id), the joins (on job and
// instance, where the key's series live) and sum/count across instances are right as they are. The
// panels below stay per instance (= per shard) where a replica's own health is meant.
row('Exporter health');
const scopeQ = (refId, expr) =>
  target(refId, `max by (job, instance, kind, user_id, project_id, org_id) (${expr})`, { instant: true, format: 'table' });
line(
  8,
  table({
    title: 'Scopes',
    description:
      'One row per scope (a user for personal keys, a project for agent keys, an organisation or a project per kind for programmatic keys and service accounts): whether its last poll succeeded, its number of keys (secrets for service accounts) and the time of its last successful poll. A failing scope keeps its last key series until poll.staleAfter.',
    w: 10,
    sortBy: undefined,
    targets: [
      scopeQ('A', s('mongodb_apikey_scope_up')),
      scopeQ('B', s('mongodb_apikey_keys')),
      scopeQ('C', `${s('mongodb_apikey_scope_last_success_timestamp_seconds')} * 1000`),
    ],
    hidden: ['job'],
    columns: [
      { field: 'kind', name: 'Kind', width: 80 },
      { field: 'user_id', name: 'User ID' },
      { field: 'project_id', name: 'Project ID' },
      { field: 'org_id', name: 'Org ID' },
      { field: 'instance', name: 'Exporter' },
      { field: 'Value #A', name: 'Status', mappings: UP_DOWN },
      { field: 'Value #B', name: 'Keys', decimals: 0 },
      { field: 'Value #C', name: 'Last success', unit: 'dateTimeAsIso' },
    ],
  }),
  {
    type: 'state-timeline',
    title: 'Scope status',
    description: 'Whether the last poll of each scope succeeded (mongodb_apikey_scope_up), over time.',
    w: 14,
    datasource: DS,
    targets: [target('A', s('mongodb_apikey_scope_up'), { legend: '{{kind}} {{user_id}}{{project_id}}{{org_id}} ({{instance}})' })],
    fieldConfig: {
      defaults: {
        unit: 'none',
        color: { mode: 'thresholds' },
        thresholds: steps(['red', null], ['green', 1]),
        mappings: UP_DOWN,
        custom: { fillOpacity: 80, lineWidth: 0 },
      },
      overrides: [],
    },
    options: {
      showValue: 'never',
      mergeValues: true,
      alignValue: 'left',
      rowHeight: 0.9,
      legend: { displayMode: 'list', placement: 'bottom', showLegend: false },
      tooltip: { mode: 'single', sort: 'none' },
    },
  },
);
line(
  8,
  timeseries({
    title: 'Scope errors by reason',
    description:
      'Failed scope polls per reason (unauthorized, forbidden, not_found, rate_limited, server_error, timeout, network, invalid_response), after the client\'s retries, summed over every exporter (all shards when sharded).',
    w: 8,
    unit: 'short',
    interval: '5m',
    bars: true,
    stack: true,
    targets: [
      target('A', `sum by (reason) (increase(${s('mongodb_apikey_scope_errors_total')}[$__rate_interval])) > 0`, { legend: '{{reason}}' }),
    ],
  }),
  timeseries({
    title: 'Poll duration',
    description:
      'Duration of one full poll cycle over the scopes of each exporter (mongodb_apikey_poll_duration_seconds), per instance: with sharding, one line per shard, each polling its share of the scopes. One cycle runs per poll interval (5 min by default), hence the 5m minimum interval.',
    w: 8,
    unit: 's',
    interval: '5m',
    targets: [
      target(
        'A',
        `histogram_quantile(0.5, sum by (job, instance, le) (rate(${t('mongodb_apikey_poll_duration_seconds_bucket')}[$__rate_interval])))`,
        { legend: 'p50 {{instance}}' },
      ),
      target(
        'B',
        `histogram_quantile(0.95, sum by (job, instance, le) (rate(${t('mongodb_apikey_poll_duration_seconds_bucket')}[$__rate_interval])))`,
        { legend: 'p95 {{instance}}' },
      ),
      target(
        'C',
        `sum by (job, instance) (rate(${t('mongodb_apikey_poll_duration_seconds_sum')}[$__rate_interval])) / sum by (job, instance) (rate(${t('mongodb_apikey_poll_duration_seconds_count')}[$__rate_interval]))`,
        { legend: 'mean {{instance}}' },
      ),
    ],
  }),
  stat({
    title: 'Time since last completed poll',
    description:
      'Seconds since the end of the last completed poll cycle, per exporter (per shard when sharded). Orange after two poll intervals (10 min), red after three (15 min, the MongoDBApiKeyExporterNoRecentPoll alert).',
    w: 4,
    unit: 's',
    colorMode: 'background',
    thresholds: steps(['green', null], ['orange', 600], ['red', 900]),
    targets: [target('A', `time() - ${t('mongodb_apikey_last_poll_timestamp_seconds')}`, { instant: true, legend: '{{instance}}' })],
  }),
  stat({
    title: 'Exporter version',
    description: 'Version of each exporter and of the Node.js runtime it runs on (mongodb_apikey_exporter_build_info).',
    w: 4,
    unit: 'none',
    textMode: 'name',
    colorMode: 'none',
    thresholds: steps(['blue', null]),
    targets: [
      target('A', t('mongodb_apikey_exporter_build_info'), { instant: true, legend: '{{version}} (Node.js {{nodejs_version}})' }),
    ],
  }),
);
line(
  8,
  timeseries({
    title: 'API requests by status code',
    description:
      'Requests to the MongoDB Cloud APIs per second, by API (atlas = personal keys and the Admin API v2 of programmatic keys and service accounts, public = agent keys and Cloud/Ops Manager) and HTTP status code, summed over every exporter (all shards when sharded: the load the API sees). 401 responses are digest challenges: the client reuses a nonce, so they appear when a session starts or its nonce expires, a few per poll, not one per request. A steady stream of 401s means wrong credentials.',
    w: 12,
    unit: 'reqps',
    interval: '5m',
    stack: true,
    targets: [
      target('A', `sum by (api, code) (rate(${t('mongodb_apikey_api_requests_total')}[$__rate_interval]))`, { legend: '{{api}} {{code}}' }),
    ],
  }),
  timeseries({
    title: 'API request latency',
    description:
      'Latency of requests to the MongoDB Cloud APIs by API (p50 and p95). The histogram has no status code label, so latency cannot be split by code.',
    w: 12,
    unit: 's',
    interval: '5m',
    targets: [
      target(
        'A',
        `histogram_quantile(0.5, sum by (api, le) (rate(${t('mongodb_apikey_api_request_duration_seconds_bucket')}[$__rate_interval])))`,
        { legend: 'p50 {{api}}' },
      ),
      target(
        'B',
        `histogram_quantile(0.95, sum by (api, le) (rate(${t('mongodb_apikey_api_request_duration_seconds_bucket')}[$__rate_interval])))`,
        { legend: 'p95 {{api}}' },
      ),
    ],
  }),
);
line(
  6,
  stat({
    title: 'Discovery status',
    description:
      'Per credential (public key or client id @ host) and discovery listing: whether its last discovery of projects (GET /groups) or organisations (GET /orgs) succeeded, and, with includeProjects, that of the projects of each organisation (org_id; GET /orgs/{orgId}/groups) (mongodb_apikey_discovery_up). While one fails, its last known list is polled.',
    w: 12,
    unit: 'none',
    colorMode: 'background',
    textMode: 'value_and_name',
    thresholds: steps(['red', null], ['green', 1]),
    mappings: UP_DOWN,
    targets: [target('A', t('mongodb_apikey_discovery_up'), { instant: true, legend: '{{credential}} {{org_id}} ({{instance}})' })],
  }),
  timeseries({
    title: 'API rate limit remaining',
    description:
      'RateLimit-Remaining of the last API response that sent one, by API (mongodb_apikey_api_ratelimit_remaining; lowest across exporters). Near 0, polls start to get HTTP 429: see MongoDBApiKeyRateLimited.',
    w: 12,
    unit: 'short',
    targets: [target('A', `min by (api) (${t('mongodb_apikey_api_ratelimit_remaining')})`, { legend: '{{api}}' })],
  }),
);

// Shards: each replica reports its shard (shard_info{index, count}), the scopes it polls
// (shard_scopes) and every scope listed before sharding (listed_scopes, the same on every replica).
// Coverage is complete when the shards' scopes add up to the listed ones; a kind that no shard
// reports (its only shard is down) counts as 0 polled. Grouped by job and namespace (when scraped by
// a ServiceMonitor) so that two deployments are not added up.
const SHARD_GROUP = 'job, namespace, kind';
const listed = `max by (${SHARD_GROUP}) (${t('mongodb_apikey_listed_scopes', 'kind=~"$kind"')})`;
const polled = `(sum by (${SHARD_GROUP}) (${t('mongodb_apikey_shard_scopes', 'kind=~"$kind"')}) or 0 * ${listed})`;
line(
  7,
  stat({
    title: 'Shards',
    description:
      'Exporter replicas reporting, by the shard count they run with (--shard.count; 1 when not sharded): count(mongodb_apikey_shard_info). Fewer than the count means a shard is down or missing and its scopes are not polled (alert MongoDBApiKeyShardCoverageIncomplete). Two counts at once: a change of sharding is rolling out.',
    w: 4,
    unit: 'short',
    colorMode: 'value',
    textMode: 'value_and_name',
    thresholds: steps(['blue', null]),
    targets: [target('A', `count by (count) (${t('mongodb_apikey_shard_info')})`, { instant: true, legend: 'of {{count}} shards' })],
  }),
  stat({
    title: 'Shard coverage',
    description:
      'Per kind, the scopes the shards poll (sum of mongodb_apikey_shard_scopes) over the scopes listed before sharding (max of mongodb_apikey_listed_scopes, the same on every replica). 100 % when every shard is up; less while a shard is down or missing (alert MongoDBApiKeyShardCoverageIncomplete). An unsharded HA pair shows 200 %: both poll everything.',
    w: 6,
    unit: 'percentunit',
    colorMode: 'background',
    textMode: 'value_and_name',
    thresholds: steps(['red', null], ['green', 1]),
    targets: [target('A', `${polled} / ${listed}`, { instant: true, legend: '{{kind}} {{namespace}}' })],
  }),
  timeseries({
    title: 'Scopes polled vs listed',
    description:
      'Per kind, the scopes the shards poll (sum over the replicas of mongodb_apikey_shard_scopes) and the scopes listed before sharding (mongodb_apikey_listed_scopes). The lines coincide while every shard is up; a gap is scopes nobody polls.',
    w: 7,
    unit: 'short',
    targets: [
      target('A', polled, { legend: 'polled {{kind}} {{namespace}}' }),
      target('B', listed, { legend: 'listed {{kind}} {{namespace}}' }),
    ],
  }),
  timeseries({
    title: 'Scopes per shard',
    description:
      'Scopes each replica polls (mongodb_apikey_shard_scopes), by shard index (mongodb_apikey_shard_info) and kind. Scopes go to shards by a consistent hash of their owner\'s id, so the shards hold about the same number; going from N to N + 1 shards moves about 1/(N + 1) of the scopes, all to the new shard.',
    w: 7,
    unit: 'short',
    targets: [
      target(
        'A',
        `${t('mongodb_apikey_shard_scopes', 'kind=~"$kind"')} * on(job, instance) group_left(index) ${t('mongodb_apikey_shard_info')}`,
        { legend: 'shard {{index}} {{kind}} ({{instance}})' },
      ),
    ],
  }),
);

// ---------------------------------------------------------------- variables
const queryVar = (name, label, query, extra = {}) => ({
  type: 'query',
  name,
  label,
  datasource: DS,
  definition: query,
  query: { query, refId: `${name}-variable` },
  refresh: 2,
  sort: 1,
  multi: true,
  includeAll: true,
  allValue: '.+',
  current: { selected: true, text: ['All'], value: ['$__all'] },
  options: [],
  hide: 0,
  regex: '',
  ...extra,
});
const customVar = (name, label, description, values, current) => ({
  type: 'custom',
  name,
  label,
  description,
  query: values.join(','),
  current: { selected: true, text: String(current), value: String(current) },
  options: values.map((v) => ({ selected: v === current, text: String(v), value: String(v) })),
  multi: false,
  includeAll: false,
  hide: 0,
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
    queryVar('job', 'job', 'label_values(mongodb_apikey_exporter_build_info, job)'),
    queryVar('instance', 'instance', 'label_values(mongodb_apikey_exporter_build_info{job=~"$job"}, instance)'),
    queryVar('kind', 'Kind', `label_values(mongodb_apikey_info{${TARGET}}, kind)`, {
      description:
        'Key kind: user (personal API keys), agent (agent API keys), programmatic (programmatic API keys of organisations and projects), service_account (service-account secrets).',
    }),
    queryVar(
      'org',
      'Organization',
      `query_result(count by (org_id, org_name) (mongodb_apikey_info{${TARGET}, kind=~"$kind", org_id!=""}))`,
      {
        description:
          'Organisation (org_id, shown by name where known) of organisation-level programmatic keys and service accounts. All also matches keys without an organisation (user, agent and project-level keys).',
        regex: '/org_id="(?<value>[^"]+)"(?:,org_name="(?<text>[^"]+)")?/',
        allValue: '.*',
      },
    ),
    queryVar(
      'project',
      'Project',
      `query_result(count by (project_id, project_name) (mongodb_apikey_info{${TARGET}, kind=~"$kind", project_id!=""}))`,
      {
        description: 'Project (project_id, shown by name where known) of agent keys and project-level programmatic keys and service accounts. All also matches keys without a project (user and organisation keys).',
        regex: '/project_id="(?<value>[^"]+)"(?:,project_name="(?<text>[^"]+)")?/',
        allValue: '.*',
      },
    ),
    queryVar(
      'user',
      'User',
      `query_result(count by (user_id, username) (mongodb_apikey_info{${TARGET}, kind=~"$kind", user_id!=""}))`,
      {
        description: 'User of personal API keys (user_id, shown by username). All also matches keys without a user (every other kind).',
        regex: '/user_id="(?<value>[^"]+)"(?:,username="(?<text>[^"]+)")?/',
        allValue: '.*',
      },
    ),
    customVar('idle_days', 'Idle threshold (days)', 'A key unused for longer than this is idle (alert MongoDBApiKeyIdle: 90).', [30, 60, 90, 180, 365], 90),
    customVar('rotation_days', 'Rotation age (days)', 'A key older than this is due for rotation (alert MongoDBApiKeyRotationDue: 365).', [90, 180, 365, 730], 365),
    customVar(
      'never_used_grace_days',
      'Never-used grace (days)',
      'A never-used key older than this is reported (alert MongoDBApiKeyNeverUsed: 30).',
      [7, 14, 30, 60, 90],
      30,
    ),
    customVar(
      'expiry_days',
      'Secret expiry warning (days)',
      'A service-account secret expiring within this many days counts under Secrets expiring soon (alert MongoDBApiKeySecretExpiringSoon: 14).',
      [3, 7, 14, 30, 60],
      14,
    ),
  ],
};

export const dashboard = {
  __inputs: [],
  __elements: {},
  __requires: [
    { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
    { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
    { type: 'panel', id: 'stat', name: 'Stat', version: '' },
    { type: 'panel', id: 'table', name: 'Table', version: '' },
    { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
    { type: 'panel', id: 'state-timeline', name: 'State timeline', version: '' },
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
  links: [
    {
      title: 'README: dashboard',
      type: 'link',
      url: `${README}#dashboard`,
      tooltip: 'How to read this dashboard',
      icon: 'doc',
      targetBlank: true,
      asDropdown: false,
      includeVars: false,
      keepTime: false,
      tags: [],
    },
    {
      title: 'README: alerts',
      type: 'link',
      url: `${README}#alerts`,
      tooltip: 'Alert rules and runbooks',
      icon: 'doc',
      targetBlank: true,
      asDropdown: false,
      includeVars: false,
      keepTime: false,
      tags: [],
    },
  ],
  panels,
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

export const dashboardPath = fileURLToPath(new URL('./mongodb-apikey-exporter.json', import.meta.url));
export const render = () => `${JSON.stringify(dashboard, null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(dashboardPath, render());
  console.log(`wrote ${dashboardPath}`);
}
