import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { mapProgrammaticKeys, summariseAccessList } from '../../../src/sources/programmatic-keys.js';
import { mapServiceAccounts } from '../../../src/sources/service-accounts.js';
import { thrownBy } from '../../helpers/thrown.js';

const URL = 'https://cloud.mongodb.com/api/atlas/v2/orgs/4888442a3354817a7320eb61/apiKeys';
const ORG = '4888442a3354817a7320eb61';

// The shape of the Admin API v2 example for GET /orgs/{orgId}/apiKeys.
const KEY = {
  desc: 'Automation for the billing service',
  id: '32b6e34b3d91647abb20e7b8',
  links: [{ href: 'https://cloud.mongodb.com/api/atlas', rel: 'self' }],
  privateKey: '********-****-****-db2c132ca78d',
  publicKey: 'zmmrboas',
  roles: [
    { orgId: ORG, roleName: 'ORG_OWNER' },
    { groupId: '32b6e34b3d91647abb20e7b9', roleName: 'GROUP_READ_ONLY' },
  ],
};

describe('summariseAccessList', () => {
  const used = { cidrBlock: '203.0.113.0/24', created: Date.parse('2024-01-01T00:00:00Z'), lastUsed: Date.parse('2025-03-01T10:00:00Z'), count: 40 };
  const usedLater = { ipAddress: '198.51.100.7', created: Date.parse('2024-02-01T00:00:00Z'), lastUsed: Date.parse('2025-04-01T10:00:00Z'), count: 2 };
  const never = { ipAddress: '192.0.2.1', created: Date.parse('2024-03-01T00:00:00Z'), count: 0 };

  it('takes the latest lastUsed and the sum of count', () => {
    expect(summariseAccessList([used, usedLater, never], true)).toEqual({
      usedCount: 42,
      lastUsedAt: Date.parse('2025-04-01T10:00:00Z'),
      accessList: { entries: 3, unrestricted: false },
    });
  });

  it('has no last use when no entry was used', () => {
    expect(summariseAccessList([never], true)).toEqual({ usedCount: 0, accessList: { entries: 1, unrestricted: false } });
  });

  it('is unrestricted with 0.0.0.0/0 or ::/0 on the list, whatever the organisation requires', () => {
    expect(summariseAccessList([never, { cidrBlock: '0.0.0.0/0', count: 0 }], true).accessList.unrestricted).toBe(true);
    expect(summariseAccessList([{ cidrBlock: '::/0', count: 1 }], true).accessList.unrestricted).toBe(true);
  });

  it('is unrestricted when empty, unless the organisation requires an access list', () => {
    expect(summariseAccessList([], false).accessList).toEqual({ entries: 0, unrestricted: true });
    expect(summariseAccessList([], true).accessList).toEqual({ entries: 0, unrestricted: false });
  });
});

describe('mapProgrammaticKeys', () => {
  it('maps the documented shape: description, public key, suffix of the redacted private key, roles', () => {
    expect(mapProgrammaticKeys([KEY], URL)).toEqual([
      {
        id: '32b6e34b3d91647abb20e7b8',
        description: 'Automation for the billing service',
        suffix: 'a78d',
        publicKey: 'zmmrboas',
        roles: [
          { name: 'ORG_OWNER', orgId: ORG },
          { name: 'GROUP_READ_ONLY', projectId: '32b6e34b3d91647abb20e7b9' },
        ],
      },
    ]);
  });

  it('adds usage and reach from the access list when it was read', () => {
    const lists = new Map([[KEY.id, summariseAccessList([{ cidrBlock: '0.0.0.0/0', lastUsed: 1_700_000_000_000, count: 9 }], true)]]);
    expect(mapProgrammaticKeys([KEY], URL, lists)[0]).toMatchObject({ usedCount: 9, lastUsedAt: 1_700_000_000_000, accessList: { entries: 1, unrestricted: true } });
  });

  it('fails on a key it cannot read, naming item and field', () => {
    const error = thrownBy(() => mapProgrammaticKeys([KEY, { ...KEY, id: 7 }], URL), InvalidResponseError);
    expect(error.reason).toBe('invalid_response');
    expect(error.message).toContain('item 1: id');
  });
});

describe('mapServiceAccounts', () => {
  const ACCOUNT = {
    clientId: 'mdb_sa_id_1234567890abcdef12345678',
    name: 'ci-deployer',
    description: 'Deploys from CI',
    createdAt: '2025-01-01T00:00:00Z',
    roles: ['ORG_MEMBER'],
    secrets: [
      { id: '6f1e2d3c4b5a69788796a5b4', createdAt: '2025-01-01T00:00:00Z', expiresAt: '2025-07-01T00:00:00Z', lastUsedAt: '2025-05-01T00:00:00Z', maskedSecretValue: 'mdb_sa_sk_...9f3c' },
      { id: '6f1e2d3c4b5a69788796a5b5', createdAt: '2025-06-01T00:00:00Z', expiresAt: '2025-12-01T00:00:00Z', maskedSecretValue: 'mdb_sa_sk_...11aa' },
    ],
  };

  it('gives one key per secret, with the account on each', () => {
    expect(mapServiceAccounts([ACCOUNT], URL, { owner: 'org', id: ORG })).toEqual([
      {
        id: '6f1e2d3c4b5a69788796a5b4',
        description: 'Deploys from CI',
        suffix: '9f3c',
        createdAt: Date.parse('2025-01-01T00:00:00Z'),
        tracksUse: true,
        expiresAt: Date.parse('2025-07-01T00:00:00Z'),
        lastUsedAt: Date.parse('2025-05-01T00:00:00Z'),
        clientId: 'mdb_sa_id_1234567890abcdef12345678',
        accountName: 'ci-deployer',
        roles: [{ name: 'ORG_MEMBER', orgId: ORG }],
      },
      {
        id: '6f1e2d3c4b5a69788796a5b5',
        description: 'Deploys from CI',
        suffix: '11aa',
        createdAt: Date.parse('2025-06-01T00:00:00Z'),
        tracksUse: true,
        expiresAt: Date.parse('2025-12-01T00:00:00Z'),
        clientId: 'mdb_sa_id_1234567890abcdef12345678',
        accountName: 'ci-deployer',
        roles: [{ name: 'ORG_MEMBER', orgId: ORG }],
      },
    ]);
  });

  it('puts the roles of a project account on the project', () => {
    expect(mapServiceAccounts([ACCOUNT], URL, { owner: 'project', id: 'p1' })[0]?.roles).toEqual([{ name: 'ORG_MEMBER', projectId: 'p1' }]);
  });

  it('publishes nothing for an account without secrets, and fails on a secret without id', () => {
    expect(mapServiceAccounts([{ ...ACCOUNT, secrets: [] }], URL, { owner: 'org', id: ORG })).toEqual([]);
    expect(thrownBy(() => mapServiceAccounts([{ ...ACCOUNT, secrets: [{ createdAt: '2025-01-01T00:00:00Z' }] }], URL, { owner: 'org', id: ORG }), InvalidResponseError).message).toContain('item 0: secrets.0.id');
  });
});
