import type { ApiKey } from '../model/api-key.js';
import { THRESHOLDS } from '../model/thresholds.js';

const DAY_MS = 86_400_000;

/** When a key needs attention, in days. */
export interface Thresholds {
  /** Last used longer ago than this. */
  readonly idleDays: number;
  /** A secret that expires within this many days. */
  readonly expiringDays: number;
  /** Never used, and created longer ago than this. */
  readonly neverUsedDays: number;
}

/** The audit's defaults: those of the alert rules MongoDBApiKeyIdle, MongoDBApiKeySecretExpiringSoon and MongoDBApiKeyNeverUsed. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  idleDays: THRESHOLDS.idle.default,
  expiringDays: THRESHOLDS.secretExpiryWarning.default,
  neverUsedDays: THRESHOLDS.neverUsed.default,
};

/** Why a key needs attention, riskiest first: the order of this list is the order of the rows. */
export const RISKS = ['expired', 'expiring', 'unrestricted', 'idle', 'never_used', 'disabled'] as const;
export type Risk = (typeof RISKS)[number];

/** Each risk's name for people. */
export const RISK_LABELS: Readonly<Record<Risk, string>> = {
  expired: 'expired',
  expiring: 'expiring',
  unrestricted: 'unrestricted',
  idle: 'idle',
  never_used: 'never used',
  disabled: 'disabled',
};

/** The index of each risk in {@link RISKS}. */
export const RISK_RANK: Readonly<Record<Risk, number>> = Object.fromEntries(RISKS.map((risk, index) => [risk, index])) as Record<Risk, number>;

/** The risks of one key at `now`, riskiest first. Pure. */
export function classify(key: ApiKey, now: number, thresholds: Thresholds): Risk[] {
  const risks: Risk[] = [];
  if (key.expiresAt !== undefined) {
    if (key.expiresAt <= now) risks.push('expired');
    else if (key.expiresAt - now <= thresholds.expiringDays * DAY_MS) risks.push('expiring');
  }
  if (key.accessList?.unrestricted === true) risks.push('unrestricted');
  if (key.tracksUse) {
    if (key.lastUsedAt !== undefined) {
      if (now - key.lastUsedAt > thresholds.idleDays * DAY_MS) risks.push('idle');
    } else if ((key.usedCount ?? 0) === 0 && key.createdAt !== undefined && now - key.createdAt > thresholds.neverUsedDays * DAY_MS) {
      // Without a creation time (programmatic keys) the grace period cannot be applied, as in the alert rule.
      risks.push('never_used');
    }
  }
  if (key.enabled === false) risks.push('disabled');
  return risks;
}
