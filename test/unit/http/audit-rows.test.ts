import { describe, expect, it } from 'vitest';
import {
  audit,
  auditJson,
  buildRows,
  classify,
  countRows,
  DEFAULT_QUERY,
  DEFAULT_THRESHOLDS,
  paginate,
  parseAuditQuery,
  queryString,
  selectRows,
  type AuditQuery,
} from '../../../src/http/audit-rows.js';
import { ago, EXPECTED_ORDER, KEYS, NOW, SNAPSHOT } from './audit-fixture.js';

const parse = (search: string): AuditQuery => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};
const parseError = (search: string): string => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (parsed.ok) throw new Error(`${search} parsed`);
  return parsed.error;
};

describe('classify', () => {
  it('finds each risk at the default thresholds, riskiest first', () => {
    const risks = (key: (typeof KEYS)[keyof typeof KEYS]) => classify(key, NOW, DEFAULT_THRESHOLDS);
    expect(risks(KEYS.expired)).toEqual(['expired']);
    expect(risks(KEYS.expiring5)).toEqual(['expiring']);
    expect(risks(KEYS.saValid)).toEqual([]);
    expect(risks(KEYS.unrestricted)).toEqual(['unrestricted']);
    expect(risks(KEYS.restricted)).toEqual([]);
    expect(risks(KEYS.idle100)).toEqual(['idle']);
    expect(risks(KEYS.never60)).toEqual(['never_used']);
    expect(risks(KEYS.never10)).toEqual([]);
    expect(risks(KEYS.neverDisabled)).toEqual(['never_used', 'disabled']);
    expect(risks(KEYS.disabled)).toEqual(['disabled']);
    expect(risks(KEYS.recent)).toEqual([]);
    // Agent keys report no use: neither idle nor never used.
    expect(risks(KEYS.agent)).toEqual([]);
  });

  it('puts the boundaries on the safe side: exactly at a threshold is not past it; expiry at now is expired', () => {
    const t = DEFAULT_THRESHOLDS;
    expect(classify({ ...KEYS.recent, lastUsedAt: ago(t.idleDays) }, NOW, t)).toEqual([]);
    expect(classify({ ...KEYS.recent, lastUsedAt: ago(t.idleDays) - 1 }, NOW, t)).toEqual(['idle']);
    expect(classify({ ...KEYS.never10, createdAt: ago(t.neverUsedDays) }, NOW, t)).toEqual([]);
    expect(classify({ ...KEYS.never10, createdAt: ago(t.neverUsedDays) - 1 }, NOW, t)).toEqual(['never_used']);
    expect(classify({ ...KEYS.saValid, expiresAt: NOW }, NOW, t)).toEqual(['expired']);
    expect(classify({ ...KEYS.saValid, expiresAt: NOW + t.expiringDays * 86_400_000 }, NOW, t)).toEqual(['expiring']);
    expect(classify({ ...KEYS.saValid, expiresAt: NOW + t.expiringDays * 86_400_000 + 1 }, NOW, t)).toEqual([]);
  });

  it('follows overridden thresholds', () => {
    expect(classify(KEYS.never10, NOW, { ...DEFAULT_THRESHOLDS, neverUsedDays: 7 })).toEqual(['never_used']);
    expect(classify(KEYS.saValid, NOW, { ...DEFAULT_THRESHOLDS, expiringDays: 365 })).toEqual(['expiring']);
    expect(classify(KEYS.idle100, NOW, { ...DEFAULT_THRESHOLDS, idleDays: 180 })).toEqual([]);
  });
});

describe('buildRows and the risk order', () => {
  it('orders a literal snapshot: expired, expiring, unrestricted, idle, never used, disabled, then the rest', () => {
    const rows = selectRows(buildRows(SNAPSHOT, NOW), DEFAULT_QUERY);
    expect(rows.map((row) => row.keyId)).toEqual(EXPECTED_ORDER);
  });

  it('keeps the owner, times and identifiers, and nothing secret', () => {
    const rows = buildRows(SNAPSHOT, NOW);
    const sa = rows.find((row) => row.keyId === 'sa-expired')!;
    expect(sa).toMatchObject({
      kind: 'service_account',
      ownerType: 'org',
      ownerId: 'o-acme',
      ownerName: 'Acme',
      suffix: 'ired',
      publicId: 'mdb_sa_id_000000000000000000000001',
      accountName: 'deploy-bot',
      age: 200 * 86_400_000,
      idle: 86_400_000,
      expiresIn: -2 * 86_400_000,
      roles: ['ORG_READ_ONLY'],
    });
    const agent = rows.find((row) => row.keyId === 'ak-1')!;
    expect(agent.idle).toBeUndefined();
    expect(agent.ownerName).toBe('prod');
    // A scope with nothing known contributes no row.
    expect(rows.some((row) => row.ownerId === 'p-locked')).toBe(false);
    expect(rows).toHaveLength(EXPECTED_ORDER.length);
  });

  it('counts keys and risks per kind, and scopes up and down', () => {
    const rows = buildRows(SNAPSHOT, NOW);
    const { byKind, total } = countRows(rows, SNAPSHOT.scopes);
    expect(Object.keys(byKind)).toEqual(['user', 'agent', 'programmatic', 'service_account']);
    expect(total).toMatchObject({ keys: 14, attention: 9, scopes: 5, scopesDown: 1 });
    expect(total.risks).toEqual({ expired: 1, expiring: 2, unrestricted: 1, idle: 2, never_used: 2, disabled: 2 });
    expect(byKind.agent).toMatchObject({ keys: 1, attention: 0, scopes: 2, scopesDown: 1 });
    expect(byKind.user).toMatchObject({ keys: 7, attention: 5 });
  });
});

describe('selectRows', () => {
  const rows = buildRows(SNAPSHOT, NOW);
  const ids = (search: string) => selectRows(rows, parse(search)).map((row) => row.keyId);

  it('filters by kind, attention, ok and each risk', () => {
    expect(ids('kind=service_account')).toEqual(['sa-expired', 'sa-expiring-5', 'sa-expiring-10', 'sa-valid']);
    expect(ids('filter=attention')).toEqual(EXPECTED_ORDER.slice(0, 9));
    expect(ids('filter=ok')).toEqual(EXPECTED_ORDER.slice(9));
    expect(ids('filter=disabled')).toEqual(['uk-never-disabled', 'uk-disabled']);
    expect(ids('kind=user&filter=never_used')).toEqual(['uk-never-disabled', 'uk-never-60']);
  });

  it('sorts by age, idle and expiry (absent values last in both directions) and by text', () => {
    expect(ids('kind=user&sort=age').slice(0, 2)).toEqual(['uk-idle-200', 'uk-idle-100']);
    expect(ids('sort=age').slice(0, 1)).toEqual(['ak-1']);
    expect(ids('sort=age').slice(-2)).toEqual(['pk-open', 'pk-closed']);
    expect(ids('sort=age&dir=asc').slice(-2)).toEqual(['pk-open', 'pk-closed']);
    expect(ids('sort=idle')[0]).toBe('uk-idle-200');
    expect(ids('sort=expires')).toEqual(['sa-expired', 'sa-expiring-5', 'sa-expiring-10', 'sa-valid', ...EXPECTED_ORDER.filter((id) => !id.startsWith('sa-'))]);
    expect(ids('sort=expires&dir=desc').slice(0, 4)).toEqual(['sa-valid', 'sa-expiring-10', 'sa-expiring-5', 'sa-expired']);
    expect(ids('sort=risk&dir=desc')).toEqual([...EXPECTED_ORDER].reverse());
    // Acme's keys and secrets first (ties in the risk order), alice's, then prod's.
    expect(ids('sort=owner').slice(0, 2)).toEqual(['sa-expired', 'sa-expiring-5']);
    expect(ids('sort=owner').at(-1)).toBe('ak-1');
    expect(ids('sort=kind')[0]).toBe('ak-1');
  });

  it('searches descriptions, owners, ids, suffixes and public ids, case-insensitively', () => {
    expect(ids('q=SCRIPT')).toEqual(['pk-open']);
    expect(ids('q=alice@')).toHaveLength(7);
    expect(ids('q=ijklmnop')).toEqual(['pk-closed']);
    expect(ids('q=nothing-like-this')).toEqual([]);
  });

  it('leaves its input alone', () => {
    const before = rows.map((row) => row.keyId);
    selectRows(rows, parse('sort=age'));
    expect(rows.map((row) => row.keyId)).toEqual(before);
  });
});

describe('parseAuditQuery', () => {
  it('gives the defaults for an empty query, empty values and unknown parameters', () => {
    expect(parse('')).toEqual(DEFAULT_QUERY);
    expect(parse('kind=&filter=&sort=&page=&utm_source=x&__proto__=1')).toEqual(DEFAULT_QUERY);
    expect(parse('kind=all')).toEqual(DEFAULT_QUERY);
  });

  it('reads every parameter', () => {
    expect(parse('kind=service_account&sort=age&filter=attention&dir=asc&q=%20deploy%20&page=3&limit=50&idleDays=30&expiringDays=7&neverUsedDays=0')).toEqual({
      kind: 'service_account',
      filter: 'attention',
      sort: 'age',
      dir: 'asc',
      search: 'deploy',
      page: 3,
      limit: 50,
      paged: true,
      thresholds: { idleDays: 30, expiringDays: 7, neverUsedDays: 0 },
    });
    expect(parse('sort=age').dir).toBe('desc');
    expect(parse('sort=expires').dir).toBe('asc');
  });

  it.each([
    ['kind=robot', 'kind'],
    ['kind=<script>', 'kind'],
    ['filter=everything', 'filter'],
    ['sort=__proto__', 'sort'],
    ['sort=constructor', 'sort'],
    ['dir=up', 'dir'],
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=1e3', 'page'],
    ['page=1.5', 'page'],
    ['page=abc', 'page'],
    ['page=99999999999999999999', 'page'],
    ['limit=1001', 'limit'],
    ['limit=0', 'limit'],
    ['idleDays=0', 'idleDays'],
    ['expiringDays=x', 'expiringDays'],
    ['neverUsedDays=36501', 'neverUsedDays'],
    ['sort=age&sort=idle', 'sort'],
    [`q=${'x'.repeat(201)}`, 'q'],
  ])('rejects %s, naming %s', (search, name) => {
    expect(parseError(search)).toContain(name);
  });

  it('round-trips through queryString, leaving the defaults out', () => {
    expect(queryString(DEFAULT_QUERY)).toBe('');
    for (const search of ['kind=user', 'filter=attention&sort=age', 'sort=idle&dir=asc', 'q=a+%26+b%22%3E&page=2&limit=10', 'idleDays=30&expiringDays=3&neverUsedDays=1']) {
      const query = parse(search);
      expect(parse(queryString(query).slice(1))).toEqual(query);
    }
    expect(queryString(parse('q="><script>'))).not.toMatch(/[<>"]/);
  });
});

describe('paginate', () => {
  const items = Array.from({ length: 450 }, (_, index) => index);

  it('cuts pages of the limit and clamps a page past the end to the last', () => {
    expect(paginate(items, 1, 200)).toMatchObject({ page: 1, pages: 3, total: 450, offset: 0 });
    expect(paginate(items, 1, 200).items).toHaveLength(200);
    expect(paginate(items, 3, 200).items).toEqual(items.slice(400));
    expect(paginate(items, 99, 200)).toMatchObject({ page: 3, offset: 400 });
    expect(paginate([], 5, 200)).toMatchObject({ page: 1, pages: 1, total: 0, items: [] });
  });
});

describe('auditJson', () => {
  it('shows the rows with ISO times and whole seconds, in the page order', () => {
    const json = auditJson(audit(SNAPSHOT, DEFAULT_QUERY, NOW)) as Record<string, any>;
    expect(json.generatedAt).toBe('2025-06-01T12:00:00.000Z');
    expect(json.thresholds).toEqual({ idleDays: 90, expiringDays: 14, neverUsedDays: 30 });
    expect(json.counts).toMatchObject({ keys: 14, attention: 9 });
    expect(json.keys.map((key: any) => key.keyId)).toEqual(EXPECTED_ORDER);
    expect(json.keys[0]).toEqual({
      kind: 'service_account',
      ownerType: 'org',
      ownerId: 'o-acme',
      ownerName: 'Acme',
      keyId: 'sa-expired',
      description: 'Deploy pipeline',
      suffix: 'ired',
      publicId: 'mdb_sa_id_000000000000000000000001',
      createdAt: '2024-11-13T12:00:00.000Z',
      lastUsedAt: '2025-05-31T12:00:00.000Z',
      ageSeconds: 200 * 86_400,
      idleSeconds: 86_400,
      expiresAt: '2025-05-30T12:00:00.000Z',
      expiresInSeconds: -2 * 86_400,
      enabled: null,
      uses: null,
      accessListEntries: null,
      accessList: null,
      unrestricted: null,
      roles: ['ORG_READ_ONLY'],
      risks: ['expired'],
    });
    // A programmatic key: no total use, its access list entry by entry.
    expect(json.keys.find((key: any) => key.keyId === 'pk-open')).toMatchObject({
      uses: null,
      accessListEntries: 1,
      accessList: [{ entry: '0.0.0.0/0', createdAt: null, lastUsedAt: '2025-05-29T12:00:00.000Z', lastUsedAddress: '198.51.100.7', requestsFromLastAddress: 9 }],
      unrestricted: true,
    });
    expect(json.scopes[0]).toEqual({ kind: 'agent', ownerType: 'project', ownerId: 'p-locked', ownerName: null, up: false, keys: null, lastSuccessAt: null, lastError: { reason: 'forbidden', status: 403 }, errors: 2 });
    expect(json.page).toBeUndefined();
  });

  it('pages only when asked to', () => {
    const json = auditJson(audit(SNAPSHOT, parse('limit=5&page=2'), NOW)) as Record<string, any>;
    expect(json).toMatchObject({ total: 14, page: 2, pages: 3, limit: 5 });
    expect(json.keys.map((key: any) => key.keyId)).toEqual(EXPECTED_ORDER.slice(5, 10));
  });
});
