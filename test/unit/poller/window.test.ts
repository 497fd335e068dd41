import { describe, expect, it } from 'vitest';
import { mapInWindow } from '../../../src/poller/window.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapInWindow', () => {
  it('keeps the order of the items, runs at most `width` at a time, and starts each task only when a place is free', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapInWindow([5, 1, 4, 2, 3, 0, 6], 3, async (item) => {
      started.push(item);
      running++;
      most = Math.max(most, running);
      for (let wait = 0; wait < item; wait++) await tick();
      running--;
      return item * 10;
    });
    expect(results).toStrictEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
    expect(started).toStrictEqual([5, 1, 4, 2, 3, 0, 6]);
  });

  it('has created no more than `width` tasks before the first one ends', async () => {
    let created = 0;
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const all = mapInWindow(Array.from({ length: 1000 }, (_, index) => index), 4, async (item) => {
      created++;
      await gate;
      return item;
    });
    await tick();
    expect(created).toBe(4);
    release();
    expect(await all).toHaveLength(1000);
    expect(created).toBe(1000);
  });

  it('rejects with the first failure', async () => {
    await expect(mapInWindow([1, 2, 3], 2, async (item) => (item === 2 ? Promise.reject(new Error('two')) : item))).rejects.toThrow('two');
  });

  it('handles an empty list', async () => {
    expect(await mapInWindow([], 4, async () => 1)).toStrictEqual([]);
  });
});
