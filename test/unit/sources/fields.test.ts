import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { keySuffix, mapItems, timestamp } from '../../../src/sources/fields.js';
import { thrownBy } from '../../helpers/thrown.js';

describe('keySuffix', () => {
  it('is the last four characters when the mask ends in four letters or digits', () => {
    expect(keySuffix('********-****-****-db2c132ca78d')).toBe('a78d');
    expect(keySuffix('****************************8b87')).toBe('8b87');
    expect(keySuffix('mdb_sa_sk_…9f3c')).toBe('9f3c');
    expect(keySuffix('mdb_sa_sk_...11aa')).toBe('11aa');
  });

  it('is empty when the mask does not end in four visible characters', () => {
    // The document's own example of a service-account secret's mask.
    expect(keySuffix('mdb_sa_sk_...')).toBe('');
    expect(keySuffix('mdb_sa_sk_****')).toBe('');
    expect(keySuffix('********-****-****-**2c')).toBe('');
    expect(keySuffix('abc')).toBe('');
    expect(keySuffix('')).toBe('');
    expect(keySuffix(null)).toBe('');
    expect(keySuffix(undefined)).toBe('');
  });
});

describe('timestamp', () => {
  const read = (value: unknown) => timestamp.safeParse(value);

  it('reads ISO 8601 text as UTC unless it names its offset', () => {
    expect(read('2025-03-01T10:00:00Z').data).toBe(Date.UTC(2025, 2, 1, 10));
    expect(read('2025-03-01T10:00:00.250Z').data).toBe(Date.UTC(2025, 2, 1, 10) + 250);
    expect(read('2025-03-01T10:00:00').data).toBe(Date.UTC(2025, 2, 1, 10));
    expect(read('2025-03-01T10:00').data).toBe(Date.UTC(2025, 2, 1, 10));
    expect(read('2025-03-01T10:00:00+02:00').data).toBe(Date.UTC(2025, 2, 1, 8));
    expect(read('2025-03-01T10:00:00-0130').data).toBe(Date.UTC(2025, 2, 1, 11, 30));
    expect(read('2025-03-01T10:00:00z').data).toBe(Date.UTC(2025, 2, 1, 10));
  });

  it('reads an epoch number as milliseconds from 100,000,000,000 on, and as seconds below', () => {
    expect(read(1_700_000_000_000).data).toBe(1_700_000_000_000);
    expect(read(100_000_000_000).data).toBe(100_000_000_000);
    expect(read(99_999_999_999).data).toBe(99_999_999_999_000);
    expect(read(1_700_000_000).data).toBe(1_700_000_000_000);
    expect(read(0).data).toBe(0);
  });

  it('refuses what is not a time, naming the value', () => {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY, 'yesterday', '2025-03-01', ' 2025-03-01T10:00:00Z', '2025-13-45T99:99:00Z', true, null]) {
      expect(read(value).success, String(value)).toBe(false);
    }
    expect(read('yesterday').error?.issues[0]?.message).toBe('not a timestamp: "yesterday"');
    expect(read(-5).error?.issues[0]?.message).toBe('not a timestamp: -5');
    expect(read('x'.repeat(80)).error?.issues[0]?.message).toBe(`not a timestamp: "${'x'.repeat(39)}`);
  });
});

describe('mapItems and describeIssue', () => {
  const schema = z.looseObject({ id: z.string(), nested: z.looseObject({ when: timestamp }).optional() });
  const URL_ = 'https://cloud.mongodb.com/api/atlas/v2/orgs';

  it('parses every item, or fails the list on the first it cannot read, naming its index and field', () => {
    expect(mapItems([{ id: 'a' }, { id: 'b', extra: 1 }], schema, URL_)).toEqual([{ id: 'a' }, { id: 'b', extra: 1 }]);
    const error = thrownBy(() => mapItems([{ id: 'a' }, { id: 'b', nested: { when: 'soon' } }, { id: 3 }], schema, URL_), InvalidResponseError);
    expect(error.message).toContain(URL_);
    expect(error.message).toContain('item 1: nested.when: not a timestamp: "soon"');
  });

  it('names the item itself when the item is not an object', () => {
    const error = thrownBy(() => mapItems(['text'], schema, URL_), InvalidResponseError);
    expect(error.message).toMatch(/item 0: \(item\): /);
  });
});
