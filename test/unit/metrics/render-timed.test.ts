import { describe, expect, it } from 'vitest';
import { KEY_FAMILIES } from '../../../src/metrics/contract.js';
import { buildKeyExpositionBytes, buildKeyExpositionBytesAsync, renderTimed, type TimedBytes } from '../../../src/metrics/key-exposition.js';
import { FIXED_NOW, SNAPSHOT } from '../fixtures/key-snapshot.js';

const NOW = 1_748_779_200_000;

/** A scrape-time family of one series `s<i> ` per value, all in one chunk, counting from (or down to) `since`. */
function timedOf(since: readonly number[], countdown: boolean): TimedBytes {
  const names = since.map((_, index) => `s${index} `);
  let end = 0;
  return {
    family: KEY_FAMILIES.age,
    header: Buffer.from(''),
    labels: [Buffer.from(names.join(''))],
    firsts: Uint32Array.from([0]),
    ends: Uint32Array.from(names.map((name) => (end += name.length))),
    since: Float64Array.from(since),
    countdown,
  };
}

const values = (timed: TimedBytes, nowMs: number): string[] =>
  Buffer.concat([...renderTimed(timed, nowMs, () => Buffer.alloc(1 << 16))])
    .toString('latin1')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(line.indexOf(' ') + 1));

/** Milliseconds whose seconds are written by every branch of the fast path and the slow one (1e24: String() writes an exponent). */
const ELAPSED = [
  0, 1, 5, 9, 10, 11, 50, 99, 100, 101, 110, 120, 250, 500, 999, 1000, 1001, 1009, 1010, 1099, 1100, 1234, 9999, 10_000, 10_001, 59_999, 86_400_000, 86_400_007,
  1_000_000_000, 262_707_894_000, 2 ** 43 - 1, 2 ** 43, 2 ** 43 + 1, 2 ** 53, 1e21, 1e24, 0.5, 1.5, 999.999, 1000.25, 12_345.678,
];

describe('renderTimed', () => {
  it('writes the seconds since each start as String(ms / 1000) would', () => {
    const elapsed = [...ELAPSED, ...ELAPSED.map((ms) => -ms).filter((ms) => ms !== 0)];
    const timed = timedOf(elapsed.map((ms) => NOW - ms), false);
    expect(values(timed, NOW)).toStrictEqual(elapsed.map((ms) => String((NOW - (NOW - ms)) / 1000)));
  });

  it('writes the seconds until each end, negative once passed, for a countdown', () => {
    const left = [...ELAPSED, ...ELAPSED.map((ms) => -ms).filter((ms) => ms !== 0)];
    const timed = timedOf(left.map((ms) => NOW + ms), true);
    expect(values(timed, NOW)).toStrictEqual(left.map((ms) => String((NOW + ms - NOW) / 1000)));
  });

  it('writes exactly the limits of the fast path', () => {
    const limit = 2 ** 43;
    const timed = timedOf([0, 1, -1, 2, -2].flatMap((offset) => [limit + offset, -limit + offset]), false);
    expect(values(timed, 0)).toStrictEqual([0, 1, -1, 2, -2].flatMap((offset) => [String(-(limit + offset) / 1000), String((limit - offset) / 1000)]));
  });

  it('writes nothing for a family of no series', () => {
    const timed = { ...timedOf([], false), labels: [] };
    expect([...renderTimed(timed, NOW, () => Buffer.alloc(64))]).toStrictEqual([]);
  });
});

describe('buildKeyExpositionBytesAsync', () => {
  it('renders what buildKeyExpositionBytes renders, also when it gives the event loop a turn after every step', async () => {
    const text = (bytes: Awaited<ReturnType<typeof buildKeyExpositionBytesAsync>>) =>
      Buffer.concat([...bytes.fixed, ...bytes.timed.flatMap((family) => [family.header, ...renderTimed(family, FIXED_NOW, () => Buffer.alloc(4096))])]).toString();
    const expected = text(buildKeyExpositionBytes(SNAPSHOT));
    for (const sliceMs of [10, 0, -1]) expect(text(await buildKeyExpositionBytesAsync(SNAPSHOT, undefined, undefined, sliceMs))).toBe(expected);
  });
});
