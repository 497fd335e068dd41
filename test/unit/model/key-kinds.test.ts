import { describe, expect, it } from 'vitest';
import { KEY_KIND_LABELS, KEY_KINDS } from '../../../src/model/api-key.js';

describe('KEY_KINDS', () => {
  it('gives every kind a label of its own, and labels nothing else', () => {
    for (const kind of KEY_KINDS) expect(KEY_KIND_LABELS[kind], kind).toMatch(/\S/);
    expect(new Set(KEY_KINDS.map((kind) => KEY_KIND_LABELS[kind])).size).toBe(KEY_KINDS.length);
    expect(Object.keys(KEY_KIND_LABELS).sort()).toEqual([...KEY_KINDS].sort());
  });
});
