import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, globalKeysConfigFor, opsManagerConfigFor, orgKeys, type Dataset, type SimOrgCredential } from '../../src/simulator/index.js';
import { select, valueOf, type Sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

type Doc = Record<string, any>;
const DATASET = { seed: 33, users: 0, projects: 4, keysPerProject: 1, orgs: 2, programmaticKeysPerOrg: 3, programmaticKeysPerProject: 1, globalKeys: 3 };
const OWNER_LABELS = ['user_id', 'project_id', 'org_id'];

/** Only the organizations entries given: the Cloud Manager keys and users of the data set are left out. */
function onlyOrganizations(entries: Record<string, unknown>[]) {
  return (config: Record<string, any>): void => {
    config.users = [];
    config.projects = [];
    config.organizations = entries;
  };
}

function expectGlobalKeys(samples: Sample[], dataset: Dataset): void {
  const keys: Doc[] = dataset.globalApiKeys!;
  expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'global' })).toBe(keys.length);
  expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'global' })).toEqual([{ name: 'mongodb_apikey_scope_up', labels: { kind: 'global' }, value: 1 }]);
  for (const key of keys) {
    const [info] = select(samples, 'mongodb_apikey_info', { kind: 'global', key_id: key.id });
    expect(info?.labels).toEqual({ kind: 'global', key_id: key.id, description: key.desc, key_suffix: String(key.privateKey).slice(-4), public_key: key.publicKey });
    const roles = select(samples, 'mongodb_apikey_role_info', { kind: 'global', key_id: key.id });
    expect(roles.map((sample) => sample.labels)).toEqual(key.roles.map((role: Doc) => ({ kind: 'global', key_id: key.id, role: role.roleName })));
  }
  // The instance is the scope, never an owner label.
  const global = samples.filter((sample) => sample.labels['kind'] === 'global');
  expect(global.length).toBeGreaterThan(keys.length);
  expect(global.filter((sample) => OWNER_LABELS.some((label) => label in sample.labels))).toEqual([]);
}

describe('Ops Manager: organisations on the v1.0 API and the global API keys', () => {
  it('discovers organisations and projects, reads their keys and the global keys with one Global Read Only key', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => onlyOrganizations(opsManagerConfigFor(sim))(config) });
    const samples = await stack.scrape();
    expectGlobalKeys(samples, dataset);
    for (const org of dataset.orgs!) {
      const keys = orgKeys(dataset.projects, org);
      expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'programmatic', org_id: org.id })).toBe(keys.length);
      for (const key of keys) {
        expect(select(samples, 'mongodb_apikey_info', { kind: 'programmatic', org_id: org.id, key_id: key['id'] as string })[0]?.labels).toMatchObject({ org_name: org.name, public_key: key['publicKey'] });
        expect(valueOf(samples, 'mongodb_apikey_access_list_entries', { kind: 'programmatic', org_id: org.id, key_id: key['id'] as string })).toBe((org.accessLists[key['id'] as string] ?? []).length);
      }
      // includeProjects: every project is a scope; its keys are the organisation's, published once.
      for (const projectId of org.projectIds) {
        expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', project_id: projectId })).toBe(1);
        expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'programmatic', project_id: projectId })).toBe(0);
      }
    }
    expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
    // One per discovery listing: GET /orgs (org_id empty), and the projects of each organisation.
    const discovery = select(samples, 'mongodb_apikey_discovery_up').map((sample) => [sample.labels.org_id, sample.value]);
    expect(discovery.sort()).toEqual([['', 1], ...dataset.orgs!.map((org) => [org.id, 1])].sort());
    // Only the v1.0 routes were read: no media type, no v2 request.
    const routes = stack.sim.stats.byRoute;
    expect(Object.keys(routes).sort()).toEqual([
      '/admin/apiKeys',
      '/groups/{PROJECT-ID}/apiKeys',
      '/groups/{PROJECT-ID}/events',
      '/orgs',
      '/orgs/{ORG-ID}/apiKeys',
      '/orgs/{ORG-ID}/apiKeys/{API-KEY-ID}/accessList',
      '/orgs/{ORG-ID}/events',
      '/orgs/{ORG-ID}/groups',
    ]);
    // The events of the organisations and projects, read from the v1.0 routes too: every trail up.
    const trails = select(samples, 'mongodb_apikey_events_up');
    expect(trails).toHaveLength(dataset.orgs!.length + dataset.orgs!.reduce((sum, org) => sum + org.projectIds.length, 0));
    expect(trails.every((sample) => sample.value === 1)).toBe(true);
    expect(select(samples, 'mongodb_apikey_event_last_timestamp_seconds', { event_type: 'API_KEY_CREATED' }).length).toBeGreaterThan(0);
    expect(stack.sim.adminApiStats.notAcceptable).toBe(0);
    expect(select(samples, 'mongodb_apikey_api_requests_total', { api: 'atlas' })).toEqual([]);
  });

  it('an entry may read the global keys alone: no organisation listed, apiKeys: false', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => onlyOrganizations(globalKeysConfigFor(sim))(config) });
    const samples = await stack.scrape();
    expectGlobalKeys(samples, dataset);
    expect(select(samples, 'mongodb_apikey_scope_up').map((sample) => sample.labels)).toEqual([{ kind: 'global' }]);
    expect(select(samples, 'mongodb_apikey_discovery_up')).toEqual([]);
    expect(Object.keys(stack.sim.stats.byRoute)).toEqual(['/admin/apiKeys']);
  });

  it('a key without a global role fails the global scope as forbidden, and its organisations still publish', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({
      dataset,
      configure: (config, sim) => {
        const member = sim.dataset.orgCredentials!.find((c): c is Extract<SimOrgCredential, { kind: 'digest' }> => c.kind === 'digest' && c.globalReadOnly !== true)!;
        onlyOrganizations([{ ...opsManagerConfigFor(sim)[0], publicKey: member.publicKey, privateKey: member.privateKey }])(config);
      },
    });
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'global' })).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { kind: 'global', reason: 'forbidden' })).toBe(1);
    expect(select(samples, 'mongodb_apikey_keys', { kind: 'global' })).toEqual([]);
    const org = dataset.orgs![0]!;
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', org_id: org.id })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'programmatic', org_id: org.id })).toBe(orgKeys(dataset.projects, org).length);
  });
});
