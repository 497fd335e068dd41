import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import type { AtlasClient } from '../../../src/atlas/client.js';
import type { OrganizationEntry } from '../../../src/config/load.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import type { Scope } from '../../../src/model/scope.js';
import { OrganizationDirectory } from '../../../src/sources/organizations.js';
import { mapServiceAccounts, parseServiceAccounts, serviceAccountKeys, serviceAccounts, splitProjectListing } from '../../../src/sources/service-accounts.js';
import type { SourceContext } from '../../../src/sources/source.js';
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

describe('the service-accounts source', () => {
  const BASE = 'https://cloud.mongodb.com/api/atlas/v2';
  const MEDIA = 'application/vnd.atlas.2024-08-05+json';
  const ENTRY: OrganizationEntry = {
    auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: new Secret('privateKey', 'secret') },
    baseUrl: BASE,
    ids: [ORG],
    discover: false,
    globalKeys: false,
    apiKeys: false,
    accessLists: false,
    serviceAccounts: true,
    includeSystemManaged: false,
    includeProjects: true,
    events: false,
    eventsLookbackMs: 1,
  };
  const orgScope: Scope = { kind: 'service_account', owner: 'org', id: ORG, credentialId: 'c' };
  const projectScope: Scope = { kind: 'service_account', owner: 'project', id: PROJECT, orgId: ORG, credentialId: 'c' };

  function setup(fields: Partial<OrganizationEntry>, answers: Record<string, unknown>) {
    const asked: [string, unknown][] = [];
    const lines: Record<string, unknown>[] = [];
    const answer = async (path: string, options: unknown) => {
      asked.push([path, options]);
      const value = answers[path];
      if (value === undefined) throw new ApiError('GET', `${BASE}${path}`, 404, 'NOT_FOUND');
      if (value instanceof Error) throw value;
      return value;
    };
    const client = {
      getAllPages: async (_credential: unknown, path: string, _signal: unknown, options: unknown) => answer(path, options),
      getJson: async (_credential: unknown, path: string, _signal: unknown, options: unknown) => answer(path, options),
    } as unknown as AtlasClient;
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const context: SourceContext = { cycle: 1, client, signal: new AbortController().signal, log };
    const directory = new OrganizationDirectory({ ...ENTRY, ...fields });
    const [source] = serviceAccounts.sourcesFrom({} as never, [directory]);
    return { source: source!, context, asked, lines };
  }

  const ORG_ACCOUNT = account('mdb_sa_id_a', ['ORG_MEMBER'], '6f1e2d3c4b5a69788796a5b1');
  // The project's listing of an organisation account assigned to it: the same secrets, the project roles.
  const PROJECT_VIEW = account('mdb_sa_id_a', ['GROUP_READ_ONLY'], '6f1e2d3c4b5a69788796a5b1');
  const PROJECT_ONLY = account('mdb_sa_id_p', ['GROUP_OWNER'], '6f1e2d3c4b5a69788796a5b2');

  it('publishes an organisation’s accounts with the project roles its projects’ listings give, by the 2024-08-05 media type', async () => {
    const { source, context, asked } = setup({}, {
      [`/orgs/${ORG}/groups`]: [{ id: PROJECT, name: 'Production' }],
      [`/orgs/${ORG}/serviceAccounts`]: [ORG_ACCOUNT],
      [`/groups/${PROJECT}/serviceAccounts`]: [PROJECT_VIEW, PROJECT_ONLY],
    });
    await source.listScopes(context);
    const orgKeys = await source.fetchKeys(orgScope, context);
    expect(orgKeys.map((key) => [key.id, key.roles])).toEqual([
      [
        '6f1e2d3c4b5a69788796a5b1',
        [
          { name: 'ORG_MEMBER', orgId: ORG },
          { name: 'GROUP_READ_ONLY', projectId: PROJECT },
        ],
      ],
    ]);
    const projectKeys = await source.fetchKeys(projectScope, context);
    expect(projectKeys.map((key) => [key.id, key.roles])).toEqual([['6f1e2d3c4b5a69788796a5b2', [{ name: 'GROUP_OWNER', projectId: PROJECT }]]]);
    const listings = asked.filter(([path]) => path.endsWith('/serviceAccounts'));
    expect(listings).toEqual([
      [`/orgs/${ORG}/serviceAccounts`, { accept: MEDIA }],
      [`/groups/${PROJECT}/serviceAccounts`, { accept: MEDIA }],
    ]);
  });

  it('reads no project listing for the organisation without includeProjects, and asks for system-managed accounts only with includeSystemManaged', async () => {
    const plain = setup({ includeProjects: false }, { [`/orgs/${ORG}/serviceAccounts`]: [ORG_ACCOUNT] });
    expect((await plain.source.fetchKeys(orgScope, plain.context)).map((key) => key.roles)).toEqual([[{ name: 'ORG_MEMBER', orgId: ORG }]]);
    expect(plain.asked.map(([path]) => path)).toEqual([`/orgs/${ORG}/serviceAccounts`]);
    const system = setup({ includeProjects: false, includeSystemManaged: true }, { [`/orgs/${ORG}/serviceAccounts?includeSystemManaged=true`]: [ORG_ACCOUNT] });
    expect(await system.source.fetchKeys(orgScope, system.context)).toHaveLength(1);
    expect(system.asked.map(([path]) => path)).toEqual([`/orgs/${ORG}/serviceAccounts?includeSystemManaged=true`]);
  });

  it('publishes the organisation’s accounts without the roles of a project whose listing fails, and says so', async () => {
    const { source, context, lines } = setup({}, {
      [`/orgs/${ORG}/groups`]: [{ id: PROJECT, name: 'Production' }],
      [`/orgs/${ORG}/serviceAccounts`]: [ORG_ACCOUNT],
      [`/groups/${PROJECT}/serviceAccounts`]: new ApiError('GET', `${BASE}/groups/${PROJECT}/serviceAccounts`, 403),
    });
    await source.listScopes(context);
    expect((await source.fetchKeys(orgScope, context)).map((key) => key.roles)).toEqual([[{ name: 'ORG_MEMBER', orgId: ORG }]]);
    expect(lines).toEqual([expect.objectContaining({ msg: 'project roles of service accounts not read', kind: 'service_account', scope: ORG, project: PROJECT, reason: 'forbidden', status: 403 })]);
    await expect(source.fetchKeys(projectScope, context)).rejects.toBeInstanceOf(ApiError);
  });

  it('reads each account’s access list where its secrets are published, and the organisation’s settings for both', async () => {
    const { source, context, asked } = setup({ accessLists: true }, {
      [`/orgs/${ORG}/groups`]: [{ id: PROJECT, name: 'Production' }],
      [`/orgs/${ORG}/serviceAccounts`]: [ORG_ACCOUNT],
      [`/groups/${PROJECT}/serviceAccounts`]: [PROJECT_VIEW, PROJECT_ONLY],
      [`/orgs/${ORG}/settings`]: { apiAccessListRequired: true },
      [`/orgs/${ORG}/serviceAccounts/mdb_sa_id_a/accessList`]: [{ cidrBlock: '0.0.0.0/0', requestCount: 2 }],
      [`/groups/${PROJECT}/serviceAccounts/mdb_sa_id_p/accessList`]: [],
    });
    await source.listScopes(context);
    const [orgKey] = await source.fetchKeys(orgScope, context);
    const [projectKey] = await source.fetchKeys(projectScope, context);
    expect(orgKey?.accessList).toMatchObject({ entries: 1, unrestricted: true });
    // Empty, in an organisation that requires an access list: nothing gets in.
    expect(projectKey?.accessList).toEqual({ entries: 0, unrestricted: false, shown: [] });
    expect(asked.filter(([path]) => path.includes('/accessList') || path.endsWith('/settings'))).toEqual([
      [`/orgs/${ORG}/settings`, { accept: 'application/vnd.atlas.2023-01-01+json' }],
      [`/orgs/${ORG}/serviceAccounts/mdb_sa_id_a/accessList`, { accept: MEDIA }],
      [`/groups/${PROJECT}/serviceAccounts/mdb_sa_id_p/accessList`, { accept: MEDIA }],
    ]);
  });

  it('reads only its own listing for a project without its organisation', async () => {
    const { source, context, asked } = setup({}, { [`/groups/${PROJECT}/serviceAccounts`]: [PROJECT_ONLY] });
    const keys = await source.fetchKeys({ ...projectScope, orgId: undefined } as unknown as Scope, context);
    expect(keys.map((key) => key.id)).toEqual(['6f1e2d3c4b5a69788796a5b2']);
    expect(asked.map(([path]) => path)).toEqual([`/groups/${PROJECT}/serviceAccounts`]);
  });

  it('leaves with the stop signal when stopped while reading a project’s roles', async () => {
    const stop = new AbortController();
    const { source, context } = setup({}, { [`/orgs/${ORG}/groups`]: [{ id: PROJECT, name: 'Production' }], [`/orgs/${ORG}/serviceAccounts`]: [ORG_ACCOUNT] });
    await source.listScopes(context);
    stop.abort(new Error('poller stopped'));
    await expect(source.fetchKeys(orgScope, { ...context, signal: stop.signal })).rejects.toBeInstanceOf(ApiError);
  });

  it('reads no access list for an account without a client id', async () => {
    const { clientId: _none, ...anonymous } = ORG_ACCOUNT;
    const { source, context, asked } = setup({ accessLists: true, includeProjects: false }, { [`/orgs/${ORG}/serviceAccounts`]: [anonymous] });
    expect(await source.fetchKeys(orgScope, context)).toHaveLength(1);
    expect(asked.map(([path]) => path)).toEqual([`/orgs/${ORG}/serviceAccounts`]);
  });

  it('reads no access list nor settings when no account has a secret to publish', async () => {
    const { source, context, asked } = setup({ accessLists: true, includeProjects: false }, { [`/orgs/${ORG}/serviceAccounts`]: [{ ...ORG_ACCOUNT, secrets: [] }] });
    expect(await source.fetchKeys(orgScope, context)).toEqual([]);
    expect(asked.map(([path]) => path)).toEqual([`/orgs/${ORG}/serviceAccounts`]);
  });
});
