import { pino } from 'pino';
import { Secret } from '../../../src/config/secret.js';
import { describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../../src/atlas/client.js';
import type { Credential } from '../../../src/atlas/credential.js';
import type { Config, OrganizationEntry } from '../../../src/config/load.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { sourcesFrom } from '../../../src/sources/index.js';
import type { Source, SourceContext } from '../../../src/sources/source.js';

const BASE = 'https://ops.example.com:8443/api/public/v1.0';

// The shape of Ops Manager's example for GET /admin/apiKeys (and of the Go client's APIKey).
const PAGE = [
  {
    desc: 'Global monitoring',
    id: '5c47503320eef5699e1cce8d',
    links: [{ href: `${BASE}/admin/apiKeys/5c47503320eef5699e1cce8d`, rel: 'self' }],
    privateKey: '********-****-****-c4e26334754f',
    publicKey: 'ewmaqvdo',
    roles: [{ roleName: 'GLOBAL_READ_ONLY' }, { roleName: 'GLOBAL_MONITORING_ADMIN' }],
  },
  { id: '5c47503320eef5699e1cce8e', publicKey: 'qzxyabcd', roles: [{ roleName: 'GLOBAL_OWNER' }] },
];

function entry(fields: Partial<OrganizationEntry>): OrganizationEntry {
  return {
    auth: { scheme: 'digest', publicKey: 'ewmaqvdo', privateKey: new Secret('privateKey', 'secret') },
    baseUrl: BASE,
    ids: [],
    discover: true,
    globalKeys: false,
    apiKeys: true,
    accessLists: true,
    serviceAccounts: false,
    includeSystemManaged: false,
    events: false,
    eventsLookbackMs: 7_776_000_000,
    includeProjects: false,
    ...fields,
  };
}

function globalSources(...organizations: OrganizationEntry[]): Source[] {
  const config: Config = { poll: { intervalMs: 1, concurrency: 1, timeoutMs: 1, retries: 0, staleAfterMs: 1, maxResponseBytes: 1 }, users: [], projects: [], organizations };
  return sourcesFrom(config).filter((source) => source.kind === 'global');
}

/** A context whose client answers one listing, and records what was asked. */
function contextFor(items: unknown[], asked: string[]): SourceContext {
  const client = {
    getAllPages: (credential: Credential, path: string) => {
      asked.push(credential.baseUrl + path);
      return Promise.resolve(items);
    },
  } as unknown as AtlasClient;
  return { cycle: 1, client, signal: new AbortController().signal, log: pino({ level: 'silent' }) };
}

describe('global keys source', () => {
  it('exists only for an entry with globalKeys: true', () => {
    expect(globalSources(entry({}))).toHaveLength(0);
    expect(globalSources(entry({}), entry({ globalKeys: true }))).toHaveLength(1);
  });

  it('covers one scope, the Ops Manager instance, named by its host and read by the entry credential', async () => {
    const [source] = globalSources(entry({ globalKeys: true }));
    const listing = await source!.listScopes(contextFor([], []));
    expect(listing).toEqual({ scopes: [{ kind: 'global', owner: 'global', id: 'ops.example.com:8443', credentialId: 'ewmaqvdo@ops.example.com:8443' }], failed: [] });
    expect(listing).not.toHaveProperty('discovery');
    expect(source!.credential.id).toBe('ewmaqvdo@ops.example.com:8443');
  });

  it('reads GET /admin/apiKeys and maps each key with its global roles, no organisation or project', async () => {
    const [source] = globalSources(entry({ globalKeys: true }));
    const asked: string[] = [];
    const [scope] = (await source!.listScopes(contextFor([], []))).scopes;
    const keys = await source!.fetchKeys(scope!, contextFor(PAGE, asked));
    expect(asked).toEqual([`${BASE}/admin/apiKeys`]);
    expect(keys).toEqual([
      {
        id: '5c47503320eef5699e1cce8d',
        description: 'Global monitoring',
        suffix: '754f',
        publicKey: 'ewmaqvdo',
        roles: [{ name: 'GLOBAL_READ_ONLY' }, { name: 'GLOBAL_MONITORING_ADMIN' }],
      },
      { id: '5c47503320eef5699e1cce8e', description: '', suffix: '', publicKey: 'qzxyabcd', roles: [{ name: 'GLOBAL_OWNER' }] },
    ]);
  });

  it('fails the scope as invalid_response on a key it cannot read', async () => {
    const [source] = globalSources(entry({ globalKeys: true }));
    const [scope] = (await source!.listScopes(contextFor([], []))).scopes;
    await expect(source!.fetchKeys(scope!, contextFor([{ id: 7, desc: 'an id that is not a string' }], []))).rejects.toBeInstanceOf(InvalidResponseError);
  });
});
