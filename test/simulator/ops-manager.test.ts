import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeSimulator, generateDataset, opsManagerConfigFor, orgKeys, startSimulator, type SimOrg, type SimOrgCredential, type Simulator } from '../../src/simulator/index.js';
import { vendorError } from './fixture.js';
import { rawRequest, TestDigestClient, type RawResponse } from './helpers.js';

type Digest = Extract<SimOrgCredential, { kind: 'digest' }>;
type Page = { links: { rel: string; href: string }[]; results: Record<string, unknown>[]; totalCount: number };

describe('Ops Manager v1.0 organization routes', () => {
  let sim: Simulator;
  let org: SimOrg;
  let other: SimOrg;
  let member: TestDigestClient;
  let global: TestDigestClient;
  const url = (path: string): string => sim.publicBaseUrl + path;

  beforeAll(async () => {
    sim = await startSimulator({ dataset: generateDataset({ seed: 21, projects: 4, orgs: 2, programmaticKeysPerOrg: 3, programmaticKeysPerProject: 2, globalKeys: 2 }) });
    [org, other] = sim.dataset.orgs as [SimOrg, SimOrg];
    const credentials = sim.dataset.orgCredentials as Digest[];
    const memberKey = credentials.find((c) => c.globalReadOnly !== true && c.orgIds.includes(org.id))!;
    const globalKey = credentials.find((c) => c.globalReadOnly === true)!;
    member = new TestDigestClient(memberKey.publicKey, memberKey.privateKey);
    global = new TestDigestClient(globalKey.publicKey, globalKey.privateKey);
  });
  afterAll(async () => {
    member.close();
    global.close();
    await sim.close();
  });

  /** A v1.0 answer: plain JSON, whatever the Accept header, and none of the v2 rate-limit headers. */
  function plain(response: RawResponse): Page {
    expect(response.status, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['ratelimit-limit']).toBeUndefined();
    return JSON.parse(response.body) as Page;
  }

  it('GET /orgs lists the organizations of the key, with v1.0 links', async () => {
    const body = plain(await member.get(url('/orgs')));
    expect(body.results).toEqual([{ id: org.id, isDeleted: false, links: [{ href: url(`/orgs/${org.id}`), rel: 'self' }], name: org.name, skipDefaultAlertsSettings: false }]);
    expect(body.totalCount).toBe(1);
    expect(body.links).toEqual([{ rel: 'self', href: `${url('/orgs')}?pageNum=1&itemsPerPage=100` }]);
    // A global role reads every organization of the instance.
    expect(plain(await global.get(url('/orgs'))).results.map((listed) => listed['id'])).toEqual([org.id, other.id]);
  });

  it('GET /orgs/{ORG-ID}/groups pages through the projects of the organization', async () => {
    const first = plain(await member.get(url(`/orgs/${org.id}/groups?itemsPerPage=1`)));
    expect(first.totalCount).toBe(org.projectIds.length);
    expect(first.links.map((link) => link.rel)).toEqual(['self', 'next']);
    const second = plain(await member.get(first.links.find((link) => link.rel === 'next')!.href));
    expect([...first.results, ...second.results].map((group) => [group['id'], group['orgId']])).toEqual(org.projectIds.map((id) => [id, org.id]));
    expect(second.results[0]?.['links']).toEqual([{ rel: 'self', href: url(`/groups/${org.projectIds[1]!}`) }]);
  });

  it('GET /groups/{PROJECT-ID}/apiKeys lists the keys of the project', async () => {
    const project = sim.dataset.projects.find((candidate) => candidate.orgId === org.id)!;
    const body = plain(await member.get(url(`/groups/${project.id}/apiKeys`)));
    expect(body.results).toEqual(project.programmaticKeys);
    expect(body.totalCount).toBe(2);
  });

  it('answers without a versioned media type, and ignores one', async () => {
    expect(plain(await member.get(url('/orgs'), { headers: { Accept: 'application/vnd.atlas.2022-01-01+json' } })).totalCount).toBe(1);
    expect(plain(await member.get(url(`/orgs/${org.id}/apiKeys`))).results).toEqual(orgKeys(sim.dataset.projects, org));
  });

  it('refuses what the key may not read, as v2 does', async () => {
    expect(vendorError(await member.get(url(`/orgs/${other.id}/groups`)))).toMatchObject({ error: 403, errorCode: 'USER_UNAUTHORIZED' });
    expect(vendorError(await member.get(url(`/orgs/${'f'.repeat(24)}/groups`)))).toMatchObject({ error: 404, errorCode: 'ORG_NOT_FOUND' });
    const foreign = sim.dataset.projects.find((project) => project.orgId === other.id)!;
    expect(vendorError(await member.get(url(`/groups/${foreign.id}/apiKeys`)))).toMatchObject({ error: 403, errorCode: 'NOT_IN_GROUP' });
    expect(vendorError(await member.get(url('/groups/nope/apiKeys')))).toMatchObject({ error: 404, errorCode: 'INVALID_GROUP_ID' });
  });

  it('needs digest auth, and keeps the agent-key routes of the same paths', async () => {
    const unauthenticated = await rawRequest(url('/orgs'));
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['www-authenticate']).toMatch(/^Digest realm="MMS Public API"/);
    expect(sim.stats.byRoute).toMatchObject({ '/orgs': expect.any(Number), '/orgs/{ORG-ID}/groups': expect.any(Number), '/groups/{PROJECT-ID}/apiKeys': expect.any(Number) });
    const project = sim.dataset.projects[0]!;
    const agent = sim.dataset.credentials.find((credential) => credential.projectIds.includes(project.id))!;
    const cloudManager = new TestDigestClient(agent.publicKey, agent.privateKey);
    try {
      expect((await cloudManager.get(url(`/groups/${project.id}/agentapikeys`))).status).toBe(200);
      expect((await cloudManager.get(url('/groups'))).status).toBe(200);
    } finally {
      cloudManager.close();
    }
  });

  it('proposes an Ops Manager organizations entry for its Global Read Only key, and prints it', () => {
    const globalKey = (sim.dataset.orgCredentials as Digest[]).find((c) => c.globalReadOnly === true)!;
    const entries = opsManagerConfigFor(sim);
    expect(entries).toEqual([
      { publicKey: globalKey.publicKey, privateKey: globalKey.privateKey, baseUrl: sim.publicBaseUrl, discover: true, includeProjects: true, globalKeys: true, apiKeys: true, accessLists: true, serviceAccounts: false },
    ]);
    const banner = describeSimulator(sim);
    const printed = banner.slice(banner.indexOf('Or, as Ops Manager'), banner.indexOf('Exporter config:'));
    expect(parse(printed.slice(printed.indexOf('\n'))) as unknown).toEqual({ organizations: entries });
    expect(opsManagerConfigFor({ ...sim, dataset: generateDataset({ orgs: 1, programmaticKeysPerOrg: 1 }) })).toEqual([]);
  });

  it('injects faults by organization and project id', async () => {
    sim.setFault(org.id, { fault: { type: 'status', status: 503 }, times: 1 });
    expect((await member.get(url(`/orgs/${org.id}/groups`))).status).toBe(503);
    expect((await member.get(url(`/orgs/${org.id}/groups`))).status).toBe(200);
    sim.setFault('orgs', { fault: { type: 'status', status: 500 }, times: 1 });
    expect((await member.get(url('/orgs'))).status).toBe(500);
  });
});
