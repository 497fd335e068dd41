import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GOLDEN, goldenExporter, normalised } from '../fixtures/golden-cycle.js';
import { FIXED_NOW } from '../fixtures/key-snapshot.js';

/** The whole body of one scrape at the fixture's clock, straight from the exposition (no HTTP). */
async function body(gzipped: boolean): Promise<string> {
  const { exposition } = goldenExporter();
  const chunks: Buffer[] = [];
  // Copied: a slab goes back to the pool once the scrape has ended.
  for await (const chunk of exposition.chunks(FIXED_NOW, gzipped, Promise.resolve())) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  return (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
}

// The golden file of test/golden, checked here in process: the unit tests see every family, HELP
// text, label and value of the exposition and of the exporter's own metrics.
describe('the exposition of the golden snapshot', () => {
  it('is the golden file, byte for byte', async () => {
    expect(normalised(await body(false))).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('is the golden file gzipped, as a series of gzip members', async () => {
    expect(normalised(await body(true))).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
