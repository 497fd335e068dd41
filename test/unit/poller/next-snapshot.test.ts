import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../../src/model/api-key.js';
import type { Scope } from '../../../src/model/scope.js';
import type { ScopeFailure, Snapshot } from '../../../src/model/snapshot.js';
import { nextSnapshot, type Polled } from '../../../src/poller/next-snapshot.js';

const MINUTE = 60_000;
const STALE = 15 * MINUTE;
const T0 = Date.parse('2025-01-01T00:00:00Z');

const ZERO = {
  unauthorized: 0,
  forbidden: 0,
  not_found: 0,
  rate_limited: 0,
  server_error: 0,
  timeout: 0,
  network: 0,
  invalid_response: 0,
};

const alice: Scope = { kind: 'user', owner: 'user', id: '5af9a1d29cc0cdb6ac0bf3f8', name: 'alice@example.com', credentialId: 'alice@cloud.mongodb.com' };
const project: Scope = { kind: 'agent', owner: 'project', id: '5e2211c17a3e5a48f5497de3', name: 'Production', credentialId: 'pub@cloud.mongodb.com' };
const other: Scope = { kind: 'agent', owner: 'project', id: '5e2211c17a3e5a48f5497de4', credentialId: 'pub@cloud.mongodb.com' };

const aliceKeys: ApiKey[] = [{ id: 'k1', description: 'Staging', suffix: 'eeae', createdAt: T0 - 86_400_000, enabled: true, usedCount: 7 }];
const projectKeys: ApiKey[] = [{ id: 'a1', description: 'Agent', suffix: '8b87', createdAt: T0 - 3_600_000, createdBy: 'PROVISIONING' }];

const ok = (scope: Scope, keys: readonly ApiKey[]): Polled => ({ scope, outcome: { ok: true, keys } });
const failed = (scope: Scope, failure: ScopeFailure): Polled => ({ scope, outcome: { ok: false, failure } });
const unauthorized: ScopeFailure = { reason: 'unauthorized', status: 401, message: 'GET … answered 401' };
const timeout: ScopeFailure = { reason: 'timeout', message: 'GET … timed out after 30000 ms' };

const stateOf = (snapshot: Snapshot, scope: Scope) => snapshot.scopes.find((state) => state.scope.kind === scope.kind && state.scope.id === scope.id);

describe('nextSnapshot', () => {
  it('publishes an ok scope with its keys, up, lastSuccessAt = now and every reason at zero', () => {
    const snapshot = nextSnapshot(undefined, [ok(alice, aliceKeys), ok(project, projectKeys)], T0, STALE);
    expect(snapshot).toStrictEqual({
      scopes: [
        { scope: alice, up: true, keys: aliceKeys, lastSuccessAt: T0, errors: ZERO },
        { scope: project, up: true, keys: projectKeys, lastSuccessAt: T0, errors: ZERO },
      ],
      trails: [],
      completedAt: T0,
      cycle: 1,
    });
  });

  it('increments the cycle', () => {
    const first = nextSnapshot(undefined, [], T0, STALE);
    const second = nextSnapshot(first, [], T0 + MINUTE, STALE);
    const third = nextSnapshot(second, [ok(alice, [])], T0 + 2 * MINUTE, STALE);
    expect([first.cycle, second.cycle, third.cycle]).toStrictEqual([1, 2, 3]);
    expect(third.completedAt).toBe(T0 + 2 * MINUTE);
  });

  it('a scope failing from the start has no keys, no lastSuccessAt, and one error of its reason', () => {
    const snapshot = nextSnapshot(undefined, [failed(alice, unauthorized)], T0, STALE);
    const state = stateOf(snapshot, alice);
    expect(state?.up).toBe(false);
    expect(state?.keys).toBeUndefined();
    expect(state).not.toHaveProperty('lastSuccessAt');
    expect(state?.lastFailure).toStrictEqual(unauthorized);
    expect(state?.errors).toStrictEqual({ ...ZERO, unauthorized: 1 });
  });

  it('a failed scope keeps its last good keys while now - lastSuccessAt <= staleAfter', () => {
    let snapshot = nextSnapshot(undefined, [ok(alice, aliceKeys)], T0, STALE);
    snapshot = nextSnapshot(snapshot, [failed(alice, timeout)], T0 + 5 * MINUTE, STALE);
    expect(stateOf(snapshot, alice)).toStrictEqual({
      scope: alice,
      up: false,
      keys: aliceKeys,
      lastSuccessAt: T0,
      lastFailure: timeout,
      errors: { ...ZERO, timeout: 1 },
    });
    // Exactly at the limit: still kept.
    snapshot = nextSnapshot(snapshot, [failed(alice, timeout)], T0 + STALE, STALE);
    expect(stateOf(snapshot, alice)?.keys).toBe(aliceKeys);
    expect(stateOf(snapshot, alice)?.errors.timeout).toBe(2);
  });

  it('drops the keys (undefined) once they are older than staleAfter, keeping lastSuccessAt', () => {
    let snapshot = nextSnapshot(undefined, [ok(alice, aliceKeys)], T0, STALE);
    snapshot = nextSnapshot(snapshot, [failed(alice, timeout)], T0 + 10 * MINUTE, STALE);
    expect(stateOf(snapshot, alice)?.keys).toBe(aliceKeys);
    snapshot = nextSnapshot(snapshot, [failed(alice, unauthorized)], T0 + STALE + 1, STALE);
    const state = stateOf(snapshot, alice);
    expect(state?.keys).toBeUndefined();
    expect(state?.lastSuccessAt).toBe(T0);
    expect(state?.up).toBe(false);
    expect(state?.errors).toStrictEqual({ ...ZERO, timeout: 1, unauthorized: 1 });
  });

  it('the stale clock runs from the last success, not from the last failure', () => {
    let snapshot = nextSnapshot(undefined, [ok(alice, aliceKeys)], T0, STALE);
    for (const minutes of [4, 8, 12]) snapshot = nextSnapshot(snapshot, [failed(alice, timeout)], T0 + minutes * MINUTE, STALE);
    expect(stateOf(snapshot, alice)?.keys).toBe(aliceKeys);
    snapshot = nextSnapshot(snapshot, [failed(alice, timeout)], T0 + 16 * MINUTE, STALE);
    expect(stateOf(snapshot, alice)?.keys).toBeUndefined();
  });

  it('staleAfter 0 drops the keys on the first failure after time has passed', () => {
    const first = nextSnapshot(undefined, [ok(alice, aliceKeys)], T0, 0);
    expect(stateOf(nextSnapshot(first, [failed(alice, timeout)], T0 + 1, 0), alice)?.keys).toBeUndefined();
  });

  it('counts errors per reason across cycles, and keeps the counts after a recovery', () => {
    let snapshot = nextSnapshot(undefined, [failed(project, unauthorized)], T0, STALE);
    snapshot = nextSnapshot(snapshot, [failed(project, unauthorized)], T0 + MINUTE, STALE);
    snapshot = nextSnapshot(snapshot, [failed(project, { reason: 'rate_limited', status: 429, message: '429' })], T0 + 2 * MINUTE, STALE);
    snapshot = nextSnapshot(snapshot, [ok(project, projectKeys)], T0 + 3 * MINUTE, STALE);
    const state = stateOf(snapshot, project);
    expect(state?.up).toBe(true);
    expect(state?.keys).toBe(projectKeys);
    expect(state?.lastSuccessAt).toBe(T0 + 3 * MINUTE);
    expect(state).not.toHaveProperty('lastFailure');
    expect(state?.errors).toStrictEqual({ ...ZERO, unauthorized: 2, rate_limited: 1 });
  });

  it('one scope failing does not touch another', () => {
    let snapshot = nextSnapshot(undefined, [ok(alice, aliceKeys), ok(project, projectKeys)], T0, STALE);
    snapshot = nextSnapshot(snapshot, [ok(alice, []), failed(project, timeout)], T0 + MINUTE, STALE);
    expect(stateOf(snapshot, alice)).toStrictEqual({ scope: alice, up: true, keys: [], lastSuccessAt: T0 + MINUTE, errors: ZERO });
    expect(stateOf(snapshot, project)?.errors).toStrictEqual({ ...ZERO, timeout: 1 });
  });

  it('drops scopes that were not polled this cycle, with their counters', () => {
    let snapshot = nextSnapshot(undefined, [ok(alice, aliceKeys), failed(other, timeout)], T0, STALE);
    snapshot = nextSnapshot(snapshot, [ok(alice, aliceKeys)], T0 + MINUTE, STALE);
    expect(snapshot.scopes.map((state) => state.scope.id)).toStrictEqual([alice.id]);
    // Back again: it starts from nothing.
    snapshot = nextSnapshot(snapshot, [ok(alice, aliceKeys), failed(other, timeout)], T0 + 2 * MINUTE, STALE);
    expect(stateOf(snapshot, other)?.errors).toStrictEqual({ ...ZERO, timeout: 1 });
  });

  it('tells a user scope and an agent scope with the same id apart', () => {
    const sameId: Scope = { kind: 'agent', owner: 'project', id: alice.id, credentialId: 'x' };
    let snapshot = nextSnapshot(undefined, [ok(alice, aliceKeys), ok(sameId, projectKeys)], T0, STALE);
    snapshot = nextSnapshot(snapshot, [failed(alice, timeout), failed(sameId, unauthorized)], T0 + MINUTE, STALE);
    expect(snapshot.scopes[0]?.keys).toBe(aliceKeys);
    expect(snapshot.scopes[0]?.errors).toStrictEqual({ ...ZERO, timeout: 1 });
    expect(snapshot.scopes[1]?.keys).toBe(projectKeys);
    expect(snapshot.scopes[1]?.errors).toStrictEqual({ ...ZERO, unauthorized: 1 });
  });

  it('does not change the previous snapshot', () => {
    const first = nextSnapshot(undefined, [failed(alice, timeout)], T0, STALE);
    const frozen = structuredClone(first);
    nextSnapshot(first, [failed(alice, timeout)], T0 + MINUTE, STALE);
    expect(first).toStrictEqual(frozen);
    // Nor the shared zero counters of a fresh scope.
    const fresh = nextSnapshot(undefined, [ok(project, [])], T0, STALE);
    expect(fresh.scopes[0]?.errors).toStrictEqual(ZERO);
  });
});
