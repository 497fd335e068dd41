import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { mapUserKeys } from '../../../src/sources/user-keys.js';
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
