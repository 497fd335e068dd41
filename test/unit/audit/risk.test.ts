import { describe, expect, it } from 'vitest';
import { classify, DEFAULT_THRESHOLDS } from '../../../src/audit/risk.js';
import { ago, KEYS, NOW } from './fixture.js';

describe('classify', () => {
  it('finds each risk at the default thresholds, riskiest first', () => {
    const risks = (key: (typeof KEYS)[keyof typeof KEYS]) => classify(key, NOW, DEFAULT_THRESHOLDS);
    expect(risks(KEYS.expired)).toEqual(['expired']);
    expect(risks(KEYS.expiring5)).toEqual(['expiring']);
    expect(risks(KEYS.saValid)).toEqual([]);
    expect(risks(KEYS.unrestricted)).toEqual(['unrestricted']);
    expect(risks(KEYS.restricted)).toEqual([]);
    expect(risks(KEYS.idle100)).toEqual(['idle']);
    expect(risks(KEYS.never60)).toEqual(['never_used']);
    expect(risks(KEYS.never10)).toEqual([]);
    expect(risks(KEYS.neverDisabled)).toEqual(['never_used', 'disabled']);
    expect(risks(KEYS.disabled)).toEqual(['disabled']);
    expect(risks(KEYS.recent)).toEqual([]);
    // Agent keys report no use: neither idle nor never used.
    expect(risks(KEYS.agent)).toEqual([]);
  });

  it('puts the boundaries on the safe side: exactly at a threshold is not past it; expiry at now is expired', () => {
    const t = DEFAULT_THRESHOLDS;
    expect(classify({ ...KEYS.recent, lastUsedAt: ago(t.idleDays) }, NOW, t)).toEqual([]);
    expect(classify({ ...KEYS.recent, lastUsedAt: ago(t.idleDays) - 1 }, NOW, t)).toEqual(['idle']);
    expect(classify({ ...KEYS.never10, createdAt: ago(t.neverUsedDays) }, NOW, t)).toEqual([]);
    expect(classify({ ...KEYS.never10, createdAt: ago(t.neverUsedDays) - 1 }, NOW, t)).toEqual(['never_used']);
    expect(classify({ ...KEYS.saValid, expiresAt: NOW }, NOW, t)).toEqual(['expired']);
    expect(classify({ ...KEYS.saValid, expiresAt: NOW + t.expiringDays * 86_400_000 }, NOW, t)).toEqual(['expiring']);
    expect(classify({ ...KEYS.saValid, expiresAt: NOW + t.expiringDays * 86_400_000 + 1 }, NOW, t)).toEqual([]);
  });

  it('follows overridden thresholds', () => {
    expect(classify(KEYS.never10, NOW, { ...DEFAULT_THRESHOLDS, neverUsedDays: 7 })).toEqual(['never_used']);
    expect(classify(KEYS.saValid, NOW, { ...DEFAULT_THRESHOLDS, expiringDays: 365 })).toEqual(['expiring']);
    expect(classify(KEYS.idle100, NOW, { ...DEFAULT_THRESHOLDS, idleDays: 180 })).toEqual([]);
  });
});
