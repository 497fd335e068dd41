import { createHash } from 'node:crypto';
import type { KeyKind } from '../model/api-key.js';
import {
  DEFAULT_DIRECTION,
  KINDS,
  RISKS,
  paginate,
  queryString,
  type Audit,
  type AuditQuery,
  type AuditRow,
  type Filter,
  type KindCounts,
  type Risk,
  type ScopeRow,
  type Sort,
} from './audit-rows.js';

/**
 * `/`: the audit page. Server-rendered and self-contained: one inline `<style>` allowed by its
 * hash, no script, no external asset; sorting, filtering and paging are plain links (and a GET
 * form) whose query the server reads. Every string from the API is escaped.
 */

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

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
#keys{font-size:12.5px}
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

export const KIND_LABELS: Readonly<Record<KeyKind, string>> = {
  user: 'Personal (user)',
  agent: 'Agent',
  programmatic: 'Programmatic',
  service_account: 'Service account',
  global: 'Global (Ops Manager)',
};

export const RISK_LABELS: Readonly<Record<Risk, string>> = {
  expired: 'expired',
  expiring: 'expiring',
  unrestricted: 'unrestricted',
  idle: 'idle',
  never_used: 'never used',
  disabled: 'disabled',
};

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

function date(ms: number | undefined): string {
  if (ms === undefined) return '<span class="muted">—</span>';
  const iso = new Date(ms).toISOString();
  return `<span class="nowrap" title="${iso}">${iso.slice(0, 10)}</span>`;
}

const number = (n: number): string => n.toLocaleString('en-US');
const dash = '<span class="muted">—</span>';

function badge(risk: Risk | 'ok'): string {
  return `<span class="badge r-${risk}">${risk === 'ok' ? 'ok' : RISK_LABELS[risk]}</span>`;
}

function href(query: AuditQuery, changes: Partial<AuditQuery> = {}): string {
  return escapeHtml(`/${queryString(query, { page: 1, ...changes })}`);
}

function pollText(audit: Audit): string {
  return `last poll ${new Date(audit.snapshot.completedAt).toISOString().replace(/\.\d{3}Z$/, 'Z')} (${formatDuration(audit.now - audit.snapshot.completedAt)} ago)`;
}

function header(poll: string, context: PageContext, query: AuditQuery): string {
  const json = escapeHtml(`/keys.json${queryString(query, { page: 1 })}`);
  return `<header><h1>MongoDB API keys</h1><span class="meta">exporter ${escapeHtml(context.version)} · ${escapeHtml(poll)}</span>
<nav><a href="${escapeHtml(context.telemetryPath)}">${escapeHtml(context.telemetryPath)}</a><a href="/healthz">/healthz</a><a href="/readyz">/readyz</a><a href="${json}">/keys.json</a></nav></header>`;
}

function thresholdsLine(query: AuditQuery): string {
  const t = query.thresholds;
  return `<p class="muted">Needs attention: a secret expired or expiring within <b>${t.expiringDays} d</b>; usable from any address; last used more than <b>${t.idleDays} d</b> ago; never used and older than <b>${t.neverUsedDays} d</b>; disabled. <span class="small nowrap">Override: <span class="mono">?idleDays=</span>, <span class="mono">expiringDays=</span>, <span class="mono">neverUsedDays=</span></span></p>`;
}

function cards(audit: Audit): string {
  const { total } = audit.counts;
  const { query } = audit;
  const card = (label: string, value: number, filter: Filter, hot: boolean) =>
    `<a class="card${hot && value > 0 ? ' hot' : ''}" href="${href(query, { filter, kind: undefined })}" data-filter="${filter}"><b>${number(value)}</b><span>${label}</span></a>`;
  return `<div class="cards">${card('keys', total.keys, 'all', false)}${card('need attention', total.attention, 'attention', true)}${RISKS.map((risk) =>
    card(RISK_LABELS[risk], total.risks[risk], risk, true),
  ).join('')}<div class="card${total.scopesDown > 0 ? ' hot' : ''}"><b>${number(total.scopes - total.scopesDown)} / ${number(total.scopes)}</b><span>scopes up</span></div></div>`;
}

function countsTable(audit: Audit): string {
  const { query } = audit;
  const cell = (value: number, kind: KeyKind | undefined, filter: Filter) =>
    `<td class="n">${value === 0 ? '<span class="muted">0</span>' : `<a href="${href(query, { kind, filter })}">${number(value)}</a>`}</td>`;
  const line = (label: string, counts: KindCounts, kind: KeyKind | undefined) =>
    `<tr><th scope="row">${label}</th>${cell(counts.keys, kind, 'all')}${cell(counts.attention, kind, 'attention')}${RISKS.map((risk) => cell(counts.risks[risk], kind, risk)).join('')}<td class="n">${number(counts.scopes)}</td><td class="n">${counts.scopesDown > 0 ? `<span class="down">${number(counts.scopesDown)}</span>` : '<span class="muted">0</span>'}</td></tr>`;
  const kinds = KINDS.flatMap((kind) => {
    const counts = audit.counts.byKind[kind];
    return counts ? [line(escapeHtml(KIND_LABELS[kind]), counts, kind)] : [];
  });
  return `<div class="scroll"><table class="counts" id="counts"><thead><tr><th>Kind</th><th class="n">Keys</th><th class="n">Attention</th>${RISKS.map((risk) => `<th class="n">${RISK_LABELS[risk]}</th>`).join('')}<th class="n">Scopes</th><th class="n">Down</th></tr></thead>
<tbody>${kinds.join('')}${line('<b>All</b>', audit.counts.total, undefined)}</tbody></table></div>`;
}

function pills(label: string, items: readonly { text: string; link: string; on: boolean; data: string }[]): string {
  return `<div class="pills"><span>${label}</span>${items.map((item) => `<a class="pill${item.on ? ' on' : ''}" href="${item.link}" ${item.data}>${item.text}</a>`).join('')}</div>`;
}

function filterBar(audit: Audit): string {
  const { query } = audit;
  const kinds = [undefined, ...KINDS.filter((kind) => audit.counts.byKind[kind] !== undefined)].map((kind) => ({
    text: kind === undefined ? 'All' : escapeHtml(KIND_LABELS[kind]),
    link: href(query, { kind }),
    on: query.kind === kind,
    data: `data-kind="${kind ?? 'all'}"`,
  }));
  const filters = (['all', 'attention', 'ok', ...RISKS] as const).map((filter) => ({
    text: FILTER_LABELS[filter],
    link: href(query, { filter }),
    on: query.filter === filter,
    data: `data-filter="${filter}"`,
  }));
  // A GET form for the search: the other parameters travel as hidden fields.
  const hidden = [...new URLSearchParams(queryString(query, { page: 1, search: undefined }).slice(1))]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const search = `<form method="get" action="/" role="search">${hidden}<input type="search" name="q" value="${escapeHtml(query.search ?? '')}" placeholder="description, owner, key id, suffix" aria-label="Search keys"><button type="submit">Search</button></form>`;
  return `<div class="bar">${pills('Kind', kinds)}</div><div class="bar">${pills('Show', filters)}${search}</div>`;
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

function columnHeader(query: AuditQuery, column: (typeof SORT_COLUMNS)[number]): string {
  const cls = (column.numeric ? ' class="n"' : '') + (column.title ? ` title="${escapeHtml(column.title)}"` : '');
  if (column.sort === undefined) return `<th${cls}>${column.label}</th>`;
  const active = query.sort === column.sort;
  const dir = active ? (query.dir === 'asc' ? 'desc' : 'asc') : DEFAULT_DIRECTION[column.sort];
  const arrow = active ? (query.dir === 'asc' ? ' ▲' : ' ▼') : '';
  return `<th${cls}${active ? ' aria-sort="' + (query.dir === 'asc' ? 'ascending' : 'descending') + '"' : ''}><a href="${href(query, { sort: column.sort, dir })}" data-sort="${column.sort}">${column.label}${arrow}</a></th>`;
}

function owner(row: Pick<AuditRow | ScopeRow, 'ownerName' | 'ownerId' | 'ownerType'>): string {
  const id = `<span class="mono small muted" title="${escapeHtml(row.ownerType)} id">${escapeHtml(row.ownerId)}</span>`;
  return row.ownerName !== undefined ? `${escapeHtml(row.ownerName)}<br>${id}` : id;
}

function expires(row: AuditRow): string {
  if (row.expiresAt === undefined || row.expiresIn === undefined) return dash;
  const when = row.expiresIn <= 0 ? `${formatDuration(row.expiresIn)} ago` : `in ${formatDuration(row.expiresIn)}`;
  return `${date(row.expiresAt)}<br><span class="small ${row.expiresIn <= 0 ? 'down' : 'muted'}">${when}</span>`;
}

/** The number of entries; the title says, per entry shown, its last use and the requests from its last address. */
function accessList(row: AuditRow): string {
  if (row.accessListEntries === undefined) return dash;
  const lines = (row.accessList ?? []).map((entry) =>
    entry.lastUsedAt === undefined
      ? `${entry.address}: never used`
      : `${entry.address}: last used ${new Date(entry.lastUsedAt).toISOString()}${entry.lastUsedAddress ? ` from ${entry.lastUsedAddress}` : ''}${entry.requests !== undefined ? `, ${number(entry.requests)} requests from that address` : ''}`,
  );
  return lines.length === 0 ? number(row.accessListEntries) : `<span title="${escapeHtml(lines.join('\n'))}">${number(row.accessListEntries)}</span>`;
}

function keyRow(row: AuditRow): string {
  const risks = row.risks.length === 0 ? badge('ok') : row.risks.map(badge).join('');
  const publicId = row.publicId !== undefined ? `<br><span class="mono small">${escapeHtml(row.publicId)}</span>` : '';
  const account = row.accountName !== undefined ? `<span class="muted">${escapeHtml(row.accountName)}:</span> ` : '';
  const description = row.description === '' ? dash : escapeHtml(row.description);
  const lastUsed = row.lastUsedAt !== undefined ? date(row.lastUsedAt) : row.idle !== undefined ? '<span class="muted">never</span>' : dash;
  return `<tr data-key-id="${escapeHtml(row.keyId)}" data-kind="${row.kind}" data-risks="${row.risks.join(' ')}"><td>${risks}</td><td class="nowrap">${escapeHtml(KIND_LABELS[row.kind])}</td><td>${owner(row)}</td><td class="desc">${account}${description}</td><td>${row.suffix === '' ? '' : `<span class="mono" title="the last four characters the API shows">…${escapeHtml(row.suffix)}</span> `}<span class="mono small muted" title="key id">${escapeHtml(row.keyId)}</span>${publicId}</td><td>${date(row.createdAt)}</td><td>${lastUsed}</td><td class="n nowrap">${row.age !== undefined ? formatDuration(row.age) : dash}</td><td class="n nowrap">${row.idle !== undefined ? formatDuration(row.idle) : dash}</td><td>${expires(row)}</td><td class="n">${row.uses !== undefined ? number(row.uses) : dash}</td><td class="n">${accessList(row)}</td><td class="small roles">${row.roles.length ? row.roles.map(escapeHtml).join('<br>') : dash}</td></tr>`;
}

function pager(audit: Audit, page: ReturnType<typeof paginate<AuditRow>>): string {
  const { query } = audit;
  if (page.total === 0) return '';
  const from = page.offset + 1;
  const to = page.offset + page.items.length;
  const previous = page.page > 1 ? `<a href="${href(query, { page: page.page - 1 })}" rel="prev" data-page="prev">← Previous</a>` : '<span class="muted">← Previous</span>';
  const next = page.page < page.pages ? `<a href="${href(query, { page: page.page + 1 })}" rel="next" data-page="next">Next →</a>` : '<span class="muted">Next →</span>';
  return `<div class="pager">${previous}<span>Keys ${number(from)}–${number(to)} of ${number(page.total)} · page ${number(page.page)} of ${number(page.pages)}</span>${next}</div>`;
}

function keysSection(audit: Audit): string {
  const page = paginate(audit.selected, audit.query.page, audit.query.limit);
  const body =
    page.items.length === 0
      ? `<tr><td colspan="${SORT_COLUMNS.length}" class="muted">No key matches.</td></tr>`
      : page.items.map(keyRow).join('\n');
  return `<h2 id="keys-heading">Keys${audit.query.filter === 'all' ? ', riskiest first' : ''}</h2>${filterBar(audit)}${pager(audit, page)}
<div class="scroll"><table id="keys"><thead><tr>${SORT_COLUMNS.map((column) => columnHeader(audit.query, column)).join('')}</tr></thead>
<tbody>
${body}
</tbody></table></div>${page.pages > 1 ? pager(audit, page) : ''}`;
}

/** At most this many scopes are listed; the failing ones come first. */
export const SCOPE_ROWS = 200;

function scopesSection(audit: Audit): string {
  const shown = audit.scopes.slice(0, SCOPE_ROWS);
  const rows = shown
    .map(
      (scope) =>
        `<tr data-scope="${escapeHtml(scope.kind)}/${escapeHtml(scope.ownerId)}"><td>${scope.up ? '<span class="up">● up</span>' : '<span class="down">● down</span>'}</td><td class="nowrap">${escapeHtml(KIND_LABELS[scope.kind])}</td><td>${owner(scope)}</td><td class="n">${scope.keys !== undefined ? number(scope.keys) : dash}</td><td>${scope.lastSuccessAt !== undefined ? `${date(scope.lastSuccessAt)} <span class="small muted">${formatDuration(audit.now - scope.lastSuccessAt)} ago</span>` : '<span class="muted">never</span>'}</td><td>${scope.lastErrorReason !== undefined ? `<span class="mono">${escapeHtml(scope.lastErrorReason)}</span>${scope.lastErrorStatus !== undefined ? ` <span class="muted">(HTTP ${scope.lastErrorStatus})</span>` : ''}` : dash}</td><td class="n">${number(scope.errors)}</td></tr>`,
    )
    .join('\n');
  const more = audit.scopes.length > shown.length ? `<p class="muted">${number(audit.scopes.length - shown.length)} more scopes are up; <a href="/keys.json">/keys.json</a> lists them all.</p>` : '';
  return `<h2>Scopes</h2><div class="scroll"><table id="scopes"><thead><tr><th>Status</th><th>Kind</th><th>Owner</th><th class="n">Keys</th><th>Last success</th><th>Last error</th><th class="n">Errors</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>${more}`;
}

function document(title: string, head: string, main: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${title}</title>
<style>${STYLE}</style></head>
<body>
${head}
<main>
${main}
<footer>Read from the same snapshot as the metrics. Only the last four characters the API shows of a secret appear here.</footer>
</main>
</body>
</html>
`;
}

/** The page after the first poll. Pure (the audit carries the clock). */
export function renderAuditPage(audit: Audit, context: PageContext): string {
  return document(
    'MongoDB API keys — audit',
    header(pollText(audit), context, audit.query),
    `<h2>Overview</h2>${cards(audit)}${thresholdsLine(audit.query)}${countsTable(audit)}${keysSection(audit)}${scopesSection(audit)}`,
  );
}

/** The page before the first poll has completed. */
export function renderWaitingPage(query: AuditQuery, context: PageContext): string {
  return document(
    'MongoDB API keys — waiting for the first poll',
    header('waiting for the first poll', context, query),
    `<p class="notice" id="not-ready">The first poll has not completed yet: no key is known. This page fills in when it has (see <a href="/readyz">/readyz</a>).</p>${thresholdsLine(query)}`,
  );
}

/** A 400 page naming the bad parameter. */
export function renderBadQueryPage(error: string, context: PageContext, query: AuditQuery): string {
  return document('MongoDB API keys — bad request', header('bad request', context, query), `<p class="notice">${escapeHtml(error)}. <a href="/">Back to the defaults</a>.</p>`);
}
