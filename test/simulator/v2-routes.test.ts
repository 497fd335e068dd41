import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  generateDataset,
  orgKeys,
  orgServiceAccounts,
  startSimulator,
  type SimOrg,
  type SimOrgCredential,
  type Simulator,
} from '../../src/simulator/index.js';
import { rawRequest, TestDigestClient, type RawResponse } from './helpers.js';
import { vendorError } from './fixture.js';

const NOW = Date.UTC(2025, 0, 1);
const V2023 = 'application/vnd.atlas.2023-01-01+json';
const V2024 = 'application/vnd.atlas.2024-08-05+json';
type Digest = Extract<SimOrgCredential, { kind: 'digest' }>;
type OAuth = Extract<SimOrgCredential, { kind: 'oauth' }>;

/** A minimal OAuth 2.0 client-credentials client over fetch, independent of the simulator. */
async function fetchToken(url: string, clientId: string, secret: string, body = 'grant_type=client_credentials'): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body,
  });
}

async function tokenFor(sim: Simulator, credential: OAuth): Promise<string> {
  const response = await fetchToken(sim.tokenUrl, credential.clientId, credential.clientSecret);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

function bearerGet(url: string, token: string, accept = V2023): Promise<RawResponse> {
  return rawRequest(url, { headers: { Authorization: `Bearer ${token}`, Accept: accept } });
}

describe('Atlas Admin API v2 routes', () => {
  let sim: Simulator;
  let org: SimOrg;
  let other: SimOrg;
  let digest: Digest;
  let oauth: OAuth;
  let client: TestDigestClient;
  const clients: TestDigestClient[] = [];
  const v2 = (path: string): string => sim.atlasV2BaseUrl + path;
  const get = (path: string, accept = V2023, as = client): Promise<RawResponse> => as.get(v2(path), { headers: { Accept: accept } });
  const json = async <T = Record<string, unknown>>(path: string, accept = V2023): Promise<T> => {
    const response = await get(path, accept);
    expect(response.status, response.body).toBe(200);
    return JSON.parse(response.body) as T;
  };

  beforeAll(async () => {
    const dataset = generateDataset({
      seed: 5,
      users: 1,
      projects: 6,
      credentials: 1,
      orgs: 2,
      programmaticKeysPerOrg: 7,
      programmaticKeysPerProject: 1,
      serviceAccountsPerOrg: 3,
      serviceAccountsPerProject: 1,
      secretsPerServiceAccount: 2,
      globalKeys: 1,
      now: NOW,
    });
    sim = await startSimulator({ dataset, tokenTtlSeconds: 1 });
    [org, other] = dataset.orgs as [SimOrg, SimOrg];
    digest = dataset.orgCredentials!.find((c): c is Digest => c.kind === 'digest' && c.orgIds[0] === org.id)!;
    oauth = dataset.orgCredentials!.find((c): c is OAuth => c.kind === 'oauth' && c.orgIds[0] === org.id)!;
    client = new TestDigestClient(digest.publicKey, digest.privateKey);
    clients.push(client);
  });

  afterEach(() => {
    sim.setFault('orgs', undefined);
    sim.resetRateLimits();
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await sim.close();
  });

  it('GET /orgs lists the readable organizations, paged, with the versioned media type', async () => {
    const response = await get('/orgs');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.atlas.2023-01-01+json;charset=utf-8');
    expect(JSON.parse(response.body)).toEqual({
      links: [{ rel: 'self', href: `${v2('/orgs')}?pageNum=1&itemsPerPage=100` }],
      results: [{ id: org.id, isDeleted: false, links: [{ href: v2(`/orgs/${org.id}`), rel: 'self' }], name: org.name, skipDefaultAlertsSettings: false }],
      totalCount: 1,
    });
    expect(await json(`/orgs/${org.id}`)).toMatchObject({ id: org.id, name: org.name });
  });

  it('GET /orgs/{orgId}/groups lists the projects of the organization', async () => {
    const body = await json<{ results: { id: string; orgId: string }[]; totalCount: number }>(`/orgs/${org.id}/groups`);
    expect(body.results.map((group) => group.id)).toEqual(org.projectIds);
    expect(body.results.every((group) => group.orgId === org.id)).toBe(true);
    expect(body.totalCount).toBe(org.projectIds.length);
  });

  it('GET /orgs/{orgId}/apiKeys pages through the organization keys, project keys included; includeCount=false drops totalCount', async () => {
    const all = orgKeys(sim.dataset.projects, org);
    expect(all.length).toBe(7 + org.projectIds.length);
    const seen: unknown[] = [];
    let url: string | undefined = v2(`/orgs/${org.id}/apiKeys?itemsPerPage=3`);
    while (url !== undefined) {
      const response = await client.get(url, { headers: { Accept: V2023 } });
      const page = JSON.parse(response.body) as { links: { rel: string; href: string }[]; results: unknown[]; totalCount: number };
      expect(page.totalCount).toBe(all.length);
      seen.push(...page.results);
      url = page.links.find((link) => link.rel === 'next')?.href;
    }
    expect(seen).toEqual(all);
    const uncounted = await json(`/orgs/${org.id}/apiKeys?includeCount=false&pageNum=2&itemsPerPage=2`);
    expect(uncounted).not.toHaveProperty('totalCount');
    expect(uncounted['results']).toEqual(all.slice(2, 4));
    expect((await get(`/orgs/${org.id}/apiKeys?includeCount=maybe`)).status).toBe(400);
    expect(vendorError(await get(`/orgs/${org.id}/apiKeys?itemsPerPage=501`))).toMatchObject({ errorCode: 'INVALID_QUERY_PARAMETER' });
  });

  it('GET /orgs/{orgId}/apiKeys/{apiUserId}/accessList serves the entries; empty lists and unknown keys', async () => {
    const keys = orgKeys(sim.dataset.projects, org);
    const withList = keys.find((key) => (org.accessLists[key['id'] as string] ?? []).length > 0)!;
    const body = await json(`/orgs/${org.id}/apiKeys/${withList['id'] as string}/accessList`);
    expect(body['results']).toEqual(org.accessLists[withList['id'] as string]);
    const empty = keys.find((key) => org.accessLists[key['id'] as string] === undefined)!;
    expect(await json(`/orgs/${org.id}/apiKeys/${empty['id'] as string}/accessList`)).toMatchObject({ results: [], totalCount: 0 });
    const missing = await get(`/orgs/${org.id}/apiKeys/${'0'.repeat(24)}/accessList`);
    expect(missing.status).toBe(404);
    expect(vendorError(missing)).toMatchObject({ errorCode: 'API_KEY_NOT_FOUND' });
  });

  it('GET /orgs/{orgId}/settings', async () => {
    expect(await json(`/orgs/${org.id}/settings`)).toMatchObject({
      apiAccessListRequired: org.apiAccessListRequired,
      multiFactorAuthRequired: org.multiFactorAuthRequired,
      restrictEmployeeAccess: org.restrictEmployeeAccess,
    });
  });

  it('GET /orgs/{orgId}/settings omits apiAccessListRequired where the organisation has none (no field is required)', async () => {
    const required = org.apiAccessListRequired;
    org.apiAccessListRequired = undefined;
    try {
      const body = await json(`/orgs/${org.id}/settings`);
      expect(body).not.toHaveProperty('apiAccessListRequired');
      expect(body).toMatchObject({ multiFactorAuthRequired: org.multiFactorAuthRequired });
    } finally {
      org.apiAccessListRequired = required;
    }
  });

  it('GET /orgs/{orgId}/serviceAccounts/{clientId}/accessList and the /groups one serve the entries, paged, as 2024-08-05', async () => {
    const accounts = orgServiceAccounts(org);
    const withList = accounts.find((account) => (org.serviceAccountAccessLists[account['clientId'] as string] ?? []).length > 0)!;
    const path = `/orgs/${org.id}/serviceAccounts/${withList['clientId'] as string}/accessList`;
    const entries = org.serviceAccountAccessLists[withList['clientId'] as string]!;
    expect(await json(path, V2024)).toMatchObject({ results: entries, totalCount: entries.length });
    expect((await get(path, V2024)).headers['content-type']).toBe('application/vnd.atlas.2024-08-05+json;charset=utf-8');
    expect((await get(path, V2023)).status).toBe(406);
    expect((await json(`${path}?itemsPerPage=1&pageNum=1`, V2024))['results']).toEqual(entries.slice(0, 1));
    // An account without entries has an empty list.
    delete org.serviceAccountAccessLists[withList['clientId'] as string];
    try {
      expect(await json(path, V2024)).toMatchObject({ results: [], totalCount: 0 });
    } finally {
      org.serviceAccountAccessLists[withList['clientId'] as string] = entries;
    }
    const missing = await get(`/orgs/${org.id}/serviceAccounts/mdb_sa_id_${'0'.repeat(24)}/accessList`, V2024);
    expect(missing.status).toBe(404);
    expect(vendorError(missing)).toMatchObject({ errorCode: 'SERVICE_ACCOUNT_NOT_FOUND' });
    expect((await get(`/orgs/${org.id}/serviceAccounts/not-a-client-id/accessList`, V2024)).status).toBe(400);

    const project = sim.dataset.projects.find((candidate) => candidate.orgId === org.id && (candidate.serviceAccounts ?? []).length > 0)!;
    const account = project.serviceAccounts![0]!;
    expect((await json(`/groups/${project.id}/serviceAccounts/${account['clientId'] as string}/accessList`, V2024))['results']).toEqual(org.serviceAccountAccessLists[account['clientId'] as string] ?? []);
    // An account of the organisation that the project does not list.
    const notInProject = await get(`/groups/${project.id}/serviceAccounts/${org.serviceAccounts[0]!['clientId'] as string}/accessList`, V2024);
    expect(notInProject.status).toBe(404);
  });

  it('service accounts need the 2024-08-05 media type', async () => {
    const body = await json(`/orgs/${org.id}/serviceAccounts`, V2024);
    expect(body['results']).toEqual(orgServiceAccounts(org));
    const response = await get(`/orgs/${org.id}/serviceAccounts`, V2024);
    expect(response.headers['content-type']).toBe('application/vnd.atlas.2024-08-05+json;charset=utf-8');
    expect((await get(`/orgs/${org.id}/serviceAccounts`, V2023)).status).toBe(406);
    const project = sim.dataset.projects.find((p) => p.orgId === org.id)!;
    expect((await json(`/groups/${project.id}/serviceAccounts`, V2024))['results']).toEqual(project.serviceAccounts);
    expect((await json(`/groups/${project.id}/apiKeys`))['results']).toEqual(project.programmaticKeys);
  });

  it.each([
    ['missing', undefined],
    ['application/json', 'application/json'],
    ['an earlier version', 'application/vnd.atlas.2022-12-31+json'],
    ['a malformed version', 'application/vnd.atlas.latest+json'],
  ])('a %s Accept header is 406 INVALID_VERSION_DATE, after authentication', async (_name, accept) => {
    const response = await client.get(v2('/orgs'), accept === undefined ? {} : { headers: { Accept: accept } });
    expect(response.status).toBe(406);
    expect(vendorError(response)).toEqual({
      detail: 'Invalid accept header or version date.',
      error: 406,
      errorCode: 'INVALID_VERSION_DATE',
      parameters: [],
      reason: 'Not Acceptable',
    });
    const unauthenticated = await rawRequest(v2('/orgs'));
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['www-authenticate']).toMatch(/^Digest realm="MMS Public API"/);
  });

  it('accepts a list in Accept when one type matches', async () => {
    expect((await get('/orgs', `application/json;q=0.5, ${V2023}`)).status).toBe(200);
  });

  it('refuses other organizations and projects, and unknown ones', async () => {
    expect(vendorError(await get(`/orgs/${other.id}/apiKeys`))).toMatchObject({ error: 403, errorCode: 'USER_UNAUTHORIZED' });
    expect(vendorError(await get(`/orgs/${'f'.repeat(24)}/apiKeys`))).toMatchObject({ error: 404, errorCode: 'ORG_NOT_FOUND' });
    expect(vendorError(await get('/orgs/nope/apiKeys'))).toMatchObject({ error: 400, errorCode: 'INVALID_ORG_ID' });
    const foreign = sim.dataset.projects.find((p) => p.orgId === other.id)!;
    expect(vendorError(await get(`/groups/${foreign.id}/apiKeys`))).toMatchObject({ error: 403, errorCode: 'NOT_IN_GROUP' });
    expect(vendorError(await get(`/groups/${'a'.repeat(24)}/apiKeys`))).toMatchObject({ error: 404, errorCode: 'GROUP_NOT_FOUND' });
  });

  it('lets a Cloud Manager programmatic key read its projects on v2, not the organizations', async () => {
    const credential = sim.dataset.credentials[0]!;
    const cm = new TestDigestClient(credential.publicKey, credential.privateKey);
    clients.push(cm);
    const project = sim.dataset.projects[0]!;
    expect((await get(`/groups/${project.id}/apiKeys`, V2023, cm)).status).toBe(200);
    expect(JSON.parse((await get('/orgs', V2023, cm)).body)).toMatchObject({ results: [], totalCount: 0 });
    expect((await get(`/orgs/${org.id}/apiKeys`, V2023, cm)).status).toBe(403);
  });

  it('accepts digest and bearer on the same route, with the same answer', async () => {
    const token = await tokenFor(sim, oauth);
    const byToken = await bearerGet(v2(`/orgs/${org.id}/apiKeys`), token);
    const byDigest = await get(`/orgs/${org.id}/apiKeys`);
    expect(byToken.status).toBe(200);
    expect(JSON.parse(byToken.body)).toEqual(JSON.parse(byDigest.body));
    expect(sim.adminApiStats.bearerRequests).toBeGreaterThanOrEqual(1);
  });

  it('carries RateLimit-Limit / RateLimit-Remaining on every v2 answer, counting down per credential', async () => {
    const first = await get('/orgs');
    const second = await get('/orgs');
    const limit = Number(first.headers['ratelimit-limit']);
    expect(limit).toBe(1000);
    expect(Number(second.headers['ratelimit-remaining'])).toBe(Number(first.headers['ratelimit-remaining']) - 1);
    expect((await get('/orgs', 'application/json')).headers['ratelimit-remaining']).toBeDefined();
    expect((await rawRequest(v2('/orgs'))).headers['ratelimit-limit']).toBe('1000');
    // v1.0 answers carry none.
    const user = sim.dataset.users[0]!;
    const personal = new TestDigestClient(user.username, user.apiKey);
    clients.push(personal);
    expect((await personal.get(`${sim.atlasBaseUrl}/users/${user.id}/keys`)).headers['ratelimit-limit']).toBeUndefined();
  });

  it('injects 429 faults with the vendor bodies on the new targets', async () => {
    sim.setFault('orgs', { fault: { type: 'status', status: 429, errorCode: 'RATE_LIMITED_TOKEN_BUCKET', retryAfterSeconds: 55 }, times: 1 });
    const bucket = await get('/orgs');
    expect(bucket.status).toBe(429);
    expect(bucket.headers['retry-after']).toBe('55');
    expect(bucket.headers['ratelimit-remaining']).toBe('0');
    expect(vendorError(bucket)).toEqual({
      detail: 'Rate limit exceeded for api/atlas/v2/orgs. Please retry after 55 seconds. Request capacity: 1000. Refill rate: 1000 per 60 seconds.',
      error: 429,
      errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
      parameters: ['api/atlas/v2/orgs', 55, 1000, 1000, 60],
      reason: 'Too Many Requests',
    });
    sim.setFault('orgs', { fault: { type: 'status', status: 429, errorCode: 'RATE_LIMITED' }, times: 1 });
    const plain = await get('/orgs');
    expect(plain.headers['retry-after']).toBeUndefined();
    expect(vendorError(plain)).toMatchObject({ errorCode: 'RATE_LIMITED' });
    expect((await get('/orgs')).status).toBe(200);
  });

  it('injects faults by organization, project and key id, and latency', async () => {
    const project = sim.dataset.projects.find((p) => p.orgId === org.id)!;
    const key = org.programmaticKeys[1]!;
    sim.setFault(org.id, { fault: { type: 'status', status: 503 }, times: 1 });
    sim.setFault(project.id, { fault: { type: 'html' }, times: 1 });
    sim.setFault(key['id'] as string, { fault: { type: 'body', body: { drift: true } }, times: 1 });
    expect((await get(`/orgs/${org.id}/settings`)).status).toBe(503);
    const html = await get(`/groups/${project.id}/apiKeys`);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(JSON.parse((await get(`/orgs/${org.id}/apiKeys/${key['id'] as string}/accessList`)).body)).toEqual({ drift: true });
    sim.setFault(org.id, { fault: { type: 'latency', ms: 150 }, times: 1 });
    const started = performance.now();
    expect((await get(`/orgs/${org.id}/settings`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect((await get(`/orgs/${org.id}/settings`)).status).toBe(200);
  });
});

describe('the token bucket', () => {
  it('answers 429 RATE_LIMITED_TOKEN_BUCKET with Retry-After once a credential’s bucket is empty', async () => {
    const dataset = generateDataset({ seed: 3, projects: 2, orgs: 1, programmaticKeysPerOrg: 1, now: NOW });
    const sim = await startSimulator({ dataset, rateLimit: { capacity: 3, refillRate: 1, refillDurationSeconds: 60 } });
    const credential = dataset.orgCredentials![0] as Digest;
    const client = new TestDigestClient(credential.publicKey, credential.privateKey);
    try {
      const statuses: unknown[][] = [];
      for (let i = 0; i < 4; i++) {
        const response = await client.get(`${sim.atlasV2BaseUrl}/orgs`, { headers: { Accept: V2023 } });
        statuses.push([response.status, response.headers['ratelimit-remaining']]);
        if (response.status === 429) {
          expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
          expect(JSON.parse(response.body)).toMatchObject({ errorCode: 'RATE_LIMITED_TOKEN_BUCKET', parameters: ['api/atlas/v2/orgs', expect.any(Number), 3, 1, 60] });
        }
      }
      expect(statuses).toEqual([[200, '2'], [200, '1'], [200, '0'], [429, '0']]);
      expect(sim.adminApiStats.rateLimited).toBe(1);
    } finally {
      client.close();
      await sim.close();
    }
  });
});

describe('Cloud/Ops Manager v1.0 organization and global keys', () => {
  let sim: Simulator;
  const clients: TestDigestClient[] = [];
  beforeAll(async () => {
    sim = await startSimulator({
      dataset: generateDataset({ seed: 8, projects: 3, orgs: 1, programmaticKeysPerOrg: 5, globalKeys: 3, now: NOW }),
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await sim.close();
  });
  const as = (credential: SimOrgCredential): TestDigestClient => {
    const c = new TestDigestClient((credential as Digest).publicKey, (credential as Digest).privateKey);
    clients.push(c);
    return c;
  };

  it('GET /orgs/{ORG-ID}/apiKeys and its access lists, paged, as application/json without a version', async () => {
    const org = sim.dataset.orgs![0]!;
    const client = as(sim.dataset.orgCredentials![0]!);
    const response = await client.get(`${sim.publicBaseUrl}/orgs/${org.id}/apiKeys?itemsPerPage=2&pageNum=2`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['ratelimit-limit']).toBeUndefined();
    const body = JSON.parse(response.body) as { results: unknown[]; totalCount: number; links: { rel: string }[] };
    expect(body.results).toEqual(org.programmaticKeys.slice(2, 4));
    expect(body.totalCount).toBe(5);
    expect(body.links.map((link) => link.rel)).toEqual(['self', 'previous', 'next']);
    const key = org.programmaticKeys.find((k) => org.accessLists[k['id'] as string] !== undefined)!;
    const list = await client.json<{ results: unknown[] }>(`${sim.publicBaseUrl}/orgs/${org.id}/apiKeys/${key['id'] as string}/accessList`);
    expect(list.results).toEqual(org.accessLists[key['id'] as string]);
  });

  it('GET /admin/apiKeys needs Global Read Only', async () => {
    const global = sim.dataset.orgCredentials!.find((c) => c.kind === 'digest' && c.globalReadOnly === true)!;
    const body = await as(global).json<{ results: unknown[]; totalCount: number }>(`${sim.publicBaseUrl}/admin/apiKeys`);
    expect(body.results).toEqual(sim.dataset.globalApiKeys);
    expect(body.totalCount).toBe(3);
    const orgOnly = await as(sim.dataset.orgCredentials![0]!).get(`${sim.publicBaseUrl}/admin/apiKeys`);
    expect(orgOnly.status).toBe(403);
    sim.setFault('globalApiKeys', { fault: { type: 'status', status: 500 }, times: 1 });
    expect((await as(global).get(`${sim.publicBaseUrl}/admin/apiKeys`)).status).toBe(500);
  });
});
