import { describe, expect, it } from 'vitest';
import { parseAuditQuery, type AuditQuery } from '../../../src/audit/query.js';
import { buildRows } from '../../../src/audit/rows.js';
import { paginate, selectRows } from '../../../src/audit/selection.js';
import { EXPECTED_ORDER, NOW, SNAPSHOT } from './fixture.js';

const parse = (search: string): AuditQuery => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};

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
