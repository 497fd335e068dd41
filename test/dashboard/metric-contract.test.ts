/** The contract copy the dashboard and rule tests check against names every family the exporter defines, with its type. */
import { describe, expect, it } from 'vitest';
import { EXPORTER_FAMILIES, KEY_FAMILIES, SCOPE_FAMILIES } from '../../src/metrics/contract.js';
import contract from './metric-contract.json' with { type: 'json' };

describe('test/dashboard/metric-contract.json', () => {
  it.each([...Object.values(KEY_FAMILIES), ...Object.values(SCOPE_FAMILIES), ...Object.values(EXPORTER_FAMILIES)].map((family) => [family.name, family] as const))('has %s', (name, family) => {
    expect((contract.metrics as Record<string, { type: string }>)[name]?.type).toBe(family.type);
  });
});
