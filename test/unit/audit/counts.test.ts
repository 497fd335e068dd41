import { describe, expect, it } from 'vitest';
import { countRows } from '../../../src/audit/counts.js';
import { buildRows } from '../../../src/audit/rows.js';
import { NOW, SNAPSHOT } from './fixture.js';

describe('countRows', () => {
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
