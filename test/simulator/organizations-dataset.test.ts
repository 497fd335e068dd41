import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  demoDatasetOptions,
  deriveServiceAccountSecret,
  generateDataset,
  maskServiceAccountSecret,
  orgKeys,
  orgServiceAccounts,
  redactPrivateKey,
  type SimOrgCredential,
} from '../../src/simulator/index.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const DAY = 86_400_000;
const OBJECT_ID = /^[0-9a-f]{24}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const hash = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

const ORGANIZATIONS = {
  orgs: 3,
  programmaticKeysPerOrg: 14,
  programmaticKeysPerProject: 2,
  serviceAccountsPerOrg: 5,
  serviceAccountsPerProject: 1,
  secretsPerServiceAccount: 3,
  globalKeys: 2,
} as const;

describe('generateDataset: data sets without organizations', () => {
  // Hashes of the data sets without organizations (same `now`).
  it.each([
    [{ seed: 7, now: NOW }, 'e5c8a5a04d7a6f0c72210a963799066deac737ff42f89d749f8be5f06764be8c'],
    [{ seed: 7, users: 5, keysPerUser: 40, projects: 30, keysPerProject: 4, credentials: 3, now: NOW }, '96f743c1df32e49cb1d5c7c56da320d54e7b4cc6542f687b99e356ddf372981b'],
    [{ now: NOW }, '0139304e222a99ca30a603b17eb45710376dbd15ff0264399af127b9f874014e'],
  ])('are unchanged byte for byte when the organizations options are 0 (%j)', (options, expected) => {
    expect(hash(generateDataset(options))).toBe(expected);
    expect(hash(generateDataset({ ...options, orgs: 0, programmaticKeysPerOrg: 0, serviceAccountsPerProject: 0, globalKeys: 0 }))).toBe(expected);
  });

  it('keeps users, project ids and Cloud Manager credentials when organizations are added', () => {
    const base = generateDataset({ seed: 7, projects: 9, now: NOW });
    const withOrgs = generateDataset({ seed: 7, projects: 9, now: NOW, ...ORGANIZATIONS });
    expect(withOrgs.users).toEqual(base.users);
    expect(withOrgs.credentials).toEqual(base.credentials);
    expect(withOrgs.projects.map((project) => project.id)).toEqual(base.projects.map((project) => project.id));
    expect(withOrgs.projects.map((project) => project.agentKeys)).toEqual(base.projects.map((project) => project.agentKeys));
  });
});

describe('generateDataset: organizations, keys, access lists, service accounts', () => {
  const dataset = generateDataset({ seed: 11, projects: 12, now: NOW, ...ORGANIZATIONS });
  const orgs = dataset.orgs!;

  it('is deterministic, and the seed matters', () => {
    expect(generateDataset({ seed: 11, projects: 12, now: NOW, ...ORGANIZATIONS })).toEqual(dataset);
    const other = generateDataset({ seed: 12, projects: 12, now: NOW, ...ORGANIZATIONS });
    expect(other.orgs![0]!.id).not.toBe(orgs[0]!.id);
    expect(other.orgCredentials![0]).not.toEqual(dataset.orgCredentials![0]);
  });

  it('splits the projects across the organizations', () => {
    expect(orgs).toHaveLength(3);
    expect(orgs.flatMap((org) => org.projectIds)).toEqual(dataset.projects.map((project) => project.id));
    for (const org of orgs) {
      expect(org.id).toMatch(OBJECT_ID);
      for (const id of org.projectIds) expect(dataset.projects.find((project) => project.id === id)!.orgId).toBe(org.id);
    }
    // Required, not required, and settings that omit the field (the third organisation).
    expect(orgs.map((org) => org.apiAccessListRequired)).toEqual([false, true, undefined]);
  });

  it('makes programmatic keys in the v2 shape with redacted private keys', () => {
    const keys = [...orgs.flatMap((org) => org.programmaticKeys), ...dataset.projects.flatMap((project) => project.programmaticKeys!)];
    expect(keys).toHaveLength(3 * 14 + 12 * 2);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['desc', 'id', 'privateKey', 'publicKey', 'roles']);
      expect(key['id']).toMatch(OBJECT_ID);
      expect(key['publicKey']).toMatch(/^[a-z]{8}$/);
      expect(key['privateKey']).toMatch(/^\*{8}-\*{4}-\*{4}-[0-9a-f]{12}$/);
      for (const role of key['roles'] as Record<string, unknown>[]) {
        expect(Object.keys(role).sort()).toEqual([('orgId' in role ? 'orgId' : 'groupId'), 'roleName'].sort());
      }
    }
    expect(new Set(keys.map((key) => key['id'])).size).toBe(keys.length);
    expect(new Set(keys.map((key) => key['publicKey'])).size).toBe(keys.length);
    for (const project of dataset.projects) {
      for (const key of project.programmaticKeys!) {
        expect(key['roles']).toContainEqual(expect.objectContaining({ groupId: project.id }));
      }
    }
  });

  it('makes access lists with every case: restricted, 0.0.0.0/0, ::0/0, empty, never used', () => {
    const all = orgs.flatMap((org) => orgKeys(dataset.projects, org).map((key) => org.accessLists[key['id'] as string] ?? []));
    const entries = all.flat();
    expect(all.some((list) => list.length === 0)).toBe(true);
    expect(entries.some((entry) => entry['cidrBlock'] === '0.0.0.0/0')).toBe(true);
    expect(entries.some((entry) => entry['cidrBlock'] === '::0/0')).toBe(true);
    // Never used: no count (its minimum is 1), no lastUsed, no lastUsedAddress.
    const never = entries.filter((entry) => !('count' in entry));
    expect(never.length).toBeGreaterThan(0);
    for (const entry of never) {
      expect(entry).not.toHaveProperty('lastUsed');
      expect(entry).not.toHaveProperty('lastUsedAddress');
    }
    for (const entry of entries) if ('count' in entry) expect(entry['count']).toBeGreaterThanOrEqual(1);
    for (const entry of entries) {
      expect(entry['created']).toMatch(ISO);
      expect(typeof entry['cidrBlock']).toBe('string');
      if ('ipAddress' in entry) expect(entry['cidrBlock']).toBe(`${entry['ipAddress'] as string}/32`);
      if ('count' in entry) {
        expect(entry['lastUsed']).toMatch(ISO);
        expect(typeof entry['lastUsedAddress']).toBe('string');
        expect(Date.parse(entry['lastUsed'] as string)).toBeGreaterThanOrEqual(Date.parse(entry['created'] as string));
        expect(Date.parse(entry['lastUsed'] as string)).toBeLessThanOrEqual(NOW);
      }
    }
  });

  it('makes service accounts with expired, soon-expiring and never-used secrets', () => {
    const accounts = [...orgs.flatMap((org) => org.serviceAccounts), ...dataset.projects.flatMap((project) => project.serviceAccounts!)];
    expect(accounts).toHaveLength(3 * 5 + 12);
    const secrets = accounts.flatMap((account) => account['secrets'] as Record<string, unknown>[]);
    for (const account of accounts) {
      expect(Object.keys(account).sort()).toEqual(['clientId', 'createdAt', 'description', 'name', 'roles', 'secrets']);
      expect(account['clientId']).toMatch(/^mdb_sa_id_[0-9a-f]{24}$/);
      expect(account['createdAt']).toMatch(ISO);
      expect((account['roles'] as unknown[]).every((role) => typeof role === 'string')).toBe(true);
      expect(account['secrets']).toHaveLength(3);
    }
    for (const secret of secrets) {
      expect(secret['id']).toMatch(OBJECT_ID);
      expect(secret['maskedSecretValue']).toMatch(/^mdb_sa_sk_(…[0-9a-f]{4}|\.\.\.)$/);
      expect(Date.parse(secret['expiresAt'] as string)).toBeGreaterThan(Date.parse(secret['createdAt'] as string));
      if ('lastUsedAt' in secret) expect(Date.parse(secret['lastUsedAt'] as string)).toBeLessThanOrEqual(NOW);
    }
    const expiresIn = (secret: Record<string, unknown>): number => Date.parse(secret['expiresAt'] as string) - NOW;
    expect(secrets.some((secret) => expiresIn(secret) < 0)).toBe(true);
    expect(secrets.some((secret) => expiresIn(secret) > 0 && expiresIn(secret) <= 3 * DAY)).toBe(true);
    expect(secrets.some((secret) => expiresIn(secret) > 3 * DAY && expiresIn(secret) <= 14 * DAY)).toBe(true);
    expect(secrets.some((secret) => !('lastUsedAt' in secret))).toBe(true);
    // Both mask forms: the document's example, with no visible tail, and one ending in 4 characters.
    expect(secrets.some((secret) => secret['maskedSecretValue'] === 'mdb_sa_sk_...')).toBe(true);
    expect(secrets.some((secret) => /[0-9a-f]{4}$/.test(secret['maskedSecretValue'] as string))).toBe(true);
  });

  it('makes service-account access lists with every case, under the service-account field names', () => {
    const accounts = orgs.flatMap((org) => [...orgServiceAccounts(org), ...dataset.projects.filter((project) => project.orgId === org.id).flatMap((project) => project.serviceAccounts ?? [])].map((account) => ({ org, account })));
    const all = accounts.map(({ org, account }) => org.serviceAccountAccessLists[account['clientId'] as string] ?? []);
    const entries = all.flat();
    expect(all.some((list) => list.length === 0)).toBe(true);
    expect(entries.some((entry) => entry['cidrBlock'] === '0.0.0.0/0')).toBe(true);
    expect(entries.some((entry) => entry['cidrBlock'] === '::0/0')).toBe(true);
    expect(entries.some((entry) => !('requestCount' in entry))).toBe(true);
    for (const entry of entries) {
      expect(Object.keys(entry).every((name) => ['cidrBlock', 'ipAddress', 'createdAt', 'lastUsedAt', 'lastUsedAddress', 'requestCount'].includes(name))).toBe(true);
      expect(entry['createdAt']).toMatch(ISO);
      if ('requestCount' in entry) {
        expect(entry['requestCount']).toBeGreaterThanOrEqual(1);
        expect(entry['lastUsedAt']).toMatch(ISO);
      } else {
        expect(entry).not.toHaveProperty('lastUsedAt');
      }
    }
    // The credential's own account keeps a restricted list it uses.
    for (const org of orgs) expect(org.serviceAccountAccessLists[org.serviceAccounts[0]!['clientId'] as string]?.every((entry) => 'lastUsedAt' in entry)).toBe(true);
  });

  it('derives credentials that match the listed keys and service accounts, secrets never in the served docs', () => {
    const credentials = dataset.orgCredentials!;
    const served = JSON.stringify({ orgs, projects: dataset.projects, global: dataset.globalApiKeys });
    for (const [o, org] of orgs.entries()) {
      const digest = credentials.find((c): c is Extract<SimOrgCredential, { kind: 'digest' }> => c.kind === 'digest' && c.orgIds.includes(org.id))!;
      const key = org.programmaticKeys[0]!;
      expect(key['publicKey']).toBe(digest.publicKey);
      expect(key['privateKey']).toBe(redactPrivateKey(digest.privateKey));
      expect(served).not.toContain(digest.privateKey);
      const oauth = credentials.find((c): c is Extract<SimOrgCredential, { kind: 'oauth' }> => c.kind === 'oauth' && c.orgIds.includes(org.id))!;
      const account = org.serviceAccounts[0]!;
      expect(account['clientId']).toBe(oauth.clientId);
      expect(oauth.clientSecret).toBe(deriveServiceAccountSecret(11, `org:${o}:sa:0:0`));
      const first = (account['secrets'] as Record<string, unknown>[])[0]!;
      expect(first['maskedSecretValue']).toBe(maskServiceAccountSecret(oauth.clientSecret));
      expect(Date.parse(first['expiresAt'] as string)).toBeGreaterThan(NOW + 7 * DAY);
      expect(served).not.toContain(oauth.clientSecret);
      expect(digest.projectIds).toEqual(org.projectIds);
    }
    const global = credentials.filter((c) => c.kind === 'digest' && c.globalReadOnly === true);
    expect(global).toHaveLength(1);
    expect(dataset.globalApiKeys).toHaveLength(2);
    expect(dataset.globalApiKeys![0]!['roles']).toEqual([{ roleName: 'GLOBAL_READ_ONLY' }]);
  });

  it('offers demo defaults with every kind', () => {
    const demo = generateDataset({ ...demoDatasetOptions, now: NOW });
    expect(demo.orgs!.length).toBeGreaterThanOrEqual(2);
    expect(demo.orgCredentials!.map((c) => c.kind)).toEqual(['digest', 'oauth', 'digest', 'oauth', 'digest']);
    expect(demo.globalApiKeys!.length).toBeGreaterThan(0);
    expect(demo.projects.every((project) => project.programmaticKeys!.length > 0 && project.serviceAccounts!.length > 0)).toBe(true);
  });

  it('rejects negative counts of the organizations options', () => {
    expect(() => generateDataset({ orgs: -1 })).toThrow(/orgs/);
    expect(() => generateDataset({ secretsPerServiceAccount: 0.5 })).toThrow(/secretsPerServiceAccount/);
  });
});
