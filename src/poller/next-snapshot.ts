import { REASONS, type Reason } from '../model/reason.js';
import { scopeKey, type Scope } from '../model/scope.js';
import type { ScopeOutcome, ScopeState, Snapshot } from '../model/snapshot.js';

/** One scope polled in a cycle, with what came of it. */
export interface Polled {
  readonly scope: Scope;
  readonly outcome: ScopeOutcome;
}

const NO_ERRORS = Object.freeze(Object.fromEntries(REASONS.map((reason) => [reason, 0]))) as Readonly<Record<Reason, number>>;

/**
 * The snapshot after a cycle. Pure. A failed scope keeps its last good keys until they are older
 * than `staleAfterMs` (so key alerts do not resolve falsely), then publishes none; scopes that
 * were not polled this cycle (gone from discovery) are dropped with their counters.
 */
export function nextSnapshot(previous: Snapshot | undefined, polled: readonly Polled[], nowMs: number, staleAfterMs: number): Snapshot {
  const before = new Map(previous?.scopes.map((state) => [scopeKey(state.scope), state]));
  const scopes = polled.map(({ scope, outcome }): ScopeState => {
    const last = before.get(scopeKey(scope));
    const errors = last?.errors ?? NO_ERRORS;
    if (outcome.ok) return { scope, up: true, keys: outcome.keys, lastSuccessAt: nowMs, errors };
    const { failure } = outcome;
    const lastSuccessAt = last?.lastSuccessAt;
    const fresh = lastSuccessAt !== undefined && nowMs - lastSuccessAt <= staleAfterMs;
    return {
      scope,
      up: false,
      keys: fresh ? last?.keys : undefined,
      ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}),
      lastFailure: failure,
      errors: { ...errors, [failure.reason]: errors[failure.reason] + 1 },
    };
  });
  return { scopes, trails: [], completedAt: nowMs, cycle: (previous?.cycle ?? 0) + 1 };
}
