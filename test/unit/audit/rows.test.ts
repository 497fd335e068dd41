import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY } from '../../../src/audit/query.js';
import { buildRows } from '../../../src/audit/rows.js';
import { selectRows } from '../../../src/audit/selection.js';
import { EXPECTED_ORDER, NOW, SNAPSHOT } from './fixture.js';

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
});
