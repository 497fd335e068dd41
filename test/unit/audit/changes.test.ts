import { describe, expect, it } from 'vitest';
import { audit, recentChanges } from '../../../src/audit/audit.js';
import { changeParams, DEFAULT_CHANGE_QUERY, EVENT_CATEGORIES, parseChangeQuery, type ChangeQuery } from '../../../src/audit/change-query.js';
import { buildChanges, EVENT_TYPE_LABELS, rowAnchor, selectChanges, trailRows } from '../../../src/audit/changes.js';
import { DEFAULT_QUERY } from '../../../src/audit/query.js';
import { buildRows } from '../../../src/audit/rows.js';
import { paginate } from '../../../src/audit/selection.js';
import { EVENT_TYPES, type KeyEvent } from '../../../src/model/event.js';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { EVENTS, EXPECTED_CHANGES, NOW, SNAPSHOT, XSS } from './fixture.js';

const parse = (search: string, paging: 'page' | 'json' = 'json'): ChangeQuery => {
  const parsed = parseChangeQuery(new URLSearchParams(search), paging);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};
const parseError = (search: string, paging: 'page' | 'json' = 'json'): string => {
  const parsed = parseChangeQuery(new URLSearchParams(search), paging);
  if (parsed.ok) throw new Error(`${search} parsed`);
  return parsed.error;
};
const changes = (snapshot: Snapshot = SNAPSHOT) => buildChanges(snapshot, buildRows(snapshot, NOW));
const ids = (list: readonly { event: KeyEvent }[]) => list.map((change) => change.event.id);

describe('parseChangeQuery', () => {
  it('gives the defaults for an empty query, empty values, the key table parameters and unknown ones', () => {
    expect(parse('')).toEqual(DEFAULT_CHANGE_QUERY);
    expect(parse('eventType=&eventScope=&page=&kind=user&sort=age&q=x&utm=1')).toEqual(DEFAULT_CHANGE_QUERY);
    expect(parse('eventType=all')).toEqual(DEFAULT_CHANGE_QUERY);
  });

  it('reads a type, a group of types, a scope, and the paging of each endpoint', () => {
    expect(parse('eventType=API_KEY_CREATED&eventScope=o-acme&page=2&limit=10')).toEqual({ type: 'API_KEY_CREATED', scope: 'o-acme', page: 2, limit: 10, paged: true });
    expect(parse('eventType=service_account').type).toBe('service_account');
    // The page pages its changes with eventPage: page and limit are its key table's.
    expect(parse('page=3&limit=7', 'page')).toEqual(DEFAULT_CHANGE_QUERY);
    expect(parse('eventPage=3', 'page')).toEqual({ page: 3, limit: DEFAULT_CHANGE_QUERY.limit, paged: true });
    expect(parse('eventPage=3', 'json')).toEqual(DEFAULT_CHANGE_QUERY);
  });

  it.each([
    ['eventType=API_KEY_EXPLODED', 'eventType'],
    ['eventType=%3Cscript%3E', 'eventType'],
    ['eventType=__proto__', 'eventType'],
    ['eventType=api_key&eventType=org', 'eventType'],
    ['eventScope=%22%3E%3Cb%3E', 'eventScope'],
    [`eventScope=${'a'.repeat(101)}`, 'eventScope'],
    ['page=0', 'page'],
    ['page=1e3', 'page'],
    ['limit=1001', 'limit'],
    ['limit=0', 'limit'],
  ])('rejects %s, naming %s', (search, name) => {
    expect(parseError(search)).toContain(name);
  });

  it('rejects a bad eventPage on the page', () => {
    expect(parseError('eventPage=-1', 'page')).toContain('eventPage');
  });

  it('writes back the parameters it reads, defaults left out', () => {
    const query = parse('eventType=org&eventScope=p-prod&eventPage=2', 'page');
    expect(changeParams(query)).toEqual([
      ['eventType', 'org'],
      ['eventScope', 'p-prod'],
      ['eventPage', '2'],
    ]);
    expect(parse(new URLSearchParams(changeParams(query)).toString(), 'page')).toEqual(query);
    expect(changeParams(DEFAULT_CHANGE_QUERY)).toEqual([]);
    expect(changeParams(query, { type: undefined, page: 1 })).toEqual([['eventScope', 'p-prod']]);
  });
});

describe('buildChanges', () => {
  it('lists every event once, newest first, an event in two trails once', () => {
    const all = changes();
    expect(ids(all)).toEqual(EXPECTED_CHANGES);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.event.createdAt).toBeGreaterThanOrEqual(all[i]!.event.createdAt);
  });

  it('orders events of the same time by id, whatever the trails hold first', () => {
    const at = NOW - 1_000;
    const event = (id: string): KeyEvent => ({ id, type: 'API_KEY_CREATED', createdAt: at });
    const snapshot: Snapshot = { ...SNAPSHOT, trails: [{ orgId: 'o', credentialId: 'c', up: true, recent: [event('b'), event('c'), event('a')], newest: {}, creations: [] }] };
    expect(ids(changes(snapshot))).toEqual(['a', 'b', 'c']);
  });

  it('names the trail of each change: the organisation, and its project with the names the scopes give', () => {
    const all = changes();
    expect(all.find((c) => c.event.id === 'ev-added')).toMatchObject({ orgId: 'o-acme', orgName: 'Acme', projectId: 'p-prod', projectName: 'prod', category: 'api_key' });
    const org = all.find((c) => c.event.id === 'ev-not-required')!;
    expect(org).toMatchObject({ orgId: 'o-acme', orgName: 'Acme', category: 'org' });
    expect(org.projectId).toBeUndefined();
    expect(org.key).toBeUndefined();
    expect(org.target).toBeUndefined();
  });

  it("links a key's event to its row by public key, a service account's by client id, and a key no longer listed to nothing", () => {
    const all = changes();
    const of = (id: string) => all.find((c) => c.event.id === id)!;
    expect(of('ev-created').key?.keyId).toBe('pk-open');
    expect(of('ev-added').key?.keyId).toBe('pk-closed');
    // The first of the account's secrets in the key order of the scope.
    expect(of('ev-secret').key).toMatchObject({ kind: 'service_account', publicId: 'mdb_sa_id_000000000000000000000001' });
    expect(of(XSS).key).toBeUndefined();
    expect(of(XSS).target).toBe(XSS);
  });

  it('links only keys of the kind the event is about', () => {
    // A service account event naming a programmatic key's public key is not that key's.
    const snapshot: Snapshot = {
      ...SNAPSHOT,
      trails: [{ orgId: 'o-acme', credentialId: 'org', up: true, recent: [{ id: 'x', type: 'SERVICE_ACCOUNT_ROLES_CHANGED', createdAt: NOW, targetUsername: 'abcdefgh' }], newest: {}, creations: [] }],
    };
    expect(changes(snapshot)[0]!.key).toBeUndefined();
  });

  it('marks an access-list entry that opens the list to every address', () => {
    const entry = (accessListEntry: string) =>
      changes({ ...SNAPSHOT, trails: [{ orgId: 'o', credentialId: 'c', up: true, recent: [{ ...EVENTS.opened, accessListEntry }], newest: {}, creations: [] }] })[0]!.anyAddress;
    expect(entry('0.0.0.0/0')).toBe(true);
    expect(entry('::/0')).toBe(true);
    expect(entry('::0/0')).toBe(true);
    expect(entry('192.0.2.0/24')).toBe(false);
    expect(changes().find((c) => c.event.id === 'ev-created')!.anyAddress).toBe(false);
  });
});

describe('selectChanges', () => {
  const all = changes();
  it.each([
    [{}, EXPECTED_CHANGES],
    [{ type: 'API_KEY_CREATED' }, ['ev-created']],
    [{ type: 'api_key' }, ['ev-added', XSS, 'ev-opened', 'ev-created']],
    [{ type: 'service_account' }, ['ev-secret']],
    [{ type: 'org' }, ['ev-not-required']],
    // An organisation: its own trail and its projects'.
    [{ scope: 'o-acme' }, EXPECTED_CHANGES],
    [{ scope: 'p-prod' }, ['ev-added']],
    [{ scope: 'p-prod', type: 'org' }, []],
    [{ scope: 'nowhere' }, []],
  ] as const)('%j selects %j, newest first', (filters, expected) => {
    expect(ids(selectChanges(all, { ...DEFAULT_CHANGE_QUERY, ...filters }))).toEqual(expected);
  });

  it('leaves its input as it was', () => {
    const before = ids(all);
    selectChanges(all, { ...DEFAULT_CHANGE_QUERY, type: 'org' });
    expect(ids(all)).toEqual(before);
  });

  it('pages like the key table', () => {
    const page = paginate(selectChanges(all, DEFAULT_CHANGE_QUERY), 2, 4);
    expect(ids(page.items)).toEqual(['ev-opened', 'ev-created']);
    expect(page).toMatchObject({ page: 2, pages: 2, total: 6, offset: 4 });
  });
});

describe('trailRows', () => {
  it('lists the trails, failing ones first, with their last error and the events kept', () => {
    expect(trailRows(SNAPSHOT)).toEqual([
      { orgId: 'o-acme', orgName: 'Acme', projectId: 'p-locked', up: false, lastErrorReason: 'forbidden', lastErrorStatus: 403, events: 0 },
      { orgId: 'o-acme', orgName: 'Acme', up: true, events: 5 },
      { orgId: 'o-acme', orgName: 'Acme', projectId: 'p-prod', projectName: 'prod', up: true, events: 2 },
    ]);
  });
});

describe('audit and recentChanges', () => {
  it('give the same changes for the same query, the key rows as they were', () => {
    const query = { ...DEFAULT_CHANGE_QUERY, type: 'api_key' } as const;
    const page = audit(SNAPSHOT, DEFAULT_QUERY, NOW, query);
    const json = recentChanges(SNAPSHOT, query, NOW);
    expect(ids(page.changes)).toEqual(ids(json.changes));
    expect(page.trails).toEqual(json.trails);
    expect(page.selected).toEqual(audit(SNAPSHOT, DEFAULT_QUERY, NOW).selected);
  });
});

describe('labels', () => {
  it('every known event type has a name for people and a group', () => {
    for (const type of EVENT_TYPES) expect(EVENT_TYPE_LABELS[type], type).toMatch(/\S/);
    expect(new Set(Object.values(EVENT_CATEGORIES).flat())).toEqual(new Set(EVENT_TYPES));
    expect(new Set(Object.values(EVENT_TYPE_LABELS)).size).toBe(EVENT_TYPES.length);
  });

  it('anchors a row by kind, owner and key id', () => {
    expect(rowAnchor({ kind: 'programmatic', ownerId: 'o-acme', keyId: 'pk-open' })).toBe('key-programmatic-o-acme-pk-open');
  });
});
