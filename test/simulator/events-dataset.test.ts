import { describe, expect, it } from 'vitest';
import { demoDatasetOptions, generateDataset, orgKeys, whitelistEntryOf, type SimEvent } from '../../src/simulator/index.js';

const NOW = Date.UTC(2025, 6, 1);
const DAY = 86_400_000;
const dataset = generateDataset({ ...demoDatasetOptions, now: NOW });
const orgs = (dataset.orgs ?? []).filter((org) => org.isDeleted !== true);
const trailOf = (scope: string): SimEvent[] => dataset.eventTrails?.[scope] ?? [];
const at = (event: SimEvent): number => Date.parse(event.created);

describe('the generated event trails match the data set', () => {
  it('has a trail for every organisation and every project, none for a deleted organisation, oldest first', () => {
    for (const org of dataset.orgs ?? []) expect(trailOf(org.id).length > 0, org.name).toBe(org.isDeleted !== true);
    for (const project of dataset.projects) expect(trailOf(project.id).length, project.name).toBeGreaterThan(0);
    for (const trail of Object.values(dataset.eventTrails ?? {})) {
      const created = trail.map((event) => event.created);
      expect(created).toEqual([...created].sort());
      expect(trail.every((event) => at(event) <= NOW && event.id.slice(0, 8) === Math.floor(at(event) / 1000).toString(16))).toBe(true);
    }
  });

  it('creates every programmatic key once, in the trail of its scope, by a console user or an older key, from an address', () => {
    const ages: number[] = [];
    for (const org of orgs) {
      const scopes = [
        { scope: org.id, keys: org.programmaticKeys },
        ...dataset.projects.filter((project) => project.orgId === org.id).map((project) => ({ scope: project.id, keys: project.programmaticKeys ?? [] })),
      ];
      for (const { scope, keys } of scopes) {
        for (const key of keys) {
          const created = trailOf(scope).filter((event) => event.eventTypeName === 'API_KEY_CREATED' && event.targetPublicKey === key['publicKey']);
          expect(created, String(key['publicKey'])).toHaveLength(1);
          const [event] = created as [SimEvent];
          expect(event.orgId).toBe(org.id);
          expect(event.groupId).toBe(scope === org.id ? undefined : scope);
          expect(event.remoteAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
          if (event.username !== undefined) {
            expect(dataset.users.some((user) => user.id === event.userId && user.username === event.username)).toBe(true);
            expect(event.publicKey).toBeUndefined();
          } else {
            const creator = orgKeys(dataset.projects, org).find((other) => other['id'] === event.apiKeyId);
            expect(creator?.['publicKey']).toBe(event.publicKey);
            const creatorCreated = Object.values(dataset.eventTrails ?? {}).flat().find((other) => other.eventTypeName === 'API_KEY_CREATED' && other.targetPublicKey === event.publicKey);
            expect(at(creatorCreated!)).toBeLessThan(at(event));
          }
          ages.push(NOW - at(event));
          for (const entry of org.accessLists[String(key['id'])] ?? []) {
            const added = trailOf(scope).filter((other) => other.eventTypeName === 'API_KEY_ACCESS_LIST_ENTRY_ADDED' && other.targetPublicKey === key['publicKey'] && other.whitelistEntry === whitelistEntryOf(entry));
            expect(added, JSON.stringify(entry)).toHaveLength(1);
            expect(at(added[0]!)).toBeGreaterThan(at(event));
          }
        }
      }
    }
    expect(ages.some((age) => age > 90 * DAY), 'some keys were created before a 90-day lookback').toBe(true);
    expect(ages.some((age) => age < 90 * DAY), 'some keys were created within it').toBe(true);
    expect(Object.values(dataset.eventTrails ?? {}).flat().some((event) => event.eventTypeName === 'API_KEY_CREATED' && event.apiKeyId !== undefined)).toBe(true);
    expect(Object.values(dataset.eventTrails ?? {}).flat().some((event) => event.whitelistEntry === '0.0.0.0/0')).toBe(true);
  });

  it('creates every service account at its createdAt and adds each secret at the secret createdAt, in the scope it was created in', () => {
    for (const org of orgs) {
      const scopes = [
        { scope: org.id, accounts: org.serviceAccounts },
        ...dataset.projects.filter((project) => project.orgId === org.id).map((project) => ({ scope: project.id, accounts: project.serviceAccounts ?? [] })),
      ];
      for (const { scope, accounts } of scopes) {
        const trail = trailOf(scope);
        const created = trail.filter((event) => event.eventTypeName === 'SERVICE_ACCOUNT_CREATED').map((event) => event.created);
        const added = trail.filter((event) => event.eventTypeName === 'SERVICE_ACCOUNT_SECRET_ADDED').map((event) => event.created);
        expect(created.sort()).toEqual(accounts.map((account) => String(account['createdAt'])).sort());
        const secrets = accounts.flatMap((account) => (account['secrets'] as Record<string, unknown>[]).map((secret) => String(secret['createdAt'])));
        expect(added.sort()).toEqual(secrets.sort());
      }
    }
  });

  it('records the access list requirement as the settings have it, the last change older than a 90-day lookback', () => {
    for (const org of orgs) {
      const changes = trailOf(org.id).filter((event) => event.eventTypeName.startsWith('ORG_PUBLIC_API_ACCESS_LIST_'));
      if (org.apiAccessListRequired === undefined) {
        expect(changes).toEqual([]);
        continue;
      }
      const last = changes.at(-1)!;
      expect(last.eventTypeName).toBe(org.apiAccessListRequired ? 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED' : 'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED');
      expect(NOW - at(last)).toBeGreaterThan(90 * DAY);
    }
    expect(orgs.some((org) => org.apiAccessListRequired === false) && orgs.some((org) => org.apiAccessListRequired === true)).toBe(true);
  });

  it('holds events of other types that an eventType filter drops', () => {
    const types = new Set(Object.values(dataset.eventTrails ?? {}).flat().map((event) => event.eventTypeName));
    expect(types).toContain('CLUSTER_CREATED');
    expect(types).toContain('GROUP_CREATED');
  });

  it('is made only with organisations', () => {
    expect(generateDataset({ users: 1, projects: 1, now: NOW }).eventTrails).toBeUndefined();
  });
});
