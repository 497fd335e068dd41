import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, organizationsConfigFor, type Dataset, type SimOrg, type Simulator } from '../../src/simulator/index.js';
import { select, valueOf } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

type Doc = Record<string, any>;

const DATASET = {
  seed: 204,
  users: 1,
  keysPerUser: 1,
  projects: 4,
  keysPerProject: 1,
  orgs: 2,
  programmaticKeysPerOrg: 2,
  programmaticKeysPerProject: 1,
  serviceAccountsPerOrg: 3,
  serviceAccountsPerProject: 1,
  secretsPerServiceAccount: 2,
};

/** The organisation key of the first organisation, made to read the second one too: two organisations, one credential. */
function oneCredentialForBoth(dataset: Dataset): { first: SimOrg; second: SimOrg } {
  const [first, second] = dataset.orgs!.filter((org) => !org.isDeleted) as [SimOrg, SimOrg];
  const credential = dataset.orgCredentials!.find((candidate) => candidate.kind === 'digest' && candidate.orgIds[0] === first.id)!;
  credential.orgIds.push(second.id);
  credential.projectIds.push(...second.projectIds);
  return { first, second };
}

/** Adds an empty project to an organisation of the live data set, readable by its credentials; returns its id. */
function addProject(dataset: Dataset, org: SimOrg, id: string): string {
  dataset.projects.push({ id, name: `added-${id.slice(0, 4)}`, orgId: org.id, agentKeys: [], programmaticKeys: [], serviceAccounts: [] });
  org.projectIds.push(id);
  for (const credential of dataset.orgCredentials!) if (credential.orgIds.includes(org.id)) credential.projectIds.push(id);
  return id;
}

/** The digest entry of the first organisation's key only. */
function firstKeyOnly(sim: Simulator, dataset: Dataset, change: (entry: Record<string, unknown>) => void = () => undefined): Record<string, unknown>[] {
  const credential = dataset.orgCredentials!.find((candidate) => candidate.kind === 'digest')!;
  const entry = organizationsConfigFor(sim).find((candidate) => candidate['publicKey'] === (credential.kind === 'digest' ? credential.publicKey : ''))!;
  change(entry);
  return [entry];
}

describe('organisation discovery', () => {
  it('skips a deleted organisation GET /orgs lists: not polled, no scope, nothing failing', async () => {
    const dataset = generateDataset({ ...DATASET, orgs: 1, deletedOrgs: 1 });
    const deleted = dataset.orgs!.find((org) => org.isDeleted)!;
    const healthy = dataset.orgs!.find((org) => !org.isDeleted)!;
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = firstKeyOnly(sim, dataset)) });
    await stack.cycle();
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', org_id: healthy.id })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'service_account', org_id: healthy.id })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'programmatic', org_id: healthy.id })).toBeGreaterThan(0);
    expect(samples.filter((sample) => Object.values(sample.labels).includes(deleted.id))).toEqual([]);
    expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
    expect(select(samples, 'mongodb_apikey_discovery_up').every((sample) => sample.value === 1)).toBe(true);
    // Its sub-resources were never asked for (they answer 404).
    expect(select(samples, 'mongodb_apikey_api_requests_total', { code: '404' })).toEqual([]);
  });

  it('fails one organisation`s project discovery on its own: it keeps its last projects, the other is discovered', async () => {
    const dataset = generateDataset(DATASET);
    const { first, second } = oneCredentialForBoth(dataset);
    stack = await startStack({
      dataset,
      configure: (config, sim) => {
        config.organizations = firstKeyOnly(sim, dataset);
        config.poll.retries = 0;
      },
    });
    // The first request of the cycle that names the first organisation is its GET /orgs/{orgId}/groups.
    stack.sim.setFault(first.id, { fault: { type: 'status', status: 503 }, times: 1 });
    const known = [...first.projectIds, ...second.projectIds];
    // Each organisation gains a project: only the one whose projects could be listed shows it.
    const added = [first, second].map((org, index) => addProject(dataset, org, `${'ab'[index]}`.repeat(24)));
    const before = stack.logs.length;
    await stack.cycle();
    const samples = await stack.scrape();
    const credential = select(samples, 'mongodb_apikey_discovery_up', { org_id: first.id })[0]?.labels.credential;
    expect(valueOf(samples, 'mongodb_apikey_discovery_up', { org_id: first.id })).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_discovery_up', { org_id: second.id })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_discovery_up', { credential: credential!, org_id: '' })).toBe(1);
    // Both organisations and every project of both are still polled, and up.
    for (const org of [first, second]) expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', org_id: org.id })).toBe(1);
    for (const projectId of known) expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', project_id: projectId })).toBe(1);
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', project_id: added[0]! })).toEqual([]);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', project_id: added[1]! })).toBe(1);
    const warnings = stack.logs.slice(before).filter((line) => line.includes('"msg":"discovery failed; polling the last known list"'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`"org":"${first.id}"`);
    expect(warnings[0]).toContain(`"credential":"${credential}"`);
    // The next cycle lists it again.
    await stack.cycle();
    const next = await stack.scrape();
    expect(valueOf(next, 'mongodb_apikey_discovery_up', { org_id: first.id })).toBe(1);
    expect(valueOf(next, 'mongodb_apikey_scope_up', { kind: 'programmatic', project_id: added[0]! })).toBe(1);
  });
});

describe('service-account roles per listing', () => {
  const WITH_ASSIGNMENTS = { ...DATASET, assignedServiceAccountsPerProject: 1 };

  /** An account of the organisation assigned to one of its projects, with that project's roles. */
  function assignedAccount(dataset: Dataset): { org: SimOrg; account: Doc; projectId: string; roles: string[] } {
    const project = dataset.projects.find((candidate) => (candidate.assignedServiceAccounts ?? []).length > 0)!;
    const { clientId, roles } = project.assignedServiceAccounts![0]!;
    const org = dataset.orgs!.find((candidate) => candidate.id === project.orgId)!;
    return { org, account: org.serviceAccounts.find((candidate) => candidate['clientId'] === clientId)!, projectId: project.id, roles };
  }

  it('publishes an organisation account`s project roles with role_project_id, and its secrets once, under the organisation', async () => {
    const dataset = generateDataset(WITH_ASSIGNMENTS);
    const { org, account, projectId, roles } = assignedAccount(dataset);
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = firstKeyOnly(sim, dataset)) });
    const samples = await stack.scrape();
    for (const secret of account['secrets'] as Doc[]) {
      const info = select(samples, 'mongodb_apikey_info', { kind: 'service_account', key_id: secret['id'] });
      expect(info).toHaveLength(1);
      expect(info[0]?.labels).toMatchObject({ org_id: org.id, client_id: account['clientId'] });
      expect(info[0]?.labels.project_id).toBeUndefined();
      const published = select(samples, 'mongodb_apikey_role_info', { kind: 'service_account', key_id: secret['id'] });
      expect(published.map((sample) => [sample.labels.role, sample.labels.role_org_id ?? '', sample.labels.role_project_id ?? '']).sort()).toEqual(
        [...(account['roles'] as string[]).map((role) => [role, org.id, '']), ...roles.map((role) => [role, '', projectId])].sort(),
      );
    }
    const ids = select(samples, 'mongodb_apikey_info', { kind: 'service_account' }).map((sample) => sample.labels.key_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when a project listing fails, fails that project and publishes the organisation`s accounts without its roles', async () => {
    const dataset = generateDataset(WITH_ASSIGNMENTS);
    const { org, account, projectId } = assignedAccount(dataset);
    stack = await startStack({
      dataset,
      configure: (config, sim) => {
        config.organizations = firstKeyOnly(sim, dataset);
        config.poll.retries = 0;
      },
    });
    stack.sim.setFault(projectId, { type: 'status', status: 503 });
    const before = stack.logs.length;
    await stack.cycle();
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'service_account', project_id: projectId })).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'service_account', org_id: org.id })).toBe(1);
    const secret = (account['secrets'] as Doc[])[0]!;
    const published = select(samples, 'mongodb_apikey_role_info', { kind: 'service_account', key_id: secret['id'] });
    expect(published.map((sample) => sample.labels.role_org_id)).toEqual((account['roles'] as string[]).map(() => org.id));
    expect(stack.logs.slice(before).some((line) => line.includes('project roles of service accounts not read') && line.includes(`"project":"${projectId}"`))).toBe(true);
  });

  it('asks for system-managed accounts only with includeSystemManaged', async () => {
    const dataset = generateDataset({ ...DATASET, orgs: 1, systemManagedServiceAccountsPerOrg: 1 });
    const org = dataset.orgs![0]!;
    const system = (org.systemServiceAccounts![0]!['secrets'] as Doc[]).map((secret) => secret['id'] as string);
    const published = (samples: Awaited<ReturnType<Stack['scrape']>>) =>
      select(samples, 'mongodb_apikey_info', { kind: 'service_account', org_id: org.id }).map((sample) => sample.labels.key_id);
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = firstKeyOnly(sim, dataset)) });
    const hidden = published(await stack.scrape());
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.filter((id) => system.includes(id!))).toEqual([]);
    await stack.close();
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = firstKeyOnly(sim, dataset, (entry) => (entry['includeSystemManaged'] = true))) });
    const shown = published(await stack.scrape());
    expect(shown.filter((id) => system.includes(id!)).sort()).toEqual([...system].sort());
    expect(shown).toHaveLength(hidden.length + system.length);
  });
});
