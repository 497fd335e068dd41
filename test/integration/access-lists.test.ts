import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, organizationsConfigFor, type Dataset, type SimOrg, type Simulator } from '../../src/simulator/index.js';
import { select, valueOf, type Sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

type Doc = Record<string, any>;
const ms = (value: unknown): number => (typeof value === 'number' ? value : Date.parse(String(value)));
const OPEN = new Set(['0.0.0.0/0', '::0/0']);
const SHOWN = 10;

// Three organisations: access list not required, required, and settings that do not say.
const DATASET = { seed: 23, users: 1, keysPerUser: 1, projects: 3, keysPerProject: 1, orgs: 3, programmaticKeysPerOrg: 8, programmaticKeysPerProject: 1, serviceAccountsPerOrg: 4, serviceAccountsPerProject: 1, secretsPerServiceAccount: 2 };

function digestEntries(sim: Simulator): Record<string, unknown>[] {
  return organizationsConfigFor(sim).filter((entry) => 'publicKey' in entry);
}

/** What the exporter must publish for one access list, from the simulator's documents (either field names). */
function expectAccessList(samples: Sample[], identity: Record<string, string>, org: SimOrg, entries: Doc[], names: { created: string; lastUsed: string; count: string }): void {
  expect(valueOf(samples, 'mongodb_apikey_access_list_entries', identity)).toBe(entries.length);
  const open = entries.some((entry) => OPEN.has(entry.cidrBlock ?? '') || OPEN.has(entry.ipAddress ?? ''));
  // A missing apiAccessListRequired counts as not required: an empty list is flagged.
  expect(valueOf(samples, 'mongodb_apikey_unrestricted', identity)).toBe(open || (entries.length === 0 && org.apiAccessListRequired !== true) ? 1 : 0);
  const shown = [...entries]
    .sort((a, b) => (b[names.lastUsed] ? ms(b[names.lastUsed]) : -Infinity) - (a[names.lastUsed] ? ms(a[names.lastUsed]) : -Infinity) || ms(b[names.created]) - ms(a[names.created]))
    .slice(0, SHOWN);
  const created = select(samples, 'mongodb_apikey_access_list_entry_created_timestamp_seconds', identity);
  expect(created.map((sample) => [sample.labels.entry, sample.value]).sort()).toEqual(shown.map((entry) => [entry.cidrBlock, ms(entry[names.created]) / 1000]).sort());
  const used = shown.filter((entry) => entry[names.lastUsed] !== undefined);
  const lastUsed = select(samples, 'mongodb_apikey_access_list_entry_last_used_timestamp_seconds', identity);
  expect(lastUsed.map((sample) => [sample.labels.entry, sample.value]).sort()).toEqual(used.map((entry) => [entry.cidrBlock, ms(entry[names.lastUsed]) / 1000]).sort());
  // The requests from the entry's last address, as the API counts them: never a sum.
  const requests = select(samples, 'mongodb_apikey_access_list_entry_requests', identity);
  expect(requests.map((sample) => [sample.labels.entry, sample.labels.last_used_address, sample.value]).sort()).toEqual(
    used.map((entry) => [entry.cidrBlock, entry.lastUsedAddress, entry[names.count]]).sort(),
  );
}

function expectPublished(samples: Sample[], dataset: Dataset): void {
  for (const org of dataset.orgs!) {
    const projects = dataset.projects.filter((project) => project.orgId === org.id);
    const keys: Doc[] = [...org.programmaticKeys, ...projects.flatMap((project) => project.programmaticKeys ?? [])];
    for (const key of keys) {
      const identity = { kind: 'programmatic', org_id: org.id, key_id: key.id };
      const entries: Doc[] = org.accessLists[key.id] ?? [];
      expectAccessList(samples, identity, org, entries, { created: 'created', lastUsed: 'lastUsed', count: 'count' });
      // No total use: an entry's count is the requests from its last address only.
      expect(select(samples, 'mongodb_apikey_uses', identity)).toHaveLength(0);
      const used = entries.filter((entry) => entry.lastUsed !== undefined).map((entry) => ms(entry.lastUsed));
      expect(select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity).map((sample) => sample.value)).toEqual(used.length > 0 ? [Math.max(...used) / 1000] : []);
    }
    // An organisation's accounts are published under it, an account created in a project under the project.
    const accounts: { owner: Record<string, string>; account: Doc }[] = [
      ...org.serviceAccounts.map((account) => ({ owner: { org_id: org.id }, account })),
      ...projects.flatMap((project) => (project.serviceAccounts ?? []).map((account) => ({ owner: { project_id: project.id }, account }))),
    ];
    for (const { owner, account } of accounts) {
      const entries: Doc[] = org.serviceAccountAccessLists[account.clientId] ?? [];
      for (const secret of account.secrets as Doc[]) {
        const identity = { kind: 'service_account', ...owner, key_id: secret.id };
        expectAccessList(samples, identity, org, entries, { created: 'createdAt', lastUsed: 'lastUsedAt', count: 'requestCount' });
        // The secret's own last use, not its account's list's.
        expect(select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity).map((sample) => sample.value)).toEqual(secret.lastUsedAt ? [ms(secret.lastUsedAt) / 1000] : []);
        const suffix = /[0-9a-f]{4}$/.exec(secret.maskedSecretValue)?.[0];
        expect(select(samples, 'mongodb_apikey_info', identity)[0]?.labels.key_suffix).toBe(suffix);
      }
    }
  }
}

describe('access lists of programmatic keys and service accounts', () => {
  it('publishes per-entry facts, no sum of counts, and reach for keys and secrets alike, whatever the settings say', async () => {
    const dataset = generateDataset(DATASET);
    const [, , silent] = dataset.orgs!;
    expect(silent?.apiAccessListRequired).toBeUndefined();
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = digestEntries(sim)) });
    const samples = await stack.scrape();
    // Settings without apiAccessListRequired do not fail the organisation.
    expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
    expectPublished(samples, dataset);
    // The data set covers every case.
    const secrets = dataset.orgs!.flatMap((org) => [...org.serviceAccounts, ...dataset.projects.filter((p) => p.orgId === org.id).flatMap((p) => p.serviceAccounts ?? [])]).flatMap((account) => account['secrets'] as Doc[]);
    expect(secrets.some((secret) => secret.maskedSecretValue === 'mdb_sa_sk_...')).toBe(true);
    expect(select(samples, 'mongodb_apikey_unrestricted', { kind: 'service_account' }).some((sample) => sample.value === 1)).toBe(true);
    expect(select(samples, 'mongodb_apikey_unrestricted', { kind: 'service_account' }).some((sample) => sample.value === 0)).toBe(true);
    expect(select(samples, 'mongodb_apikey_access_list_entry_requests', { kind: 'service_account' }).length).toBeGreaterThan(0);
  });

  it('reads each service account’s access list once per cycle, and each organisation’s settings once', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = digestEntries(sim)) });
    await stack.scrape();
    const before = { ...stack.sim.stats.byRoute };
    await stack.cycle();
    const during = (template: string): number => (stack!.sim.stats.byRoute[template] ?? 0) - (before[template] ?? 0);
    const accounts = dataset.orgs!.flatMap((org) => [...org.serviceAccounts, ...dataset.projects.filter((p) => p.orgId === org.id).flatMap((p) => p.serviceAccounts ?? [])]);
    const lists = during('/orgs/{orgId}/serviceAccounts/{clientId}/accessList') + during('/groups/{groupId}/serviceAccounts/{clientId}/accessList');
    expect(lists).toBe(accounts.filter((account) => (account['secrets'] as unknown[]).length > 0).length);
    expect(during('/orgs/{orgId}/settings')).toBe(dataset.orgs!.length);
  });

  it('caps the entries published per key, and counts them all', async () => {
    const dataset = generateDataset(DATASET);
    const org = dataset.orgs![0]!;
    const key = org.programmaticKeys[1]!;
    org.accessLists[key['id'] as string] = Array.from({ length: 14 }, (_, index) => ({
      cidrBlock: `198.51.100.${index}/32`,
      ipAddress: `198.51.100.${index}`,
      created: '2024-01-01T00:00:00Z',
      lastUsed: `2025-01-${String(index + 1).padStart(2, '0')}T00:00:00Z`,
      lastUsedAddress: `198.51.100.${index}`,
      count: index + 1,
    }));
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = digestEntries(sim)) });
    const samples = await stack.scrape();
    const identity = { kind: 'programmatic', org_id: org.id, key_id: key['id'] as string };
    expect(valueOf(samples, 'mongodb_apikey_access_list_entries', identity)).toBe(14);
    const requests = select(samples, 'mongodb_apikey_access_list_entry_requests', identity);
    expect(requests.map((sample) => sample.value).sort((a, b) => b - a)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5]);
    expect(valueOf(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity)).toBe(Date.parse('2025-01-14T00:00:00Z') / 1000);
  });
});
