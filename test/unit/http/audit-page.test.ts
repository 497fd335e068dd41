import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { audit } from '../../../src/audit/audit.js';
import { parseChangeQuery } from '../../../src/audit/change-query.js';
import { DEFAULT_QUERY, parseAuditQuery, type AuditQuery } from '../../../src/audit/query.js';
import { AUDIT_CSP, formatDuration, renderAuditPage, renderBadQueryPage, renderWaitingPage, STYLE_HASH } from '../../../src/http/audit-page.js';
import type { Snapshot } from '../../../src/model/snapshot.js';
import type { KeyEvent } from '../../../src/model/event.js';
import { ALICE, EVENTS, EXPECTED_CHANGES, EXPECTED_ORDER, NOW, ORG_KEYS, SNAPSHOT, XSS, ZERO } from '../audit/fixture.js';

const CONTEXT = { version: '1.2.3', telemetryPath: '/metrics' };
const parse = (search: string): AuditQuery => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};
const changeQuery = (search: string) => {
  const parsed = parseChangeQuery(new URLSearchParams(search), 'page');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};
const render = (search = '', snapshot: Snapshot = SNAPSHOT) => renderAuditPage(audit(snapshot, parse(search), NOW, changeQuery(search)), CONTEXT);
const rowIds = (html: string) => [...html.matchAll(/<tr data-key-id="([^"]*)"/g)].map((match) => match[1]);

/** Every attribute value and text between tags, roughly: what a browser would treat as markup. */
const tags = (html: string) => [...html.matchAll(/<([a-z][a-z0-9]*)\b/gi)].map((match) => match[1]!.toLowerCase());

describe('renderAuditPage', () => {
  it('lists the keys riskiest first, with a badge per risk', () => {
    const html = render();
    expect(rowIds(html)).toEqual(EXPECTED_ORDER);
    expect(html).toContain('<span class="badge r-expired">expired</span>');
    expect(html).toContain('<span class="badge r-never_used">never used</span><span class="badge r-disabled">disabled</span>');
    expect(html).toContain('href="/metrics"');
    expect(html).toContain('href="/healthz"');
    expect(html).toContain('href="/readyz"');
    // The thresholds are shown.
    expect(html).toMatch(/within <b>14 d<\/b>.*more than <b>90 d<\/b>.*older than <b>30 d<\/b>/s);
  });

  it('shows the access list of a key: its entries, and per shown entry its last use and the requests from its last address', () => {
    const row = render().split('<tr data-key-id="pk-open"')[1]!.split('</tr>')[0]!;
    expect(row).toContain('<span title="0.0.0.0/0: last used 2025-05-29T12:00:00.000Z from 198.51.100.7, 9 requests from that address">1</span>');
    const closed = render().split('<tr data-key-id="pk-closed"')[1]!.split('</tr>')[0]!;
    expect(closed).toContain('title="192.0.2.0/24: never used\n192.0.2.9/32: never used">2</span>');
    expect(render()).toContain('<th class="n" title="usedCount of a personal key; no other kind reports a total use">Uses</th>');
  });

  it('shows no suffix where the API shows none of the key', () => {
    const snapshot: Snapshot = { ...SNAPSHOT, scopes: [{ scope: ALICE, up: true, errors: ZERO, keys: [{ id: 'sa-masked', description: 'masked', suffix: '', tracksUse: true, createdAt: NOW - 1_000 }] }] };
    const row = render('', snapshot).split('<tr data-key-id="sa-masked"')[1]!.split('</tr>')[0]!;
    expect(row).not.toContain('…');
  });

  it('shows an attacker-controlled description only escaped, and no script anywhere', () => {
    const hostile: Snapshot = {
      ...SNAPSHOT,
      scopes: [
        ...SNAPSHOT.scopes,
        {
          scope: { ...ALICE, id: 'u-"><em>', name: `javascript:alert(1)//"'<i>` },
          up: true,
          errors: ZERO,
          keys: [{ id: `k"'<>&`, description: XSS, suffix: '<s>', tracksUse: true, createdAt: NOW - 1_000, roles: [{ name: '<img src=x onerror=alert(1)>' }] }],
        },
      ],
    };
    const html = render('q=', hostile) + render('q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E', hostile);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('"><script');
    expect(html).not.toContain('<em>');
    expect(html).not.toContain('<i>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<s>');
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain('&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#38;');
    expect(html).toContain('javascript:alert(1)//&#34;&#39;&#60;i&#62;');
    expect(html).toContain('data-key-id="k&#34;&#39;&#60;&#62;&#38;"');
    expect(new Set(tags(html))).toEqual(new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'header', 'h1', 'span', 'nav', 'a', 'main', 'h2', 'div', 'b', 'p', 'table', 'thead', 'tr', 'th', 'tbody', 'td', 'br', 'form', 'input', 'button', 'footer']));
    // Every link stays on this site: a path, or a row of this page.
    for (const [, target] of html.matchAll(/href="([^"]*)"/g)) expect(target).toMatch(/^(\/(?!\/)|#key-)/);
  });

  it('escapes a <script> in every string the API gives, wherever the page shows it', () => {
    const script = (field: string) => `<script>${field}</script>`;
    const key = {
      id: script('id'),
      description: script('description'),
      suffix: script('suffix'),
      tracksUse: true,
      createdAt: NOW - 1_000,
      publicKey: script('publicKey'),
      accountName: script('accountName'),
      roles: [{ name: script('role') }],
      accessList: { entries: 1, unrestricted: false, shown: [{ address: script('address'), lastUsedAt: NOW - 1_000, lastUsedAddress: script('lastUsedAddress'), requests: 1 }] },
    };
    const hostile: Snapshot = {
      ...SNAPSHOT,
      scopes: [
        { scope: { ...ALICE, id: script('ownerId'), name: script('ownerName') }, up: true, errors: ZERO, keys: [key] },
        {
          scope: { ...ALICE, id: script('downId'), owner: script('ownerType') as 'user' },
          up: false,
          keys: undefined,
          errors: ZERO,
          lastFailure: { reason: script('reason') as 'forbidden', message: script('message') },
        },
      ],
    };
    const html = render('', hostile) + render(`q=${encodeURIComponent(script('q'))}`, hostile);
    expect(html).not.toMatch(/<script/i);
    const shown = ['id', 'description', 'suffix', 'publicKey', 'accountName', 'role', 'address', 'lastUsedAddress', 'ownerId', 'ownerName', 'downId', 'ownerType', 'reason', 'q'];
    for (const field of shown) expect(html, field).toContain(`&#60;script&#62;${field}&#60;/script&#62;`);
  });

  it('filters and sorts through links that keep the other parameters', () => {
    const html = render('kind=user&idleDays=30');
    // A lower idle threshold makes uk-disabled (last used 5 d ago) no more idle, but uk-never-10 is still within its grace.
    expect(rowIds(html)).toEqual(['uk-idle-200', 'uk-idle-100', 'uk-never-disabled', 'uk-never-60', 'uk-disabled', 'uk-never-10', 'uk-recent']);
    expect(html).toContain('href="/?kind=user&#38;sort=age&#38;idleDays=30" data-sort="age"');
    expect(html).toContain('href="/?kind=user&#38;filter=attention&#38;idleDays=30" data-filter="attention"');
    expect(html).toContain('href="/?idleDays=30" data-kind="all"');
    // The active sort column links to the other direction.
    expect(render('sort=age')).toContain('href="/?sort=age&#38;dir=asc" data-sort="age">Age ▼</a>');
    // The search form carries the other parameters.
    expect(render('kind=user&q=ci')).toContain('<input type="hidden" name="kind" value="user"><input type="search" name="q" value="ci"');
  });

  it('renders one page of at most the limit, with previous and next links', () => {
    const keys = Array.from({ length: 450 }, (_, index) => ({ id: `k${String(index).padStart(4, '0')}`, description: 'bulk', suffix: 'abcd', createdAt: NOW - index * 1_000, tracksUse: true, lastUsedAt: NOW - index * 1_000 }));
    const big: Snapshot = { ...SNAPSHOT, scopes: [{ scope: ALICE, up: true, errors: ZERO, keys }] };
    const first = render('', big);
    expect(rowIds(first)).toHaveLength(200);
    expect(first).toContain('Keys 1–200 of 450 · page 1 of 3');
    expect(first).toContain('href="/?page=2" rel="next"');
    expect(first).not.toContain('rel="prev"');
    const last = render('page=3', big);
    expect(rowIds(last)).toHaveLength(50);
    expect(last).toContain('href="/?page=2" rel="prev"');
    expect(rowIds(render('page=999', big))).toEqual(rowIds(last));
    expect(rowIds(render('limit=10&page=2', big))).toEqual(rowIds(first).slice(10, 20));
  });

  it('lists failing scopes first with their last error reason', () => {
    const html = render();
    const scopes = [...html.matchAll(/<tr data-scope="([^"]*)"/g)].map((match) => match[1]);
    expect(scopes[0]).toBe('agent/p-locked');
    expect(html).toMatch(/<span class="down">● down<\/span>.*<span class="mono">forbidden<\/span> <span class="muted">\(HTTP 403\)<\/span>/);
  });

  it('carries a style whose hash is the one in the CSP, and no script', () => {
    const html = render();
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(`sha256-${createHash('sha256').update(style).digest('base64')}`).toBe(STYLE_HASH);
    expect(AUDIT_CSP).toBe(`default-src 'none'; style-src '${STYLE_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`);
    expect(html).not.toMatch(/ style=|<script|<link|<img|<iframe| on[a-z]+=/i);
  });

  it('says so before the first poll, and names a bad parameter', () => {
    expect(renderWaitingPage(DEFAULT_QUERY, CONTEXT)).toContain('The first poll has not completed yet');
    expect(renderBadQueryPage('query parameter sort: expected one of <x>', CONTEXT, DEFAULT_QUERY)).toContain('query parameter sort: expected one of &#60;x&#62;');
  });
});

describe('formatDuration', () => {
  it.each([
    [59_000, '0 min'],
    [45 * 60_000, '45 min'],
    [5 * 3_600_000, '5 h'],
    [23 * 3_600_000, '23 h'],
    [86_400_000, '1 d'],
    [47 * 3_600_000, '1 d'],
    [-3 * 86_400_000, '3 d'],
    [1_234 * 86_400_000, '1,234 d'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('Recent changes', () => {
  const changeIds = (html: string) => [...html.matchAll(/<tr data-event-id="([^"]*)"/g)].map((match) => match[1]);
  const rowOf = (html: string, id: string) => html.split(`<tr data-event-id="${id}"`)[1]!.split('</tr>')[0]!;
  const escaped = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

  it('lists the events newest first: when, what, which key, who, from where, and the scope', () => {
    const html = render();
    expect(html.indexOf('id="keys"')).toBeLessThan(html.indexOf('<h2 id="changes-heading">Recent changes</h2>'));
    expect(html.indexOf('id="changes"')).toBeLessThan(html.indexOf('id="scopes"'));
    expect(changeIds(html)).toEqual(EXPECTED_CHANGES.map(escaped));
    const created = rowOf(html, 'ev-created');
    expect(created).toContain('title="2025-05-31T06:00:00.000Z">2025-05-31 06:00</span><br><span class="small muted">1 d ago</span>');
    expect(created).toContain('>API key created</a>');
    expect(created).toContain('<td>alice@example.com</td><td><span class="mono">198.51.100.7</span></td>');
    expect(created).toContain('<a href="/?eventScope=o-acme" title="organization o-acme">Acme</a>');
    // An event of a project names the project, then its organisation.
    expect(rowOf(html, 'ev-added')).toContain('<a href="/?eventScope=p-prod" title="project p-prod">prod</a><br><span class="small muted"><a href="/?eventScope=o-acme"');
    // An event triggered by an API key names its public key.
    expect(rowOf(html, 'ev-opened')).toContain('<td><span class="muted">API key</span> <span class="mono">ijklmnop</span></td>');
    // The entry, and that it opens the list to any address.
    expect(rowOf(html, 'ev-opened')).toContain('<span class="mono">0.0.0.0/0</span> <span class="badge r-unrestricted">any address</span>');
    expect(rowOf(html, 'ev-created')).not.toContain('any address');
    // An organisation setting is about no key.
    expect(rowOf(html, 'ev-not-required')).toContain('<td class="desc"><span class="muted">—</span></td>');
  });

  it("links a change to its key's row: on this page by its anchor, otherwise through a search that lists it", () => {
    const html = render();
    expect(rowOf(html, 'ev-created')).toContain('<a href="#key-programmatic-o-acme-pk-open" data-key-link="key-programmatic-o-acme-pk-open">');
    expect(html).toContain('<tr data-key-id="pk-open" data-kind="programmatic" data-risks="unrestricted" id="key-programmatic-o-acme-pk-open">');
    expect(rowOf(html, 'ev-secret')).toContain('href="#key-service_account-o-acme-sa-valid"');
    expect(html).toContain('id="key-service_account-o-acme-sa-valid"');
    // Every anchor a change links to on this page is a row of this page.
    const anchors = new Set([...html.matchAll(/<tr data-key-id="[^"]*" data-kind="[^"]*" data-risks="[^"]*" id="([^"]*)"/g)].map((match) => match[1]));
    for (const [, anchor] of html.matchAll(/href="#([^"]*)"/g)) expect(anchors).toContain(anchor);
    // The key table shows user keys only: the link searches for the key among its kind.
    const filtered = render('kind=user&eventType=api_key');
    expect(rowOf(filtered, 'ev-created')).toContain('<a href="/?kind=programmatic&#38;q=pk-open&#38;eventType=api_key#key-programmatic-o-acme-pk-open"');
    // A key no longer listed is named, not linked.
    expect(rowOf(html, escaped(XSS))).toContain(`<span class="mono small">${escaped(XSS)}</span><br><span class="small muted">not listed</span>`);
  });

  it('filters by type and scope through links that keep the key table, and the key table keeps them', () => {
    const html = render('kind=user&sort=age&eventType=org');
    expect(changeIds(html)).toEqual(['ev-not-required']);
    expect(html).toContain('<a class="pill" href="/?kind=user&#38;sort=age" data-event-type="all">All</a>');
    expect(html).toContain('<a class="pill on" href="/?kind=user&#38;sort=age&#38;eventType=org" data-event-type="org">Organisation settings</a>');
    expect(html).toContain('href="/?kind=user&#38;sort=age&#38;eventType=org&#38;eventScope=p-prod" data-event-scope="p-prod">prod</a>');
    // The key table's links and search form carry the change filter.
    expect(html).toContain('href="/?kind=user&#38;filter=attention&#38;sort=age&#38;eventType=org" data-filter="attention"');
    expect(html).toContain('<input type="hidden" name="eventType" value="org">');
    // The header's /events.json link has the same filter.
    expect(html).toContain('<a href="/events.json?eventType=org">/events.json</a>');
    // One type has a pill of its own while it filters.
    const one = render('eventType=API_KEY_CREATED');
    expect(changeIds(one)).toEqual(['ev-created']);
    expect(one).toContain('<a class="pill on" href="/?eventType=API_KEY_CREATED" data-event-type="API_KEY_CREATED">API key created</a>');
    expect(changeIds(render('eventScope=p-prod'))).toEqual(['ev-added']);
    expect(render('eventScope=nowhere')).toContain('No change matches.');
  });

  it('says which trails could not be read, and when no trail is read', () => {
    expect(render()).toContain('Events of 3 organizations and projects, newest first. <span class="down">1 could not be read at the last poll:</span> <span data-trail-down="p-locked">project p-locked (organization Acme) (<span class="mono">forbidden</span>, HTTP 403)</span>.');
    const none = render('', { ...SNAPSHOT, trails: [] });
    expect(none).toContain('No event trail is read');
    expect(none).toContain('No event is read.');
    expect(changeIds(none)).toEqual([]);
  });

  it('gives each trail a scope pill up to 20 trails, beyond only the one that filters, and names at most 20 failing trails', () => {
    const trail = (n: number, up: boolean) => ({ orgId: `o-${n}`, credentialId: 'c', up, ...(up ? {} : { lastFailure: { reason: 'timeout' as const, message: 'slow' } }), recent: [], newest: {}, creations: [] });
    const pillsOf = (html: string) => [...html.matchAll(/data-event-scope="([^"]*)"/g)].map((match) => match[1]);
    const few: Snapshot = { ...SNAPSHOT, trails: Array.from({ length: 20 }, (_, n) => trail(n, true)) };
    expect(pillsOf(render('', few))).toHaveLength(21);
    const many: Snapshot = { ...SNAPSHOT, trails: Array.from({ length: 25 }, (_, n) => trail(n, false)) };
    expect(pillsOf(render('', many))).toEqual(['all']);
    expect(pillsOf(render('eventScope=o-7', many))).toEqual(['all', 'o-7']);
    const html = render('', many);
    expect([...html.matchAll(/data-trail-down="/g)]).toHaveLength(20);
    expect(html).toContain('<span class="down">25 could not be read at the last poll:</span>');
    expect(html).toContain(' and 5 more.');
  });

  it('pages the changes with eventPage, keeping the key table where it is', () => {
    const recent: KeyEvent[] = Array.from({ length: 120 }, (_, index) => ({ id: `e${String(index).padStart(3, '0')}`, type: 'API_KEY_DESCRIPTION_CHANGED', createdAt: NOW - index * 60_000, targetPublicKey: 'abcdefgh' }));
    const big: Snapshot = { ...SNAPSHOT, trails: [{ orgId: 'o-acme', credentialId: 'org', up: true, recent, newest: {}, creations: [] }] };
    const first = render('page=1&limit=5', big);
    expect(changeIds(first)).toEqual(recent.slice(0, 50).map((event) => event.id));
    expect(first).toContain('Changes 1–50 of 120 · page 1 of 3');
    expect(first).toContain('href="/?limit=5&#38;eventPage=2" rel="next" data-event-page="next"');
    const last = render('limit=5&eventPage=3', big);
    expect(changeIds(last)).toEqual(recent.slice(100).map((event) => event.id));
    expect(last).toContain('href="/?limit=5&#38;eventPage=2" rel="prev" data-event-page="prev"');
    // Paging the keys keeps the changes' page.
    expect(last).toContain('href="/?sort=age&#38;limit=5&#38;eventPage=3" data-sort="age"');
  });

  it('escapes a <script> in every string of an event and a trail', () => {
    const script = (field: string) => `<script>${field}</script>`;
    const fields = ['id', 'username', 'userId', 'publicKey', 'apiKeyId', 'remoteAddress', 'targetPublicKey', 'targetUsername', 'accessListEntry'] as const;
    const events: KeyEvent[] = [
      { ...EVENTS.opened, ...Object.fromEntries(fields.map((field) => [field, script(field)])) },
      // Shown only where the fields above are absent.
      { id: 'by-id', type: 'API_KEY_ROLES_CHANGED', createdAt: NOW, userId: script('userIdAlone'), targetUsername: script('targetUsernameAlone') },
    ];
    const hostile: Snapshot = {
      ...SNAPSHOT,
      scopes: [{ scope: { ...ORG_KEYS, id: script('orgId'), name: script('orgName') }, up: true, errors: ZERO, keys: [] }],
      trails: [
        { orgId: script('orgId'), credentialId: 'c', up: true, recent: events, newest: {}, creations: [] },
        { orgId: script('orgId'), projectId: script('projectId'), credentialId: 'c', up: false, lastFailure: { reason: script('reason') as 'forbidden', message: script('message') }, recent: [], newest: {}, creations: [] },
      ],
    };
    const html = render('', hostile) + render(`eventScope=${encodeURIComponent('a:b')}&eventType=API_KEY_CREATED`, hostile);
    expect(html).not.toMatch(/<script/i);
    const shown = ['id', 'username', 'remoteAddress', 'targetPublicKey', 'accessListEntry', 'userIdAlone', 'targetUsernameAlone', 'orgId', 'orgName', 'projectId', 'reason'];
    for (const field of shown) expect(html, field).toContain(`&#60;script&#62;${field}&#60;/script&#62;`);
    // A hostile scope id travels in links percent-encoded.
    expect(html).toContain('href="/?eventScope=%3Cscript%3EorgId%3C%2Fscript%3E"');
  });
});
