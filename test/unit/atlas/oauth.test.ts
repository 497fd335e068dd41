import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Credential } from '../../../src/atlas/credential.js';
import { FileSecret } from '../../../src/config/secret.js';
import { HttpResponse, type HttpRequest } from '../../../src/atlas/http-transport.js';
import { BearerSession, TokenSource, revokeUrlOf } from '../../../src/atlas/oauth.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';

const credential = new Credential('mdb_sa_id_1', 'sa-secret', 'https://cloud.mongodb.com/api/atlas/v2', { tokenUrl: 'https://cloud.mongodb.com/api/oauth/token' });
const json = (status: number, body: unknown) => new HttpResponse(status, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
const signal = new AbortController().signal;

/** A token endpoint that counts its calls and hands out token-1, token-2, … */
function tokenEndpoint(expiresIn = 3600) {
  const calls: { url: string; init: HttpRequest }[] = [];
  const transport = async (url: string, init: HttpRequest) => {
    calls.push({ url, init });
    await new Promise((resolve) => setTimeout(resolve, 5));
    return json(200, { access_token: `token-${calls.length}`, expires_in: expiresIn, token_type: 'Bearer' });
  };
  return { calls, transport };
}

describe('TokenSource', () => {
  it('asks once for many concurrent callers, with client credentials in Basic auth', async () => {
    const { calls, transport } = tokenEndpoint();
    const tokens = new TokenSource(credential, transport);
    const got = await Promise.all(Array.from({ length: 10 }, () => tokens.token(signal)));
    expect(new Set(got)).toEqual(new Set(['token-1']));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.body).toBe('grant_type=client_credentials');
    expect(calls[0]?.init.headers?.Authorization).toBe(`Basic ${Buffer.from('mdb_sa_id_1:sa-secret').toString('base64')}`);
  });

  it('refreshes a minute before expiry, and after invalidate()', async () => {
    let now = 0;
    const { calls, transport } = tokenEndpoint(3600);
    const tokens = new TokenSource(credential, transport, { now: () => now });
    expect(await tokens.token(signal)).toBe('token-1');
    now = 3_539_000;
    expect(await tokens.token(signal)).toBe('token-1');
    now = 3_541_000;
    expect(await tokens.token(signal)).toBe('token-2');
    tokens.invalidate('token-1');
    expect(await tokens.token(signal)).toBe('token-2');
    tokens.invalidate('token-2');
    expect(await tokens.token(signal)).toBe('token-3');
    expect(calls).toHaveLength(3);
  });

  it('fails with unauthorized for a wrong client, and revokes at the revoke URL', async () => {
    const refused = new TokenSource(credential, async () => json(401, { error: 'invalid_client' }));
    const error = await refused.token(signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).reason).toBe('unauthorized');
    const { calls, transport } = tokenEndpoint();
    const tokens = new TokenSource(credential, transport);
    await tokens.token(signal);
    await tokens.revoke(signal);
    expect(calls[1]?.url).toBe('https://cloud.mongodb.com/api/oauth/revoke');
    expect(calls[1]?.init.body).toBe('token=token-1&token_type_hint=access_token');
    expect(revokeUrlOf('https://h/api/oauth/token')).toBe('https://h/api/oauth/revoke');
  });
});

describe('TokenSource after the secret file changed', () => {
  it('fetches the next token with the new secret, and revokes the old token with it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'apikey-oauth-'));
    try {
      await writeFile(join(folder, 'secret'), 'old-secret');
      const secret = (await FileSecret.read('clientSecret', join(folder, 'secret'))) as FileSecret;
      const rotating = new Credential('mdb_sa_id_1', secret, 'https://cloud.mongodb.com/api/atlas/v2', { tokenUrl: 'https://cloud.mongodb.com/api/oauth/token' });
      const { calls, transport } = tokenEndpoint();
      const tokens = new TokenSource(rotating, transport);
      expect(await tokens.token(signal)).toBe('token-1');
      await writeFile(join(folder, 'secret'), 'new-secret');
      expect(await secret.reread()).toEqual({ ok: true, changed: true });
      expect(await tokens.token(signal)).toBe('token-3');
      const basic = (value: string) => `Basic ${Buffer.from(`mdb_sa_id_1:${value}`).toString('base64')}`;
      const revoke = calls.find((call) => call.url.endsWith('/revoke'));
      expect(revoke?.init.body).toBe('token=token-1&token_type_hint=access_token');
      expect(revoke?.init.headers?.Authorization).toBe(basic('new-secret'));
      expect(calls.filter((call) => call.url.endsWith('/token')).map((call) => call.init.headers?.Authorization)).toEqual([basic('old-secret'), basic('new-secret')]);
      expect(await tokens.token(signal)).toBe('token-3');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('BearerSession', () => {
  it('retries a 401 once with a fresh token', async () => {
    const { transport: tokenTransport } = tokenEndpoint();
    const seen: string[] = [];
    const transport = async (url: string, init: HttpRequest) => {
      if (url.endsWith('/token')) return tokenTransport(url, init);
      seen.push(String(init.headers?.Authorization));
      return seen.length === 1 ? json(401, { errorCode: 'UNAUTHORIZED' }) : json(200, []);
    };
    const session = new BearerSession(new TokenSource(credential, transport), transport);
    const response = await session.get('https://cloud.mongodb.com/api/atlas/v2/orgs', { headers: { Accept: 'x' }, signal });
    expect(response.status).toBe(200);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
  });
});

describe('TokenSource edges', () => {
  const text = (status: number, body: string, headers: Record<string, string> = {}) => new HttpResponse(status, headers, Buffer.from(body));

  it('refreshes at half the lifetime of a token that lives less than two minutes, and exactly at refreshAt', async () => {
    let now = 0;
    const { calls, transport } = tokenEndpoint(100);
    const tokens = new TokenSource(credential, transport, { now: () => now });
    await tokens.token(signal);
    now = 49_999;
    expect(await tokens.token(signal)).toBe('token-1');
    now = 50_000;
    expect(await tokens.token(signal)).toBe('token-2');
    expect(calls).toHaveLength(2);
  });

  it('posts a form and asks for JSON', async () => {
    const { calls, transport } = tokenEndpoint();
    await new TokenSource(credential, transport).token(signal);
    expect(calls[0]?.url).toBe('https://cloud.mongodb.com/api/oauth/token');
    expect(calls[0]?.init.headers).toMatchObject({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' });
    expect(calls[0]?.init.signal).toBe(signal);
  });

  it('rejects a token answer that is not JSON or lacks a Bearer token, and asks again after a failure', async () => {
    const answers = [
      text(200, 'not json'),
      json(200, { expires_in: 3600, token_type: 'Bearer' }),
      json(200, { access_token: '', expires_in: 3600, token_type: 'Bearer' }),
      json(200, { access_token: 't', expires_in: 0, token_type: 'Bearer' }),
      json(200, { access_token: 't', expires_in: 3600, token_type: 'mac' }),
      json(200, { access_token: 't', expires_in: 3600, token_type: 'xbearer' }),
      json(200, { access_token: 't', expires_in: 3600, token_type: 'Bearerx' }),
      json(503, { error: 'down' }),
      json(200, { access_token: 'good', expires_in: 3600, token_type: 'bearer' }),
    ];
    const tokens = new TokenSource(credential, async () => answers.shift()!);
    const failures: unknown[] = [];
    for (let attempt = 0; attempt < 8; attempt++) failures.push(await tokens.token(signal).catch((caught: unknown) => caught));
    expect((failures[0] as InvalidResponseError).message).toContain('token response is not JSON');
    for (const failure of failures.slice(1, 7)) {
      expect(failure).toBeInstanceOf(InvalidResponseError);
      expect((failure as Error).message).toContain('token response lacks access_token, expires_in or a Bearer token_type');
    }
    expect(failures[7]).toBeInstanceOf(ApiError);
    expect((failures[7] as ApiError).status).toBe(503);
    expect(await tokens.token(signal)).toBe('good');
  });

  it('revokes nothing without a token, reads the answer, fails on a refused revocation, and forgets the token', async () => {
    const calls: string[] = [];
    let read = 0;
    let status = 200;
    const transport = async (url: string) => {
      calls.push(url);
      if (url.endsWith('/token')) return json(200, { access_token: `token-${calls.length}`, expires_in: 3600, token_type: 'Bearer' });
      const answer = text(status, '');
      const arrayBuffer = answer.arrayBuffer.bind(answer);
      answer.arrayBuffer = () => {
        read++;
        return arrayBuffer();
      };
      return answer;
    };
    const tokens = new TokenSource(credential, transport);
    await tokens.revoke(new AbortController().signal);
    expect(calls).toEqual([]);
    await tokens.token(signal);
    status = 400;
    const refused = await tokens.revoke(new AbortController().signal).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(400);
    expect((refused as ApiError).message).toContain('POST');
    expect(read).toBe(1);
    await tokens.revoke(new AbortController().signal);
    expect(calls).toEqual(['https://cloud.mongodb.com/api/oauth/token', 'https://cloud.mongodb.com/api/oauth/revoke']);
    expect(await tokens.token(signal)).toBe('token-3');
  });

  it('takes an invalidation with no token cached', () => {
    const { transport } = tokenEndpoint();
    expect(() => new TokenSource(credential, transport).invalidate('token-1')).not.toThrow();
  });

  it('refuses a credential without a token URL', async () => {
    const digest = new Credential('pub', 'secret', 'https://cloud.mongodb.com/api/atlas/v2');
    const error = await new TokenSource(digest, async () => json(200, {})).token(signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('pub@cloud.mongodb.com is not an OAuth credential');
  });

  it('turns only the final /token of the URL into /revoke', () => {
    expect(revokeUrlOf('https://h/token-service/oauth/token')).toBe('https://h/token-service/oauth/revoke');
    expect(revokeUrlOf('https://h/oauth/tokens')).toBe('https://h/oauth/tokens');
  });
});

describe('BearerSession edges', () => {
  it('sends one request when the token is accepted, with the caller’s headers and a signal of its own', async () => {
    const { calls, transport: tokenTransport } = tokenEndpoint();
    const sent: HttpRequest[] = [];
    const transport = async (url: string, init: HttpRequest) => {
      if (url.endsWith('/token')) return tokenTransport(url, init);
      sent.push(init);
      return json(200, []);
    };
    const session = new BearerSession(new TokenSource(credential, transport), transport);
    expect((await session.get('https://cloud.mongodb.com/api/atlas/v2/orgs', { headers: { Accept: 'x' } })).status).toBe(200);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers).toEqual({ Accept: 'x', Authorization: 'Bearer token-1' });
    expect(calls[0]?.init.signal).toBeDefined();
    expect(calls[0]?.init.signal?.aborted).toBe(false);
  });

  it('tries a fresh token once: a second 401 is the answer', async () => {
    const { calls, transport: tokenTransport } = tokenEndpoint();
    const seen: string[] = [];
    const transport = async (url: string, init: HttpRequest) => {
      if (url.endsWith('/token')) return tokenTransport(url, init);
      seen.push(String(init.headers?.Authorization));
      return json(401, { errorCode: 'UNAUTHORIZED' });
    };
    const session = new BearerSession(new TokenSource(credential, transport), transport);
    expect((await session.get('https://cloud.mongodb.com/api/atlas/v2/orgs', { signal })).status).toBe(401);
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(calls).toHaveLength(2);
  });
});
