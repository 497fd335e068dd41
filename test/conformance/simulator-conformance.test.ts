// The simulator answers what MongoDB's Atlas Admin API v2 document says the service answers: every
// v2 GET route it serves, every page, validated against the schema fixture derived from that
// document (test/fixtures/atlas-admin-api-v2.schemas.json, `npm run schemas`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDatasetOptions, generateDataset, orgKeys, startSimulator, type Dataset, type SimOrg, type SimOrgCredential, type Simulator } from '../../src/simulator/index.js';
import { TestDigestClient } from '../simulator/helpers.js';
import { atlasV1, atlasV2, describeErrors, validatorFor, type SchemaFixture } from './schemas.js';

const NOW = Date.UTC(2025, 0, 1);
const V2_ROOT = '/api/atlas/v2';
const MAX_PAGES = 100;
type Digest = Extract<SimOrgCredential, { kind: 'digest' }>;

/** One organisation of the demo data, the credential that reads it, and its items. */
interface OrgView {
  org: SimOrg;
  credential: Digest;
  projectIds: string[];
  keyIds: string[];
  clientIds: string[];
  projectClientIds: { projectId: string; clientId: string }[];
}

/**
 * Every GET operation of the fixture, with the concrete paths to request in one organisation.
 * `served: true` means the exporter reads it, so the simulator must serve it; the others are
 * checked when the simulator answers them and skipped (with the reason) while it answers 404.
 */
const ROUTES: readonly { template: string; served: boolean; paths: (view: OrgView) => string[] }[] = [
  { template: '/orgs', served: true, paths: () => ['/orgs'] },
  { template: '/orgs/{orgId}', served: true, paths: ({ org }) => [`/orgs/${org.id}`] },
  { template: '/orgs/{orgId}/groups', served: true, paths: ({ org }) => [`/orgs/${org.id}/groups`] },
  { template: '/orgs/{orgId}/settings', served: true, paths: ({ org }) => [`/orgs/${org.id}/settings`] },
  { template: '/orgs/{orgId}/apiKeys', served: true, paths: ({ org }) => [`/orgs/${org.id}/apiKeys`] },
  {
    template: '/orgs/{orgId}/apiKeys/{apiUserId}/accessList',
    served: true,
    paths: ({ org, keyIds }) => keyIds.map((id) => `/orgs/${org.id}/apiKeys/${id}/accessList`),
  },
  { template: '/orgs/{orgId}/serviceAccounts', served: true, paths: ({ org }) => [`/orgs/${org.id}/serviceAccounts`] },
  {
    template: '/orgs/{orgId}/serviceAccounts/{clientId}/accessList',
    served: true,
    paths: ({ org, clientIds }) => clientIds.map((id) => `/orgs/${org.id}/serviceAccounts/${id}/accessList`),
  },
  { template: '/groups/{groupId}/apiKeys', served: true, paths: ({ projectIds }) => projectIds.map((id) => `/groups/${id}/apiKeys`) },
  { template: '/groups/{groupId}/serviceAccounts', served: true, paths: ({ projectIds }) => projectIds.map((id) => `/groups/${id}/serviceAccounts`) },
  {
    template: '/groups/{groupId}/serviceAccounts/{clientId}/accessList',
    served: true,
    paths: ({ projectClientIds }) => projectClientIds.map(({ projectId, clientId }) => `/groups/${projectId}/serviceAccounts/${clientId}/accessList`),
  },
  { template: '/groups', served: false, paths: () => ['/groups'] },
  { template: '/orgs/{orgId}/apiKeys/{apiUserId}', served: false, paths: ({ org, keyIds }) => keyIds.slice(0, 1).map((id) => `/orgs/${org.id}/apiKeys/${id}`) },
  { template: '/orgs/{orgId}/serviceAccounts/{clientId}', served: false, paths: ({ org, clientIds }) => clientIds.slice(0, 1).map((id) => `/orgs/${org.id}/serviceAccounts/${id}`) },
  {
    template: '/groups/{groupId}/serviceAccounts/{clientId}',
    served: false,
    paths: ({ projectClientIds }) => projectClientIds.slice(0, 1).map(({ projectId, clientId }) => `/groups/${projectId}/serviceAccounts/${clientId}`),
  },
  { template: '/orgs/{orgId}/serviceAccounts/{clientId}/groups', served: false, paths: ({ org, clientIds }) => clientIds.slice(0, 1).map((id) => `/orgs/${org.id}/serviceAccounts/${id}/groups`) },
  { template: '/orgs/{orgId}/events', served: true, paths: ({ org }) => [`/orgs/${org.id}/events`, `/orgs/${org.id}/events?includeRaw=true`] },
  { template: '/groups/{groupId}/events', served: true, paths: ({ projectIds }) => projectIds.flatMap((id) => [`/groups/${id}/events`, `/groups/${id}/events?includeRaw=true`]) },
];

// A deleted organisation is listed by `GET /orgs`; its sub-resources answer 404, as the document says.
function viewsOf(dataset: Dataset): OrgView[] {
  return (dataset.orgs ?? []).filter((org) => org.isDeleted !== true).map((org) => {
    const credential = dataset.orgCredentials?.find((c): c is Digest => c.kind === 'digest' && c.orgIds.includes(org.id));
    if (credential === undefined) throw new Error(`no digest credential for ${org.id}`);
    const projects = dataset.projects.filter((project) => project.orgId === org.id);
    return {
      org,
      credential,
      projectIds: projects.map((project) => project.id),
      keyIds: orgKeys(dataset.projects, org).map((key) => String(key['id'])),
      clientIds: org.serviceAccounts.map((account) => String(account['clientId'])),
      projectClientIds: projects.flatMap((project) => (project.serviceAccounts ?? []).map((account) => ({ projectId: project.id, clientId: String(account['clientId']) }))),
    };
  });
}

/**
 * Requests `path` under `base` as `client`: one page at the default size and, for a list, every
 * page at 2 items (following `next` links) and one without the count; the problems found against
 * `operation` of `fixture`, one line each. `undefined` when the simulator does not serve the path
 * (the 404 of a route it does not match). `accept`: the media type of an API without versions
 * (Cloud/Ops Manager v1.0), instead of the operation's.
 */
async function problemsOfPath(fixture: SchemaFixture, operation: string, base: string, path: string, client: TestDigestClient, accept?: string): Promise<string[] | undefined> {
  const responses = fixture.operations[operation]?.responses;
  const [documented, schema] = Object.entries(responses ?? {})[0] ?? [];
  const mediaType = accept ?? documented;
  if (mediaType === undefined || schema === undefined) throw new Error(`${operation} has no 200 response in the fixture`);
  const validate = validatorFor(fixture, schema);
  // A problem seen on several requests of the path is listed once, with the requests that showed it.
  const problems = new Map<string, string[]>();
  const report = (line: string, label: string): void => void problems.set(line, [...(problems.get(line) ?? []), label]);
  const check = async (url: string, label: string): Promise<Record<string, unknown> | undefined> => {
    const response = await client.get(url, { headers: { Accept: mediaType } });
    if (response.status !== 200) {
      report(`status ${response.status} ${response.body.slice(0, 200)}`, label);
      return undefined;
    }
    const type = String(response.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (type !== mediaType) report(`Content-Type ${String(response.headers['content-type'])}, the document says ${mediaType}`, label);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    if (!validate(body)) for (const line of describeErrors(validate.errors)) report(line, label);
    return body;
  };
  const url = base + path;
  const first = await client.get(url, { headers: { Accept: mediaType } });
  if (first.status === 404 && JSON.parse(first.body)['errorCode'] === 'RESOURCE_NOT_FOUND') return undefined;
  const listed = () => [...problems].map(([line, labels]) => `GET ${path} [${labels.join(', ')}]: ${line}`);
  await check(url, 'default page');
  const envelope = schema.$ref === undefined ? undefined : fixture.definitions[schema.$ref.slice('#/definitions/'.length)];
  if (envelope?.properties?.['results'] === undefined) return listed();
  const and = url.includes('?') ? '&' : '?';
  let next: string | undefined = `${url}${and}itemsPerPage=2`;
  for (let page = 1; next !== undefined && page <= MAX_PAGES; page++) {
    const body = await check(next, `page ${page} of 2 items`);
    const links = (body?.['links'] ?? []) as { rel?: string; href?: string }[];
    next = links.find((link) => link.rel === 'next')?.href;
  }
  await check(`${url}${and}includeCount=false`, 'includeCount=false');
  return listed();
}

describe('the simulator conforms to the Atlas Admin API v2 document', () => {
  let sim: Simulator;
  let views: OrgView[];
  const clients = new Map<string, TestDigestClient>();

  beforeAll(async () => {
    const dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
    sim = await startSimulator({ dataset });
    views = viewsOf(dataset);
    for (const { credential } of views) clients.set(credential.publicKey, new TestDigestClient(credential.publicKey, credential.privateKey));
  });

  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await sim?.close();
  });

  it('lists every GET operation of the fixture', () => {
    expect(ROUTES.map((route) => V2_ROOT + route.template).sort()).toEqual(Object.keys(atlasV2.operations).sort());
  });

  const problemsOf = (template: string, path: string, view: OrgView): Promise<string[] | undefined> => {
    const client = clients.get(view.credential.publicKey);
    if (client === undefined) throw new Error('no client');
    return problemsOfPath(atlasV2, V2_ROOT + template, sim.atlasV2BaseUrl, path, client);
  };

  for (const route of ROUTES) {
    it(`GET ${V2_ROOT}${route.template}`, async (context) => {
      const problems: string[] = [];
      const absent: string[] = [];
      let requested = 0;
      for (const view of views) {
        for (const path of route.paths(view)) {
          requested++;
          const found = await problemsOf(route.template, path, view);
          if (found === undefined) absent.push(path);
          else problems.push(...found);
        }
      }
      expect(requested, 'the demo data has something to request').toBeGreaterThan(0);
      if (route.served) {
        expect(absent, 'routes the exporter reads must be served').toEqual([]);
      } else if (absent.length === requested) {
        context.skip(`the simulator does not serve ${route.template} (the exporter does not read it)`);
      }
      expect(problems, problems.join('\n')).toEqual([]);
    });
  }
});

describe('the simulator conforms to the v1.0 pages of the seed endpoints', () => {
  let sim: Simulator;
  let dataset: Dataset;
  const clients: TestDigestClient[] = [];
  const clientOf = (username: string, password: string): TestDigestClient => {
    const client = new TestDigestClient(username, password);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
    sim = await startSimulator({ dataset });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await sim?.close();
  });

  it('GET /api/atlas/v1.0/users/{USER-ID}/keys', async () => {
    const problems: string[] = [];
    for (const user of dataset.users) {
      const found = await problemsOfPath(atlasV1, '/api/atlas/v1.0/users/{USER-ID}/keys', sim.atlasBaseUrl, `/users/${user.id}/keys`, clientOf(user.username, user.apiKey));
      problems.push(...(found ?? [`/users/${user.id}/keys is not served`]));
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('GET /api/public/v1.0/groups/{PROJECT-ID}/agentapikeys', async () => {
    const problems: string[] = [];
    for (const credential of dataset.credentials) {
      const client = clientOf(credential.publicKey, credential.privateKey);
      for (const id of credential.projectIds) {
        const found = await problemsOfPath(atlasV1, '/api/public/v1.0/groups/{PROJECT-ID}/agentapikeys', sim.publicBaseUrl, `/groups/${id}/agentapikeys`, client);
        problems.push(...(found ?? [`/groups/${id}/agentapikeys is not served`]));
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

describe('the simulator serves Ops Manager v1.0 in the shapes of the v2 document', () => {
  let sim: Simulator;
  let dataset: Dataset;
  let views: OrgView[];
  const clients: TestDigestClient[] = [];
  const clientOf = (credential: Digest): TestDigestClient => {
    const client = new TestDigestClient(credential.publicKey, credential.privateKey);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
    sim = await startSimulator({ dataset });
    views = viewsOf(dataset);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await sim?.close();
  });

  // v1.0 path → the v2 operation whose schema it shares (api-facts.md: "same shapes as v1.0 Atlas").
  const ROUTES_V1: readonly { template: string; operation: string; paths: (view: OrgView) => string[] }[] = [
    { template: '/orgs', operation: '/orgs', paths: () => ['/orgs'] },
    { template: '/orgs/{ORG-ID}/groups', operation: '/orgs/{orgId}/groups', paths: ({ org }) => [`/orgs/${org.id}/groups`] },
    { template: '/orgs/{ORG-ID}/apiKeys', operation: '/orgs/{orgId}/apiKeys', paths: ({ org }) => [`/orgs/${org.id}/apiKeys`] },
    {
      template: '/orgs/{ORG-ID}/apiKeys/{API-KEY-ID}/accessList',
      operation: '/orgs/{orgId}/apiKeys/{apiUserId}/accessList',
      paths: ({ org, keyIds }) => keyIds.map((id) => `/orgs/${org.id}/apiKeys/${id}/accessList`),
    },
    { template: '/groups/{PROJECT-ID}/apiKeys', operation: '/groups/{groupId}/apiKeys', paths: ({ projectIds }) => projectIds.map((id) => `/groups/${id}/apiKeys`) },
    { template: '/orgs/{ORG-ID}/events', operation: '/orgs/{orgId}/events', paths: ({ org }) => [`/orgs/${org.id}/events`] },
    { template: '/groups/{PROJECT-ID}/events', operation: '/groups/{groupId}/events', paths: ({ projectIds }) => projectIds.map((id) => `/groups/${id}/events`) },
  ];

  for (const route of ROUTES_V1) {
    it(`GET /api/public/v1.0${route.template}`, async () => {
      const problems: string[] = [];
      for (const view of views) {
        const client = clientOf(view.credential);
        for (const path of route.paths(view)) {
          const found = await problemsOfPath(atlasV2, V2_ROOT + route.operation, sim.publicBaseUrl, path, client, 'application/json');
          problems.push(...(found ?? [`${path} is not served`]));
        }
      }
      expect(problems, problems.join('\n')).toEqual([]);
    });
  }

  it('GET /api/public/v1.0/admin/apiKeys (global keys: ApiKeyUserDetails with global roles)', async () => {
    const global = dataset.orgCredentials?.find((c): c is Digest => c.kind === 'digest' && c.globalReadOnly === true);
    expect(global, 'the demo data has a global credential').toBeDefined();
    const found = await problemsOfPath(atlasV2, `${V2_ROOT}/orgs/{orgId}/apiKeys`, sim.publicBaseUrl, '/admin/apiKeys', clientOf(global as Digest), 'application/json');
    expect(found ?? ['/admin/apiKeys is not served']).toEqual([]);
  });
});
