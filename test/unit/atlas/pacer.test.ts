import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pacer, sleep } from '../../../src/atlas/pacer.js';

describe('Pacer pauses', () => {
  it('knows no pause until one is set, and then per credential', () => {
    const pacer = new Pacer(undefined);
    expect(pacer.pausedUntil('a')).toBe(0);
    pacer.pause('a', 5_000);
    expect(pacer.pausedUntil('a')).toBe(5_000);
    expect(pacer.pausedUntil('b')).toBe(0);
  });

  it('only ever extends a pause: a shorter Retry-After never ends an earlier, longer one', () => {
    const pacer = new Pacer(undefined);
    pacer.pause('a', 9_000);
    pacer.pause('a', 4_000);
    expect(pacer.pausedUntil('a')).toBe(9_000);
    pacer.pause('a', 12_000);
    expect(pacer.pausedUntil('a')).toBe(12_000);
  });
});

describe('Pacer.wait', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The times (ms after the start) at which each of `count` concurrent waits of `credentialId` ends. */
  async function endTimes(pacer: Pacer, credentialIds: readonly string[], signal = new AbortController().signal): Promise<number[]> {
    const start = Date.now();
    const ended: number[] = [];
    const waits = credentialIds.map((id, index) => pacer.wait(id, signal).then(() => (ended[index] = Date.now() - start)));
    await vi.advanceTimersByTimeAsync(10_000);
    await Promise.all(waits);
    return ended;
  }

  it('spaces requests across credentials to maxRequestsPerSecond', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    expect(await endTimes(new Pacer(10), ['a', 'b', 'a', 'c'])).toEqual([0, 100, 200, 300]);
    expect(await endTimes(new Pacer(4), ['a', 'a'])).toEqual([0, 250]);
  });

  it('lets every request through at once without a rate', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    expect(await endTimes(new Pacer(undefined), ['a', 'a', 'a'])).toEqual([0, 0, 0]);
  });

  it('gives a slot left unused back to no one: a request after a quiet spell goes at once', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const pacer = new Pacer(10);
    await endTimes(pacer, ['a']);
    expect(await endTimes(pacer, ['a', 'a'])).toEqual([0, 100]);
  });

  it('holds a paused credential until its pause ends, and no other', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const pacer = new Pacer(undefined);
    pacer.pause('a', Date.now() + 1_500);
    expect(await endTimes(pacer, ['a', 'b'])).toEqual([1_500, 0]);
    expect(await endTimes(pacer, ['a'])).toEqual([0]);
  });

  it('ends a wait with the reason of its signal', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const pacer = new Pacer(undefined);
    pacer.pause('a', Date.now() + 60_000);
    const stop = new AbortController();
    const waiting = pacer.wait('a', stop.signal).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    stop.abort(new Error('poller stopped'));
    expect(((await waiting) as Error).message).toBe('poller stopped');
  });
});

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the time and leaves no listener on the signal', async () => {
    vi.useFakeTimers();
    const signal = new AbortController().signal;
    let done = false;
    const sleeping = sleep(500, signal).then(() => (done = true));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(done).toBe(true);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason of a signal aborted before or during the sleep, and stops its timer', async () => {
    vi.useFakeTimers();
    const before = new AbortController();
    before.abort(new Error('stopped before'));
    await expect(sleep(500, before.signal)).rejects.toThrow('stopped before');
    expect(vi.getTimerCount()).toBe(0);
    const during = new AbortController();
    const sleeping = sleep(500, during.signal);
    during.abort(new Error('stopped during'));
    await expect(sleeping).rejects.toThrow('stopped during');
    expect(vi.getTimerCount()).toBe(0);
  });
});
