import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { mapServiceAccounts } from '../../../src/sources/service-accounts.js';
import { thrownBy } from '../../helpers/thrown.js';

const URL = 'https://cloud.mongodb.com/api/atlas/v2/orgs/4888442a3354817a7320eb61/apiKeys';
const ORG = '4888442a3354817a7320eb61';

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
    expect(mapServiceAccounts([ACCOUNT], URL, { owner: 'org', id: ORG })).toStrictEqual([
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
    const { secrets: _none, ...withoutSecrets } = ACCOUNT;
    expect(mapServiceAccounts([withoutSecrets], URL, { owner: 'org', id: ORG })).toEqual([]);
    expect(thrownBy(() => mapServiceAccounts([{ ...ACCOUNT, secrets: [{ createdAt: '2025-01-01T00:00:00Z' }] }], URL, { owner: 'org', id: ORG }), InvalidResponseError).message).toContain('item 0: secrets.0.id');
  });
});
