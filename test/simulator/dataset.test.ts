import { describe, expect, it } from 'vitest';
import { derivePublicKey, deriveSecret, generateDataset, isoSeconds } from '../../src/simulator/index.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const DAY = 86_400_000;
const OBJECT_ID = /^[0-9a-f]{24}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('generateDataset', () => {
  it('is deterministic: same seed and clock, same data; another seed, other data', () => {
    const options = { seed: 42, users: 4, keysPerUser: 20, projects: 30, keysPerProject: 3, credentials: 2, now: NOW };
    expect(generateDataset(options)).toEqual(generateDataset(options));
    const other = generateDataset({ ...options, seed: 43 });
    const base = generateDataset(options);
    expect(other.users[0]!.id).not.toBe(base.users[0]!.id);
    expect(other.users[0]!.apiKey).not.toBe(base.users[0]!.apiKey);
    expect(other.projects.map((p) => p.id)).not.toEqual(base.projects.map((p) => p.id));
    expect(other.credentials[0]!.privateKey).not.toBe(base.credentials[0]!.privateKey);
  });

  it('keeps the projects when only the users change', () => {
    const a = generateDataset({ seed: 9, users: 1, now: NOW });
    const b = generateDataset({ seed: 9, users: 7, now: NOW });
    expect(b.projects).toEqual(a.projects);
    expect(b.credentials).toEqual(a.credentials);
    expect(b.users[0]).toEqual(a.users[0]);
  });

  it('defaults to a small demo set', () => {
    const dataset = generateDataset({ now: NOW });
    expect(dataset.users.map((user) => user.keys.length)).toEqual([6, 6, 6]);
    expect(dataset.projects.map((project) => project.agentKeys.length)).toEqual([3, 3, 3, 3, 3]);
    expect(dataset.credentials).toHaveLength(1);
    expect(dataset.credentials[0]!.projectIds).toEqual(dataset.projects.map((project) => project.id));
    // Even the 18 demo keys show every case.
    const keys = dataset.users.flatMap((user) => user.keys);
    expect(keys.some((key) => key['enabled'] === false)).toBe(true);
    expect(keys.some((key) => !('lastUsed' in key))).toBe(true);
    expect(keys.some((key) => key['lastUsed'] === null)).toBe(true);
    expect(keys.some((key) => NOW - Date.parse(key['createdAt'] as string) < DAY)).toBe(true);
    expect(keys.some((key) => typeof key['lastUsed'] === 'string' && NOW - Date.parse(key['lastUsed']) > 90 * DAY)).toBe(true);
  });

  it('makes personal keys in the documented shape with a realistic mix', () => {
    const dataset = generateDataset({ seed: 7, users: 10, keysPerUser: 100, projects: 0, now: NOW });
    const keys = dataset.users.flatMap((user) => user.keys.map((key) => ({ key, user })));
    const ids = new Set<unknown>();
    for (const { key, user } of keys) {
      expect(key['id']).toMatch(OBJECT_ID);
      expect(key['userId']).toBe(user.id);
      expect(typeof key['description']).toBe('string');
      expect(typeof key['enabled']).toBe('boolean');
      expect(Number.isInteger(key['usedCount'])).toBe(true);
      expect(key['createdAt']).toMatch(ISO);
      expect(key['obfuscatedKey']).toMatch(/^\*{8}-\*{4}-\*{4}-[0-9a-f]{12}$/);
      const created = Date.parse(key['createdAt'] as string);
      expect(created).toBeLessThanOrEqual(NOW);
      if (typeof key['lastUsed'] === 'string') {
        expect(key['lastUsed']).toMatch(ISO);
        expect(Date.parse(key['lastUsed'])).toBeGreaterThanOrEqual(created);
        expect(Date.parse(key['lastUsed'])).toBeLessThanOrEqual(NOW);
        expect(key['usedCount']).toBeGreaterThan(0);
      } else {
        expect(key['usedCount']).toBe(0);
      }
      ids.add(key['id']);
    }
    expect(ids.size).toBe(1000);
    const share = (predicate: (key: Record<string, unknown>) => boolean) => keys.filter(({ key }) => predicate(key)).length / keys.length;
    expect(share((key) => key['enabled'] === false)).toBeCloseTo(0.1, 2);
    expect(share((key) => key['usedCount'] === 0)).toBeCloseTo(0.15, 2);
    expect(share((key) => key['lastUsed'] === null)).toBeGreaterThan(0.05);
    expect(share((key) => !('lastUsed' in key))).toBeGreaterThan(0.05);
    expect(share((key) => typeof key['lastUsed'] === 'string' && NOW - Date.parse(key['lastUsed']) < DAY)).toBeGreaterThan(0.2);
    expect(share((key) => typeof key['lastUsed'] === 'string' && NOW - Date.parse(key['lastUsed']) > 90 * DAY)).toBeGreaterThan(0.15);
    expect(share((key) => NOW - Date.parse(key['createdAt'] as string) < DAY)).toBeGreaterThan(0.02);
    expect(share((key) => NOW - Date.parse(key['createdAt'] as string) > 2 * 365 * DAY)).toBeGreaterThan(0.1);
  });

  it('makes agent keys in both documented forms', () => {
    const dataset = generateDataset({ seed: 7, users: 0, projects: 40, keysPerProject: 3, now: NOW });
    const keys = dataset.projects.flatMap((project) => project.agentKeys);
    for (const key of keys) {
      const id = key['_id'] ?? key['id'];
      expect(id).toMatch(OBJECT_ID);
      expect('_id' in key && 'id' in key).toBe(false);
      expect(key['key']).toMatch(/^\*{28}[0-9a-f]{4}$/);
      expect(typeof key['desc']).toBe('string');
      const time = key['createdTime'];
      if (typeof time === 'number') expect(time).toBeLessThanOrEqual(NOW);
      else expect(time).toMatch(ISO);
      if (key['createdBy'] === 'PROVISIONING') {
        expect(key).not.toHaveProperty('createdIpAddr');
        expect(key).not.toHaveProperty('createdUserId');
      } else {
        expect(key['createdIpAddr']).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(key['createdUserId']).toMatch(OBJECT_ID);
      }
    }
    expect(new Set(keys.map((key) => key['createdBy']))).toEqual(new Set(['USER', 'OLD_KEY', 'PROVISIONING', 'ATLAS', 'PUBLIC_API', 'SERVER_POOLS']));
    expect(keys.filter((key) => '_id' in key).length).toBeGreaterThan(keys.filter((key) => 'id' in key).length);
    expect(keys.some((key) => 'id' in key)).toBe(true);
    expect(keys.some((key) => typeof key['createdTime'] === 'string')).toBe(true);
    expect(dataset.projects.every((project) => /^[a-z]+-(prod|staging|dev|qa)$/.test(project.name))).toBe(true);
    expect(new Set(dataset.projects.map((project) => project.name)).size).toBe(40);
  });

  it('splits the projects across the credentials', () => {
    const dataset = generateDataset({ users: 0, projects: 10, credentials: 3, now: NOW });
    expect(dataset.credentials.map((credential) => credential.projectIds.length)).toEqual([3, 3, 4]);
    expect(dataset.credentials.flatMap((credential) => credential.projectIds)).toEqual(dataset.projects.map((project) => project.id));
    for (const credential of dataset.credentials) {
      expect(credential.publicKey).toMatch(/^[a-z]{8}$/);
      expect(credential.privateKey).toMatch(UUID);
    }
    expect(new Set(dataset.credentials.map((credential) => credential.publicKey)).size).toBe(3);
  });

  it('derives secrets from the seed', () => {
    expect(deriveSecret(1, 'user:0')).toBe(deriveSecret(1, 'user:0'));
    expect(deriveSecret(1, 'user:0')).not.toBe(deriveSecret(2, 'user:0'));
    expect(deriveSecret(1, 'user:0')).not.toBe(deriveSecret(1, 'user:1'));
    expect(deriveSecret(1, 'user:0')).toMatch(UUID);
    expect(derivePublicKey(1, 'credential:0')).toMatch(/^[a-z]{8}$/);
    expect(generateDataset({ seed: 1, now: NOW }).users[0]!.apiKey).toBe(deriveSecret(1, 'user:0'));
  });

  it('keeps ids unique and names readable at benchmark size, fast', () => {
    const started = performance.now();
    const big = generateDataset({ seed: 1, users: 20, keysPerUser: 600, projects: 10_000, keysPerProject: 3, credentials: 4, now: NOW });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(2000);
    const ids = new Set([
      ...big.projects.map((project) => project.id),
      ...big.projects.flatMap((project) => project.agentKeys.map((key) => key['_id'] ?? key['id'])),
      ...big.users.flatMap((user) => [user.id, ...user.keys.map((key) => key['id'])]),
    ]);
    expect(ids.size).toBe(10_000 + 30_000 + 20 + 12_000);
    expect(new Set(big.users.map((user) => user.username)).size).toBe(20);
    expect(new Set(big.projects.map((project) => project.name)).size).toBe(10_000);
  });

  it('generates one user with 100,000 keys fast', () => {
    const started = performance.now();
    const dataset = generateDataset({ users: 1, keysPerUser: 100_000, projects: 0, now: NOW });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(dataset.users[0]!.keys).toHaveLength(100_000);
  });

  it('rejects negative and fractional sizes', () => {
    expect(() => generateDataset({ users: -1 })).toThrow(RangeError);
    expect(() => generateDataset({ projects: 1.5 })).toThrow(/projects/);
  });
});

describe('isoSeconds', () => {
  it('prints whole seconds like the API', () => {
    expect(isoSeconds(Date.UTC(2018, 4, 14, 14, 45, 22, 999))).toBe('2018-05-14T14:45:22Z');
    expect(isoSeconds(Date.UTC(2024, 1, 29, 0, 0, 0))).toBe('2024-02-29T00:00:00Z');
    expect(isoSeconds(0)).toBe('1970-01-01T00:00:00Z');
  });
});
