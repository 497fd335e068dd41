import { pino } from 'pino';
import { Secret } from '../../../src/config/secret.js';
import { describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../../src/atlas/client.js';
import type { OrganizationEntry } from '../../../src/config/load.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { listedOwners, OrganizationDirectory, splitListing } from '../../../src/sources/organizations.js';
import type { SourceContext } from '../../../src/sources/source.js';
import { thrownBy } from '../../helpers/thrown.js';

const BASE = 'https://cloud.mongodb.com/api/atlas/v2';
const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const GONE = 'dddddddddddddddddddddddd';
const group = (id: string, orgId: string) => ({ id, name: `project-${id.slice(0, 2)}`, orgId, clusterCount: 0, created: '2024-01-01T00:00:00Z' });

const ENTRY: OrganizationEntry = {
  auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: new Secret('privateKey', 'secret') },
  baseUrl: BASE,
  ids: [],
  discover: true,
  globalKeys: false,
  apiKeys: true,
  accessLists: false,
  serviceAccounts: true,
  includeSystemManaged: false,
  events: false,
  eventsLookbackMs: 7_776_000_000,
  includeProjects: true,
};

/** A client that answers each listing path from a table: items, or an error to throw. */
function fakeClient(answers: Map<string, unknown[] | Error>): AtlasClient {
  return {
    getAllPages: async (_credential: unknown, path: string) => {
      const answer = answers.get(path);
      if (answer === undefined) throw new ApiError('GET', `${BASE}${path}`, 404, 'NOT_FOUND');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as AtlasClient;
}

function contextFor(client: AtlasClient, cycle: number, lines: string[] = []): SourceContext {
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  return { cycle, client, signal: new AbortController().signal, log };
}

describe('listedOwners', () => {
  it('sets deleted organisations and items without an id apart', () => {
    const listing = listedOwners(
      [
        { id: A, name: 'Acme', isDeleted: false, links: [] },
        { id: GONE, name: 'Gone', isDeleted: true },
        { name: 'No id' },
        { id: B, name: 'Beta', skipDefaultAlertsSettings: true },
      ],
      `${BASE}/orgs`,
    );
    expect(listing.owners).toEqual([
      { id: A, name: 'Acme' },
      { id: B, name: 'Beta' },
    ]);
    expect([...listing.deleted]).toEqual([GONE]);
    expect(listing.withoutId).toEqual(['No id']);
  });

  it('requires the name, as the document does', () => {
    expect(thrownBy(() => listedOwners([{ id: A }], `${BASE}/orgs`), InvalidResponseError).message).toContain('item 0: name');
  });
});

describe('OrganizationDirectory', () => {
  it('keeps the last projects of an organisation whose projects cannot be listed, and lists the others', async () => {
    const answers = new Map<string, unknown[] | Error>([
      ['/orgs', [{ id: A, name: 'Acme' }, { id: B, name: 'Beta' }]],
      [`/orgs/${A}/groups`, [group('a1a1a1a1a1a1a1a1a1a1a1a1', A)]],
      [`/orgs/${B}/groups`, [group('b1b1b1b1b1b1b1b1b1b1b1b1', B)]],
    ]);
    const directory = new OrganizationDirectory(ENTRY);
    const client = fakeClient(answers);
    await directory.list(contextFor(client, 1));
    answers.set(`/orgs/${A}/groups`, new ApiError('GET', `${BASE}/orgs/${A}/groups`, 503));
    answers.set(`/orgs/${B}/groups`, [group('b1b1b1b1b1b1b1b1b1b1b1b1', B), group('b2b2b2b2b2b2b2b2b2b2b2b2', B)]);
    const second = await directory.list(contextFor(client, 2));
    expect(second.orgs.map((org) => org.id)).toEqual([A, B]);
    expect(second.projects.map((project) => [project.id, project.orgId])).toEqual([
      ['a1a1a1a1a1a1a1a1a1a1a1a1', A],
      ['b1b1b1b1b1b1b1b1b1b1b1b1', B],
      ['b2b2b2b2b2b2b2b2b2b2b2b2', B],
    ]);
    expect(second.discovery).toEqual([{}, { orgId: A, failure: expect.objectContaining({ reason: 'server_error', status: 503 }) }, { orgId: B }]);
  });

  it('keeps the last organisations when GET /orgs fails, and still lists their projects', async () => {
    const answers = new Map<string, unknown[] | Error>([
      ['/orgs', [{ id: A, name: 'Acme' }]],
      [`/orgs/${A}/groups`, [group('a1a1a1a1a1a1a1a1a1a1a1a1', A)]],
    ]);
    const directory = new OrganizationDirectory(ENTRY);
    const client = fakeClient(answers);
    await directory.list(contextFor(client, 1));
    answers.set('/orgs', new ApiError('GET', `${BASE}/orgs`, 500));
    const second = await directory.list(contextFor(client, 2));
    expect(second.orgs).toEqual([{ id: A, name: 'Acme' }]);
    expect(second.discovery).toEqual([{ failure: expect.objectContaining({ reason: 'server_error' }) }, { orgId: A }]);
  });

  it('reads nothing of a deleted organisation, even one listed by id, and warns of an item without id', async () => {
    const answers = new Map<string, unknown[] | Error>([
      ['/orgs', [{ id: A, name: 'Acme' }, { id: GONE, name: 'Gone', isDeleted: true }, { name: 'Nameless id' }]],
      [`/orgs/${A}/groups`, [group('a1a1a1a1a1a1a1a1a1a1a1a1', A), { name: 'no-id', orgId: A }]],
    ]);
    const lines: string[] = [];
    const directory = new OrganizationDirectory({ ...ENTRY, ids: [GONE] });
    const listing = await directory.scopes('service_account', contextFor(fakeClient(answers), 1, lines));
    expect(listing.scopes.map((scope) => [scope.owner, scope.id])).toEqual([
      ['org', A],
      ['project', 'a1a1a1a1a1a1a1a1a1a1a1a1'],
    ]);
    // No GET /orgs/{GONE}/groups: the fake client would have failed it as 404.
    expect(listing.discovery).toEqual([{}, { orgId: A }]);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>).map((line) => [line['msg'], line['names']])).toEqual([
      ['listed without an id; not polled', ['Nameless id']],
      ['listed without an id; not polled', ['no-id']],
    ]);
  });
});

describe('splitListing', () => {
  const id = (item: { id?: string }) => item.id;
  it('sets apart what the organisation lists too from what only the project lists, in the project order', () => {
    const { shared, own } = splitListing([{ id: 'a' }, { id: 'b' }], [{ id: 'c' }, { id: 'b' }, {}, { id: 'd' }], id);
    expect(shared).toEqual([{ id: 'b' }]);
    expect(own).toEqual([{ id: 'c' }, {}, { id: 'd' }]);
  });

  it('gives the project everything when its organisation lists nothing, and an item without id never matches one', () => {
    expect(splitListing([], [{ id: 'a' }], id)).toEqual({ shared: [], own: [{ id: 'a' }] });
    expect(splitListing([{}], [{}], id)).toEqual({ shared: [], own: [{}] });
  });
});

describe('OrganizationDirectory per cycle', () => {
  it('lists once per cycle for every kind that asks, and again in the next cycle', async () => {
    const asked: string[] = [];
    const answers = new Map<string, unknown[] | Error>([['/orgs', [{ id: A, name: 'Acme' }]]]);
    const client = fakeClient(answers);
    const counting = { getAllPages: async (credential: unknown, path: string) => (asked.push(path), client.getAllPages(credential as never, path, new AbortController().signal)) } as unknown as AtlasClient;
    const directory = new OrganizationDirectory({ ...ENTRY, includeProjects: false });
    const first = contextFor(counting, 1);
    const [programmatic, accounts] = await Promise.all([directory.scopes('programmatic', first), directory.scopes('service_account', first)]);
    expect(programmatic.scopes.map((scope) => scope.kind)).toEqual(['programmatic']);
    expect(accounts.scopes.map((scope) => scope.kind)).toEqual(['service_account']);
    expect(asked).toEqual(['/orgs']);
    await directory.list(contextFor(counting, 2));
    expect(asked).toEqual(['/orgs', '/orgs']);
  });

  it('shares a listing of keys within a cycle, and fetches it anew the next cycle', async () => {
    const directory = new OrganizationDirectory({ ...ENTRY, discover: false, ids: [A], includeProjects: false });
    const client = fakeClient(new Map());
    let fetched = 0;
    const fetch = async () => [++fetched];
    await directory.list(contextFor(client, 1));
    expect(await directory.orgListing('programmatic', A, fetch)).toEqual([1]);
    expect(await directory.orgListing('programmatic', A, fetch)).toEqual([1]);
    expect(await directory.orgListing('service_account', A, fetch)).toEqual([2]);
    expect(await directory.projectListing('programmatic', A, fetch)).toEqual([3]);
    expect(await directory.projectListing('programmatic', A, fetch)).toEqual([3]);
    expect(await directory.projectListing('programmatic', B, fetch)).toEqual([4]);
    expect(await directory.orgAccessListRequired(A, async () => true)).toBe(true);
    expect(await directory.orgAccessListRequired(A, async () => false)).toBe(true);
    expect(await directory.orgAccessListRequired(B, async () => false)).toBe(false);
    await directory.list(contextFor(client, 2));
    expect(await directory.orgListing('programmatic', A, fetch)).toEqual([5]);
  });

  it('names each scope by its owner, with the organisation of a project, and no discovery without GET /orgs or projects', async () => {
    const directory = new OrganizationDirectory({ ...ENTRY, discover: false, ids: [A, B, A], includeProjects: false });
    const listing = await directory.scopes('programmatic', contextFor(fakeClient(new Map()), 1));
    expect(listing).toEqual({
      scopes: [
        { kind: 'programmatic', owner: 'org', id: A, credentialId: 'zmmrboas@cloud.mongodb.com' },
        { kind: 'programmatic', owner: 'org', id: B, credentialId: 'zmmrboas@cloud.mongodb.com' },
      ],
      failed: [],
    });
    const withProjects = new OrganizationDirectory({ ...ENTRY, discover: false, ids: [A] });
    const answers = new Map<string, unknown[] | Error>([[`/orgs/${A}/groups`, [group('a1a1a1a1a1a1a1a1a1a1a1a1', A)]]]);
    const projects = await withProjects.scopes('service_account', contextFor(fakeClient(answers), 1));
    expect(projects.scopes[1]).toEqual({ kind: 'service_account', owner: 'project', id: 'a1a1a1a1a1a1a1a1a1a1a1a1', name: 'project-a1', orgId: A, credentialId: 'zmmrboas@cloud.mongodb.com' });
    expect(await withProjects.projectsOf(A, contextFor(fakeClient(answers), 1))).toEqual([{ id: 'a1a1a1a1a1a1a1a1a1a1a1a1', name: 'project-a1', orgId: A }]);
    expect(await withProjects.projectsOf(B, contextFor(fakeClient(answers), 1))).toEqual([]);
  });

  it('gives a listed id the name GET /orgs gives it', async () => {
    const answers = new Map<string, unknown[] | Error>([['/orgs', [{ id: A, name: 'Acme' }]]]);
    const directory = new OrganizationDirectory({ ...ENTRY, ids: [A, B], includeProjects: false });
    const listing = await directory.scopes('programmatic', contextFor(fakeClient(answers), 1));
    expect(listing.scopes.map((scope) => [scope.id, scope.name])).toEqual([
      [A, 'Acme'],
      [B, undefined],
    ]);
    expect(listing.discovery).toEqual([{}]);
  });

  it('asks the Admin API v2 for its media type, and Cloud/Ops Manager for none', async () => {
    const v2 = new OrganizationDirectory(ENTRY);
    expect(v2.v2).toBe(true);
    expect(v2.requestOptions).toEqual({ accept: 'application/vnd.atlas.2023-01-01+json' });
    const v1 = new OrganizationDirectory({ ...ENTRY, baseUrl: 'https://ops.example.com/api/public/v1.0' });
    expect(v1.v2).toBe(false);
    expect(v1.requestOptions).toEqual({});
    const options: unknown[] = [];
    const client = { getAllPages: async (_credential: unknown, _path: string, _signal: unknown, requestOptions: unknown) => (options.push(requestOptions), []) } as unknown as AtlasClient;
    await v2.list(contextFor(client, 1));
    expect(options).toEqual([{ accept: 'application/vnd.atlas.2023-01-01+json' }]);
  });

  it('authenticates by digest or by OAuth as the entry says', () => {
    const oauth = new OrganizationDirectory({ ...ENTRY, auth: { scheme: 'oauth', clientId: 'mdb_sa_id_1', clientSecret: new Secret('clientSecret', 's'), tokenUrl: 'https://cloud.mongodb.com/api/oauth/token' } });
    expect(oauth.credential).toMatchObject({ id: 'mdb_sa_id_1@cloud.mongodb.com', scheme: 'oauth', tokenUrl: 'https://cloud.mongodb.com/api/oauth/token' });
    expect(oauth.credential.secret()).toBe('s');
    expect(new OrganizationDirectory(ENTRY).credential).toMatchObject({ id: 'zmmrboas@cloud.mongodb.com', scheme: 'digest' });
  });

  it('leaves with the stop signal when stopped while listing', async () => {
    const stop = new AbortController();
    stop.abort(new Error('poller stopped'));
    const client = { getAllPages: async () => Promise.reject(new Error('poller stopped')) } as unknown as AtlasClient;
    await expect(new OrganizationDirectory(ENTRY).list({ ...contextFor(client, 1), signal: stop.signal })).rejects.toThrow('poller stopped');
    await expect(new OrganizationDirectory({ ...ENTRY, discover: false, ids: [A] }).list({ ...contextFor(client, 1), signal: stop.signal })).rejects.toThrow('poller stopped');
  });
});

describe('OrganizationDirectory before any listing succeeded', () => {
  it('polls the listed ids alone when the first GET /orgs fails, and no project of an organisation whose first listing fails', async () => {
    const answers = new Map<string, unknown[] | Error>([
      ['/orgs', new ApiError('GET', `${BASE}/orgs`, 500)],
      [`/orgs/${A}/groups`, new ApiError('GET', `${BASE}/orgs/${A}/groups`, 500)],
    ]);
    const lines: string[] = [];
    const directory = new OrganizationDirectory({ ...ENTRY, ids: [A] });
    const listing = await directory.list(contextFor(fakeClient(answers), 1, lines));
    expect(listing.orgs).toStrictEqual([{ id: A }]);
    expect(listing.projects).toStrictEqual([]);
    expect(lines).toEqual([]);
  });

  it('warns of nothing when every listed item has an id', async () => {
    const answers = new Map<string, unknown[] | Error>([
      ['/orgs', [{ id: A, name: 'Acme' }]],
      [`/orgs/${A}/groups`, [group('a1a1a1a1a1a1a1a1a1a1a1a1', A)]],
    ]);
    const lines: string[] = [];
    await new OrganizationDirectory(ENTRY).list(contextFor(fakeClient(answers), 1, lines));
    expect(lines).toEqual([]);
  });

  it('leaves no rejection unhandled when a shared listing fails and no scope awaits it', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const directory = new OrganizationDirectory({ ...ENTRY, discover: false, ids: [A], includeProjects: false });
      await directory.list(contextFor(fakeClient(new Map()), 1));
      void directory.orgListing('programmatic', A, () => Promise.reject(new Error('listing failed')));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
