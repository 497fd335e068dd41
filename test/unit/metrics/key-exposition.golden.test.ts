// Golden-file test: the key and scope series of the literal snapshot in ../fixtures/key-snapshot.ts, as a
// scrape at FIXED_NOW writes them (the production byte path), compared byte for byte with
// ../fixtures/key-exposition.golden.txt.
//
// To rewrite the golden file after an intended change of the output, run
//   UPDATE_GOLDEN=1 npx vitest run test/unit/metrics/key-exposition.golden.test.ts
// then read the diff (git diff test/unit/fixtures/key-exposition.golden.txt) before committing it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderKeyExposition } from '../../../src/metrics/key-exposition.js';
import { FIXED_NOW, SNAPSHOT } from '../fixtures/key-snapshot.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/key-exposition.golden.txt', import.meta.url));

describe('key exposition golden file', () => {
  it('renders the fixed snapshot at the fixed clock exactly as the golden file', () => {
    const actual = renderKeyExposition(SNAPSHOT, FIXED_NOW);
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(GOLDEN, actual);
      return;
    }
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
