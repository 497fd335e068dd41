// The mappers read whatever MongoDB's documents allow: responses generated from the schema
// fixtures (optional fields dropped at random, unknown fields added, documented example values)
// map without `invalid_response` and without losing an item.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../src/atlas/client.js';
import { pageSchema } from '../../src/atlas/paging.js';
import type { Config, OrganizationEntry } from '../../src/config/load.js';
import { InvalidResponseError } from '../../src/errors/invalid-response-error.js';
import { keyAccessListEntrySchema, serviceAccountAccessListEntrySchema, summariseAccessList } from '../../src/sources/access-list.js';
import { mapAgentKeys, mapProjects } from '../../src/sources/agent-keys.js';
import { mapItems } from '../../src/sources/fields.js';
import { OrganizationDirectory } from '../../src/sources/organizations.js';
import { mapProgrammaticKeys, programmaticKeys } from '../../src/sources/programmatic-keys.js';
import { mapServiceAccounts } from '../../src/sources/service-accounts.js';
import type { SourceContext } from '../../src/sources/source.js';
import { mapUserKeys } from '../../src/sources/user-keys.js';
import { arbitraryOf, atlasV1, atlasV2, definition, describeErrors, validatorFor, type GenerateOptions, type SchemaFixture } from './schemas.js';

const RUNS = { numRuns: 300 };
const URL_OF_TEST = 'https://cloud.mongodb.com/api/atlas/v2/test';

/**
 * Fields generated always although the document does not require them: a Cloud Manager project
 * (`mapProjects`, read like `Group`) needs its id, and one without fails the listing as
 * invalid_response (the last describe of this file). The v2 listings leave an item without an id
 * out instead, which the properties below expect.
 */
const IDENTITY: GenerateOptions['identity'] = { Group: ['id'] };
const noIdentity: GenerateOptions = { identity: {} };
const LOG = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined };

/** Documented values besides the OpenAPI examples: api-facts.md (MongoDB's Go clients and the v2 reference). */
const EXAMPLES: GenerateOptions['examples'] = {
  ApiKeyUserDetails: { privateKey: ['********-****-****-db2c132ca78d'] },
  ServiceAccountSecret: { maskedSecretValue: ['mdb_sa_sk_...'] },
};

/** An `organizations:` entry that discovers organisations and their projects over the v2 API. */
const ORGANIZATION_ENTRY: OrganizationEntry = {
  auth: { scheme: 'digest', publicKey: 'abcdefgh', privateKey: 'secret' },
  baseUrl: 'https://cloud.mongodb.com/api/atlas/v2',
  ids: [],
  discover: true,
  apiKeys: true,
  accessLists: false,
  serviceAccounts: false,
  includeProjects: true,
  globalKeys: false,
  includeSystemManaged: false,
  events: false,
  eventsLookbackMs: 7_776_000_000,
};

/** Documents valid against a definition of a fixture; checked against the fixture while generated. */
function documents(fixture: SchemaFixture, name: string, options: GenerateOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const schema = definition(name);
  const validate = validatorFor(fixture, schema);
  return arbitraryOf(fixture, schema, { identity: IDENTITY, examples: EXAMPLES, ...options }).map((value) => {
    if (!validate(value)) throw new Error(`the generator made an invalid ${name}: ${describeErrors(validate.errors).join('; ')}`);
    return value as Record<string, unknown>;
  });
}

const list = (item: fc.Arbitrary<Record<string, unknown>>) => fc.array(item, { maxLength: 6 });
const arrayOf = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? (value as Record<string, unknown>[]) : []);
/** The ids of the items that have one: what a v2 listing publishes. */
const idsOf = (items: readonly Record<string, unknown>[]): unknown[] => items.filter((item) => typeof item['id'] === 'string' && item['id'] !== '').map((item) => item['id']);
const contextWith = (client: unknown): SourceContext => ({ cycle: 1, client, signal: new AbortController().signal, log: LOG }) as unknown as SourceContext;

/** The key_suffix rule of every kind: the mask's last four characters when they are letters or digits, else none. */
function expectedSuffix(mask: unknown): string {
  const tail = typeof mask === 'string' ? /[A-Za-z0-9]{4}$/.exec(mask) : null;
  return tail === null ? '' : tail[0];
}

describe('mappers read every response the documents allow', () => {
  it('personal API keys (v1.0 GET /users/{USER-ID}/keys): every key, in order', () => {
    fc.assert(
      fc.property(list(documents(atlasV1, 'UserApiKey')), (items) => {
        expect(mapUserKeys(items, URL_OF_TEST).map((key) => key.id)).toEqual(items.map((item) => item['id']));
      }),
      RUNS,
    );
  });

  it('agent API keys (v1.0 GET /groups/{PROJECT-ID}/agentapikeys): every key, in order', () => {
    fc.assert(
      fc.property(list(documents(atlasV1, 'AgentApiKey')), (items) => {
        expect(mapAgentKeys(items, URL_OF_TEST).map((key) => key.id)).toEqual(items.map((item) => item['_id'] ?? item['id']));
      }),
      RUNS,
    );
  });

  it('projects (GET /groups, GET /orgs/{orgId}/groups: Group): every project', () => {
    fc.assert(
      fc.property(list(documents(atlasV2, 'Group')), (items) => {
        expect(mapProjects(items, URL_OF_TEST).map((project) => project.id)).toEqual(items.map((item) => item['id']));
      }),
      RUNS,
    );
  });

  it('programmatic API keys (ApiKeyUserDetails): every key that has an id, every named role', () => {
    fc.assert(
      fc.property(list(documents(atlasV2, 'ApiKeyUserDetails')), (items) => {
        const keys = mapProgrammaticKeys(items, URL_OF_TEST);
        const identified = items.filter((item) => idsOf([item]).length === 1);
        expect(keys.map((key) => key.id)).toEqual(idsOf(items));
        expect(keys.map((key) => key.roles?.length ?? 0)).toEqual(identified.map((item) => arrayOf(item['roles']).filter((role) => role['roleName']).length));
      }),
      RUNS,
    );
  });

  for (const [name, schema] of [
    ['UserAccessListResponse', keyAccessListEntrySchema],
    ['ServiceAccountIPAccessListEntry', serviceAccountAccessListEntrySchema],
  ] as const) {
    it(`access list entries (${name}): every entry counted`, () => {
      fc.assert(
        fc.property(list(documents(atlasV2, name)), fc.constantFrom(true, false, undefined), (items, required) => {
          const entries = mapItems(items, schema, URL_OF_TEST);
          expect(entries).toHaveLength(items.length);
          expect(summariseAccessList(entries, required).accessList.entries).toBe(items.length);
        }),
        RUNS,
      );
    });
  }

  for (const [name, owner] of [
    ['OrgServiceAccount', 'org'],
    ['GroupServiceAccount', 'project'],
  ] as const) {
    it(`service accounts (${name}): one key per secret`, () => {
      fc.assert(
        fc.property(list(documents(atlasV2, name)), (items) => {
          const keys = mapServiceAccounts(items, URL_OF_TEST, { owner, id: '32b6e34b3d91647abb20e7b8' });
          const secrets = items.flatMap((item) => arrayOf(item['secrets']).map((secret) => secret['id']));
          expect(keys.map((key) => key.id)).toEqual(secrets);
        }),
        RUNS,
      );
    });
  }

  it('organisations and their projects (GET /orgs, GET /orgs/{orgId}/groups): every organisation not deleted, every project of those', async () => {
    await fc.assert(
      fc.asyncProperty(list(documents(atlasV2, 'AtlasOrganization')), list(documents(atlasV2, 'Group', noIdentity)), async (orgs, groups) => {
        const ids = [...new Set(idsOf(orgs).map(String))];
        const live = ids.filter((id) => !orgs.some((org) => org['id'] === id && org['isDeleted'] === true));
        // Every organisation gets the same generated projects: each listing answers on its own.
        const client = {
          getAllPages: async (_credential: unknown, path: string) => (path === '/orgs' ? orgs : groups),
          getJson: async () => ({}),
        } as unknown as AtlasClient;
        const listing = await new OrganizationDirectory(ORGANIZATION_ENTRY).scopes('programmatic', contextWith(client));
        expect((listing.discovery ?? []).map((discovery) => discovery.failure)).toEqual((listing.discovery ?? []).map(() => undefined));
        expect(listing.scopes.filter((scope) => scope.owner === 'org').map((scope) => scope.id).sort()).toEqual([...live].sort());
        expect(listing.scopes.filter((scope) => scope.owner === 'project')).toHaveLength(live.length * idsOf(groups).length);
      }),
      { numRuns: 100 },
    );
  });

  it('programmatic keys with access lists and settings (OrganizationSettings: no field required): every key, none failing', async () => {
    await fc.assert(
      fc.asyncProperty(
        list(documents(atlasV2, 'ApiKeyUserDetails')),
        list(documents(atlasV2, 'UserAccessListResponse')),
        documents(atlasV2, 'OrganizationSettings'),
        async (keys, entries, settings) => {
          const client = {
            getAllPages: async (_credential: unknown, path: string) => (path.endsWith('/accessList') ? entries : keys),
            getJson: async () => settings,
          } as unknown as AtlasClient;
          const entry: OrganizationEntry = { ...ORGANIZATION_ENTRY, accessLists: true, includeProjects: false };
          const [source] = programmaticKeys.sourcesFrom({} as Config, [new OrganizationDirectory(entry)]);
          const scope = { kind: 'programmatic', owner: 'org', id: '32b6e34b3d91647abb20e7b8', credentialId: 'c' } as const;
          const mapped = await source?.fetchKeys(scope, contextWith(client));
          expect(mapped?.map((key) => key.id)).toEqual(idsOf(keys));
          for (const key of mapped ?? []) expect(key.accessList?.entries).toBe(entries.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  for (const name of ['PaginatedApiApiUser', 'PaginatedApiUserAccessListResponse', 'PaginatedAtlasGroup', 'PaginatedOrganization', 'PaginatedOrgServiceAccounts', 'PaginatedGroupServiceAccounts', 'PaginatedServiceAccountIPAccessEntry']) {
    it(`list pages (${name}): the envelope parses with all its results`, () => {
      fc.assert(
        fc.property(documents(atlasV2, name), (page) => {
          const parsed = pageSchema.safeParse(page);
          expect(parsed.success, parsed.success ? '' : parsed.error.message).toBe(true);
          expect(parsed.data?.results).toHaveLength(arrayOf(page['results']).length);
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('key_suffix follows the masks the documents show', () => {
  it('programmatic keys: privateKey', () => {
    fc.assert(
      fc.property(list(documents(atlasV2, 'ApiKeyUserDetails')), (items) => {
        const identified = items.filter((item) => idsOf([item]).length === 1);
        expect(mapProgrammaticKeys(items, URL_OF_TEST).map((key) => key.suffix)).toEqual(identified.map((item) => expectedSuffix(item['privateKey'])));
      }),
      RUNS,
    );
  });

  it('service-account secrets: maskedSecretValue (the document example "mdb_sa_sk_..." has none)', () => {
    fc.assert(
      fc.property(list(documents(atlasV2, 'OrgServiceAccount')), (items) => {
        const masks = items.flatMap((item) => arrayOf(item['secrets']).map((secret) => expectedSuffix(secret['maskedSecretValue'])));
        expect(mapServiceAccounts(items, URL_OF_TEST, { owner: 'org', id: '32b6e34b3d91647abb20e7b8' }).map((key) => key.suffix)).toEqual(masks);
      }),
      RUNS,
    );
  });

  it('personal keys: obfuscatedKey; agent keys: key', () => {
    fc.assert(
      fc.property(list(documents(atlasV1, 'UserApiKey')), list(documents(atlasV1, 'AgentApiKey')), (users, agents) => {
        expect(mapUserKeys(users, URL_OF_TEST).map((key) => key.suffix)).toEqual(users.map((item) => expectedSuffix(item['obfuscatedKey'])));
        expect(mapAgentKeys(agents, URL_OF_TEST).map((key) => key.suffix)).toEqual(agents.map((item) => expectedSuffix(item['key'])));
      }),
      RUNS,
    );
  });
});

describe('a Cloud Manager project without its id fails the listing as invalid_response, never silently', () => {
  it('projects (v1.0 GET /groups)', () => {
    fc.assert(
      fc.property(list(documents(atlasV2, 'Group', noIdentity)), (items) => {
        if (idsOf(items).length === items.length) return;
        expect(() => mapProjects(items, URL_OF_TEST)).toThrow(InvalidResponseError);
      }),
      RUNS,
    );
  });
});
