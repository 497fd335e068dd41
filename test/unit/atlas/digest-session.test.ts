import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Credential } from '../../../src/atlas/credential.js';
import { DigestSession, SessionPool, type AuthSession } from '../../../src/atlas/digest-session.js';
import { HttpResponse, type HttpRequest } from '../../../src/atlas/http-transport.js';

const URL_ = 'https://cloud.mongodb.com/api/atlas/v2/orgs?pageNum=1';
const URI = '/api/atlas/v2/orgs?pageNum=1';
const credential = new Credential('zmmrboas', 'private-key', 'https://cloud.mongodb.com/api/atlas/v2');

const response = (status: number, headers: Record<string, string> = {}) => new HttpResponse(status, headers, Buffer.from(status === 200 ? '[]' : '{}'));

/** The Authorization parameters of a digest answer, unquoted. */
function paramsOf(header: string | undefined): Record<string, string> {
  expect(header).toMatch(/^Digest /);
  const params: Record<string, string> = {};
  for (const match of (header ?? '').slice('Digest '.length).matchAll(/(\w+)=("([^"]*)"|[^,]*)/g)) params[match[1]!] = match[3] ?? match[2]!;
  return params;
}

const hash = (name: string, data: string) => createHash(name).update(data).digest('hex');

/** The response RFC 7616 expects for `params` (qop auth) from the credential, for a GET of URI. */
function expectedResponse(params: Record<string, string>, hashName: string, sess = false): string {
  let ha1 = hash(hashName, `zmmrboas:${params['realm']}:private-key`);
  if (sess) ha1 = hash(hashName, `${ha1}:${params['nonce']}:${params['cnonce']}`);
  const ha2 = hash(hashName, `GET:${URI}`);
  return hash(hashName, `${ha1}:${params['nonce']}:${params['nc']}:${params['cnonce']}:${params['qop']}:${ha2}`);
}

/**
 * A server that challenges every request without (valid-looking) auth with `challenge()`, and
 * records the Authorization header of each request.
 */
function challenging(challenge: () => string) {
  const seen: (string | undefined)[] = [];
  const inits: HttpRequest[] = [];
  const transport = async (_url: string, init: HttpRequest) => {
    inits.push(init);
    const authorization = init.headers?.['Authorization'];
    seen.push(authorization);
    return authorization === undefined ? response(401, { 'www-authenticate': challenge() }) : response(200);
  };
  return { seen, inits, transport };
}

describe('DigestSession', () => {
  it('answers an MD5 challenge with the RFC 7616 response, nc=00000001, through the given transport', async () => {
    const { seen, transport } = challenging(() => 'Digest realm="MMS Public API", domain="", nonce="n1", algorithm=MD5, qop="auth", stale=false');
    const session = new DigestSession(credential, transport);
    const answer = await session.get(URL_, { method: 'GET', headers: { Accept: 'application/json' } });
    expect(answer.status).toBe(200);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBeUndefined();
    const params = paramsOf(seen[1]);
    expect(params).toMatchObject({ username: 'zmmrboas', realm: 'MMS Public API', nonce: 'n1', uri: URI, qop: 'auth', algorithm: 'MD5', nc: '00000001' });
    expect(params['response']).toBe(expectedResponse(params, 'md5'));
  });

  it('counts nc up on one nonce, and starts again at 00000001 on a new nonce', async () => {
    let nonce = 'n1';
    const seen: (string | undefined)[] = [];
    const transport = async (_url: string, init: HttpRequest) => {
      const authorization = init.headers?.['Authorization'];
      seen.push(authorization);
      const current = authorization !== undefined && paramsOf(authorization)['nonce'] === nonce;
      return current ? response(200) : response(401, { 'www-authenticate': `Digest realm="r", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${authorization !== undefined}` });
    };
    const session = new DigestSession(credential, transport);
    await session.get(URL_, {});
    await session.get(URL_, {});
    await session.get(URL_, {});
    nonce = 'n2';
    await session.get(URL_, {});
    await session.get(URL_, {});
    const answered = seen.filter((header) => header !== undefined).map((header) => paramsOf(header));
    expect(answered.map((params) => [params['nonce'], params['nc']])).toEqual([
      ['n1', '00000001'],
      ['n1', '00000002'],
      ['n1', '00000003'],
      ['n1', '00000004'],
      ['n2', '00000001'],
      ['n2', '00000002'],
    ]);
  });

  it('takes the algorithm from the challenge: SHA-256, and MD5-sess with its session key', async () => {
    for (const [algorithm, hashName, sess] of [
      ['SHA-256', 'sha256', false],
      ['sha-256', 'sha256', false],
      ['MD5-sess', 'md5', true],
      ['SHA-256-SESS', 'sha256', true],
    ] as const) {
      const { seen, transport } = challenging(() => `Digest realm="r", nonce="n-${algorithm}", algorithm=${algorithm}, qop="auth"`);
      await new DigestSession(credential, transport).get(URL_, {});
      const params = paramsOf(seen[1]);
      expect(params['algorithm']).toBe(algorithm.toUpperCase().replace('-SESS', '-sess'));
      expect(params['response']).toBe(expectedResponse(params, hashName, sess));
    }
  });

  it('answers MD5 when the challenge names no algorithm', async () => {
    const { seen, transport } = challenging(() => 'Digest realm="r", nonce="n1", qop="auth"');
    await new DigestSession(credential, transport).get(URL_, {});
    const params = paramsOf(seen[1]);
    expect(params['algorithm']).toBe('MD5');
    expect(params['response']).toBe(expectedResponse(params, 'md5'));
  });

  it('does not answer a challenge with an algorithm it cannot compute: the 401 stands', async () => {
    const { seen, transport } = challenging(() => 'Digest realm="r", nonce="n1", algorithm=SHA-512-256, qop="auth"');
    const answer = await new DigestSession(credential, transport).get(URL_, {});
    expect(answer.status).toBe(401);
    expect(seen).toEqual([undefined]);
  });

  it('reads the vendor example’s op="auth" as qop auth, and nothing else spelled op', async () => {
    const { seen, transport } = challenging(() => 'Digest realm="r", domain="", nonce="n1", algorithm=MD5, op="auth", stale=false');
    await new DigestSession(credential, transport).get(URL_, {});
    const params = paramsOf(seen[1]);
    expect(params['qop']).toBe('auth');
    expect(params['response']).toBe(expectedResponse(params, 'md5'));
    for (const challenge of ['Digest realm="r", nonce="n1", algorithm=MD5, op="auth-int"', 'Digest realm="r", nonce="n1", algorithm=MD5, loop="auth"']) {
      const other = challenging(() => challenge);
      await new DigestSession(credential, other.transport).get(URL_, {});
      expect(paramsOf(other.seen[1])).not.toHaveProperty('qop');
    }
    const first = challenging(() => 'Digest op="auth", realm="r", nonce="n1", algorithm=MD5');
    await new DigestSession(credential, first.transport).get(URL_, {});
    expect(paramsOf(first.seen[1])['qop']).toBe('auth');
  });

  it('leaves the caller’s headers as they were', async () => {
    const { inits, transport } = challenging(() => 'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"');
    const headers = { Accept: 'application/json' };
    await new DigestSession(credential, transport).get(URL_, { headers });
    expect(headers).toEqual({ Accept: 'application/json' });
    expect(inits[1]?.headers).toMatchObject({ Accept: 'application/json' });
  });
});

describe('SessionPool', () => {
  it('hands out an idle session before it creates one, and creates one per session in use', () => {
    let created = 0;
    const pool = new SessionPool(() => {
      created++;
      return { get: () => Promise.reject(new Error('unused')) } satisfies AuthSession;
    });
    const a = pool.acquire();
    const b = pool.acquire();
    expect(a).not.toBe(b);
    expect(created).toBe(2);
    pool.release(a);
    expect(pool.acquire()).toBe(a);
    expect(created).toBe(2);
    expect(pool.acquire()).not.toBe(a);
    expect(created).toBe(3);
  });
});
