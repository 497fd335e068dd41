import type { ApiKey } from './api-key.js';
import type { EventTrail } from './event.js';
import type { Reason } from './reason.js';
import type { Scope } from './scope.js';

/** How the last poll of a scope failed. */
export interface ScopeFailure {
  readonly reason: Reason;
  readonly status?: number;
  readonly message: string;
}

/** What one poll of one scope produced: keys, or a failure. Failures travel as data. */
export type ScopeOutcome =
  | { readonly ok: true; readonly keys: readonly ApiKey[] }
  | { readonly ok: false; readonly failure: ScopeFailure };

/** The published state of one scope, after the stale policy. */
export interface ScopeState {
  readonly scope: Scope;
  readonly up: boolean;
  /**
   * The keys to publish: the fresh ones, or the last good ones while they are not stale;
   * undefined when nothing is known (never polled successfully, or stale).
   */
  readonly keys: readonly ApiKey[] | undefined;
  /** Unix ms of the last successful poll; absent before the first. */
  readonly lastSuccessAt?: number;
  readonly lastFailure?: ScopeFailure;
  /** Failures since start, by reason. */
  readonly errors: Readonly<Record<Reason, number>>;
}

/** Everything `/metrics` publishes about keys: built whole after a cycle, then swapped in. */
export interface Snapshot {
  readonly scopes: readonly ScopeState[];
  /** The event trails of the organisations and projects whose events are read. */
  readonly trails: readonly EventTrail[];
  /** Unix ms when the cycle that built it ended. */
  readonly completedAt: number;
  readonly cycle: number;
}
