import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoDatasetOptions, generateDataset, orgKeys, startSimulator, type Dataset, type SimOrg, type SimOrgCredential, type Simulator } from '../../src/simulator/index.js';
import { rawRequest, TestDigestClient, type RawResponse } from './helpers.js';
import { vendorError } from './fixture.js';

const NOW = Date.UTC(2025, 6, 1);
const V2023 = 'application/vnd.atlas.2023-01-01+json';
type Digest = Extract<SimOrgCredential, { kind: 'digest' }>;
type OAuth = Extract<SimOrgCredential, { kind: 'oauth' }>;
type EventDoc = Record<string, unknown> & { id: string; created: string; eventTypeName: string };
interface EventPage {
  links?: { rel: string; href: string }[];
  results: EventDoc[];
  totalCount?: number;
}

describe('event routes', () => {
  let sim: Simulator;
  let dataset: Dataset;
  let org: SimOrg;
  let other: SimOrg;
  let digest: Digest;
  let client: TestDigestClient;
  const clients: TestDigestClient[] = [];
  const v2 = (path: string): string => sim.atlasV2BaseUrl + path;
  const get = (url: string, accept = V2023, as = client): Promise<RawResponse> => as.get(url, { headers: { Accept: accept } });
  const page = async (url: string, accept = V2023): Promise<EventPage> => {
    const response = await get(url, accept);
    expect(response.status, response.body).toBe(200);
    return JSON.parse(response.body) as EventPage;
  };
  /** Every event of a listing, following `next` links. */
  const all = async (url: string, accept = V2023): Promise<EventDoc[]> => {
    const events: EventDoc[] = [];
    let next: string | undefined = url;
    while (next !== undefined) {
      const body = await page(next, accept);
      events.push(...body.results);
      next = body.links?.find((link) => link.rel === 'next')?.href;
    }
    return events;
  };

  beforeAll(async () => {
    dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
    sim = await startSimulator({ dataset });
    [org, other] = dataset.orgs as [SimOrg, SimOrg];
    digest = dataset.orgCredentials!.find((c): c is Digest => c.kind === 'digest' && c.orgIds[0] === org.id)!;
    client = new TestDigestClient(digest.publicKey, digest.privateKey);
    clients.push(client);
  });

  afterEach(() => {
    sim.setFault(org.id, undefined);
    sim.setFault(`events:${org.id}`, undefined);
    sim.setPaging('exact');
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await sim.close();
  });

  it('GET /orgs/{orgId}/events lists the trail newest first, with the versioned media type and self links', async () => {
    const response = await get(v2(`/orgs/${org.id}/events`));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.atlas.2023-01-01+json;charset=utf-8');
    const events = await all(v2(`/orgs/${org.id}/events?itemsPerPage=7`));
    expect(events.length).toBe(dataset.eventTrails![org.id]!.length);
    const created = events.map((event) => event.created);
    expect(created).toEqual([...created].sort().reverse());
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
    for (const event of events) {
      expect(event['orgId']).toBe(org.id);
      expect(event['links']).toEqual([{ href: v2(`/orgs/${org.id}/events/${event.id}`), rel: 'self' }]);
      expect(event).not.toHaveProperty('raw');
    }
  });

  it('names an API_KEY_CREATED event, with an actor and an address, for every organisation key', async () => {
    const events = await all(v2(`/orgs/${org.id}/events?eventType=API_KEY_CREATED`));
    for (const key of org.programmaticKeys) {
      const created = events.filter((event) => event['targetPublicKey'] === key['publicKey']);
      expect(created, String(key['publicKey'])).toHaveLength(1);
      const [event] = created as [EventDoc];
      expect(event['remoteAddress']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const byUser = event['username'] !== undefined && event['userId'] !== undefined;
      const byKey = event['publicKey'] !== undefined && event['apiKeyId'] !== undefined;
      expect(byUser !== byKey, JSON.stringify(event)).toBe(true);
    }
  });

  it('filters by repeated eventType; a comma list is not an event type', async () => {
    const types = ['API_KEY_CREATED', 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED'];
    const events = await all(v2(`/orgs/${org.id}/events?eventType=${types[0]}&eventType=${types[1]}`));
    const expected = dataset.eventTrails![org.id]!.filter((event) => types.includes(event.eventTypeName));
    expect(events.map((event) => event.id).sort()).toEqual(expected.map((event) => event.id).sort());
    expect(new Set(events.map((event) => event.eventTypeName))).toEqual(new Set(types));
    expect((await page(v2(`/orgs/${org.id}/events?eventType=NOT_A_TYPE_WE_HAVE`))).results).toEqual([]);
    const comma = await get(v2(`/orgs/${org.id}/events?eventType=${types.join(',')}`));
    expect(comma.status).toBe(400);
    expect(vendorError(comma)).toMatchObject({ errorCode: 'INVALID_ENUM_VALUE', parameters: [types.join(',')] });
  });

  it('GET /groups/{groupId}/events drops excludedEventType', async () => {
    const projectId = org.projectIds[0]!;
    const trail = dataset.eventTrails![projectId]!;
    expect(trail.some((event) => event.eventTypeName === 'CLUSTER_CREATED')).toBe(true);
    const events = await all(v2(`/groups/${projectId}/events?excludedEventType=CLUSTER_CREATED`));
    expect(events.length).toBe(trail.filter((event) => event.eventTypeName !== 'CLUSTER_CREATED').length);
    expect(events.every((event) => event['groupId'] === projectId && event['links'] !== undefined)).toBe(true);
  });

  it('keeps minDate and maxDate, both inclusive, in ISO 8601 forms; refuses other dates with 400', async () => {
    const trail = dataset.eventTrails![org.id]!;
    const middle = trail[Math.floor(trail.length / 2)]!;
    const later = trail.filter((event) => event.created >= middle.created);
    expect((await all(v2(`/orgs/${org.id}/events?minDate=${middle.created}`))).length).toBe(later.length);
    expect((await all(v2(`/orgs/${org.id}/events?maxDate=${middle.created}`))).length).toBe(trail.length - later.length + trail.filter((event) => event.created === middle.created).length);
    const day = middle.created.slice(0, 10);
    const sameDay = trail.filter((event) => event.created.startsWith(day));
    const between = await all(v2(`/orgs/${org.id}/events?minDate=${day}&maxDate=${encodeURIComponent(`${day}T23:59:59.999+00:00`)}`));
    expect(between.map((event) => event.id).sort()).toEqual(sameDay.map((event) => event.id).sort());
    expect((await page(v2(`/orgs/${org.id}/events?minDate=${day}T00:00:00Z&maxDate=${day}T00:00:00Z&eventType=CLUSTER_CREATED`))).results).toEqual([]);
    for (const bad of ['yesterday', '2025-02-30', '2025-13-01T00:00:00Z', '1735689600']) {
      const response = await get(v2(`/orgs/${org.id}/events?minDate=${bad}`));
      expect(response.status, bad).toBe(400);
      expect(vendorError(response)).toMatchObject({ errorCode: 'INVALID_QUERY_PARAMETER', parameters: ['minDate'] });
    }
    expect(vendorError(await get(v2(`/orgs/${org.id}/events?maxDate=soon`)))).toMatchObject({ parameters: ['maxDate'] });
    expect((await get(v2(`/orgs/${org.id}/events?includeRaw=yes`))).status).toBe(400);
  });

  it('pages with links that keep the filters, in every paging mode', async () => {
    const expected = dataset.eventTrails![org.id]!.filter((event) => event.eventTypeName.startsWith('API_KEY_')).length;
    const url = v2(`/orgs/${org.id}/events?eventType=API_KEY_CREATED&eventType=API_KEY_ACCESS_LIST_ENTRY_ADDED&eventType=API_KEY_ROLES_CHANGED&eventType=API_KEY_ADDED_TO_GROUP&eventType=API_KEY_DELETED&itemsPerPage=4`);
    const first = await page(url);
    expect(first.totalCount).toBe(expected);
    const next = first.links!.find((link) => link.rel === 'next')!.href;
    expect(new URL(next).searchParams.getAll('eventType')).toHaveLength(5);
    expect((await all(url)).length).toBe(expected);
    sim.setPaging('high');
    expect((await page(url)).totalCount).toBe(2 * expected);
    sim.setPaging('omitted');
    expect(await page(url)).not.toHaveProperty('links');
  });

  it('includeRaw=true adds the raw document', async () => {
    const [event] = (await page(v2(`/orgs/${org.id}/events?includeRaw=true&itemsPerPage=1`))).results as [EventDoc];
    expect(event['raw']).toMatchObject({ id: event.id, cre: event.created, orgId: org.id, orgName: org.name });
  });

  it('answers 404 for unknown organisations and projects, 403 outside the credential, and the faults of the scope', async () => {
    const unknown = '0'.repeat(24);
    expect(vendorError(await get(v2(`/orgs/${unknown}/events`)))).toMatchObject({ errorCode: 'ORG_NOT_FOUND' });
    expect(vendorError(await get(v2(`/groups/${unknown}/events`)))).toMatchObject({ errorCode: 'GROUP_NOT_FOUND' });
    expect((await get(v2(`/orgs/${other.id}/events`))).status).toBe(403);
    expect((await get(v2(`/groups/${other.projectIds[0]!}/events`))).status).toBe(403);
    sim.setFault(`events:${org.id}`, { fault: { type: 'status', status: 500 }, times: 1 });
    expect((await get(v2(`/orgs/${org.id}/events`))).status).toBe(500);
    expect((await get(v2(`/orgs/${org.id}/apiKeys`))).status).toBe(200);
    expect((await get(v2(`/orgs/${org.id}/events`))).status).toBe(200);
    sim.setFault(org.id, { fault: { type: 'status', status: 503 }, times: 1 });
    expect((await get(v2(`/orgs/${org.id}/events`))).status).toBe(503);
  });

  it('serves an OAuth service account like the other v2 routes', async () => {
    const oauth = dataset.orgCredentials!.find((c): c is OAuth => c.kind === 'oauth' && c.orgIds.includes(org.id))!;
    const tokenResponse = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${oauth.clientId}:${oauth.clientSecret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const response = await rawRequest(v2(`/orgs/${org.id}/events?itemsPerPage=1`), { headers: { Authorization: `Bearer ${token}`, Accept: V2023 } });
    expect(response.status).toBe(200);
    expect(response.headers['ratelimit-limit']).toBeDefined();
  });

  it('serves Cloud/Ops Manager v1.0 /orgs/{ORG-ID}/events and /groups/{PROJECT-ID}/events as application/json, in the same shape', async () => {
    const v1 = (path: string): string => sim.publicBaseUrl + path;
    const response = await get(v1(`/orgs/${org.id}/events?itemsPerPage=3`), 'application/json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const [event] = (JSON.parse(response.body) as EventPage).results as [EventDoc];
    expect(event['links']).toEqual([{ href: v1(`/orgs/${org.id}/events/${event.id}`), rel: 'self' }]);
    const { links: _v1, ...v1Fields } = event;
    const { links: _v2, ...v2Fields } = (await page(v2(`/orgs/${org.id}/events?itemsPerPage=3`))).results[0]!;
    expect(v1Fields).toEqual(v2Fields);
    const projectId = org.projectIds[0]!;
    const projectEvents = await all(v1(`/groups/${projectId}/events?eventType=API_KEY_CREATED`), 'application/json');
    const projectKey = dataset.projects.find((project) => project.id === projectId)!.programmaticKeys![0]!;
    expect(projectEvents.map((e) => e['targetPublicKey'])).toEqual([projectKey['publicKey']]);
    expect(orgKeys(dataset.projects, org)).toContain(projectKey);
  });
});
