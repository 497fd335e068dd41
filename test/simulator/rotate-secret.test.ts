import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, startSimulator, type SimOrgCredential, type Simulator } from '../../src/simulator/index.js';
import { TestDigestClient } from './helpers.js';

type OAuth = Extract<SimOrgCredential, { kind: 'oauth' }>;

const token = (sim: Simulator, clientId: string, secret: string): Promise<number> =>
  fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });

describe('Simulator.rotateSecret', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ dataset: generateDataset({ seed: 31, users: 1, projects: 1, orgs: 1, programmaticKeysPerOrg: 1, serviceAccountsPerOrg: 1, secretsPerServiceAccount: 1, now: Date.UTC(2025, 0, 1) }) });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('accepts only the new secret of a user, a Cloud Manager key and an organisation key over digest', async () => {
    const user = sim.dataset.users[0]!;
    const key = sim.dataset.credentials[0]!;
    const org = sim.dataset.orgCredentials!.find((c) => c.kind === 'digest')!;
    const cases = [
      { id: user.username, old: user.apiKey, url: `${sim.atlasBaseUrl}/users/byName/${encodeURIComponent(user.username)}` },
      { id: key.publicKey, old: key.privateKey, url: `${sim.publicBaseUrl}/groups` },
      { id: org.publicKey, old: org.privateKey, url: `${sim.url}/api/atlas/v2/orgs` },
    ];
    for (const { id, old, url } of cases) {
      const before = new TestDigestClient(id, old);
      expect((await before.get(url, { headers: { Accept: 'application/vnd.atlas.2023-01-01+json' } })).status, id).toBe(200);
      expect(sim.rotateSecret(id, `${id}-rotated`)).toBe(true);
      const stale = new TestDigestClient(id, old);
      expect((await stale.get(url, { headers: { Accept: 'application/vnd.atlas.2023-01-01+json' } })).status, id).toBe(401);
      const fresh = new TestDigestClient(id, `${id}-rotated`);
      expect((await fresh.get(url, { headers: { Accept: 'application/vnd.atlas.2023-01-01+json' } })).status, id).toBe(200);
      for (const client of [before, stale, fresh]) client.close();
    }
  });

  it('issues tokens only for the new secret of a service account, and says when no credential has the id', async () => {
    const account = sim.dataset.orgCredentials!.find((c): c is OAuth => c.kind === 'oauth')!;
    const old = account.clientSecret;
    expect(await token(sim, account.clientId, old)).toBe(200);
    expect(sim.rotateSecret(account.clientId, 'rotated-client-secret')).toBe(true);
    expect(await token(sim, account.clientId, old)).toBe(401);
    expect(await token(sim, account.clientId, 'rotated-client-secret')).toBe(200);
    expect(sim.rotateSecret('nobody', 'x')).toBe(false);
  });
});
