import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, organizationsConfigFor, type Dataset, type Simulator } from '../../src/simulator/index.js';
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

const DATASET = { seed: 81, users: 1, keysPerUser: 1, projects: 4, keysPerProject: 1, orgs: 2, programmaticKeysPerOrg: 5, programmaticKeysPerProject: 1, serviceAccountsPerOrg: 3, serviceAccountsPerProject: 1, secretsPerServiceAccount: 2, assignedServiceAccountsPerProject: 1 };

/** Only the entries of one auth scheme, so that one credential reads each organisation. */
function organizations(sim: Simulator, scheme: 'digest' | 'oauth'): Record<string, unknown>[] {
  return organizationsConfigFor(sim).filter((entry) => (scheme === 'digest' ? 'publicKey' in entry : 'clientId' in entry));
}

/**
 * What an organisation scope publishes: the keys the API lists for it (its own, then its
 * projects'), and the accounts created in it, with their organisation roles and the project roles
 * of the projects they are assigned to.
 */
function orgListing(dataset: Dataset, orgId: string): { keys: Doc[]; accounts: Doc[] } {
  const org = dataset.orgs!.find((candidate) => candidate.id === orgId)!;
  const projects = dataset.projects.filter((project) => project.orgId === orgId);
  const accounts = org.serviceAccounts.map((account: Doc) => ({
    ...account,
    roles: [
      ...account.roles.map((role: string) => [role, orgId, '']),
      ...projects.flatMap((project) => (project.assignedServiceAccounts ?? []).filter((assigned) => assigned.clientId === account.clientId).flatMap((assigned) => assigned.roles.map((role) => [role, '', project.id]))),
    ],
  }));
  return { keys: [...org.programmaticKeys, ...projects.flatMap((project) => project.programmaticKeys ?? [])], accounts };
}

/** The events lookback of the default config: older creation events are not read. */
const LOOKBACK_SECONDS = 90 * 86_400;

/** The events of every trail of the data set (the organisations' and, read with includeProjects, the projects'). */
const allEvents = (dataset: Dataset): Doc[] => Object.values(dataset.eventTrails ?? {}).flat();

/** The API_KEY_CREATED event of a programmatic key within the lookback: what its creation facts come from. */
function keyCreation(dataset: Dataset, publicKey: string, now: number): Doc | undefined {
  return allEvents(dataset).find((event) => event.eventTypeName === 'API_KEY_CREATED' && event.targetPublicKey === publicKey && ms(event.created) / 1000 >= now - LOOKBACK_SECONDS);
}

/**
 * The SERVICE_ACCOUNT_SECRET_ADDED event of a secret, in the trail of the scope its account was
 * created in, at its createdAt to the second; undefined when another secret of the scope was added
 * in the same seconds (no field tells the two events apart).
 */
function secretCreation(dataset: Dataset, scopeId: string, secrets: readonly Doc[], createdAt: string, now: number): Doc | undefined {
  const near = (time: unknown) => Math.abs(ms(time) - ms(createdAt)) <= 5_000;
  const events = (dataset.eventTrails?.[scopeId] ?? []).filter((event) => event.eventTypeName === 'SERVICE_ACCOUNT_SECRET_ADDED' && near(event.created) && ms(event.created) / 1000 >= now - LOOKBACK_SECONDS);
  return events.length === 1 && secrets.filter((secret) => near(secret.createdAt)).length === 1 ? events[0] : undefined;
}

function expectOrganisations(samples: Sample[], dataset: Dataset, now: number): void {
  for (const org of dataset.orgs!) {
    const { keys, accounts } = orgListing(dataset, org.id);
    expect(keys.length).toBeGreaterThan(0);
    expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'programmatic', org_id: org.id })).toBe(keys.length);
    for (const key of keys) {
      const identity = { kind: 'programmatic', org_id: org.id, key_id: key.id };
      expect(valueOf(samples, 'mongodb_apikey_info', identity)).toBe(1);
      expect(select(samples, 'mongodb_apikey_info', identity)[0]?.labels).toMatchObject({
        description: key.desc,
        public_key: key.publicKey,
        key_suffix: String(key.privateKey).slice(-4),
        org_name: org.name,
      });
      const roles = select(samples, 'mongodb_apikey_role_info', identity).map((sample) => [sample.labels.role, sample.labels.role_org_id ?? '', sample.labels.role_project_id ?? '']);
      expect(roles.sort()).toEqual(key.roles.map((role: Doc) => [role.roleName, role.orgId ?? '', role.groupId ?? '']).sort());
      const entries: Doc[] = org.accessLists[key.id] ?? [];
      expect(valueOf(samples, 'mongodb_apikey_access_list_entries', identity)).toBe(entries.length);
      const open = entries.some((entry) => OPEN.has(entry.cidrBlock ?? '') || OPEN.has(entry.ipAddress ?? '')) || (entries.length === 0 && !org.apiAccessListRequired);
      expect(valueOf(samples, 'mongodb_apikey_unrestricted', identity)).toBe(open ? 1 : 0);
      expect(select(samples, 'mongodb_apikey_uses', identity)).toHaveLength(0);
      // The API gives no creation time for programmatic keys: their API_KEY_CREATED event does, within the lookback.
      const creation = keyCreation(dataset, key.publicKey, now);
      const createdAt = creation === undefined ? undefined : ms(creation.created) / 1000;
      const used = entries.filter((entry) => entry.lastUsed != null).map((entry) => ms(entry.lastUsed));
      const lastUsed = select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity);
      if (used.length === 0) {
        expect(lastUsed).toHaveLength(0);
        // Never used: idle counts from the creation, where it is known.
        if (createdAt === undefined) expect(select(samples, 'mongodb_apikey_idle_seconds', identity)).toHaveLength(0);
        else expect(valueOf(samples, 'mongodb_apikey_idle_seconds', identity)).toBeCloseTo(now - createdAt, -1);
      } else {
        expect(lastUsed[0]?.value).toBe(Math.max(...used) / 1000);
        expect(valueOf(samples, 'mongodb_apikey_idle_seconds', identity)).toBeCloseTo(now - Math.max(...used) / 1000, -1);
      }
      if (createdAt === undefined) {
        expect(select(samples, 'mongodb_apikey_age_seconds', identity)).toHaveLength(0);
        expect(select(samples, 'mongodb_apikey_info', identity)[0]?.labels).not.toHaveProperty('created_by');
      } else {
        expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(createdAt);
        expect(valueOf(samples, 'mongodb_apikey_age_seconds', identity)).toBeCloseTo(now - createdAt, -1);
        expect(select(samples, 'mongodb_apikey_info', identity)[0]?.labels).toMatchObject({ created_by: creation?.username ?? creation?.publicKey, created_ip: creation?.remoteAddress });
      }
    }
    expect(keys.some((key) => keyCreation(dataset, key.publicKey, now) !== undefined)).toBe(true);
    expect(keys.some((key) => keyCreation(dataset, key.publicKey, now) === undefined)).toBe(true);
    const secrets = accounts.flatMap((account) => account.secrets.map((secret: Doc) => ({ account, secret })));
    expect(secrets.length).toBeGreaterThan(0);
    expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'service_account', org_id: org.id })).toBe(secrets.length);
    for (const { account, secret } of secrets) {
      const identity = { kind: 'service_account', org_id: org.id, key_id: secret.id };
      expect(select(samples, 'mongodb_apikey_info', identity)[0]?.labels).toMatchObject({
        description: account.description,
        client_id: account.clientId,
        account_name: account.name,
        ...(/[0-9a-f]{4}$/.test(secret.maskedSecretValue) ? { key_suffix: String(secret.maskedSecretValue).slice(-4) } : {}),
      });
      expect(valueOf(samples, 'mongodb_apikey_expiry_timestamp_seconds', identity)).toBe(ms(secret.expiresAt) / 1000);
      expect(valueOf(samples, 'mongodb_apikey_expires_in_seconds', identity)).toBeCloseTo(ms(secret.expiresAt) / 1000 - now, -1);
      expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(ms(secret.createdAt) / 1000);
      const added = secretCreation(dataset, org.id, secrets.map((each) => each.secret), secret.createdAt, now);
      const info = select(samples, 'mongodb_apikey_info', identity)[0]?.labels;
      if (added === undefined) expect(info).not.toHaveProperty('created_by');
      else expect(info).toMatchObject({ created_by: added.username ?? added.publicKey, created_ip: added.remoteAddress });
      expect(select(samples, 'mongodb_apikey_last_used_timestamp_seconds', identity)).toHaveLength(secret.lastUsedAt == null ? 0 : 1);
      expect(valueOf(samples, 'mongodb_apikey_idle_seconds', identity)).toBeCloseTo(now - ms(secret.lastUsedAt ?? secret.createdAt) / 1000, -1);
      const roles = select(samples, 'mongodb_apikey_role_info', identity).map((sample) => [sample.labels.role, sample.labels.role_org_id ?? '', sample.labels.role_project_id ?? '']);
      expect(roles.sort()).toEqual([...account.roles].sort());
    }
    expect(secrets.some(({ secret }) => secretCreation(dataset, org.id, secrets.map((each) => each.secret), secret.createdAt, now) !== undefined)).toBe(true);
    // A key or account assigned to a project is listed by the project too, and published once;
    // an account created in the project is published under it, with its project roles.
    for (const projectId of org.projectIds) {
      expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'programmatic', project_id: projectId })).toBe(0);
      const own: Doc[] = dataset.projects.find((project) => project.id === projectId)!.serviceAccounts ?? [];
      expect(valueOf(samples, 'mongodb_apikey_keys', { kind: 'service_account', project_id: projectId })).toBe(own.flatMap((account) => account.secrets).length);
      for (const account of own) {
        for (const secret of account.secrets) {
          const roles = select(samples, 'mongodb_apikey_role_info', { kind: 'service_account', project_id: projectId, key_id: secret.id });
          expect(roles.map((sample) => [sample.labels.role, sample.labels.role_org_id ?? '', sample.labels.role_project_id])).toEqual(account.roles.map((role: string) => [role, '', projectId]));
        }
      }
    }
  }
  expect(select(samples, 'mongodb_apikey_expires_in_seconds').some((sample) => sample.value < 0)).toBe(true);
  expect(select(samples, 'mongodb_apikey_unrestricted').some((sample) => sample.value === 1)).toBe(true);
  expect(select(samples, 'mongodb_apikey_unrestricted').some((sample) => sample.value === 0)).toBe(true);
}

describe('organizations: programmatic keys with access lists, and service-account secrets', () => {
  it('reads them over digest and publishes what the API documents', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = organizations(sim, 'digest')) });
    const samples = await stack.scrape();
    expectOrganisations(samples, dataset, Date.now() / 1000);
    expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
    // One per discovery listing: the Cloud Manager key's projects, and each organisation key's GET /orgs and the projects of its organisation.
    expect(select(samples, 'mongodb_apikey_discovery_up').map((sample) => sample.value)).toEqual([1, 1, 1, 1, 1]);
    expect(select(samples, 'mongodb_apikey_api_ratelimit_remaining', { api: 'atlas' })[0]?.value).toBeGreaterThan(0);
    expect(stack.sim.adminApiStats.notAcceptable).toBe(0);
    expect(stack.sim.adminApiStats.bearerRequests).toBe(0);
  });

  it('reads them over OAuth with one cached token, refreshed before expiry and after a 401, revoked on shutdown', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, simulator: { tokenTtlSeconds: 3_600 }, configure: (config, sim) => (config.organizations = organizations(sim, 'oauth')) });
    expectOrganisations(await stack.scrape(), dataset, Date.now() / 1000);
    await stack.cycle();
    // One service account per organisation, one token each, shared by every request of two cycles.
    const accounts = dataset.orgs!.length;
    expect(stack.sim.adminApiStats.tokensIssued).toBe(accounts);
    expect(stack.sim.adminApiStats.bearerRequests).toBeGreaterThan(10);
    // The API forgets the tokens: the next request of each gets a 401, and exactly one new token follows.
    stack.sim.expireTokens();
    await stack.cycle();
    expect(stack.sim.adminApiStats.tokensIssued).toBe(2 * accounts);
    const samples = await stack.scrape();
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'service_account' }).every((sample) => sample.value === 1)).toBe(true);
    await stack.exporter.close();
    expect(stack.sim.adminApiStats.tokensRevoked).toBe(accounts);
    expect(stack.sim.adminApiStats.activeTokens).toBe(0);
    await stack.sim.close();
    stack = undefined;
  });

  it('refreshes a token before it expires (a minute before; halfway through a shorter life)', async () => {
    const dataset = generateDataset({ ...DATASET, orgs: 1 });
    stack = await startStack({ dataset, simulator: { tokenTtlSeconds: 2 }, configure: (config, sim) => (config.organizations = organizations(sim, 'oauth')) });
    expect(stack.sim.adminApiStats.tokensIssued).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await stack.cycle();
    expect(stack.sim.adminApiStats.tokensIssued).toBe(2);
    expect(stack.sim.adminApiStats.rejectedTokens).toBe(0);
  });

  it('fails an organisation on its own: a 503 on its listing, a fault on one access list', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => ((config.organizations = organizations(sim, 'digest')), (config.poll.retries = 0)) });
    const [first, second] = dataset.orgs!;
    stack.sim.setFault(first!.id, { type: 'status', status: 503 });
    const someKey = orgListing(dataset, second!.id).keys[0]!;
    stack.sim.setFault(someKey.id, { type: 'html' });
    await stack.cycle();
    const samples = await stack.scrape();
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic', org_id: first!.id })).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { kind: 'programmatic', org_id: first!.id, reason: 'server_error' })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'service_account', org_id: first!.id })).toBe(0);
    expect(valueOf(samples, 'mongodb_apikey_scope_errors_total', { kind: 'programmatic', org_id: second!.id, reason: 'invalid_response' })).toBe(1);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'service_account', org_id: second!.id })).toBe(1);
    // Kept: the last good keys of the failing scopes, until staleAfter.
    expect(select(samples, 'mongodb_apikey_info', { kind: 'programmatic', org_id: first!.id }).length).toBe(orgListing(dataset, first!.id).keys.length);
    expect(valueOf(samples, 'mongodb_apikey_scope_up', { kind: 'user' })).toBe(1);
  });

  it('publishes each key once when two credentials read the same organisation and its projects', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = organizationsConfigFor(sim)) });
    for (let cycle = 0; cycle < 3; cycle++) {
      const samples = await stack.scrape();
      for (const kind of ['programmatic', 'service_account']) {
        const ids = select(samples, 'mongodb_apikey_info', { kind }).map((sample) => sample.labels.key_id);
        expect(new Set(ids).size, kind).toBe(ids.length);
      }
      const keys = dataset.orgs!.flatMap((org) => orgListing(dataset, org.id).keys);
      expect(select(samples, 'mongodb_apikey_info', { kind: 'programmatic' })).toHaveLength(keys.length);
      await stack.cycle();
    }
  });

  it('keeps polling the last known organisations when discovery fails, and says so once per credential', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = organizations(sim, 'digest')) });
    stack.sim.setFault('orgs', { type: 'status', status: 503 });
    const before = stack.logs.length;
    await stack.cycle();
    const samples = await stack.scrape();
    // GET /orgs failed for both organisation keys; the projects of their known organisations were listed.
    expect(select(samples, 'mongodb_apikey_discovery_up', { org_id: '' }).map((sample) => sample.value).sort()).toEqual([0, 0, 1]);
    expect(select(samples, 'mongodb_apikey_discovery_up').filter((sample) => sample.labels.org_id).map((sample) => sample.value)).toEqual([1, 1]);
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'programmatic' }).every((sample) => sample.value === 1)).toBe(true);
    expect(select(samples, 'mongodb_apikey_scope_up', { kind: 'service_account' }).every((sample) => sample.value === 1)).toBe(true);
    // Two kinds read each credential's organisations; the failed discovery is logged once per credential.
    expect(stack.logs.slice(before).filter((line) => line.includes('"msg":"discovery failed; polling the last known list"'))).toHaveLength(dataset.orgs!.length);
  });

  it('never shows a private key, a client secret or a token', async () => {
    const dataset = generateDataset(DATASET);
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = organizationsConfigFor(sim)) });
    await stack.cycle();
    const everything = (await stack.scrapeText()) + stack.logs.join('');
    for (const credential of dataset.orgCredentials!) {
      const secret = credential.kind === 'digest' ? credential.privateKey : credential.clientSecret;
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(`${credential.kind === 'digest' ? credential.publicKey : credential.clientId}:${secret}`).toString('base64'));
    }
    expect(everything).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
