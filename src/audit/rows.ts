import { idleSince, type AccessListEntry, type KeyKind } from '../model/api-key.js';
import type { OwnerType } from '../model/scope.js';
import type { Snapshot } from '../model/snapshot.js';
import { classify, DEFAULT_THRESHOLDS, RISK_RANK, RISKS, type Risk, type Thresholds } from './risk.js';

/** One key as the audit shows it. Times are Unix ms; durations ms. Nothing secret: the suffix is what the API shows. */
export interface AuditRow {
  readonly kind: KeyKind;
  readonly ownerType: OwnerType;
  readonly ownerId: string;
  readonly ownerName?: string;
  readonly keyId: string;
  readonly description: string;
  readonly suffix: string;
  /** A programmatic key's public key or a service account's client id: identifiers, not secrets. */
  readonly publicId?: string;
  readonly accountName?: string;
  readonly createdAt?: number;
  readonly lastUsedAt?: number;
  readonly age?: number;
  /** Since the last use, or since creation when never used; only where the API reports use. */
  readonly idle?: number;
  readonly expiresAt?: number;
  /** Negative once expired. */
  readonly expiresIn?: number;
  readonly enabled?: boolean;
  /** A personal key's usedCount: no other kind reports a total use. */
  readonly uses?: number;
  /** Entries on the access list of a programmatic key, or of a secret's service account, where read. */
  readonly accessListEntries?: number;
  /** The entries published one by one: at most ten, the most recently used first. */
  readonly accessList?: readonly AccessListEntry[];
  readonly unrestricted?: boolean;
  readonly roles: readonly string[];
  /** Riskiest first; empty when the key needs no attention. */
  readonly risks: readonly Risk[];
  /** For the order: the index of the riskiest risk in {@link RISKS} (their number when none). */
  readonly rank: number;
  /** For the order within a rank, lowest first: the expiry of an expired or expiring secret, else minus the idle time. */
  readonly urgency: number;
}

/** One row per key of every scope the snapshot publishes. Pure. */
export function buildRows(snapshot: Snapshot, now: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const state of snapshot.scopes) {
    const { scope } = state;
    for (const key of state.keys ?? []) {
      // Built whole, absent values as undefined: one object shape for every row keeps 40k rows fast.
      const since = idleSince(key);
      const risks = classify(key, now, thresholds);
      const idle = since === undefined ? undefined : now - since;
      const top = risks[0];
      rows.push({
        kind: scope.kind,
        ownerType: scope.owner,
        ownerId: scope.id,
        ownerName: scope.name,
        keyId: key.id,
        description: key.description,
        suffix: key.suffix,
        publicId: key.publicKey ?? key.clientId,
        accountName: key.accountName,
        createdAt: key.createdAt,
        lastUsedAt: key.lastUsedAt,
        age: key.createdAt !== undefined ? now - key.createdAt : undefined,
        idle,
        expiresAt: key.expiresAt,
        expiresIn: key.expiresAt !== undefined ? key.expiresAt - now : undefined,
        enabled: key.enabled,
        uses: key.usedCount,
        accessListEntries: key.accessList?.entries,
        accessList: key.accessList?.shown,
        unrestricted: key.accessList?.unrestricted,
        roles: key.roles ? key.roles.map((role) => role.name) : [],
        risks,
        rank: top === undefined ? RISKS.length : RISK_RANK[top],
        urgency: top === 'expired' || top === 'expiring' ? (key.expiresAt ?? Infinity) : idle !== undefined ? -idle : Infinity,
      });
    }
  }
  return rows;
}
