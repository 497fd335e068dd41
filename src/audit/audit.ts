import type { Snapshot } from '../model/snapshot.js';
import { countRows, type AuditCounts } from './counts.js';
import type { AuditQuery } from './query.js';
import { buildRows, type AuditRow } from './rows.js';
import { scopeRows, type ScopeRow } from './scopes.js';
import { selectRows } from './selection.js';

/**
 * The audit view of a snapshot: one row per key with its risks, in the order the page and
 * `/keys.json` show them, for the query both honour. Pure: no I/O, the clock is an argument.
 */
export interface Audit {
  readonly now: number;
  readonly snapshot: Snapshot;
  readonly query: AuditQuery;
  readonly counts: AuditCounts;
  /** Every row the query selects, in order. */
  readonly selected: readonly AuditRow[];
  readonly scopes: readonly ScopeRow[];
}

/** Everything `/` and `/keys.json` show for one query at `now`. Pure. */
export function audit(snapshot: Snapshot, query: AuditQuery, now: number): Audit {
  const rows = buildRows(snapshot, now, query.thresholds);
  return { now, snapshot, query, counts: countRows(rows, snapshot.scopes), selected: selectRows(rows, query), scopes: scopeRows(snapshot.scopes) };
}
