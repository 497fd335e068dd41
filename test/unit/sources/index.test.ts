import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { KEY_KINDS } from '../../../src/model/api-key.js';
import type { Config, OrganizationEntry } from '../../../src/config/load.js';
import { KEY_SOURCES, sourcesFrom } from '../../../src/sources/index.js';

describe('KEY_SOURCES', () => {
  it('registers one source for every kind, under its own name, and nothing else', () => {
    for (const kind of KEY_KINDS) expect(KEY_SOURCES[kind]?.kind, kind).toBe(kind);
    expect(Object.keys(KEY_SOURCES).sort()).toEqual([...KEY_KINDS].sort());
  });
});

describe('sourcesFrom', () => {
  const organization = (fields: Partial<OrganizationEntry>): OrganizationEntry => ({
    auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: new Secret('privateKey', 'secret') },
    baseUrl: 'https://cloud.mongodb.com/api/atlas/v2',
    ids: ['aaaaaaaaaaaaaaaaaaaaaaaa'],
    discover: false,
    globalKeys: false,
    apiKeys: false,
    accessLists: false,
    serviceAccounts: false,
    includeSystemManaged: false,
    includeProjects: false,
    events: false,
    eventsLookbackMs: 1,
    ...fields,
  });

  it('makes one source per entry of each kind the entry asks for, in the order of the kinds', () => {
    const config: Config = {
      poll: { intervalMs: 1, concurrency: 1, timeoutMs: 1, retries: 0, staleAfterMs: 1, maxResponseBytes: 1 },
      users: [{ username: 'alice', apiKey: new Secret('apiKey', 'k'), baseUrl: 'https://cloud.mongodb.com/api/atlas/v1.0' }],
      projects: [{ publicKey: 'pub', privateKey: new Secret('privateKey', 'k'), baseUrl: 'https://cloud.mongodb.com/api/public/v1.0', ids: ['bbbbbbbbbbbbbbbbbbbbbbbb'], discover: false }],
      organizations: [organization({ apiKeys: true }), organization({ serviceAccounts: true }), organization({ apiKeys: true, serviceAccounts: true })],
    } as Config;
    expect(sourcesFrom(config).map((source) => source.kind)).toEqual(['user', 'agent', 'programmatic', 'programmatic', 'service_account', 'service_account']);
  });
});
