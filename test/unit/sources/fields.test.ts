import { describe, expect, it } from 'vitest';
import { keySuffix } from '../../../src/sources/fields.js';

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
