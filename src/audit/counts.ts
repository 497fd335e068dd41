import { KEY_KINDS, type KeyKind } from '../model/api-key.js';
import type { ScopeState } from '../model/snapshot.js';
import { RISKS, type Risk } from './risk.js';
import type { AuditRow } from './rows.js';

export interface KindCounts {
  readonly keys: number;
  readonly attention: number;
  readonly risks: Readonly<Record<Risk, number>>;
  readonly scopes: number;
  readonly scopesDown: number;
}

export interface AuditCounts {
  /** Only the kinds with a scope, in the order of `KEY_KINDS`. */
  readonly byKind: Partial<Record<KeyKind, KindCounts>>;
  readonly total: KindCounts;
}

const zeroRisks = (): Record<Risk, number> => Object.fromEntries(RISKS.map((risk) => [risk, 0])) as Record<Risk, number>;

/** Keys, keys needing attention and each risk, per kind (only kinds with a scope) and in total. Pure. */
export function countRows(rows: readonly AuditRow[], scopes: readonly ScopeState[]): AuditCounts {
  type Mutable = { keys: number; attention: number; risks: Record<Risk, number>; scopes: number; scopesDown: number };
  const fresh = (): Mutable => ({ keys: 0, attention: 0, risks: zeroRisks(), scopes: 0, scopesDown: 0 });
  const byKind: Partial<Record<KeyKind, Mutable>> = {};
  const total = fresh();
  for (const state of scopes) {
    const counts = (byKind[state.scope.kind] ??= fresh());
    for (const target of [counts, total]) {
      target.scopes++;
      if (!state.up) target.scopesDown++;
    }
  }
  for (const row of rows) {
    const counts = (byKind[row.kind] ??= fresh());
    for (const target of [counts, total]) {
      target.keys++;
      if (row.risks.length > 0) target.attention++;
      for (const risk of row.risks) target.risks[risk]++;
    }
  }
  const ordered: Partial<Record<KeyKind, KindCounts>> = {};
  for (const kind of KEY_KINDS) if (byKind[kind]) ordered[kind] = byKind[kind];
  return { byKind: ordered, total };
}
