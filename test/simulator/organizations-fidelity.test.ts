import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoDatasetOptions,
  describeSimulator,
  generateDataset,
  organizationsConfigFor,
  projectServiceAccounts,
  startSimulator,
  type Dataset,
  type SimOrg,
  type SimOrgCredential,
  type Simulator,
} from '../../src/simulator/index.js';
import { vendorError } from './fixture.js';
import { TestDigestClient } from './helpers.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const V2023 = 'application/vnd.atlas.2023-01-01+json';
const V2024 = 'application/vnd.atlas.2024-08-05+json';
type Doc = Record<string, any>;
type Digest = Extract<SimOrgCredential, { kind: 'digest' }>;

const OPTIONS = {
  seed: 12,
  users: 1,
  projects: 4,
  credentials: 1,
  orgs: 2,
  programmaticKeysPerOrg: 2,
  serviceAccountsPerOrg: 3,
  serviceAccountsPerProject: 1,
  secretsPerServiceAccount: 2,
  now: NOW,
};
const NEW = { deletedOrgs: 1, systemManagedServiceAccountsPerOrg: 1, assignedServiceAccountsPerProject: 1 };

describe('generateDataset: deleted organisations, system-managed accounts, project assignments', () => {
  it('adds them only when asked, leaving the rest of the data as it was', () => {
    const plain = generateDataset(OPTIONS);
    const full = generateDataset({ ...OPTIONS, ...NEW });
    expect(plain.orgs!.some((org) => org.isDeleted || org.systemServiceAccounts)).toBe(false);
    expect(plain.projects.some((project) => project.assignedServiceAccounts)).toBe(false);
    expect(full.orgs!.filter((org) => org.isDeleted)).toHaveLength(1);
    expect(full.orgs!.every((org) => org.isDeleted || org.systemServiceAccounts?.length === 1)).toBe(true);
    expect(full.projects.every((project) => project.assignedServiceAccounts?.length === 1)).toBe(true);
    // The trails describe the data, assignments included: they differ with it.
    const without = ({ eventTrails: _, ...dataset }: Dataset) => ({
      ...dataset,
      orgs: dataset.orgs!.filter((org) => !org.isDeleted).map(({ systemServiceAccounts: _, ...org }) => org),
      projects: dataset.projects.map(({ assignedServiceAccounts: _, ...project }) => project),
      orgCredentials: dataset.orgCredentials!.map((credential) => ({ ...credential, orgIds: credential.orgIds.filter((id) => !full.orgs!.some((org) => org.isDeleted && org.id === id)) })),
    });
    expect(without(full)).toEqual(without(plain));
  });

  it('lists the deleted organisation to every organisation credential, with nothing in it', () => {
    const dataset = generateDataset({ ...OPTIONS, ...NEW });
    const deleted = dataset.orgs!.filter((org) => org.isDeleted);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ projectIds: [], programmaticKeys: [], serviceAccounts: [] });
    for (const credential of dataset.orgCredentials!) expect(credential.orgIds).toContain(deleted[0]!.id);
  });

  it('assigns organisation accounts to projects with project roles', () => {
    const dataset = generateDataset({ ...OPTIONS, ...NEW });
    for (const project of dataset.projects) {
      const org = dataset.orgs!.find((candidate) => candidate.id === project.orgId)!;
      expect(project.assignedServiceAccounts).toHaveLength(1);
      const { clientId, roles } = project.assignedServiceAccounts![0]!;
      expect(org.serviceAccounts.map((account) => account['clientId'])).toContain(clientId);
      expect(roles.every((role) => role.startsWith('GROUP_'))).toBe(true);
    }
  });

  it('leaves a deleted organisation out of the proposed ids, and says it is deleted', () => {
    const dataset = generateDataset({ ...OPTIONS, ...NEW });
    const deleted = dataset.orgs!.find((org) => org.isDeleted)!;
    const sim = { url: 'http://127.0.0.1:1', dataset };
    for (const entry of organizationsConfigFor(sim, { discover: false })) expect(entry['ids']).not.toContain(deleted.id);
    expect(describeSimulator({ ...sim, atlasBaseUrl: '', publicBaseUrl: '', atlasV2BaseUrl: '', tokenUrl: '' } as unknown as Simulator)).toContain(`${deleted.id}  ${deleted.name}  deleted`);
  });

  it('shows them in the demo', () => {
    const demo = generateDataset({ ...demoDatasetOptions, now: NOW });
    expect(demo.orgs!.filter((org) => org.isDeleted)).toHaveLength(1);
    expect(demo.orgs!.filter((org) => !org.isDeleted).every((org) => (org.systemServiceAccounts ?? []).length > 0)).toBe(true);
    expect(demo.projects.some((project) => (project.assignedServiceAccounts ?? []).length > 0)).toBe(true);
  });
});

describe('Atlas Admin API v2 routes: deleted organisations and service-account listings', () => {
  let sim: Simulator;
  let org: SimOrg;
  let deleted: SimOrg;
  let client: TestDigestClient;
  const json = async (path: string, accept = V2023): Promise<Doc> => {
    const response = await client.get(sim.atlasV2BaseUrl + path, { headers: { Accept: accept } });
    expect(response.status, response.body).toBe(200);
    return JSON.parse(response.body) as Doc;
  };

  beforeAll(async () => {
    const dataset = generateDataset({ ...OPTIONS, ...NEW });
    sim = await startSimulator({ dataset });
    org = dataset.orgs![0]!;
    deleted = dataset.orgs!.find((candidate) => candidate.isDeleted)!;
    const digest = dataset.orgCredentials!.find((c): c is Digest => c.kind === 'digest' && c.orgIds[0] === org.id)!;
    client = new TestDigestClient(digest.publicKey, digest.privateKey);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('GET /orgs lists a deleted organisation with isDeleted: true; GET /orgs/{orgId} still answers it', async () => {
    const listed = (await json('/orgs'))['results'] as Doc[];
    expect(listed.map((item) => [item['id'], item['isDeleted']])).toEqual([
      [org.id, false],
      [deleted.id, true],
    ]);
    expect(await json(`/orgs/${deleted.id}`)).toMatchObject({ id: deleted.id, isDeleted: true, name: deleted.name });
  });

  it.each([
    ['groups', V2023],
    ['apiKeys', V2023],
    ['settings', V2023],
    ['serviceAccounts', V2024],
  ])('a deleted organisation`s %s answers 404 ORG_NOT_FOUND', async (resource, accept) => {
    const response = await client.get(`${sim.atlasV2BaseUrl}/orgs/${deleted.id}/${resource}`, { headers: { Accept: accept } });
    expect(response.status).toBe(404);
    expect(vendorError(response)).toMatchObject({ errorCode: 'ORG_NOT_FOUND' });
  });

  it('lists only the organisation`s own accounts, with organisation roles; system-managed ones only when asked', async () => {
    const own = (await json(`/orgs/${org.id}/serviceAccounts`, V2024))['results'] as Doc[];
    expect(own).toEqual(org.serviceAccounts);
    expect(own.flatMap((account) => account['roles'] as string[]).every((role) => role.startsWith('ORG_'))).toBe(true);
    expect((await json(`/orgs/${org.id}/serviceAccounts?includeSystemManaged=false`, V2024))['results']).toEqual(org.serviceAccounts);
    expect((await json(`/orgs/${org.id}/serviceAccounts?includeSystemManaged=true`, V2024))['results']).toEqual([...org.serviceAccounts, ...org.systemServiceAccounts!]);
    const bad = await client.get(`${sim.atlasV2BaseUrl}/orgs/${org.id}/serviceAccounts?includeSystemManaged=yes`, { headers: { Accept: V2024 } });
    expect(bad.status).toBe(400);
    expect(vendorError(bad)).toMatchObject({ errorCode: 'INVALID_QUERY_PARAMETER' });
  });

  it('lists a project`s own accounts and the organisation accounts assigned to it, with project roles', async () => {
    const project = sim.dataset.projects.find((candidate) => candidate.orgId === org.id)!;
    const listed = (await json(`/groups/${project.id}/serviceAccounts`, V2024))['results'] as Doc[];
    expect(listed).toEqual(projectServiceAccounts(project, org));
    const { clientId, roles } = project.assignedServiceAccounts![0]!;
    const account = org.serviceAccounts.find((candidate) => candidate['clientId'] === clientId)!;
    expect(listed).toEqual([...project.serviceAccounts!, { ...account, roles }]);
    expect(listed.flatMap((item) => item['roles'] as string[]).every((role) => role.startsWith('GROUP_'))).toBe(true);
  });
});
