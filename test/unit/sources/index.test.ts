import { describe, expect, it } from 'vitest';
import { KEY_KINDS } from '../../../src/model/api-key.js';
import { KEY_SOURCES } from '../../../src/sources/index.js';

describe('KEY_SOURCES', () => {
  it('registers one source for every kind, under its own name, and nothing else', () => {
    for (const kind of KEY_KINDS) expect(KEY_SOURCES[kind]?.kind, kind).toBe(kind);
    expect(Object.keys(KEY_SOURCES).sort()).toEqual([...KEY_KINDS].sort());
  });
});
