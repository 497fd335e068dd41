import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { mapServiceAccounts, parseServiceAccounts, serviceAccountKeys, splitProjectListing } from '../../../src/sources/service-accounts.js';
import { thrownBy } from '../../helpers/thrown.js';

const URL = 'https://cloud.mongodb.com/api/atlas/v2/orgs/4888442a3354817a7320eb61/serviceAccounts';
const ORG = '4888442a3354817a7320eb61';
const PROJECT = '5a0a1e7e0f2912c554080adc';
const SECRET = { id: '6f1e2d3c4b5a69788796a5b4', createdAt: '2025-01-01T00:00:00Z', expiresAt: '2025-07-01T00:00:00Z', maskedSecretValue: 'mdb_sa_sk_...9f3c' };
const account = (clientId: string | undefined, roles: string[], secretId = SECRET.id) => ({
  ...(clientId !== undefined ? { clientId } : {}),
  name: `account-${clientId ?? 'unnamed'}`,
  roles,
  secrets: [{ ...SECRET, id: secretId }],
});

describe('splitProjectListing', () => {
  const orgAccounts = parseServiceAccounts([account('mdb_sa_id_a', ['ORG_MEMBER']), account('mdb_sa_id_b', ['ORG_READ_ONLY'])], URL);

  it('takes the project roles of the organisation`s accounts, and keeps the accounts only the project lists', () => {
    const projectAccounts = parseServiceAccounts([account('mdb_sa_id_a', ['GROUP_READ_ONLY', 'GROUP_OWNER']), account('mdb_sa_id_c', ['GROUP_READ_ONLY']), account(undefined, ['GROUP_OWNER'])], URL);
    const { assigned, own } = splitProjectListing(orgAccounts, projectAccounts);
    expect([...assigned]).toEqual([['mdb_sa_id_a', ['GROUP_READ_ONLY', 'GROUP_OWNER']]]);
    // An account without a client id cannot be matched to the organisation's: the project has it.
    expect(own.map((item) => item.clientId)).toEqual(['mdb_sa_id_c', undefined]);
  });

  it('leaves every account to the project when the organisation lists none, whatever the order', () => {
    const projectAccounts = parseServiceAccounts([account('mdb_sa_id_b', ['GROUP_OWNER'])], URL);
    expect(splitProjectListing([], projectAccounts).own).toEqual(projectAccounts);
    expect([...splitProjectListing(orgAccounts, projectAccounts).assigned.keys()]).toEqual(['mdb_sa_id_b']);
  });
});

describe('serviceAccountKeys', () => {
  it('puts the roles found in project listings on the organisation account`s secrets, after its own', () => {
    const accounts = parseServiceAccounts([account('mdb_sa_id_a', ['ORG_MEMBER']), account('mdb_sa_id_b', ['ORG_OWNER'], '6f1e2d3c4b5a69788796a5b5')], URL);
    const keys = serviceAccountKeys(accounts, { owner: 'org', id: ORG }, new Map([['mdb_sa_id_a', [{ name: 'GROUP_READ_ONLY', projectId: PROJECT }]]]));
    expect(keys.map((key) => key.roles)).toEqual([
      [
        { name: 'ORG_MEMBER', orgId: ORG },
        { name: 'GROUP_READ_ONLY', projectId: PROJECT },
      ],
      [{ name: 'ORG_OWNER', orgId: ORG }],
    ]);
  });
});

describe('the service-account schema, per the document', () => {
  it('reads an account with none of its fields but a secret (no account field is required)', () => {
    expect(mapServiceAccounts([{ secrets: [SECRET] }], URL, { owner: 'org', id: ORG })).toEqual([
      {
        id: SECRET.id,
        description: '',
        suffix: '9f3c',
        createdAt: Date.parse(SECRET.createdAt),
        expiresAt: Date.parse(SECRET.expiresAt),
        tracksUse: true,
        roles: [],
      },
    ]);
  });

  it('requires a secret`s id, createdAt and expiresAt', () => {
    for (const field of ['id', 'createdAt', 'expiresAt'] as const) {
      const { [field]: _, ...secret } = SECRET;
      const error = thrownBy(() => mapServiceAccounts([{ clientId: 'mdb_sa_id_a', secrets: [secret] }], URL, { owner: 'org', id: ORG }), InvalidResponseError);
      expect(error.message).toContain(`item 0: secrets.0.${field}`);
    }
  });
});
