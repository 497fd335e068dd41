import { describe, expect, it } from 'vitest';
import { parseIsoDate } from '../../src/simulator/routes/events.js';

describe('parseIsoDate (minDate, maxDate)', () => {
  it.each([
    ['2025-01-01', Date.UTC(2025, 0, 1)],
    ['2025-01-01T10:20', Date.UTC(2025, 0, 1, 10, 20)],
    ['2025-01-01T10:20:30', Date.UTC(2025, 0, 1, 10, 20, 30)],
    ['2025-01-01T10:20:30Z', Date.UTC(2025, 0, 1, 10, 20, 30)],
    ['2025-01-01T10:20:30.5Z', Date.UTC(2025, 0, 1, 10, 20, 30, 500)],
    ['2025-01-01T10:20:30.123456789Z', Date.UTC(2025, 0, 1, 10, 20, 30, 123)],
    ['2025-01-01T11:20:30+01:00', Date.UTC(2025, 0, 1, 10, 20, 30)],
    ['2025-01-01T09:20:30-0100', Date.UTC(2025, 0, 1, 10, 20, 30)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('reads %s', (text, ms) => {
    expect(parseIsoDate(text)).toBe(ms);
  });

  it.each(['', 'now', '2025-1-1', '2025-02-29', '2025-04-31T00:00:00Z', '2025-01-01T25:00:00Z', '2025-01-01Z', '2025-01-01 10:20:30', '1735689600'])('refuses %j', (text) => {
    expect(parseIsoDate(text)).toBeUndefined();
  });
});
