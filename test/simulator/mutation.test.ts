import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetMutator,
  demoDatasetOptions,
  generateDataset,
  MUTATION_STEPS,
  orgKeys,
  startSimulator,
  type Dataset,
  type SimOrg,
  type SimOrgCredential,
  type Simulator,
} from '../../src/simulator/index.js';
import { TestDigestClient } from './helpers.js';

const NOW = Date.UTC(2025, 6, 1);
const LATER = NOW + 3_600_000;
const V2023 = 'application/vnd.atlas.2023-01-01+json';
type Digest = Extract<SimOrgCredential, { kind: 'digest' }>;
type Doc = Record<string, unknown>;

describe('mutation steps, over HTTP', () => {
  let sim: Simulator;
  let org: SimOrg;
  let client: TestDigestClient;
  let clock = LATER;
  const v2 = (path: string): string => sim.atlasV2BaseUrl + path;
  const json = async (path: string): Promise<Doc> => {
    const response = await client.get(v2(path), { headers: { Accept: V2023 } });
    expect(response.status, response.body).toBe(200);
    return JSON.parse(response.body) as Doc;
  };
  /** The newest event of the organisation's (or a project's) trail of one type. */
  const newest = async (type: string, scope = `/orgs/${org.id}`): Promise<Doc | undefined> => ((await json(`${scope}/events?eventType=${type}&itemsPerPage=1`))['results'] as Doc[])[0];

  beforeAll(async () => {
    const dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
    sim = await startSimulator({ dataset, mutation: { seed: 3, clock: () => clock } });
    org = dataset.orgs![0]!;
    const digest = dataset.orgCredentials!.find((c): c is Digest => c.kind === 'digest' && c.orgIds[0] === org.id)!;
    client = new TestDigestClient(digest.publicKey, digest.privateKey);
  });

  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('createApiKey adds a key the listing shows, with API_KEY_CREATED naming it, its actor and address, at the clock', async () => {
    clock += 60_000;
    const key = sim.mutate.createApiKey(org.id, { roleNames: ['ORG_OWNER'] });
    expect(key).toMatchObject({ roles: [{ orgId: org.id, roleName: 'ORG_OWNER' }] });
    expect(String(key['publicKey'])).toMatch(/^[a-z]{8}$/);
    const listed = (await json(`/orgs/${org.id}/apiKeys?itemsPerPage=500`))['results'] as Doc[];
    expect(listed).toContainEqual(key);
    const event = await newest('API_KEY_CREATED');
    expect(event).toMatchObject({ targetPublicKey: key['publicKey'], created: new Date(clock).toISOString().replace('.000', ''), orgId: org.id });
    expect(event?.['username']).toBe(sim.dataset.users[0]?.username);
    expect(event?.['remoteAddress']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(String(event?.['id']).slice(0, 8)).toBe(Math.floor(clock / 1000).toString(16));
  });

  it('a project key goes to the project and its trail', async () => {
    const projectId = org.projectIds[1]!;
    const key = sim.mutate.createApiKey(org.id, { projectId, actor: { apiKeyId: String(org.programmaticKeys[1]!['id']), publicKey: String(org.programmaticKeys[1]!['publicKey']) } });
    expect(key['roles']).toEqual([{ groupId: projectId, roleName: 'GROUP_READ_ONLY' }]);
    expect((await json(`/groups/${projectId}/apiKeys`))['results']).toContainEqual(key);
    expect(await newest('API_KEY_CREATED', `/groups/${projectId}`)).toMatchObject({ targetPublicKey: key['publicKey'], groupId: projectId, publicKey: org.programmaticKeys[1]!['publicKey'] });
    expect(await newest('API_KEY_CREATED', `/groups/${projectId}`)).not.toHaveProperty('username');
  });

  it('setApiKeyRoles, addAccessListEntry (an open one too) and removeAccessListEntry change the key with their events', async () => {
    const key = sim.mutate.createApiKey(org.id);
    const keyId = String(key['id']);
    sim.mutate.setApiKeyRoles(org.id, keyId, ['ORG_MEMBER', 'ORG_BILLING_ADMIN']);
    expect(((await json(`/orgs/${org.id}/apiKeys?itemsPerPage=500`))['results'] as Doc[]).find((doc) => doc['id'] === keyId)?.['roles']).toEqual([
      { orgId: org.id, roleName: 'ORG_MEMBER' },
      { orgId: org.id, roleName: 'ORG_BILLING_ADMIN' },
    ]);
    expect(await newest('API_KEY_ROLES_CHANGED')).toMatchObject({ targetPublicKey: key['publicKey'] });
    clock += 1_000;
    sim.mutate.addAccessListEntry(org.id, keyId, '203.0.113.9');
    clock += 1_000;
    sim.mutate.addAccessListEntry(org.id, keyId, '0.0.0.0/0');
    const entries = (await json(`/orgs/${org.id}/apiKeys/${keyId}/accessList`))['results'] as Doc[];
    expect(entries.map((entry) => entry['cidrBlock'])).toEqual(['203.0.113.9/32', '0.0.0.0/0']);
    expect(entries[0]).toMatchObject({ ipAddress: '203.0.113.9' });
    expect(await newest('API_KEY_ACCESS_LIST_ENTRY_ADDED')).toMatchObject({ targetPublicKey: key['publicKey'], whitelistEntry: '0.0.0.0/0' });
    expect(() => sim.mutate.addAccessListEntry(org.id, keyId, '0.0.0.0/0')).toThrow(/already/);
    sim.mutate.removeAccessListEntry(org.id, keyId, '203.0.113.9');
    expect(((await json(`/orgs/${org.id}/apiKeys/${keyId}/accessList`))['results'] as Doc[]).map((entry) => entry['cidrBlock'])).toEqual(['0.0.0.0/0']);
    expect(await newest('API_KEY_ACCESS_LIST_ENTRY_DELETED')).toMatchObject({ targetPublicKey: key['publicKey'], whitelistEntry: '203.0.113.9' });
  });

  it('deleteApiKey removes the key and its access list, with API_KEY_DELETED; never a credential key', async () => {
    const key = sim.mutate.createApiKey(org.id);
    sim.mutate.addAccessListEntry(org.id, String(key['id']), '198.51.100.0/24');
    sim.mutate.deleteApiKey(org.id, String(key['id']));
    expect(((await json(`/orgs/${org.id}/apiKeys?itemsPerPage=500`))['results'] as Doc[]).some((doc) => doc['id'] === key['id'])).toBe(false);
    expect(org.accessLists[String(key['id'])]).toBeUndefined();
    expect(await newest('API_KEY_DELETED')).toMatchObject({ targetPublicKey: key['publicKey'] });
    const credentialKey = orgKeys(sim.dataset.projects, org).find((doc) => sim.dataset.orgCredentials!.some((c) => c.kind === 'digest' && c.publicKey === doc['publicKey']))!;
    expect(() => sim.mutate.deleteApiKey(org.id, String(credentialKey['id']))).toThrow(/credential/);
    expect(() => sim.mutate.deleteApiKey(org.id, '0'.repeat(24))).toThrow(/no API key/);
  });

  it('setAccessListRequired switches the setting with REQUIRED / NOT_REQUIRED, and records nothing when it does not change', async () => {
    const required = await json(`/orgs/${org.id}/settings`);
    const flipped = required['apiAccessListRequired'] !== true;
    const event = sim.mutate.setAccessListRequired(org.id, flipped);
    expect(event?.eventTypeName).toBe(flipped ? 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED' : 'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED');
    expect((await json(`/orgs/${org.id}/settings`))['apiAccessListRequired']).toBe(flipped);
    expect(sim.mutate.setAccessListRequired(org.id, flipped)).toBeUndefined();
    clock += 1_000;
    sim.mutate.setAccessListRequired(org.id, !flipped);
    const [latest, previous] = (await json(`/orgs/${org.id}/events?eventType=ORG_PUBLIC_API_ACCESS_LIST_REQUIRED&eventType=ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED`))['results'] as [Doc, Doc];
    expect([latest['eventTypeName'], previous['eventTypeName']]).toEqual([
      flipped ? 'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED' : 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED',
      flipped ? 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED' : 'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED',
    ]);
  });

  it('addServiceAccountSecret and deleteServiceAccountSecret, SECRET_ADDED at the secret createdAt; never the credential secret', async () => {
    const V2024 = 'application/vnd.atlas.2024-08-05+json';
    const account = org.serviceAccounts[1]!;
    const clientId = String(account['clientId']);
    clock += 1_500;
    const secret = sim.mutate.addServiceAccountSecret(org.id, clientId);
    const listed = JSON.parse((await client.get(v2(`/orgs/${org.id}/serviceAccounts`), { headers: { Accept: V2024 } })).body) as { results: Doc[] };
    expect(listed.results.find((doc) => doc['clientId'] === clientId)?.['secrets']).toContainEqual(secret);
    expect(await newest('SERVICE_ACCOUNT_SECRET_ADDED')).toMatchObject({ created: secret['createdAt'], orgId: org.id });
    sim.mutate.deleteServiceAccountSecret(org.id, clientId, String(secret['id']));
    expect((account['secrets'] as Doc[]).some((doc) => doc['id'] === secret['id'])).toBe(false);
    expect(await newest('SERVICE_ACCOUNT_SECRET_DELETED')).toMatchObject({ orgId: org.id });
    const oauth = sim.dataset.orgCredentials!.find((c) => c.kind === 'oauth' && c.orgIds.includes(org.id))!;
    const own = org.serviceAccounts.find((doc) => oauth.kind === 'oauth' && doc['clientId'] === oauth.clientId)!;
    expect(() => sim.mutate.deleteServiceAccountSecret(org.id, String(own['clientId']), String((own['secrets'] as Doc[])[0]!['id']))).toThrow(/credential/);
  });

  it('addServiceAccountAccessListEntry, removeServiceAccountAccessListEntry and setServiceAccountRoles change a project account with its events', async () => {
    const V2024 = 'application/vnd.atlas.2024-08-05+json';
    const project = sim.dataset.projects.find((candidate) => candidate.orgId === org.id && (candidate.serviceAccounts ?? []).length > 0)!;
    const clientId = String(project.serviceAccounts![0]!['clientId']);
    const entries = async (): Promise<Doc[]> =>
      (JSON.parse((await client.get(v2(`/groups/${project.id}/serviceAccounts/${clientId}/accessList`), { headers: { Accept: V2024 } })).body) as { results: Doc[] }).results;
    const before = (await entries()).length;
    clock += 1_000;
    const entry = sim.mutate.addServiceAccountAccessListEntry(org.id, clientId, '0.0.0.0/0');
    expect(entry).toEqual({ cidrBlock: '0.0.0.0/0', createdAt: new Date(Math.floor(clock / 1000) * 1000).toISOString().replace('.000', '') });
    expect(await entries()).toHaveLength(before + 1);
    expect(await newest('SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED', `/groups/${project.id}`)).toMatchObject({ groupId: project.id, whitelistEntry: '0.0.0.0/0', created: entry['createdAt'] });
    sim.mutate.removeServiceAccountAccessListEntry(org.id, clientId, '0.0.0.0/0');
    expect(await entries()).toHaveLength(before);
    expect(await newest('SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_DELETED', `/groups/${project.id}`)).toMatchObject({ whitelistEntry: '0.0.0.0/0' });
    sim.mutate.setServiceAccountRoles(org.id, clientId, ['GROUP_OWNER']);
    const listed = JSON.parse((await client.get(v2(`/groups/${project.id}/serviceAccounts`), { headers: { Accept: V2024 } })).body) as { results: Doc[] };
    expect(listed.results.find((doc) => doc['clientId'] === clientId)?.['roles']).toEqual(['GROUP_OWNER']);
    expect(await newest('SERVICE_ACCOUNT_ROLES_CHANGED', `/groups/${project.id}`)).toMatchObject({ groupId: project.id });
  });
});

describe('DatasetMutator.step', () => {
  const run = (steps: number): { dataset: Dataset; kinds: string[] } => {
    const dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
    let clock = LATER;
    const mutator = new DatasetMutator(() => dataset, { seed: 9, clock: () => (clock += 30_000) });
    const kinds: string[] = [];
    for (let i = 0; i < steps; i++) kinds.push(mutator.step()!.step);
    return { dataset, kinds };
  };

  it('makes every kind of change, the same ones for the same seed, data and clock', () => {
    const first = run(3 * MUTATION_STEPS.length);
    const second = run(3 * MUTATION_STEPS.length);
    expect(second.dataset).toEqual(first.dataset);
    expect(new Set(first.kinds)).toEqual(new Set(MUTATION_STEPS));
    const events = Object.values(first.dataset.eventTrails!).flat().filter((event) => Date.parse(event.created) > NOW);
    expect(new Set(events.map((event) => event.eventTypeName))).toEqual(
      new Set([
        'API_KEY_CREATED',
        'API_KEY_DELETED',
        'API_KEY_ROLES_CHANGED',
        'API_KEY_ACCESS_LIST_ENTRY_ADDED',
        'API_KEY_ACCESS_LIST_ENTRY_DELETED',
        'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED',
        'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED',
        'SERVICE_ACCOUNT_SECRET_ADDED',
        'SERVICE_ACCOUNT_SECRET_DELETED',
        'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED',
        'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_DELETED',
        'SERVICE_ACCOUNT_ROLES_CHANGED',
      ]),
    );
    expect(events.some((event) => event.whitelistEntry === '0.0.0.0/0')).toBe(true);
  });

  it('keeps the data set bounded and its credentials working', () => {
    const before = generateDataset({ ...demoDatasetOptions, now: NOW });
    const { dataset } = run(20 * MUTATION_STEPS.length);
    for (const [o, org] of (dataset.orgs ?? []).entries()) {
      const was = before.orgs![o]!;
      expect(Math.abs(orgKeys(dataset.projects, org).length - orgKeys(before.projects, was).length)).toBeLessThanOrEqual(20);
    }
    for (const credential of dataset.orgCredentials!) {
      if (credential.kind === 'digest') expect(dataset.orgs!.some((org) => orgKeys(dataset.projects, org).some((key) => key['publicKey'] === credential.publicKey)) || credential.globalReadOnly === true).toBe(true);
    }
  });
});

describe('mutation mode', () => {
  it('changes the data on a timer, with events, until the simulator closes', async () => {
    const dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
    const sim = await startSimulator({ dataset, mutateEveryMs: 20 });
    try {
      const deadline = Date.now() + 20_000;
      while (sim.mutate.events.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(sim.mutate.events.length).toBeGreaterThanOrEqual(3);
    } finally {
      await sim.close();
    }
    const after = sim.mutate.events.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.mutate.events.length).toBe(after);
  });
});
