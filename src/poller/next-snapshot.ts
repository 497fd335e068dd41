import type { ApiKey, KeyKind } from '../model/api-key.js';
import type { EventTrail } from '../model/event.js';
import { REASONS, type Reason } from '../model/reason.js';
import { scopeKey, type Scope } from '../model/scope.js';
import type { ScopeOutcome, ScopeState, Snapshot } from '../model/snapshot.js';
import { creationIndex, creationsOf, withCreation, type CreationIndex } from './enrich.js';

/** One scope polled in a cycle, with what came of it. */
export interface Polled {
  readonly scope: Scope;
  readonly outcome: ScopeOutcome;
}

const NO_ERRORS = Object.freeze(Object.fromEntries(REASONS.map((reason) => [reason, 0]))) as Readonly<Record<Reason, number>>;

/**
 * The snapshot after a cycle. Pure. A failed scope keeps its last good keys until they are older
 * than `staleAfterMs` (so key alerts do not resolve falsely), then publishes none; scopes that
 * were not polled this cycle (gone from discovery) are dropped with their counters. Keys whose
 * creation event a trail holds get its facts (see `withCreation`); a trail keeps the creation
 * facts of published keys only (see `keptCreations`).
 */
export function nextSnapshot(previous: Snapshot | undefined, polled: readonly Polled[], nowMs: number, staleAfterMs: number, trails: readonly EventTrail[] = []): Snapshot {
  const before = new Map(previous?.scopes.map((state) => [scopeKey(state.scope), state]));
  const index = creationIndex(trails);
  const matched = new Set<string>();
  const enriched = (scope: Scope, keys: readonly ApiKey[]): readonly ApiKey[] => {
    if (!hasCreations(index, scope.kind)) return keys;
    const events = creationsOf(keys, scope, index);
    return keys.map((key, position) => {
      const event = events[position];
      if (event !== undefined) matched.add(event.id);
      return withCreation(key, event);
    });
  };
  const scopes = polled.map(({ scope, outcome }): ScopeState => {
    const last = before.get(scopeKey(scope));
    const errors = last?.errors ?? NO_ERRORS;
    if (outcome.ok) return { scope, up: true, keys: enriched(scope, outcome.keys), lastSuccessAt: nowMs, errors };
    const { failure } = outcome;
    const lastSuccessAt = last?.lastSuccessAt;
    const fresh = lastSuccessAt !== undefined && nowMs - lastSuccessAt <= staleAfterMs;
    const kept = fresh ? last?.keys : undefined;
    return {
      scope,
      up: false,
      keys: kept === undefined ? undefined : enriched(scope, kept),
      ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}),
      lastFailure: failure,
      errors: { ...errors, [failure.reason]: errors[failure.reason] + 1 },
    };
  });
  return { scopes, trails: keptCreations(trails, scopes, matched, previous?.completedAt), completedAt: nowMs, cycle: (previous?.cycle ?? 0) + 1 };
}

function hasCreations(index: CreationIndex, kind: KeyKind): boolean {
  return (kind === 'programmatic' && index.keys.size > 0) || (kind === 'service_account' && index.secrets.size > 0);
}

/**
 * The trails with the creation facts worth keeping: those of a published key, those newer than
 * the last cycle (the key may have been created after its listing was read), and all of an
 * organisation one of whose scopes publishes no keys (what it lists is unknown). Pure.
 */
function keptCreations(trails: readonly EventTrail[], scopes: readonly ScopeState[], matched: ReadonlySet<string>, lastCycleAt: number | undefined): EventTrail[] {
  const unknown = new Set(scopes.filter((state) => state.keys === undefined).map(({ scope }) => scope.orgId ?? (scope.owner === 'org' ? scope.id : undefined)));
  return trails.map((trail) => {
    if (unknown.has(trail.orgId)) return trail;
    const creations = trail.creations.filter((event) => matched.has(event.id) || (lastCycleAt !== undefined && event.createdAt > lastCycleAt));
    return creations.length === trail.creations.length ? trail : { ...trail, creations };
  });
}
