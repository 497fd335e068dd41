import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset, parseDigestAuthorization, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { digestHeader, fetchChallenge, rawRequest, requestTarget } from './helpers.js';
import { SimulatorFixture } from './fixture.js';

const REALM = 'MMS Public API';
const dataset = () => generateDataset({ seed: 3, now: Date.UTC(2025, 0, 1) });

describe('simulator digest auth', () => {
  const fixture = new SimulatorFixture();
  afterEach(() => fixture.close());

  async function start(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
    return fixture.start({ dataset: dataset(), ...options });
  }

  function keysUrl(s: Simulator, index = 0): { url: string; username: string; password: string } {
    const user = s.dataset.users[index]!;
    return { url: `${s.atlasBaseUrl}/users/${user.id}/keys`, username: user.username, password: user.apiKey };
  }

  it('challenges an unauthenticated request with the vendor header (qop style)', async () => {
    const s = await start();
    const { header, response } = await fetchChallenge(keysUrl(s).url);
    expect(response.status).toBe(401);
    expect(header).toMatch(/^Digest realm="MMS Public API", domain="", nonce="[A-Za-z0-9+/]+=*", algorithm=MD5, qop="auth", stale=false$/);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toMatchObject({ error: 401, reason: 'Unauthorized', parameters: [] });
    expect(s.stats).toMatchObject({ requests: 1, challenges: 1, dataRequests: 0, badDigests: 0 });
  });

  it('uses the documentation misspelling op="auth" in op style', async () => {
    const s = await start({ challengeStyle: 'op' });
    const { header } = await fetchChallenge(keysUrl(s).url);
    expect(header).toMatch(/^Digest realm="MMS Public API", domain="", nonce="[^"]+", algorithm=MD5, op="auth", stale=false$/);
    expect(header).not.toContain('qop');
  });

  it('answers 200 to a correct qop=auth digest and counts it as a data request', async () => {
    const s = await start();
    const target = keysUrl(s);
    const client = fixture.client(target.username, target.password);
    const response = await client.get(target.url);
    expect(response.status).toBe(200);
    expect(response.headers['connection']).toBe('keep-alive');
    expect(JSON.parse(response.body).totalCount).toBe(6);
    // The nonce is reused with a growing nc: no second challenge.
    expect((await client.get(target.url)).status).toBe(200);
    expect(s.stats).toMatchObject({ requests: 3, challenges: 1, dataRequests: 2, badDigests: 0, replays: 0 });
  });

  it('accepts the RFC 2069 form without qop (what op-style clients send)', async () => {
    const s = await start({ challengeStyle: 'op' });
    const target = keysUrl(s);
    const client = fixture.client(target.username, target.password);
    const response = await client.get(target.url);
    expect(response.status).toBe(200);
    expect(client.authorizationFor(target.url)).not.toContain('qop=');
  });

  it('rejects a wrong password and an unknown user with 401 and a fresh challenge', async () => {
    const s = await start();
    const target = keysUrl(s);
    for (const [username, password] of [
      [target.username, 'not-the-api-key'],
      ['nobody@example.com', target.password],
    ] as const) {
      const client = fixture.client(username, password);
      const response = await client.get(target.url);
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/stale=false$/);
      expect(response.body).not.toContain(target.password);
    }
    expect(s.stats).toMatchObject({ challenges: 4, badDigests: 2, dataRequests: 0 });
  });

  it('rejects a replayed nc of the same nonce and counts it', async () => {
    const s = await start();
    const target = keysUrl(s);
    const { params } = await fetchChallenge(target.url);
    const header = (nc: number) =>
      digestHeader({ ...target, realm: REALM, nonce: params['nonce']!, uri: requestTarget(target.url), qop: 'auth', nc, cnonce: 'abc123' });
    expect((await rawRequest(target.url, { headers: { Authorization: header(1) } })).status).toBe(200);
    const replay = await rawRequest(target.url, { headers: { Authorization: header(1) } });
    expect(replay.status).toBe(401);
    expect(replay.headers['www-authenticate']).toMatch(/stale=false$/);
    // nc values may arrive out of order; only a value already seen is a replay.
    expect((await rawRequest(target.url, { headers: { Authorization: header(3) } })).status).toBe(200);
    expect((await rawRequest(target.url, { headers: { Authorization: header(2) } })).status).toBe(200);
    expect(s.stats).toMatchObject({ replays: 1, badDigests: 0, dataRequests: 3 });
  });

  it('answers stale=true to a valid digest with an expired nonce, then accepts the fresh nonce', async () => {
    const s = await start({ nonceTtlMs: 50 });
    const target = keysUrl(s);
    const client = fixture.client(target.username, target.password);
    expect((await client.get(target.url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const stale = await rawRequest(target.url, { headers: { Authorization: client.authorizationFor(target.url)! } });
    expect(stale.status).toBe(401);
    expect(stale.headers['www-authenticate']).toMatch(/, stale=true$/);
    // The test client re-authenticates on stale=true.
    expect((await client.get(target.url)).status).toBe(200);
    expect(s.stats.badDigests).toBe(0);
  });

  it('expireNonces() makes every issued nonce stale', async () => {
    const s = await start();
    const target = keysUrl(s);
    const client = fixture.client(target.username, target.password);
    expect((await client.get(target.url)).status).toBe(200);
    s.expireNonces();
    const stale = await rawRequest(target.url, { headers: { Authorization: client.authorizationFor(target.url)! } });
    expect(stale.status).toBe(401);
    expect(stale.headers['www-authenticate']).toMatch(/stale=true$/);
  });

  it('a wrong password with an expired nonce is not stale', async () => {
    const s = await start();
    const target = keysUrl(s);
    const { params } = await fetchChallenge(target.url);
    s.expireNonces();
    const header = digestHeader({ ...target, password: 'wrong', realm: REALM, nonce: params['nonce']!, uri: requestTarget(target.url), qop: 'auth' });
    const response = await rawRequest(target.url, { headers: { Authorization: header } });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/stale=false$/);
  });

  it('rejects a nonce it never issued with stale=false', async () => {
    const s = await start();
    const target = keysUrl(s);
    const header = digestHeader({ ...target, realm: REALM, nonce: 'bm90LWEtcmVhbC1ub25jZS1hdC1hbGw=', uri: requestTarget(target.url), qop: 'auth' });
    const response = await rawRequest(target.url, { headers: { Authorization: header } });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/stale=false$/);
    expect(s.stats.badDigests).toBe(1);
  });

  it('rejects a digest whose uri is not the request target', async () => {
    const s = await start();
    const target = keysUrl(s);
    const { params } = await fetchChallenge(target.url);
    const otherUri = requestTarget(target.url) + '?pageNum=2';
    const header = digestHeader({ ...target, realm: REALM, nonce: params['nonce']!, uri: otherUri, qop: 'auth' });
    expect((await rawRequest(target.url, { headers: { Authorization: header } })).status).toBe(401);
    // An absolute-form uri naming the same target is fine (RFC 7616 §3.4).
    const absolute = digestHeader({ ...target, realm: REALM, nonce: params['nonce']!, uri: target.url, qop: 'auth', nc: 2 });
    expect((await rawRequest(target.url, { headers: { Authorization: absolute } })).status).toBe(200);
    expect(s.stats.badDigests).toBe(1);
  });

  it('rejects Basic auth and other schemes with a challenge', async () => {
    const s = await start();
    const target = keysUrl(s);
    const basic = 'Basic ' + Buffer.from(`${target.username}:${target.password}`).toString('base64');
    const response = await rawRequest(target.url, { headers: { Authorization: basic } });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Digest /);
  });
});

describe('parseDigestAuthorization', () => {
  it('reads quoted and bare values in any order, with commas and escapes inside quotes', () => {
    expect(
      parseDigestAuthorization(
        'Digest  nc=00000001 ,qop=auth, Response="abc" ,username="a, \\"b\\"" ,uri="/x?a=1,2",REALM="MMS Public API",nonce=n0+/=,cnonce="c"',
      ),
    ).toEqual({ nc: '00000001', qop: 'auth', response: 'abc', username: 'a, "b"', uri: '/x?a=1,2', realm: 'MMS Public API', nonce: 'n0+/=', cnonce: 'c' });
  });

  it('accepts a trailing comma and a lowercase scheme', () => {
    expect(parseDigestAuthorization('digest username="u",')).toEqual({ username: 'u' });
  });

  it('refuses other schemes and broken syntax', () => {
    expect(parseDigestAuthorization('Basic dTpw')).toBeUndefined();
    expect(parseDigestAuthorization('Digest username="unterminated')).toBeUndefined();
    expect(parseDigestAuthorization('Digest username')).toBeUndefined();
    expect(parseDigestAuthorization('Digest username="a" realm="b"')).toBeUndefined();
  });
});
