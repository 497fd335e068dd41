import type { KeyKind } from '../model/api-key.js';
import type { Reason } from '../model/reason.js';
import type { OwnerType } from '../model/scope.js';
import type { ScopeState } from '../model/snapshot.js';
import { byText } from './selection.js';

/** One scope as the audit shows it. */
export interface ScopeRow {
  readonly kind: KeyKind;
  readonly ownerType: OwnerType;
  readonly ownerId: string;
  readonly ownerName?: string;
  readonly up: boolean;
  /** Absent while nothing is known of the scope. */
  readonly keys?: number;
  readonly lastSuccessAt?: number;
  readonly lastErrorReason?: Reason;
  readonly lastErrorStatus?: number;
  readonly errors: number;
}

/** The scopes, failing ones first, then by kind and owner. Pure. */
export function scopeRows(scopes: readonly ScopeState[]): ScopeRow[] {
  return scopes
    .map((state): ScopeRow => ({
      kind: state.scope.kind,
      ownerType: state.scope.owner,
      ownerId: state.scope.id,
      ...(state.scope.name !== undefined ? { ownerName: state.scope.name } : {}),
      up: state.up,
      ...(state.keys !== undefined ? { keys: state.keys.length } : {}),
      ...(state.lastSuccessAt !== undefined ? { lastSuccessAt: state.lastSuccessAt } : {}),
      ...(state.lastFailure ? { lastErrorReason: state.lastFailure.reason } : {}),
      ...(state.lastFailure?.status !== undefined ? { lastErrorStatus: state.lastFailure.status } : {}),
      errors: Object.values(state.errors).reduce((sum, n) => sum + n, 0),
    }))
    .sort((a, b) => Number(a.up) - Number(b.up) || byText(a.kind, b.kind) || byText((a.ownerName ?? a.ownerId).toLowerCase(), (b.ownerName ?? b.ownerId).toLowerCase()) || byText(a.ownerId, b.ownerId));
}
