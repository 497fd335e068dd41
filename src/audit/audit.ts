import type { Snapshot } from '../model/snapshot.js';
import { DEFAULT_CHANGE_QUERY, type ChangeQuery } from './change-query.js';
import { buildChanges, selectChanges, trailRows, type ChangeRow, type TrailRow } from './changes.js';
import { countRows, type AuditCounts } from './counts.js';
import type { AuditQuery } from './query.js';
import { buildRows, type AuditRow } from './rows.js';
import { scopeRows, type ScopeRow } from './scopes.js';
import { selectRows } from './selection.js';

/**
 * The audit view of a snapshot: one row per key with its risks, in the order the page and
 * `/keys.json` show them, for the query both honour; and the recent changes of the event trails,
 * for the change query `/` and `/events.json` honour. Pure: no I/O, the clock is an argument.
 */
export interface Audit extends RecentChanges {
  readonly query: AuditQuery;
  readonly counts: AuditCounts;
  /** Every row the query selects, in order. */
  readonly selected: readonly AuditRow[];
  readonly scopes: readonly ScopeRow[];
}

/** The recent changes of a snapshot's event trails, for the change query `/` and `/events.json` honour. */
export interface RecentChanges {
  readonly now: number;
  readonly snapshot: Snapshot;
  readonly changeQuery: ChangeQuery;
  /** Every change the change query selects, newest first. */
  readonly changes: readonly ChangeRow[];
  readonly trails: readonly TrailRow[];
}

/** What `/events.json` shows for one change query at `now`: the key rows only link the changes to their keys. Pure. */
export function recentChanges(snapshot: Snapshot, changeQuery: ChangeQuery, now: number): RecentChanges {
  return changesOf(snapshot, buildRows(snapshot, now), changeQuery, now);
}

function changesOf(snapshot: Snapshot, rows: readonly AuditRow[], changeQuery: ChangeQuery, now: number): RecentChanges {
  return { now, snapshot, changeQuery, changes: selectChanges(buildChanges(snapshot, rows), changeQuery), trails: trailRows(snapshot) };
}

/** Everything `/`, `/keys.json` and `/events.json` show for one query at `now`. Pure. */
export function audit(snapshot: Snapshot, query: AuditQuery, now: number, changeQuery: ChangeQuery = DEFAULT_CHANGE_QUERY): Audit {
  const rows = buildRows(snapshot, now, query.thresholds);
  return {
    ...changesOf(snapshot, rows, changeQuery, now),
    query,
    counts: countRows(rows, snapshot.scopes),
    selected: selectRows(rows, query),
    scopes: scopeRows(snapshot.scopes),
  };
}
