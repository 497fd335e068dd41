import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../src/model/api-key.js';
import { withAccountAccessLists } from '../../../src/sources/service-accounts.js';

describe('withAccountAccessLists', () => {
  const secret = (id: string, clientId: string): ApiKey => ({ id, description: '', suffix: '', tracksUse: true, clientId });
  const open = { entries: 1, unrestricted: true, shown: [{ address: '0.0.0.0/0' }] };

  it("gives every secret its account's list, and leaves secrets of accounts whose list was not read alone", () => {
    const keys = withAccountAccessLists([secret('s1', 'a'), secret('s2', 'a'), secret('s3', 'b')], new Map([['a', open]]));
    expect(keys.map((key) => key.accessList)).toEqual([open, open, undefined]);
    expect(keys[2]).toStrictEqual(secret('s3', 'b'));
  });
});
