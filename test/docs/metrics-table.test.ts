/**
 * The README's table of metrics against src/metrics/contract.ts: each family of the contract has
 * a row, with its type, and the table names no family the contract does not have.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPORTER_FAMILIES, KEY_FAMILIES, SCOPE_FAMILIES, TRAIL_FAMILIES, type Family } from '../../src/metrics/contract.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const section = readme.slice(readme.indexOf('\n## Metrics\n'), readme.indexOf('\n## ', readme.indexOf('\n## Metrics\n') + 1));
/** Each row's metric names (a row may name two) and its type column. */
const rows = section
  .split('\n')
  .filter((line) => line.startsWith('| `mongodb_apikey_'))
  .map((line) => {
    const [names = '', type = ''] = line.split('|').slice(1, 3);
    return { names: [...names.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!), type: type.trim() };
  });
const families: Family[] = [KEY_FAMILIES, SCOPE_FAMILIES, TRAIL_FAMILIES, EXPORTER_FAMILIES].flatMap((group) => Object.values(group) as Family[]);

describe("the README's metrics table", () => {
  it('has rows', () => {
    expect(rows.length).toBeGreaterThan(10);
  });

  it.each(families.map((family) => [family.name, family] as const))('has a row for %s, of its type', (name, family) => {
    const row = rows.find((candidate) => candidate.names.includes(name));
    expect(row, name).toBeDefined();
    expect(row!.type.split(' ')[0]).toBe(family.type);
  });

  it('names no metric the contract does not have', () => {
    const known = new Set(families.map((family) => family.name));
    expect(rows.flatMap((row) => row.names).filter((name) => !known.has(name))).toStrictEqual([]);
  });
});
