import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, startSimulator, type SimOrgCredential, type Simulator } from '../../src/simulator/index.js';
import { rawRequest } from './helpers.js';

type OAuth = Extract<SimOrgCredential, { kind: 'oauth' }>;
const V2023 = 'application/vnd.atlas.2023-01-01+json';
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

function post(url: string, authorization: string | undefined, body: string, contentType = 'application/x-www-form-urlencoded'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...(authorization === undefined ? {} : { Authorization: authorization }), 'Content-Type': contentType }, body });
}

describe('OAuth service account tokens', () => {
  let sim: Simulator;
  let credential: OAuth;
  let orgId: string;
  beforeAll(async () => {
    const dataset = generateDataset({ seed: 21, projects: 2, orgs: 2, serviceAccountsPerOrg: 2, secretsPerServiceAccount: 2, now: Date.UTC(2025, 0, 1) });
    sim = await startSimulator({ dataset, tokenTtlSeconds: 1 });
    credential = dataset.orgCredentials!.find((c): c is OAuth => c.kind === 'oauth')!;
    orgId = credential.orgIds[0]!;
  });
  afterAll(async () => {
    await sim.close();
  });
  const issue = async (): Promise<string> => {
    const response = await post(sim.tokenUrl, basic(credential.clientId, credential.clientSecret), 'grant_type=client_credentials');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body['token_type']).toBe('Bearer');
    expect(body['expires_in']).toBe(1);
    return body['access_token'] as string;
  };
  const api = (token: string): Promise<ReturnType<typeof rawRequest> extends Promise<infer R> ? R : never> =>
    rawRequest(`${sim.atlasV2BaseUrl}/orgs/${orgId}/serviceAccounts`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.atlas.2024-08-05+json' },
    });

  it('issues a token for client credentials; the token reads the organization', async () => {
    const token = await issue();
    const response = await api(token);
    expect(response.status).toBe(200);
    expect(response.headers['ratelimit-limit']).toBe('1000');
    expect(sim.adminApiStats.tokensIssued).toBeGreaterThanOrEqual(1);
    expect(sim.adminApiStats.activeTokens).toBeGreaterThanOrEqual(1);
  });

  it('defaults to the documented hour', async () => {
    const other = await startSimulator({ dataset: sim.dataset });
    try {
      const response = await post(other.tokenUrl, basic(credential.clientId, credential.clientSecret), 'grant_type=client_credentials');
      expect(((await response.json()) as { expires_in: number }).expires_in).toBe(3600);
    } finally {
      await other.close();
    }
  });

  it.each([
    ['a wrong secret', () => basic(credential.clientId, 'mdb_sa_sk_wrong')],
    ['an unknown client', () => basic('mdb_sa_id_000000000000000000000000', credential.clientSecret)],
    ['no Authorization', () => undefined],
  ])('refuses %s with 401 invalid_client (RFC 6749 §5.2)', async (_name, authorization) => {
    const before = sim.adminApiStats.invalidClients;
    const response = await post(sim.tokenUrl, authorization(), 'grant_type=client_credentials');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await response.json()).toEqual({ error: 'invalid_client' });
    expect(sim.adminApiStats.invalidClients).toBe(before + 1);
  });

  it('refuses other grants, bodies and methods', async () => {
    const auth = basic(credential.clientId, credential.clientSecret);
    expect(await (await post(sim.tokenUrl, auth, 'grant_type=password')).json()).toEqual({ error: 'unsupported_grant_type' });
    expect((await post(sim.tokenUrl, auth, '')).status).toBe(400);
    expect((await post(sim.tokenUrl, auth, '{"grant_type":"client_credentials"}', 'application/json')).status).toBe(400);
    expect((await fetch(sim.tokenUrl)).status).toBe(405);
  });

  it('expires tokens after tokenTtlSeconds: 401 with the vendor body and the digest challenge', async () => {
    const token = await issue();
    expect((await api(token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const response = await api(token);
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: 401, errorCode: 'UNAUTHORIZED' });
    expect(response.headers['www-authenticate']).toMatch(/^Digest realm="MMS Public API"/);
    expect(sim.adminApiStats.rejectedTokens).toBeGreaterThanOrEqual(1);
    const unknown = await api('not-a-token');
    expect(unknown.status).toBe(401);
  });

  it('revokes a token: 200, and it stops working', async () => {
    const token = await issue();
    const active = sim.adminApiStats.activeTokens;
    const revoked = await post(sim.revokeUrl, basic(credential.clientId, credential.clientSecret), `token=${encodeURIComponent(token)}&token_type_hint=access_token`);
    expect(revoked.status).toBe(200);
    expect((await api(token)).status).toBe(401);
    expect(sim.adminApiStats.tokensRevoked).toBeGreaterThanOrEqual(1);
    expect(sim.adminApiStats.activeTokens).toBe(active - 1);
    // Revoking again, or an unknown token, is still 200 (RFC 7009 §2.2).
    expect((await post(sim.revokeUrl, basic(credential.clientId, credential.clientSecret), `token=${token}`)).status).toBe(200);
    expect((await post(sim.revokeUrl, basic(credential.clientId, 'wrong'), `token=${token}`)).status).toBe(401);
  });

  it('expireTokens() and resetStats()', async () => {
    const token = await issue();
    sim.expireTokens();
    expect((await api(token)).status).toBe(401);
    expect(sim.adminApiStats.activeTokens).toBe(0);
    sim.resetStats();
    expect(sim.adminApiStats).toEqual({
      tokensIssued: 0,
      tokensRevoked: 0,
      bearerRequests: 0,
      rejectedTokens: 0,
      invalidClients: 0,
      notAcceptable: 0,
      rateLimited: 0,
      activeTokens: 0,
    });
  });

  it('injects faults on the token endpoint (target `token`)', async () => {
    sim.setFault('token', { fault: { type: 'status', status: 503 }, times: 1 });
    const failed = await post(sim.tokenUrl, basic(credential.clientId, credential.clientSecret), 'grant_type=client_credentials');
    expect(failed.status).toBe(503);
    expect(sim.stats.byRoute['/api/oauth/token']).toBeGreaterThanOrEqual(1);
    await issue();
  });

  it('a bearer token is not accepted on the v1.0 APIs', async () => {
    const token = await issue();
    const response = await rawRequest(`${sim.publicBaseUrl}/orgs/${orgId}/apiKeys`, { headers: { Authorization: `Bearer ${token}`, Accept: V2023 } });
    expect(response.status).toBe(401);
  });
});
