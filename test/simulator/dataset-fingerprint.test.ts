import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { demoDatasetOptions, generateDataset } from '../../src/simulator/index.js';

// The same seed and options give the same data set: the generators draw from labelled random
// streams in a fixed order, and renaming a label or reordering a draw changes every value after it.
// The demo's fingerprint at a fixed clock pins that; after an intended change of the data, put the
// new fingerprint here.
const NOW = Date.UTC(2026, 0, 15, 12);
const DEMO_FINGERPRINT = '2e7ccd45990a05cf4c86ed428c5e841687cfbec86dc0ae5fcc73a23da5bd7b4d';

describe('data set fingerprint', () => {
  it('generates the same demo data set as before for the same seed, options and clock', () => {
    const text = JSON.stringify(generateDataset({ ...demoDatasetOptions, now: NOW }));
    expect(createHash('sha256').update(text).digest('hex')).toBe(DEMO_FINGERPRINT);
  });
});
