import { describe, expect, it } from 'vitest';
import { parseDuration, parseGoDuration } from '../../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    [300, 300_000],
    [0, 0],
    [1.5, 1_500],
    ['300', 300_000],
    [' 300 ', 300_000],
    ['2.5', 2_500],
    ['300s', 300_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1s500ms', 1_500],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
  ] as const)('%j is %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'abc',
    '5x',
    '5 m',
    '5 minutes',
    'm',
    '-5',
    '-5m',
    '1h30',
    '1.2.3s',
    // Go takes an amount that ends in its decimal point; the config file does not.
    '1.s',
    '5M',
    '1y',
  ])('rejects the string %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['1s', 1_000],
    ['100ms', 100],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['250us', 0.25],
    ['2µs', 0.002],
    ['2.s', 2_000],
    ['1h1ms1ns', 3_600_001.000001],
  ])('%s → %d ms', (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it.each(['', '1', '1d', '-1s', 's', '1 s'])('rejects %j', (text) => expect(parseGoDuration(text)).toBeUndefined());
});
