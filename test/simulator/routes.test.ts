import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, startSimulator, type SimCredential, type Simulator, type SimUser } from '../../src/simulator/index.js';
import { TestDigestClient } from './helpers.js';
import { vendorError } from './fixture.js';

const NOW = Date.UTC(2025, 0, 1);

describe('simulator routes', () => {
  let sim: Simulator;
  let alice: SimUser;
  let bob: SimUser;
  let first: SimCredential;
  let second: SimCredential;
  const clients: TestDigestClient[] = [];
  const clientFor = (username: string, password: string): TestDigestClient => {
    const client = new TestDigestClient(username, password);
    clients.push(client);
    return client;
  };
  const asUser = (user: SimUser) => clientFor(user.username, user.apiKey);
  const asCredential = (credential: SimCredential) => clientFor(credential.publicKey, credential.privateKey);

  beforeAll(async () => {
    sim = await startSimulator({ dataset: generateDataset({ seed: 11, users: 2, projects: 8, keysPerProject: 3, credentials: 2, now: NOW }) });
    [alice, bob] = sim.dataset.users as [SimUser, SimUser];
    [first, second] = sim.dataset.credentials as [SimCredential, SimCredential];
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await sim.close();
  });

  describe.each([
    ['atlas', () => sim.atlasBaseUrl],
    ['public', () => sim.publicBaseUrl],
  ])('under the %s root', (_name, base) => {
    it('GET /users/byName/{USER-NAME} returns the user', async () => {
      const response = await asUser(alice).get(`${base()}/users/byName/${encodeURIComponent(alice.username)}`);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({
        id: alice.id,
        username: alice.username,
        emailAddress: alice.username,
        firstName: alice.firstName,
        lastName: alice.lastName,
        links: [{ rel: 'self', href: `${base()}/users/${alice.id}` }],
      });
    });

    it('GET /users/{USER-ID}/keys returns the raw key documents', async () => {
      const body = await asUser(alice).json<{ results: unknown[] }>(`${base()}/users/${alice.id}/keys`);
      expect(body.results).toEqual(alice.keys);
    });

    it('GET /groups/{PROJECT-ID}/agentapikeys returns a bare array', async () => {
      const project = sim.dataset.projects.find((p) => p.id === first.projectIds[0])!;
      const body = await asCredential(first).json<unknown>(`${base()}/groups/${project.id}/agentapikeys`);
      expect(body).toEqual(project.agentKeys);
    });
  });

  it('serves agent keys in every documented form', async () => {
    const client = asCredential(first);
    const keys: Record<string, unknown>[] = [];
    for (const id of first.projectIds) keys.push(...(await client.json<Record<string, unknown>[]>(`${sim.publicBaseUrl}/groups/${id}/agentapikeys`)));
    expect(keys.some((key) => '_id' in key && !('id' in key))).toBe(true);
    expect(keys.some((key) => 'id' in key && !('_id' in key))).toBe(true);
    expect(keys.some((key) => typeof key['createdTime'] === 'number')).toBe(true);
    expect(keys.some((key) => typeof key['createdTime'] === 'string')).toBe(true);
    const provisioning = keys.filter((key) => key['createdBy'] === 'PROVISIONING');
    expect(provisioning.length).toBeGreaterThan(0);
    for (const key of provisioning) {
      expect(key).not.toHaveProperty('createdIpAddr');
      expect(key).not.toHaveProperty('createdUserId');
    }
    for (const key of keys) expect(key['key']).toMatch(/^\*{28}[0-9a-f]{4}$/);
  });

  it('byName: another user is 401, an unknown name is 404 USERNAME_NOT_FOUND', async () => {
    const other = await asUser(alice).get(`${sim.atlasBaseUrl}/users/byName/${encodeURIComponent(bob.username)}`);
    expect(other.status).toBe(401);
    expect(other.headers['www-authenticate']).toBeUndefined();
    const unknown = await asUser(alice).get(`${sim.atlasBaseUrl}/users/byName/nobody%40example.com`);
    expect(unknown.status).toBe(404);
    expect(vendorError(unknown)).toMatchObject({ errorCode: 'USERNAME_NOT_FOUND', reason: 'Not Found' });
  });

  it("keys: another user's id is 403 USER_UNAUTHORIZED", async () => {
    const response = await asUser(alice).get(`${sim.atlasBaseUrl}/users/${bob.id}/keys`);
    expect(response.status).toBe(403);
    expect(vendorError(response)).toMatchObject({ errorCode: 'USER_UNAUTHORIZED', reason: 'Forbidden' });
  });

  it('agent keys: INVALID_GROUP_ID, GROUP_NOT_FOUND (404) and NOT_IN_GROUP (403)', async () => {
    const client = asCredential(first);
    const invalid = await client.get(`${sim.publicBaseUrl}/groups/not-an-id/agentapikeys`);
    expect(invalid.status).toBe(404);
    expect(vendorError(invalid)).toMatchObject({ errorCode: 'INVALID_GROUP_ID' });
    const missing = await client.get(`${sim.publicBaseUrl}/groups/${'0'.repeat(24)}/agentapikeys`);
    expect(missing.status).toBe(404);
    expect(vendorError(missing)).toMatchObject({ errorCode: 'GROUP_NOT_FOUND' });
    const notHeld = await client.get(`${sim.publicBaseUrl}/groups/${second.projectIds[0]!}/agentapikeys`);
    expect(notHeld.status).toBe(403);
    expect(vendorError(notHeld)).toMatchObject({ errorCode: 'NOT_IN_GROUP', reason: 'Forbidden' });
  });

  it('GET /groups lists only the credential’s own projects', async () => {
    const body = await asCredential(second).json<{ results: { id: string }[]; totalCount: number }>(`${sim.publicBaseUrl}/groups`);
    expect(body.results.map((group) => group.id)).toEqual(second.projectIds);
    expect(body.totalCount).toBe(4);
  });

  it('personal keys are not accepted on /groups, programmatic keys not on /users', async () => {
    expect((await asUser(alice).get(`${sim.publicBaseUrl}/groups`)).status).toBe(401);
    expect((await asCredential(first).get(`${sim.atlasBaseUrl}/users/${alice.id}/keys`)).status).toBe(401);
  });

  it('anything else is 404 RESOURCE_NOT_FOUND, after authentication', async () => {
    const client = asUser(alice);
    for (const path of ['/api/atlas/v1.0/orgs', '/api/atlas/v2/groups', '/', `/api/atlas/v1.0/users/${alice.id}/keys/extra`]) {
      const response = await client.get(sim.url + path);
      expect(response.status).toBe(404);
      expect(vendorError(response)).toMatchObject({ errorCode: 'RESOURCE_NOT_FOUND', parameters: [] });
    }
  });

  it('other methods are 405', async () => {
    const response = await asUser(alice).get(`${sim.atlasBaseUrl}/users/${alice.id}/keys`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers['allow']).toBe('GET');
    expect(vendorError(response)).toMatchObject({ reason: 'Method Not Allowed' });
  });

  it('honours pretty=true', async () => {
    const response = await asUser(alice).get(`${sim.atlasBaseUrl}/users/${alice.id}/keys?pretty=true`);
    expect(response.body).toContain('\n  "links"');
  });

  it('reads the live data set: added and removed projects and keys', async () => {
    const client = asCredential(first);
    const project = { id: 'abcdefabcdefabcdefabcdef', name: 'added-prod', orgId: 'f'.repeat(24), agentKeys: [{ _id: '1'.repeat(24), desc: 'new', key: '*'.repeat(28) + 'beef', createdBy: 'USER', createdTime: NOW }] };
    sim.dataset.projects.push(project);
    first.projectIds.push(project.id);
    expect(await client.json(`${sim.publicBaseUrl}/groups/${project.id}/agentapikeys`)).toEqual(project.agentKeys);
    project.agentKeys.push({ ...project.agentKeys[0]!, _id: '2'.repeat(24) });
    expect(await client.json(`${sim.publicBaseUrl}/groups/${project.id}/agentapikeys`)).toHaveLength(2);
    sim.dataset.projects.splice(sim.dataset.projects.indexOf(project), 1);
    expect((await client.get(`${sim.publicBaseUrl}/groups/${project.id}/agentapikeys`)).status).toBe(404);
    first.projectIds.pop();

    const userClient = asUser(alice);
    const before = (await userClient.json<{ totalCount: number }>(`${sim.atlasBaseUrl}/users/${alice.id}/keys`)).totalCount;
    const removed = alice.keys.pop()!;
    expect((await userClient.json<{ totalCount: number }>(`${sim.atlasBaseUrl}/users/${alice.id}/keys`)).totalCount).toBe(before - 1);
    alice.keys.push(removed);
  });
});
