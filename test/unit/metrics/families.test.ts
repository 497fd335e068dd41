import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE, EXPORTER_FAMILIES, KEY_FAMILIES, SCOPE_FAMILIES, TRAIL_FAMILIES } from '../../../src/metrics/contract.js';
import { FAMILY_TABLE, KEYS, SCOPES, TRAILS } from '../../../src/metrics/families.js';
import { renderKeyExposition } from '../../../src/metrics/key-exposition.js';
import { FIXED_NOW, SNAPSHOT } from '../fixtures/key-snapshot.js';

const PER_SNAPSHOT = [...Object.values(KEY_FAMILIES), ...Object.values(SCOPE_FAMILIES), ...Object.values(TRAIL_FAMILIES), EXPORTER_FAMILIES.lastPoll];

describe('FAMILY_TABLE', () => {
  it('has one row for every per-key, per-scope and per-trail family of the contract, and the last poll time', () => {
    expect(FAMILY_TABLE.map((row) => row.family.name).sort()).toStrictEqual(PER_SNAPSHOT.map((family) => family.name).sort());
    for (const family of PER_SNAPSHOT) expect(FAMILY_TABLE.filter((row) => row.family === family)).toHaveLength(1);
  });

  it('renders every family of the table in the fixture snapshot, with its HELP, TYPE and at least one series', () => {
    const text = renderKeyExposition(SNAPSHOT, FIXED_NOW);
    for (const { family } of FAMILY_TABLE) {
      expect(text).toContain(`# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`);
      expect(text).toMatch(new RegExp(`^${family.name}[{ ]`, 'm'));
    }
  });

  it('draws the per-key families from the keys, the per-scope families from the scopes and the per-trail families from the trails', () => {
    for (const family of Object.values(KEY_FAMILIES)) expect(FAMILY_TABLE.find((row) => row.family === family)?.collection).toBe(KEYS);
    for (const family of Object.values(SCOPE_FAMILIES)) expect(FAMILY_TABLE.find((row) => row.family === family)?.collection).toBe(SCOPES);
    for (const family of Object.values(TRAIL_FAMILIES)) expect(FAMILY_TABLE.find((row) => row.family === family)?.collection).toBe(TRAILS);
  });

  it('computes exactly age and idle (time since) and expires_in (time until) at scrape time', () => {
    const atScrape = Object.fromEntries(FAMILY_TABLE.filter((row) => row.atScrape !== undefined).map((row) => [row.family.name, row.atScrape]));
    expect(atScrape).toStrictEqual({ [KEY_FAMILIES.age.name]: 'since', [KEY_FAMILIES.idle.name]: 'since', [KEY_FAMILIES.expiresIn.name]: 'until' });
  });
});

describe('CONTENT_TYPE', () => {
  it('is the Prometheus text format 0.0.4 in UTF-8', () => {
    expect(CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
