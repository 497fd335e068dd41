import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset, startSimulator, type Simulator, type SimUser, type SimCredential } from '../../src/simulator/index.js';
import { fetchChallenge, rawRequest, TestDigestClient } from './helpers.js';

const NOW = Date.UTC(2025, 0, 1);

describe('simulator faults', () => {
  let sim: Simulator;
  let user: SimUser;
  let credential: SimCredential;
  let userClient: TestDigestClient;
  let projectClient: TestDigestClient;
  let keysUrl: string;
  let agentUrl: string;
  let projectId: string;

  beforeEach(async () => {
    sim = await startSimulator({ dataset: generateDataset({ seed: 5, now: NOW }) });
    user = sim.dataset.users[0]!;
    credential = sim.dataset.credentials[0]!;
    projectId = credential.projectIds[0]!;
    userClient = new TestDigestClient(user.username, user.apiKey);
    projectClient = new TestDigestClient(credential.publicKey, credential.privateKey);
    keysUrl = `${sim.atlasBaseUrl}/users/${user.id}/keys`;
    agentUrl = `${sim.publicBaseUrl}/groups/${projectId}/agentapikeys`;
  });

  afterEach(async () => {
    userClient.close();
    projectClient.close();
    await sim.close();
  });

  it.each([401, 403, 404, 500, 502, 503] as const)('status %i in the vendor error shape', async (status) => {
    sim.setFault(user.id, { type: 'status', status });
    const response = await userClient.get(keysUrl);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(response.body)).toMatchObject({ error: status, parameters: [], errorCode: expect.any(String), detail: expect.any(String) });
  });

  it('429 sends Retry-After only when asked to', async () => {
    sim.setFault(user.id, { fault: { type: 'status', status: 429, retryAfterSeconds: 7 }, times: 1 });
    const limited = await userClient.get(keysUrl);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(JSON.parse(limited.body)).toMatchObject({ errorCode: 'RATE_LIMITED', reason: 'Too Many Requests' });
    sim.setFault(user.id, { fault: { type: 'status', status: 429 }, times: 1 });
    const bare = await userClient.get(keysUrl);
    expect(bare.status).toBe(429);
    expect(bare.headers['retry-after']).toBeUndefined();
  });

  it('expire-nonces answers normally, then every nonce issued so far is stale (counted in staleNonces)', async () => {
    expect((await projectClient.get(agentUrl)).status).toBe(200);
    sim.setFault(user.id, { fault: { type: 'expire-nonces' }, times: 1 });
    expect((await userClient.get(keysUrl)).status).toBe(200);
    for (const [client, url] of [[userClient, keysUrl], [projectClient, agentUrl]] as const) {
      const stale = await rawRequest(url, { headers: { Authorization: client.authorizationFor(url)! } });
      expect(stale.status).toBe(401);
      expect(stale.headers['www-authenticate']).toMatch(/stale=true$/);
    }
    expect(sim.stats.staleNonces).toBe(2);
    expect(sim.stats.badDigests).toBe(0);
    // The client re-authenticates on stale=true; the rule is used up, so its new nonce stays fresh.
    expect((await userClient.get(keysUrl)).status).toBe(200);
    expect(sim.stats.staleNonces).toBe(3);
    expect((await userClient.get(keysUrl)).status).toBe(200);
    expect(sim.stats.staleNonces).toBe(3);
  });

  it('times: applies to the next N authenticated requests only; challenges do not use it up', async () => {
    sim.setFault(user.id, { fault: { type: 'status', status: 503 }, times: 2 });
    const challenge = await fetchChallenge(keysUrl);
    expect(challenge.response.status).toBe(401);
    expect((await userClient.get(keysUrl)).status).toBe(503);
    expect((await userClient.get(keysUrl)).status).toBe(503);
    expect((await userClient.get(keysUrl)).status).toBe(200);
  });

  it('a fault without times stays until cleared', async () => {
    sim.setFault(projectId, { type: 'status', status: 500 });
    for (let i = 0; i < 3; i++) expect((await projectClient.get(agentUrl)).status).toBe(500);
    sim.setFault(projectId, undefined);
    expect((await projectClient.get(agentUrl)).status).toBe(200);
  });

  it('matches by target only', async () => {
    sim.setFault(credential.projectIds[1]!, { type: 'status', status: 500 });
    expect((await projectClient.get(agentUrl)).status).toBe(200);
    sim.setFault(`byName:${user.username}`, { fault: { type: 'status', status: 500 }, times: 1 });
    expect((await userClient.get(keysUrl)).status).toBe(200);
    expect((await userClient.get(`${sim.atlasBaseUrl}/users/byName/${encodeURIComponent(user.username)}`)).status).toBe(500);
    sim.setFault('groups', { fault: { type: 'html' }, times: 1 });
    expect((await projectClient.get(agentUrl)).status).toBe(200);
    const groups = await projectClient.get(`${sim.publicBaseUrl}/groups`);
    expect(groups.headers['content-type']).toMatch(/^text\/html/);
  });

  it('hang: never answers; close() ends the request', async () => {
    sim.setFault(projectId, { type: 'hang' });
    await expect(projectClient.get(agentUrl, { timeoutMs: 150 })).rejects.toThrow(/timed out/);
    // The server sees the client's close a moment later.
    await expect.poll(() => sim.stats.inFlight).toBe(0);
    const pending = projectClient.get(agentUrl);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.stats.inFlight).toBe(1);
    await sim.close();
    await expect(pending).rejects.toThrow();
  });

  it('reset: 200 headers and part of the body, then the connection drops', async () => {
    sim.setFault(user.id, { fault: { type: 'reset' }, times: 1 });
    await expect(userClient.get(keysUrl)).rejects.toThrow();
    expect((await userClient.get(keysUrl)).status).toBe(200);
  });

  it('truncated: 200 with broken JSON and a matching Content-Length', async () => {
    sim.setFault(user.id, { type: 'truncated' });
    const response = await userClient.get(keysUrl);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expect(response.body.length).toBeGreaterThan(0);
    expect(() => JSON.parse(response.body)).toThrow();
  });

  it('html: 200 with an HTML page', async () => {
    sim.setFault(projectId, { type: 'html' });
    const response = await projectClient.get(agentUrl);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('latency: answers normally, later', async () => {
    await projectClient.get(agentUrl);
    sim.setFault(projectId, { fault: { type: 'latency', ms: 150 }, times: 1 });
    const started = performance.now();
    const response = await projectClient.get(agentUrl);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual(sim.dataset.projects.find((p) => p.id === projectId)!.agentKeys);
  });

  it('body: 200 with exactly the given JSON', async () => {
    const drifted = [{ identifier: 'x', created: 'yesterday' }];
    sim.setFault(projectId, { type: 'body', body: drifted });
    const response = await projectClient.get(agentUrl);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual(drifted);
  });

  it('global latency delays every request, challenges included', async () => {
    sim.setLatency(100);
    const started = performance.now();
    await fetchChallenge(keysUrl);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    sim.setLatency(0);
  });
});
