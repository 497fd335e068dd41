import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../../src/atlas/client.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import type { Scope } from '../../../src/model/scope.js';
import type { SourceContext } from '../../../src/sources/source.js';
import { mapUserKeys, userKeys } from '../../../src/sources/user-keys.js';
import example from '../fixtures/atlas-user-keys.example.json' with { type: 'json' };
import { thrownBy } from '../../helpers/thrown.js';

const URL = 'https://cloud.mongodb.com/api/atlas/v1.0/users/5af9a1d29cc0cdb6ac0bf3f8/keys';

const key = (fields: Record<string, unknown>): Record<string, unknown> => ({
  id: '5af9a1d29cc0cdb6acdca6d5',
  createdAt: '2018-05-14T14:45:22Z',
  ...fields,
});

describe('mapUserKeys', () => {
  it("maps the vendor's own example", () => {
    expect(mapUserKeys(example.results, URL)).toStrictEqual([
      {
        id: '5af9a1d29cc0cdb6acdca6d5',
        description: 'Staging Application',
        suffix: 'eeae',
        createdAt: Date.parse('2018-05-14T14:45:22Z'),
        tracksUse: true,
        enabled: true,
        usedCount: 7,
        lastUsedAt: Date.parse('2018-05-14T14:45:23Z'),
      },
      {
        id: '5af9a1d29cc0cdb6acce1c30',
        description: 'Production Application',
        suffix: '8d30',
        createdAt: Date.parse('2017-02-02T21:35:06Z'),
        tracksUse: true,
        enabled: true,
        usedCount: 69,
        lastUsedAt: Date.parse('2018-05-14T14:45:47Z'),
      },
    ]);
  });

  it('reads createdAt as Unix milliseconds', () => {
    const [first] = mapUserKeys(example.results, URL);
    expect(first?.createdAt).toBe(1_526_309_122_000);
  });

  it('leaves lastUsedAt out when lastUsed is missing or null (never used)', () => {
    const [missing, nulled] = mapUserKeys([key({ usedCount: 0 }), key({ lastUsed: null, usedCount: 0 })], URL);
    expect(missing).not.toHaveProperty('lastUsedAt');
    expect(nulled).not.toHaveProperty('lastUsedAt');
    expect(missing?.usedCount).toBe(0);
  });

  it('keeps a disabled key disabled', () => {
    expect(mapUserKeys([key({ enabled: false })], URL)[0]?.enabled).toBe(false);
  });

  it('ignores unknown extra fields', () => {
    const [mapped] = mapUserKeys([key({ roles: [{ roleName: 'ORG_OWNER' }], newField: { nested: true }, description: 'd' })], URL);
    expect(mapped).toStrictEqual({ id: '5af9a1d29cc0cdb6acdca6d5', description: 'd', suffix: '', createdAt: Date.parse('2018-05-14T14:45:22Z'), tracksUse: true });
  });

  it('never keeps more than the last four visible characters of the key', () => {
    const [mapped] = mapUserKeys([key({ obfuscatedKey: '01234567-89ab-cdef-0123-456789abcdef' })], URL);
    expect(mapped?.suffix).toBe('cdef');
  });

  it('turns an epoch in seconds into milliseconds, and keeps milliseconds as they are', () => {
    const [seconds, ms] = mapUserKeys([key({ createdAt: 1_526_309_122, lastUsed: 1_526_309_123 }), key({ createdAt: 1_526_309_122_000 })], URL);
    expect(seconds?.createdAt).toBe(1_526_309_122_000);
    expect(seconds?.lastUsedAt).toBe(1_526_309_123_000);
    expect(ms?.createdAt).toBe(1_526_309_122_000);
  });

  it('accepts an ISO 8601 time with an offset and with milliseconds', () => {
    const [mapped] = mapUserKeys([key({ createdAt: '2018-05-14T16:45:22.500+02:00' })], URL);
    expect(mapped?.createdAt).toBe(Date.parse('2018-05-14T14:45:22.500Z'));
  });

  it('maps an empty page to no keys', () => {
    expect(mapUserKeys([], URL)).toStrictEqual([]);
  });

  it('maps a key that has nothing but its id (the page requires no field)', () => {
    expect(mapUserKeys([{ id: 'x' }], URL)).toStrictEqual([{ id: 'x', description: '', suffix: '', tracksUse: true }]);
  });

  it.each([
    ['usedCount of the wrong type', [key({}), key({ usedCount: '7' })], 'item 1: usedCount:'],
    ['a negative usedCount', [key({ usedCount: -1 })], 'item 0: usedCount:'],
    ['an unparsable createdAt', [key({ createdAt: 'yesterday' })], 'item 0: createdAt: not a timestamp: "yesterday"'],
    ['an unparsable lastUsed', [key({}), key({}), key({ lastUsed: 'yesterday' })], 'item 2: lastUsed: not a timestamp'],
    ['a missing id', [key({ id: undefined })], 'item 0: id:'],
    ['an empty id', [key({ id: '' })], 'item 0: id:'],
    ['enabled of the wrong type', [key({ enabled: 'true' })], 'item 0: enabled:'],
    ['an item that is not an object', [key({}), 'oops'], 'item 1:'],
  ])('schema drift: %s is an invalid_response naming item and field', (_name, items, expected) => {
    const error = thrownBy(() => mapUserKeys(items, URL), InvalidResponseError);
    expect(error.reason).toBe('invalid_response');
    expect(error.message).toContain(URL);
    expect(error.message).toContain(expected);
  });
});

describe('the user-keys source', () => {
  const BASE = 'https://cloud.mongodb.com/api/atlas/v1.0';
  const USER_ID = '5af9a1d29cc0cdb6ac0bf3f8';

  function setup(answers: Record<string, unknown>, userId?: string) {
    const requests: string[] = [];
    const answer = async (path: string) => {
      requests.push(path);
      const value = answers[path];
      if (value === undefined) throw new ApiError('GET', `${BASE}${path}`, 404, 'USER_NOT_FOUND');
      return value;
    };
    const client = { getJson: async (_credential: unknown, path: string) => answer(path), getAllPages: async (_credential: unknown, path: string) => answer(path) } as unknown as AtlasClient;
    const entry = { username: 'alice+ops@example.com', apiKey: 'secret', baseUrl: BASE, ...(userId ? { userId } : {}) };
    const [source] = userKeys.sourcesFrom({ users: [entry] } as never, []);
    const context = (cycle: number): SourceContext => ({ cycle, client, signal: new AbortController().signal, log: pino({ level: 'silent' }) });
    return { source: source!, context, requests };
  }

  it('resolves the user id by name once, and reads the keys by id', async () => {
    const { source, context, requests } = setup({ '/users/byName/alice%2Bops%40example.com': { id: USER_ID, username: 'alice+ops@example.com' }, [`/users/${USER_ID}/keys`]: [{ id: 'k1' }] });
    const scope = { kind: 'user', owner: 'user', id: USER_ID, name: 'alice+ops@example.com', credentialId: 'alice+ops@example.com@cloud.mongodb.com' };
    expect(await source.listScopes(context(1))).toEqual({ scopes: [scope], failed: [] });
    expect(await source.listScopes(context(2))).toEqual({ scopes: [scope], failed: [] });
    expect((await source.fetchKeys(scope as Scope, context(2))).map((key) => key.id)).toEqual(['k1']);
    expect(requests).toEqual(['/users/byName/alice%2Bops%40example.com', `/users/${USER_ID}/keys`]);
    expect(source.credential.id).toBe('alice+ops@example.com@cloud.mongodb.com');
  });

  it('asks nothing when the id is configured', async () => {
    const { source, context, requests } = setup({}, USER_ID);
    expect((await source.listScopes(context(1))).scopes.map((scope) => scope.id)).toEqual([USER_ID]);
    expect(requests).toEqual([]);
  });

  it('fails the user under its username while the name does not resolve, and tries again next cycle', async () => {
    const answers: Record<string, unknown> = {};
    const { source, context, requests } = setup(answers);
    const first = await source.listScopes(context(1));
    expect(first.scopes).toEqual([]);
    expect(first.failed).toEqual([
      {
        scope: { kind: 'user', owner: 'user', id: 'alice+ops@example.com', name: 'alice+ops@example.com', credentialId: 'alice+ops@example.com@cloud.mongodb.com' },
        failure: expect.objectContaining({ reason: 'not_found', status: 404 }),
      },
    ]);
    answers['/users/byName/alice%2Bops%40example.com'] = { username: 'no id here' };
    const second = await source.listScopes(context(2));
    expect(second.failed[0]?.failure).toMatchObject({ reason: 'invalid_response' });
    expect(second.failed[0]?.failure.message).toContain(`${BASE}/users/byName/alice%2Bops%40example.com`);
    expect(second.failed[0]?.failure.message).toContain('no user id in the answer');
    answers['/users/byName/alice%2Bops%40example.com'] = { id: USER_ID };
    expect((await source.listScopes(context(3))).scopes.map((scope) => scope.id)).toEqual([USER_ID]);
    expect(requests).toHaveLength(3);
  });

  it('leaves with the stop signal when stopped while resolving the name', async () => {
    const { source } = setup({});
    const stop = new AbortController();
    stop.abort(new Error('poller stopped'));
    const client = { getJson: async () => Promise.reject(new Error('poller stopped')) } as unknown as AtlasClient;
    await expect(source.listScopes({ cycle: 1, client, signal: stop.signal, log: pino({ level: 'silent' }) })).rejects.toThrow('poller stopped');
  });
});
