import { pino } from 'pino';
import { Secret } from '../../../src/config/secret.js';
import { describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../../src/atlas/client.js';
import type { OrganizationEntry } from '../../../src/config/load.js';
import { ApiError } from '../../../src/errors/api-error.js';
import type { Scope } from '../../../src/model/scope.js';
import { OrganizationDirectory } from '../../../src/sources/organizations.js';
import { programmaticKeys } from '../../../src/sources/programmatic-keys.js';
import type { SourceContext } from '../../../src/sources/source.js';

const BASE = 'https://cloud.mongodb.com/api/atlas/v2';
const ORG = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const PROJECT = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const ENTRY: OrganizationEntry = {
  auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: new Secret('privateKey', 'secret') },
  baseUrl: BASE,
  ids: [ORG],
  discover: false,
  globalKeys: false,
  apiKeys: true,
  accessLists: false,
  serviceAccounts: false,
  includeSystemManaged: false,
  events: false,
  eventsLookbackMs: 7_776_000_000,
  includeProjects: true,
};
const key = (id: string, roles: object[]) => ({ id, desc: id, publicKey: 'abcdefgh', privateKey: '********-****-****-db2c132ca78d', roles });
const ORG_KEY = key('111111111111111111111111', [{ orgId: ORG, roleName: 'ORG_MEMBER' }]);
const ASSIGNED = key('222222222222222222222222', [{ orgId: ORG, roleName: 'ORG_MEMBER' }, { groupId: PROJECT, roleName: 'GROUP_READ_ONLY' }]);
const PROJECT_ONLY = key('333333333333333333333333', [{ groupId: PROJECT, roleName: 'GROUP_OWNER' }]);

function setup(answers: Record<string, unknown[] | Error>) {
  const requests: string[] = [];
  const client = {
    getAllPages: async (_credential: unknown, path: string) => {
      requests.push(path);
      const answer = answers[path];
      if (answer === undefined) throw new ApiError('GET', `${BASE}${path}`, 404, 'NOT_FOUND');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as AtlasClient;
  const directory = new OrganizationDirectory(ENTRY);
  const [source] = programmaticKeys.sourcesFrom({} as never, [directory]);
  const context: SourceContext = { cycle: 1, client, signal: new AbortController().signal, log: pino({ level: 'silent' }) };
  return { source: source!, context, requests };
}

const orgScope: Scope = { kind: 'programmatic', owner: 'org', id: ORG, credentialId: 'c' };
const projectScope: Scope = { kind: 'programmatic', owner: 'project', id: PROJECT, orgId: ORG, credentialId: 'c' };

describe('programmatic keys of an organisation and its projects', () => {
  it('publishes an assigned key once, under the organisation, whichever scope is polled first', async () => {
    for (const order of [[projectScope, orgScope], [orgScope, projectScope]]) {
      const { source, context, requests } = setup({ [`/orgs/${ORG}/apiKeys`]: [ORG_KEY, ASSIGNED], [`/groups/${PROJECT}/apiKeys`]: [ASSIGNED, PROJECT_ONLY] });
      await source.listScopes(context).catch(() => undefined);
      const keys = new Map<string, string[]>();
      for (const scope of order) keys.set(scope.owner, (await source.fetchKeys(scope, context)).map((k) => k.id));
      expect(keys.get('org')).toEqual([ORG_KEY.id, ASSIGNED.id]);
      expect(keys.get('project')).toEqual([PROJECT_ONLY.id]);
      // The organisation's listing is read once a cycle, for both scopes.
      expect(requests.filter((path) => path === `/orgs/${ORG}/apiKeys`)).toHaveLength(1);
    }
  });

  it('fails the project when its organisation cannot be listed, rather than publish its keys twice', async () => {
    const { source, context } = setup({ [`/orgs/${ORG}/apiKeys`]: new ApiError('GET', `${BASE}/orgs/${ORG}/apiKeys`, 500, 'UNEXPECTED_ERROR'), [`/groups/${PROJECT}/apiKeys`]: [ASSIGNED, PROJECT_ONLY] });
    await expect(source.fetchKeys(projectScope, context)).rejects.toBeInstanceOf(ApiError);
  });
});

describe('programmatic keys with access lists', () => {
  function withAccessLists(baseUrl: string, answers: Record<string, unknown>) {
    const asked: [string, unknown][] = [];
    const lines: Record<string, unknown>[] = [];
    const answer = async (path: string, options: unknown) => {
      asked.push([path, options]);
      const value = answers[path];
      if (value === undefined) throw new ApiError('GET', `${baseUrl}${path}`, 404, 'NOT_FOUND');
      return value;
    };
    const client = {
      getAllPages: async (_credential: unknown, path: string, _signal: unknown, options: unknown) => answer(path, options),
      getJson: async (_credential: unknown, path: string, _signal: unknown, options: unknown) => answer(path, options),
    } as unknown as AtlasClient;
    const directory = new OrganizationDirectory({ ...ENTRY, baseUrl, accessLists: true, includeProjects: false });
    const [source] = programmaticKeys.sourcesFrom({} as never, [directory]);
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const context: SourceContext = { cycle: 1, client, signal: new AbortController().signal, log };
    return { source: source!, context, asked, lines };
  }

  it('reads the access list of every key with an id, and leaves out a key without one, saying so', async () => {
    const { source, context, asked, lines } = withAccessLists(BASE, {
      [`/orgs/${ORG}/apiKeys`]: [ORG_KEY, { desc: 'no id', roles: [] }],
      [`/orgs/${ORG}/settings`]: { apiAccessListRequired: false },
      [`/orgs/${ORG}/apiKeys/${ORG_KEY.id}/accessList`]: [{ ipAddress: '203.0.113.7', lastUsed: '2025-03-01T10:00:00Z', count: 4 }],
    });
    const keys = await source.fetchKeys(orgScope, context);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ id: ORG_KEY.id, tracksUse: true, lastUsedAt: Date.parse('2025-03-01T10:00:00Z'), accessList: { entries: 1, unrestricted: false } });
    expect(asked.map(([path]) => path)).toEqual([`/orgs/${ORG}/apiKeys`, `/orgs/${ORG}/settings`, `/orgs/${ORG}/apiKeys/${ORG_KEY.id}/accessList`]);
    expect(asked.every(([, options]) => (options as { accept?: string }).accept === 'application/vnd.atlas.2023-01-01+json')).toBe(true);
    expect(lines).toEqual([expect.objectContaining({ msg: 'programmatic keys without an id are not published', unidentified: 1, url: `${BASE}/orgs/${ORG}/apiKeys` })]);
  });

  it('reads no settings from Cloud/Ops Manager, where an empty access list lets every address in', async () => {
    const V1 = 'https://ops.example.com/api/public/v1.0';
    const { source, context, asked } = withAccessLists(V1, { [`/orgs/${ORG}/apiKeys`]: [ORG_KEY], [`/orgs/${ORG}/apiKeys/${ORG_KEY.id}/accessList`]: [] });
    const [key] = await source.fetchKeys(orgScope, context);
    expect(key?.accessList).toEqual({ entries: 0, unrestricted: true, shown: [] });
    expect(asked).toEqual([
      [`/orgs/${ORG}/apiKeys`, {}],
      [`/orgs/${ORG}/apiKeys/${ORG_KEY.id}/accessList`, {}],
    ]);
  });

  it('reads a project’s keys from GET /groups/{id}/apiKeys, and none of the organisation without its id', async () => {
    const { source, context, requests } = setup({ [`/groups/${PROJECT}/apiKeys`]: [PROJECT_ONLY] });
    const keys = await source.fetchKeys({ ...projectScope, orgId: undefined } as unknown as Scope, context);
    expect(keys.map((key) => key.id)).toEqual([PROJECT_ONLY.id]);
    expect(requests).toEqual([`/groups/${PROJECT}/apiKeys`]);
  });
});
