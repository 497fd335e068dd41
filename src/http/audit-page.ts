import { createHash } from 'node:crypto';
import type { Audit } from '../audit/audit.js';
import { changeParams, DEFAULT_CHANGE_QUERY, EVENT_CATEGORY_LABELS, EVENT_CATEGORY_NAMES, isEventCategory, type ChangeQuery } from '../audit/change-query.js';
import { EVENT_TYPE_LABELS, rowAnchor, type ChangeRow, type TrailRow } from '../audit/changes.js';
import type { KindCounts } from '../audit/counts.js';
import { DEFAULT_DIRECTION, FILTERS, queryString, type AuditQuery, type Filter, type Sort } from '../audit/query.js';
import { RISK_LABELS, RISKS, type Risk } from '../audit/risk.js';
import type { AuditRow } from '../audit/rows.js';
import type { ScopeRow } from '../audit/scopes.js';
import { paginate, type Page } from '../audit/selection.js';
import { KEY_KIND_LABELS, KEY_KINDS, type KeyKind } from '../model/api-key.js';
import { html, join, raw, type Html, type Interpolation } from './html.js';

/**
 * `/`: the audit page. Server-rendered and self-contained: one inline `<style>` allowed by its
 * hash, no script, no external asset; sorting, filtering and paging are plain links (and a GET
 * form) whose query the server reads. Written with `html`, which escapes every string from the API.
 */

const STYLE = `
:root{--fg:#1f2328;--muted:#656d76;--line:#d8dee4;--bg:#f6f8fa;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.4rem 1.5rem;padding:.7rem 1.5rem;background:#13293d;color:#fff}
header h1{font-size:16px;margin:0;font-weight:600}header a{color:#cfe3ff}header nav{display:flex;gap:1rem;margin-left:auto}
header .meta{color:#b8c4d0}
main{padding:1rem 1.5rem 2rem;max-width:1600px}
h2{font-size:14px;margin:1.4rem 0 .5rem;font-weight:600}
.notice{padding:.7rem 1rem;border:1px solid #e4c266;background:#fff8e1;border-radius:6px}
.cards{display:flex;flex-wrap:wrap;gap:.5rem}
.card{display:block;min-width:7.5rem;padding:.45rem .75rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
.card b{display:block;font-size:18px;font-variant-numeric:tabular-nums}.card span{color:var(--muted)}
.card.hot{border-color:#f1a7a3;background:#fff5f5}
table{border-collapse:collapse;width:100%}
th,td{padding:.28rem .45rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600;white-space:nowrap;position:sticky;top:0}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:hover{background:#f3f8ff}
.counts{width:auto}.counts td,.counts th{padding:.25rem .7rem}
.muted{color:var(--muted)}.small{font-size:11px}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}.mono.small{font-size:11px}
.desc{min-width:12rem;max-width:28rem;overflow-wrap:anywhere}
.roles{min-width:11rem;max-width:15rem}
#keys,#changes{font-size:12.5px}
.nowrap{white-space:nowrap}
.badge{display:inline-block;padding:0 .4rem;margin:0 .15rem .1rem 0;border-radius:9px;font-size:11px;font-weight:600;white-space:nowrap;border:1px solid transparent}
.r-expired{background:#fde2e1;color:#9b1c1c;border-color:#f5b5b1}
.r-expiring{background:#ffedd5;color:#9a4a00;border-color:#f9c993}
.r-unrestricted{background:#f1e6ff;color:#5b2a9e;border-color:#d6bdf7}
.r-idle{background:#fef6c7;color:#775c00;border-color:#eedc82}
.r-never_used{background:#e2edfb;color:#1d4f91;border-color:#b7cff0}
.r-disabled{background:#ececec;color:#4a4a4a;border-color:#cfcfcf}
.r-ok{background:#e3f6e8;color:#1e6b34;border-color:#b3e0bf}
.up{color:#1e6b34;font-weight:600}.down{color:#9b1c1c;font-weight:600}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:.35rem 1rem;margin:.6rem 0}
.pills{display:flex;flex-wrap:wrap;gap:.25rem}.pills>span{color:var(--muted);margin-right:.2rem}
.pill{padding:.1rem .55rem;border:1px solid var(--line);border-radius:12px;color:var(--fg);background:#fff}
.pill.on{background:#13293d;color:#fff;border-color:#13293d}
form{display:flex;gap:.3rem}input[type=search]{font:inherit;padding:.15rem .4rem;border:1px solid var(--line);border-radius:4px;width:16rem}
button{font:inherit;padding:.15rem .6rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);cursor:pointer}
.pager{display:flex;gap:1rem;align-items:center;margin:.6rem 0}
.scroll{overflow-x:auto}
footer{margin-top:2rem;color:var(--muted)}
`;

/** The hash that lets the one inline `<style>` through the CSP: computed once, at start-up. */
export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}`;

/** The page's Content-Security-Policy: nothing but its own inline style, and GET forms to itself. */
export const AUDIT_CSP = `default-src 'none'; style-src '${STYLE_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

const FILTER_LABELS: Readonly<Record<Filter, string>> = { all: 'All', attention: 'Needs attention', ok: 'OK', ...RISK_LABELS };

/** What the page needs besides the audit. */
export interface PageContext {
  readonly version: string;
  readonly telemetryPath: string;
}

const DAY = 86_400_000;

/** `412 d`, `5 h`, `12 min`. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= DAY) return `${Math.floor(abs / DAY).toLocaleString('en-US')} d`;
  if (abs >= 3_600_000) return `${Math.floor(abs / 3_600_000)} h`;
  return `${Math.floor(abs / 60_000)} min`;
}

const DASH = html`<span class="muted">—</span>`;
const ZERO = html`<span class="muted">0</span>`;
const NEVER = html`<span class="muted">never</span>`;
const LINE = html`\n`;

function date(ms: number | undefined): Html {
  if (ms === undefined) return DASH;
  const iso = new Date(ms).toISOString();
  return html`<span class="nowrap" title="${iso}">${iso.slice(0, 10)}</span>`;
}

const number = (n: number): string => n.toLocaleString('en-US');

function badge(risk: Risk | 'ok'): Html {
  return html`<span class="badge r-${risk}">${risk === 'ok' ? 'ok' : RISK_LABELS[risk]}</span>`;
}

/** A link to the page: the key table's parameters, then the changes'. */
function link(query: AuditQuery, changeQuery: ChangeQuery, keyChanges: Partial<AuditQuery>, changeChanges: Partial<ChangeQuery>): string {
  const params = new URLSearchParams(queryString(query, keyChanges).slice(1));
  for (const [name, value] of changeParams(changeQuery, changeChanges)) params.append(name, value);
  const text = params.toString();
  return text === '' ? '/' : `/?${text}`;
}

/** The page with other key-table parameters (from its first page); the changes stay as they are. */
function href(audit: Pick<Audit, 'query' | 'changeQuery'>, changes: Partial<AuditQuery> = {}): string {
  return link(audit.query, audit.changeQuery, { page: 1, ...changes }, {});
}

/** The page with other change parameters (from their first page); the key table stays as it is. */
function changeHref(audit: Pick<Audit, 'query' | 'changeQuery'>, changes: Partial<ChangeQuery> = {}): string {
  return link(audit.query, audit.changeQuery, {}, { page: 1, ...changes });
}

/** `/events.json` with the page's change filters. */
function eventsJsonHref(changeQuery: ChangeQuery): string {
  const params = new URLSearchParams(changeParams(changeQuery, { page: 1 }));
  const text = params.toString();
  return `/events.json${text === '' ? '' : `?${text}`}`;
}

function pollText(audit: Audit): string {
  return `last poll ${new Date(audit.snapshot.completedAt).toISOString().replace(/\.\d{3}Z$/, 'Z')} (${formatDuration(audit.now - audit.snapshot.completedAt)} ago)`;
}

function header(poll: string, context: PageContext, query: AuditQuery, changeQuery: ChangeQuery = DEFAULT_CHANGE_QUERY): Html {
  const json = `/keys.json${queryString(query, { page: 1 })}`;
  return html`<header><h1>MongoDB API keys</h1><span class="meta">exporter ${context.version} · ${poll}</span>
<nav><a href="${context.telemetryPath}">${context.telemetryPath}</a><a href="/healthz">/healthz</a><a href="/readyz">/readyz</a><a href="${json}">/keys.json</a><a href="${eventsJsonHref(changeQuery)}">/events.json</a></nav></header>`;
}

function thresholdsLine(query: AuditQuery): Html {
  const t = query.thresholds;
  return html`<p class="muted">Needs attention: a secret expired or expiring within <b>${t.expiringDays} d</b>; usable from any address; last used more than <b>${t.idleDays} d</b> ago; never used and older than <b>${t.neverUsedDays} d</b>; disabled. <span class="small nowrap">Override: <span class="mono">?idleDays=</span>, <span class="mono">expiringDays=</span>, <span class="mono">neverUsedDays=</span></span></p>`;
}

function cards(audit: Audit): Html {
  const { total } = audit.counts;
  const card = (label: string, value: number, filter: Filter, hot: boolean) =>
    html`<a class="card${hot && value > 0 ? ' hot' : ''}" href="${href(audit, { filter, kind: undefined })}" data-filter="${filter}"><b>${number(value)}</b><span>${label}</span></a>`;
  return html`<div class="cards">${card('keys', total.keys, 'all', false)}${card('need attention', total.attention, 'attention', true)}${RISKS.map((risk) =>
    card(RISK_LABELS[risk], total.risks[risk], risk, true),
  )}<div class="card${total.scopesDown > 0 ? ' hot' : ''}"><b>${number(total.scopes - total.scopesDown)} / ${number(total.scopes)}</b><span>scopes up</span></div></div>`;
}

function countsTable(audit: Audit): Html {
  const cell = (value: number, kind: KeyKind | undefined, filter: Filter) =>
    html`<td class="n">${value === 0 ? ZERO : html`<a href="${href(audit, { kind, filter })}">${number(value)}</a>`}</td>`;
  const line = (label: Interpolation, counts: KindCounts, kind: KeyKind | undefined) =>
    html`<tr><th scope="row">${label}</th>${cell(counts.keys, kind, 'all')}${cell(counts.attention, kind, 'attention')}${RISKS.map((risk) => cell(counts.risks[risk], kind, risk))}<td class="n">${number(counts.scopes)}</td><td class="n">${counts.scopesDown > 0 ? html`<span class="down">${number(counts.scopesDown)}</span>` : ZERO}</td></tr>`;
  const kinds = KEY_KINDS.flatMap((kind) => {
    const counts = audit.counts.byKind[kind];
    return counts ? [line(KEY_KIND_LABELS[kind], counts, kind)] : [];
  });
  return html`<div class="scroll"><table class="counts" id="counts"><thead><tr><th>Kind</th><th class="n">Keys</th><th class="n">Attention</th>${RISKS.map((risk) => html`<th class="n">${RISK_LABELS[risk]}</th>`)}<th class="n">Scopes</th><th class="n">Down</th></tr></thead>
<tbody>${kinds}${line(html`<b>All</b>`, audit.counts.total, undefined)}</tbody></table></div>`;
}

function pills(label: string, items: readonly { text: string; link: string; on: boolean; data: Html }[]): Html {
  return html`<div class="pills"><span>${label}</span>${items.map((item) => html`<a class="pill${item.on ? ' on' : ''}" href="${item.link}" ${item.data}>${item.text}</a>`)}</div>`;
}

function filterBar(audit: Audit): Html {
  const { query } = audit;
  const kinds = [undefined, ...KEY_KINDS.filter((kind) => audit.counts.byKind[kind] !== undefined)].map((kind) => ({
    text: kind === undefined ? 'All' : KEY_KIND_LABELS[kind],
    link: href(audit, { kind }),
    on: query.kind === kind,
    data: html`data-kind="${kind ?? 'all'}"`,
  }));
  const filters = FILTERS.map((filter) => ({
    text: FILTER_LABELS[filter],
    link: href(audit, { filter }),
    on: query.filter === filter,
    data: html`data-filter="${filter}"`,
  }));
  // A GET form for the search: the other parameters travel as hidden fields.
  const hidden = [...new URLSearchParams(href(audit, { search: undefined }).slice(2))].map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  );
  const search = html`<form method="get" action="/" role="search">${hidden}<input type="search" name="q" value="${query.search ?? ''}" placeholder="description, owner, key id, suffix" aria-label="Search keys"><button type="submit">Search</button></form>`;
  return html`<div class="bar">${pills('Kind', kinds)}</div><div class="bar">${pills('Show', filters)}${search}</div>`;
}

const SORT_COLUMNS: readonly { readonly sort?: Sort; readonly label: string; readonly numeric?: boolean; readonly title?: string }[] = [
  { sort: 'risk', label: 'Risk' },
  { sort: 'kind', label: 'Kind' },
  { sort: 'owner', label: 'Owner' },
  { sort: 'description', label: 'Description' },
  { label: 'Key' },
  { label: 'Created' },
  { label: 'Last used' },
  { sort: 'age', label: 'Age', numeric: true },
  { sort: 'idle', label: 'Idle', numeric: true },
  { sort: 'expires', label: 'Expires' },
  { label: 'Uses', numeric: true, title: 'usedCount of a personal key; no other kind reports a total use' },
  { label: 'Access list', numeric: true, title: 'entries on the API access list (a secret has its service account\'s); hover for the most recently used' },
  { label: 'Roles' },
];

function columnHeader(audit: Audit, column: (typeof SORT_COLUMNS)[number]): Html {
  const { query } = audit;
  const cls = html`${column.numeric ? html` class="n"` : ''}${column.title ? html` title="${column.title}"` : ''}`;
  if (column.sort === undefined) return html`<th${cls}>${column.label}</th>`;
  const active = query.sort === column.sort;
  const dir = active ? (query.dir === 'asc' ? 'desc' : 'asc') : DEFAULT_DIRECTION[column.sort];
  const arrow = active ? (query.dir === 'asc' ? ' ▲' : ' ▼') : '';
  const sorted = active ? html` aria-sort="${query.dir === 'asc' ? 'ascending' : 'descending'}"` : '';
  return html`<th${cls}${sorted}><a href="${href(audit, { sort: column.sort, dir })}" data-sort="${column.sort}">${column.label}${arrow}</a></th>`;
}

function owner(row: Pick<AuditRow | ScopeRow, 'ownerName' | 'ownerId' | 'ownerType'>): Html {
  const id = html`<span class="mono small muted" title="${row.ownerType} id">${row.ownerId}</span>`;
  return row.ownerName !== undefined ? html`${row.ownerName}<br>${id}` : id;
}

function expires(row: AuditRow): Html {
  if (row.expiresAt === undefined || row.expiresIn === undefined) return DASH;
  const when = row.expiresIn <= 0 ? `${formatDuration(row.expiresIn)} ago` : `in ${formatDuration(row.expiresIn)}`;
  return html`${date(row.expiresAt)}<br><span class="small ${row.expiresIn <= 0 ? 'down' : 'muted'}">${when}</span>`;
}

/** The number of entries; the title says, per entry shown, its last use and the requests from its last address. */
function accessList(row: AuditRow): Interpolation {
  if (row.accessListEntries === undefined) return DASH;
  const lines = (row.accessList ?? []).map((entry) =>
    entry.lastUsedAt === undefined
      ? `${entry.address}: never used`
      : `${entry.address}: last used ${new Date(entry.lastUsedAt).toISOString()}${entry.lastUsedAddress ? ` from ${entry.lastUsedAddress}` : ''}${entry.requests !== undefined ? `, ${number(entry.requests)} requests from that address` : ''}`,
  );
  return lines.length === 0 ? number(row.accessListEntries) : html`<span title="${lines.join('\n')}">${number(row.accessListEntries)}</span>`;
}

function keyRow(row: AuditRow): Html {
  const risks = row.risks.length === 0 ? badge('ok') : row.risks.map((risk) => badge(risk));
  const suffix = row.suffix === '' ? '' : html`<span class="mono" title="the last four characters the API shows">…${row.suffix}</span> `;
  const publicId = row.publicId !== undefined ? html`<br><span class="mono small">${row.publicId}</span>` : '';
  const account = row.accountName !== undefined ? html`<span class="muted">${row.accountName}:</span> ` : '';
  const description = row.description === '' ? DASH : row.description;
  const lastUsed = row.lastUsedAt !== undefined ? date(row.lastUsedAt) : row.idle !== undefined ? NEVER : DASH;
  return html`<tr data-key-id="${row.keyId}" data-kind="${row.kind}" data-risks="${row.risks.join(' ')}" id="${rowAnchor(row)}"><td>${risks}</td><td class="nowrap">${KEY_KIND_LABELS[row.kind]}</td><td>${owner(row)}</td><td class="desc">${account}${description}</td><td>${suffix}<span class="mono small muted" title="key id">${row.keyId}</span>${publicId}</td><td>${date(row.createdAt)}</td><td>${lastUsed}</td><td class="n nowrap">${row.age !== undefined ? formatDuration(row.age) : DASH}</td><td class="n nowrap">${row.idle !== undefined ? formatDuration(row.idle) : DASH}</td><td>${expires(row)}</td><td class="n">${row.uses !== undefined ? number(row.uses) : DASH}</td><td class="n">${accessList(row)}</td><td class="small roles">${row.roles.length ? join(row.roles, html`<br>`) : DASH}</td></tr>`;
}

/** Previous and next links around "Keys 1–200 of 900": `to(n)` links to page n. */
function pager(what: string, page: Page<unknown>, to: (page: number) => string, data = 'page'): Html | '' {
  if (page.total === 0) return '';
  const from = page.offset + 1;
  const last = page.offset + page.items.length;
  const previous = page.page > 1 ? html`<a href="${to(page.page - 1)}" rel="prev" data-${data}="prev">← Previous</a>` : html`<span class="muted">← Previous</span>`;
  const next = page.page < page.pages ? html`<a href="${to(page.page + 1)}" rel="next" data-${data}="next">Next →</a>` : html`<span class="muted">Next →</span>`;
  return html`<div class="pager">${previous}<span>${what} ${number(from)}–${number(last)} of ${number(page.total)} · page ${number(page.page)} of ${number(page.pages)}</span>${next}</div>`;
}

function keysSection(audit: Audit, page: Page<AuditRow>): Html {
  const keysPager = pager('Keys', page, (n) => href(audit, { page: n }));
  const body = page.items.length === 0 ? html`<tr><td colspan="${SORT_COLUMNS.length}" class="muted">No key matches.</td></tr>` : join(page.items.map(keyRow), LINE);
  return html`<h2 id="keys-heading">Keys${audit.query.filter === 'all' ? ', riskiest first' : ''}</h2>${filterBar(audit)}${keysPager}
<div class="scroll"><table id="keys"><thead><tr>${SORT_COLUMNS.map((column) => columnHeader(audit, column))}</tr></thead>
<tbody>
${body}
</tbody></table></div>${page.pages > 1 ? keysPager : ''}`;
}

/** Up to this many trails get a pill of their own; beyond, a scope is picked from the table. */
const SCOPE_PILLS = 20;
/** At most this many failing trails are named above the changes. */
const FAILING_TRAILS = 20;

/** `2025-06-01 11:58`, the full time in the title, and how long ago. */
function moment(ms: number, now: number): Html {
  const iso = new Date(ms).toISOString();
  return html`<span class="nowrap" title="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)}</span><br><span class="small muted">${formatDuration(now - ms)} ago</span>`;
}

function trailName(trail: Pick<TrailRow, 'orgId' | 'orgName' | 'projectId' | 'projectName'>): string {
  const org = trail.orgName ?? trail.orgId;
  return trail.projectId === undefined ? `organization ${org}` : `project ${trail.projectName ?? trail.projectId} (organization ${org})`;
}

function changeFilterBar(audit: Audit): Html {
  const query = audit.changeQuery;
  const types = [undefined, ...EVENT_CATEGORY_NAMES].map((category) => ({
    text: category === undefined ? 'All' : EVENT_CATEGORY_LABELS[category],
    link: changeHref(audit, { type: category }),
    on: query.type === category,
    data: html`data-event-type="${category ?? 'all'}"`,
  }));
  // One type (from a row's "what") gets a pill of its own while it filters.
  if (query.type !== undefined && !isEventCategory(query.type)) {
    types.push({ text: EVENT_TYPE_LABELS[query.type], link: changeHref(audit), on: true, data: html`data-event-type="${query.type}"` });
  }
  const listed = audit.trails.length <= SCOPE_PILLS ? audit.trails : audit.trails.filter((trail) => (trail.projectId ?? trail.orgId) === query.scope);
  const scopes = [
    { text: 'All', link: changeHref(audit, { scope: undefined }), on: query.scope === undefined, data: html`data-event-scope="all"` },
    ...listed.map((trail) => {
      const id = trail.projectId ?? trail.orgId;
      return { text: trail.projectId === undefined ? (trail.orgName ?? trail.orgId) : (trail.projectName ?? trail.projectId), link: changeHref(audit, { scope: id }), on: query.scope === id, data: html`data-event-scope="${id}"` };
    }),
  ];
  if (query.scope !== undefined && !scopes.some((scope) => scope.on)) scopes.push({ text: query.scope, link: changeHref(audit), on: true, data: html`data-event-scope="${query.scope}"` });
  return html`<div class="bar">${pills('What', types)}</div><div class="bar">${pills('Scope', scopes)}</div>`;
}

/** What the trails say about themselves: how many are read, and which could not be. */
function trailsLine(trails: readonly TrailRow[]): Html {
  if (trails.length === 0) return html`<p class="muted" id="trails">No event trail is read: no <span class="mono">organizations:</span> entry reads events.</p>`;
  const failing = trails.filter((trail) => !trail.up);
  const named = failing.slice(0, FAILING_TRAILS).map((trail) => {
    const status = trail.lastErrorStatus !== undefined ? html`, HTTP ${trail.lastErrorStatus}` : '';
    return html`<span data-trail-down="${trail.projectId ?? trail.orgId}">${trailName(trail)} (<span class="mono">${trail.lastErrorReason ?? 'unknown'}</span>${status})</span>`;
  });
  const more = failing.length > named.length ? html` and ${number(failing.length - named.length)} more` : '';
  const down = failing.length === 0 ? '' : html` <span class="down">${number(failing.length)} could not be read at the last poll:</span> ${join(named, html`; `)}${more}.`;
  return html`<p class="muted" id="trails">Events of ${number(trails.length)} ${trails.length === 1 ? 'organization or project' : 'organizations and projects'}, newest first.${down}</p>`;
}

function changeKey(change: ChangeRow, audit: Audit, onPage: ReadonlySet<string>): Html | Interpolation {
  const { key } = change;
  if (key === undefined) return change.target === undefined ? DASH : html`<span class="mono small">${change.target}</span><br><span class="small muted">not listed</span>`;
  const anchor = rowAnchor(key);
  // The row is on this page of the key table, or on the page that searches for it.
  const target = onPage.has(anchor) ? '' : href(audit, { kind: key.kind, filter: 'all', search: key.keyId });
  const name = key.accountName ?? (key.description === '' ? key.keyId : key.description);
  return html`<a href="${target}#${encodeURIComponent(anchor)}" data-key-link="${anchor}">${name}</a><br><span class="mono small">${key.publicId ?? key.keyId}</span>`;
}

function changeWho(change: ChangeRow): Html | Interpolation {
  const { event } = change;
  if (event.username !== undefined) return event.username;
  if (event.publicKey !== undefined) return html`<span class="muted">API key</span> <span class="mono">${event.publicKey}</span>`;
  if (event.userId !== undefined) return html`<span class="muted">user id</span> <span class="mono small">${event.userId}</span>`;
  return DASH;
}

function changeScope(change: ChangeRow, audit: Audit): Html {
  const org = html`<a href="${changeHref(audit, { scope: change.orgId })}" title="organization ${change.orgId}">${change.orgName ?? change.orgId}</a>`;
  if (change.projectId === undefined) return org;
  return html`<a href="${changeHref(audit, { scope: change.projectId })}" title="project ${change.projectId}">${change.projectName ?? change.projectId}</a><br><span class="small muted">${org}</span>`;
}

function changeRow(change: ChangeRow, audit: Audit, onPage: ReadonlySet<string>): Html {
  const { event } = change;
  const entry =
    event.accessListEntry === undefined
      ? ''
      : html`<br><span class="mono">${event.accessListEntry}</span>${change.anyAddress ? html` <span class="badge r-unrestricted">any address</span>` : ''}`;
  const what = html`<a href="${changeHref(audit, { type: event.type })}" title="${event.type}">${EVENT_TYPE_LABELS[event.type]}</a>${entry}`;
  const from = event.remoteAddress === undefined ? DASH : html`<span class="mono">${event.remoteAddress}</span>`;
  return html`<tr data-event-id="${event.id}" data-event-type="${event.type}"><td>${moment(event.createdAt, audit.now)}</td><td>${what}</td><td class="desc">${changeKey(change, audit, onPage)}</td><td>${changeWho(change)}</td><td>${from}</td><td>${changeScope(change, audit)}</td></tr>`;
}

/** The recent changes: newest first, filtered by type and scope, each linked to its key's row when listed. */
function changesSection(audit: Audit, keys: Page<AuditRow>): Html {
  const page = paginate(audit.changes, audit.changeQuery.page, audit.changeQuery.limit);
  const onPage = new Set(keys.items.map(rowAnchor));
  const body =
    page.items.length === 0
      ? html`<tr><td colspan="6" class="muted">${audit.trails.length === 0 ? 'No event is read.' : 'No change matches.'}</td></tr>`
      : join(
          page.items.map((change) => changeRow(change, audit, onPage)),
          LINE,
        );
  const changesPager = pager('Changes', page, (n) => link(audit.query, audit.changeQuery, {}, { page: n }), 'event-page');
  return html`<h2 id="changes-heading">Recent changes</h2>${trailsLine(audit.trails)}${changeFilterBar(audit)}${changesPager}
<div class="scroll"><table id="changes"><thead><tr><th>When</th><th>What</th><th>Key</th><th>Who</th><th>From</th><th>Scope</th></tr></thead>
<tbody>
${body}
</tbody></table></div>${page.pages > 1 ? changesPager : ''}`;
}

/** At most this many scopes are listed; the failing ones come first. */
const SCOPE_ROWS = 200;

function scopeRow(scope: ScopeRow, now: number): Html {
  const status = scope.up ? html`<span class="up">● up</span>` : html`<span class="down">● down</span>`;
  const success = scope.lastSuccessAt !== undefined ? html`${date(scope.lastSuccessAt)} <span class="small muted">${formatDuration(now - scope.lastSuccessAt)} ago</span>` : NEVER;
  const httpStatus = scope.lastErrorStatus !== undefined ? html` <span class="muted">(HTTP ${scope.lastErrorStatus})</span>` : '';
  const error = scope.lastErrorReason !== undefined ? html`<span class="mono">${scope.lastErrorReason}</span>${httpStatus}` : DASH;
  return html`<tr data-scope="${scope.kind}/${scope.ownerId}"><td>${status}</td><td class="nowrap">${KEY_KIND_LABELS[scope.kind]}</td><td>${owner(scope)}</td><td class="n">${scope.keys !== undefined ? number(scope.keys) : DASH}</td><td>${success}</td><td>${error}</td><td class="n">${number(scope.errors)}</td></tr>`;
}

function scopesSection(audit: Audit): Html {
  const shown = audit.scopes.slice(0, SCOPE_ROWS);
  const rows = join(
    shown.map((scope) => scopeRow(scope, audit.now)),
    LINE,
  );
  const more = audit.scopes.length > shown.length ? html`<p class="muted">${number(audit.scopes.length - shown.length)} more scopes are up; <a href="/keys.json">/keys.json</a> lists them all.</p>` : '';
  return html`<h2>Scopes</h2><div class="scroll"><table id="scopes"><thead><tr><th>Status</th><th>Kind</th><th>Owner</th><th class="n">Keys</th><th>Last success</th><th>Last error</th><th class="n">Errors</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>${more}`;
}

const STYLESHEET = raw(STYLE);

function document(title: string, head: Html, main: Html): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${title}</title>
<style>${STYLESHEET}</style></head>
<body>
${head}
<main>
${main}
<footer>Read from the same snapshot as the metrics. Only the last four characters the API shows of a secret appear here.</footer>
</main>
</body>
</html>
`.text;
}

/** The page after the first poll. Pure (the audit carries the clock). */
export function renderAuditPage(audit: Audit, context: PageContext): string {
  const keys = paginate(audit.selected, audit.query.page, audit.query.limit);
  return document(
    'MongoDB API keys — audit',
    header(pollText(audit), context, audit.query, audit.changeQuery),
    html`<h2>Overview</h2>${cards(audit)}${thresholdsLine(audit.query)}${countsTable(audit)}${keysSection(audit, keys)}${changesSection(audit, keys)}${scopesSection(audit)}`,
  );
}

/** The page before the first poll has completed. */
export function renderWaitingPage(query: AuditQuery, context: PageContext): string {
  return document(
    'MongoDB API keys — waiting for the first poll',
    header('waiting for the first poll', context, query),
    html`<p class="notice" id="not-ready">The first poll has not completed yet: no key is known. This page fills in when it has (see <a href="/readyz">/readyz</a>).</p>${thresholdsLine(query)}`,
  );
}

/** A 400 page naming the bad parameter. */
export function renderBadQueryPage(error: string, context: PageContext, query: AuditQuery): string {
  return document('MongoDB API keys — bad request', header('bad request', context, query), html`<p class="notice">${error}. <a href="/">Back to the defaults</a>.</p>`);
}
