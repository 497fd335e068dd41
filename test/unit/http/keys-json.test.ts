import { describe, expect, it } from 'vitest';
import { audit } from '../../../src/audit/audit.js';
import { DEFAULT_QUERY, parseAuditQuery, type AuditQuery } from '../../../src/audit/query.js';
import { auditJson } from '../../../src/http/keys-json.js';
import { EXPECTED_ORDER, NOW, SNAPSHOT } from '../audit/fixture.js';

const parse = (search: string): AuditQuery => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};

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
