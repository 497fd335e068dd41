import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../src/model/api-key.js';
import { equalData, keepUnchanged } from '../../../src/poller/unchanged.js';

const key = (id: string, extra: Partial<ApiKey> = {}): ApiKey => ({ id, description: `key ${id}`, suffix: id.slice(-4), createdAt: 1_700_000_000_000, ...extra });

describe('keepUnchanged', () => {
  it('returns the last array itself when nothing changed', () => {
    const previous = [key('a1'), key('b2', { roles: [{ name: 'ORG_OWNER', orgId: 'o1' }] })];
    const fetched = [key('a1'), key('b2', { roles: [{ name: 'ORG_OWNER', orgId: 'o1' }] })];
    expect(keepUnchanged(previous, fetched)).toBe(previous);
  });

  it('keeps the old object for each unchanged key and the new one for each changed key', () => {
    const previous = [key('a1'), key('b2', { usedCount: 1 })];
    const fetched = [key('a1'), key('b2', { usedCount: 2 })];
    const kept = keepUnchanged(previous, fetched);
    expect(kept).not.toBe(previous);
    expect(kept[0]).toBe(previous[0]);
    expect(kept[1]).toBe(fetched[1]);
  });

  it('matches keys by id when the order changes, and keeps the new order', () => {
    const previous = [key('a1'), key('b2'), key('c3')];
    const kept = keepUnchanged(previous, [key('c3'), key('a1')]);
    expect(kept).toHaveLength(2);
    expect(kept[0]).toBe(previous[2]);
    expect(kept[1]).toBe(previous[0]);
  });

  it('returns the keys in their new order when the same keys come back reordered', () => {
    const previous = [key('a1'), key('b2')];
    const kept = keepUnchanged(previous, [key('b2'), key('a1')]);
    expect(kept).not.toBe(previous);
    expect(kept[0]).toBe(previous[1]);
    expect(kept[1]).toBe(previous[0]);
  });

  it('takes a key added at the end of the list as it is', () => {
    const previous = [key('a1')];
    const fetched = [key('a1'), key('b2')];
    const kept = keepUnchanged(previous, fetched);
    expect(kept[0]).toBe(previous[0]);
    expect(kept[1]).toBe(fetched[1]);
  });

  it('takes the fetched keys as they are without a last list', () => {
    const fetched = [key('a1')];
    expect(keepUnchanged(undefined, fetched)).toBe(fetched);
    expect(keepUnchanged([], fetched)).toBe(fetched);
    expect(keepUnchanged([key('a1')], [])).toStrictEqual([]);
  });
});

describe('equalData', () => {
  it.each([
    [{ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: 1 }, { a: 1, b: 0 }, false],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: [1] }, { a: { 0: 1 } }, false],
    [{ a: null }, { a: undefined }, false],
    [1, 1, true],
    ['1', 1, false],
    [1, {}, false],
    [null, {}, false],
    [{ a: [1] }, { a: [1, 2] }, false],
    [{ a: [1, 2] }, { a: [1, 3] }, false],
  ])('%j vs %j → %s', (a, b, equal) => {
    expect(equalData(a, b)).toBe(equal);
    expect(equalData(b, a)).toBe(equal);
  });
});
