import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, startSimulator, type SimOrgCredential, type Simulator } from '../../src/simulator/index.js';
import { negotiateVersion } from '../../src/simulator/routes/admin-api-v2.js';
import { vendorError } from './fixture.js';
import { TestDigestClient } from './helpers.js';

const type = (date: string): string => `application/vnd.atlas.${date}+json`;

describe('negotiateVersion', () => {
  const ONE = ['2023-01-01'] as const;

  it('answers a later date with the resource version', () => {
    expect(negotiateVersion(type('2025-03-12'), ONE)).toBe('2023-01-01');
    expect(negotiateVersion(type('2023-01-02'), ONE)).toBe('2023-01-01');
  });

  it('answers the exact date', () => {
    expect(negotiateVersion(type('2023-01-01'), ONE)).toBe('2023-01-01');
    expect(negotiateVersion(type('2024-08-05'), ['2024-08-05'])).toBe('2024-08-05');
  });

  it('refuses an earlier date', () => {
    expect(negotiateVersion(type('2022-12-31'), ONE)).toBeUndefined();
    expect(negotiateVersion(type('2023-01-01'), ['2024-08-05'])).toBeUndefined();
  });

  it.each([
    ['missing', undefined],
    ['application/json', 'application/json'],
    ['a wildcard', '*/*'],
    ['a name, not a date', 'application/vnd.atlas.latest+json'],
    ['a date that is none', type('2025-02-30')],
  ])('refuses %s', (_name, accept) => {
    expect(negotiateVersion(accept, ONE)).toBeUndefined();
  });

  it('reads a list in order, skipping the types that name no served version', () => {
    expect(negotiateVersion(`application/json;q=0.5, ${type('2025-03-12')}`, ONE)).toBe('2023-01-01');
    expect(negotiateVersion(`${type('2020-01-01')}, ${type('2023-06-01')};q=0.9`, ONE)).toBe('2023-01-01');
    expect(negotiateVersion(`${type('2023-06-01')}, ${type('2020-01-01')}`, ['2023-01-01', '2023-05-01'])).toBe('2023-05-01');
  });

  it('serves the latest version at or before the date when a resource has several, in any order', () => {
    const versions = ['2024-08-05', '2023-01-01', '2023-11-15'];
    expect(negotiateVersion(type('2023-11-14'), versions)).toBe('2023-01-01');
    expect(negotiateVersion(type('2023-11-15'), versions)).toBe('2023-11-15');
    expect(negotiateVersion(type('2024-08-04'), versions)).toBe('2023-11-15');
    expect(negotiateVersion(type('2026-01-01'), versions)).toBe('2024-08-05');
    expect(negotiateVersion(type('2022-01-01'), versions)).toBeUndefined();
  });
});

describe('the simulator answers media types as the Admin API v2 does', () => {
  let sim: Simulator;
  let client: TestDigestClient;
  beforeAll(async () => {
    sim = await startSimulator({ dataset: generateDataset({ seed: 12, projects: 2, orgs: 1, programmaticKeysPerOrg: 1, serviceAccountsPerOrg: 1, secretsPerServiceAccount: 1 }) });
    const digest = sim.dataset.orgCredentials!.find((c): c is Extract<SimOrgCredential, { kind: 'digest' }> => c.kind === 'digest')!;
    client = new TestDigestClient(digest.publicKey, digest.privateKey);
  });
  afterAll(async () => {
    client.close();
    await sim.close();
  });

  it('GET /orgs with the document’s example date 2025-03-12 is served as 2023-01-01', async () => {
    const response = await client.get(`${sim.atlasV2BaseUrl}/orgs`, { headers: { Accept: type('2025-03-12') } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.atlas.2023-01-01+json;charset=utf-8');
    expect((JSON.parse(response.body) as { results: { id: string }[] }).results.map((org) => org.id)).toEqual([sim.dataset.orgs![0]!.id]);
  });

  it('GET /orgs with 2022-01-01, before the resource existed, is 406 INVALID_VERSION_DATE', async () => {
    const response = await client.get(`${sim.atlasV2BaseUrl}/orgs`, { headers: { Accept: type('2022-01-01') } });
    expect(response.status).toBe(406);
    expect(vendorError(response)).toMatchObject({ error: 406, errorCode: 'INVALID_VERSION_DATE' });
  });

  it('service accounts: a date after 2024-08-05 is served as 2024-08-05, 2023-01-01 is refused', async () => {
    const org = sim.dataset.orgs![0]!;
    const later = await client.get(`${sim.atlasV2BaseUrl}/orgs/${org.id}/serviceAccounts`, { headers: { Accept: type('2025-03-12') } });
    expect(later.status).toBe(200);
    expect(later.headers['content-type']).toBe('application/vnd.atlas.2024-08-05+json;charset=utf-8');
    const earlier = await client.get(`${sim.atlasV2BaseUrl}/orgs/${org.id}/serviceAccounts`, { headers: { Accept: type('2023-01-01') } });
    expect(earlier.status).toBe(406);
  });
});
