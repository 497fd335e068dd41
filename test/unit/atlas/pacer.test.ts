import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/atlas/pacer.js';

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
