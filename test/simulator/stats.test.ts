import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/simulator/index.js';
import { rawRequest } from './helpers.js';
import { SimulatorFixture } from './fixture.js';

describe('simulator stats', () => {
  const fixture = new SimulatorFixture();
  afterEach(() => fixture.close());

  it('counts maxInFlight under parallel requests, challenges included', async () => {
    const s = await fixture.start({ dataset: generateDataset({ seed: 2, projects: 10, now: Date.UTC(2025, 0, 1) }), latencyMs: 100 });
    const credential = s.dataset.credentials[0]!;
    const responses = await Promise.all(
      credential.projectIds.map(async (id) => {
        const client = fixture.client(credential.publicKey, credential.privateKey);
        return client.get(`${s.publicBaseUrl}/groups/${id}/agentapikeys`);
      }),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(s.stats).toMatchObject({ requests: 20, challenges: 10, dataRequests: 10, inFlight: 0, maxInFlight: 10 });
    expect(s.stats.byRoute).toEqual({ '/groups/{PROJECT-ID}/agentapikeys': 20 });
  });

  it('counts by route template and resets in place', async () => {
    const s = await fixture.start({ dataset: generateDataset({ seed: 2, now: Date.UTC(2025, 0, 1) }) });
    const user = s.dataset.users[0]!;
    const client = fixture.client(user.username, user.apiKey);
    await client.get(`${s.atlasBaseUrl}/users/byName/${encodeURIComponent(user.username)}`);
    await client.get(`${s.publicBaseUrl}/users/${user.id}/keys`);
    await client.get(`${s.url}/nowhere`);
    await rawRequest(`${s.publicBaseUrl}/groups`);
    expect(s.stats.byRoute).toEqual({
      '/users/byName/{USER-NAME}': 2,
      '/users/{USER-ID}/keys': 1,
      unmatched: 1,
      '/groups': 1,
    });
    const stats = s.stats;
    s.resetStats();
    expect(stats).toBe(s.stats);
    expect(s.stats).toEqual({ requests: 0, dataRequests: 0, challenges: 0, badDigests: 0, replays: 0, staleNonces: 0, inFlight: 0, maxInFlight: 0, byRoute: {} });
  });
});
