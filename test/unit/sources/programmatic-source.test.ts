import { pino } from 'pino';
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
  auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: 'secret' },
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
