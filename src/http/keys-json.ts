import type { Audit } from '../audit/audit.js';
import type { AuditRow } from '../audit/rows.js';
import { isoTime as iso, listing } from './json.js';

// `/keys.json`: the audit as JSON, with ISO times, durations in whole seconds and absent values as null.

const secondsOf = (ms: number | undefined): number | null => (ms === undefined ? null : Math.floor(ms / 1000));

/** A row as `/keys.json` shows it: ISO times, durations in whole seconds, absent as null. Pure. */
function rowJson(row: AuditRow): Record<string, unknown> {
  return {
    kind: row.kind,
    ownerType: row.ownerType,
    ownerId: row.ownerId,
    ownerName: row.ownerName ?? null,
    keyId: row.keyId,
    description: row.description,
    suffix: row.suffix,
    publicId: row.publicId ?? null,
    createdAt: iso(row.createdAt),
    lastUsedAt: iso(row.lastUsedAt),
    ageSeconds: secondsOf(row.age),
    idleSeconds: secondsOf(row.idle),
    expiresAt: iso(row.expiresAt),
    expiresInSeconds: row.expiresIn === undefined ? null : Math.trunc(row.expiresIn / 1000),
    enabled: row.enabled ?? null,
    uses: row.uses ?? null,
    accessListEntries: row.accessListEntries ?? null,
    accessList:
      row.accessList?.map((entry) => ({
        entry: entry.address,
        createdAt: iso(entry.createdAt),
        lastUsedAt: iso(entry.lastUsedAt),
        lastUsedAddress: entry.lastUsedAddress ?? null,
        requestsFromLastAddress: entry.requests ?? null,
      })) ?? null,
    unrestricted: row.unrestricted ?? null,
    roles: row.roles,
    risks: row.risks,
  };
}

/** The `/keys.json` document. Pure. */
export function auditJson(result: Audit): Record<string, unknown> {
  const { query } = result;
  const keys = listing(result.selected, query);
  return {
    generatedAt: iso(result.now),
    lastPollAt: iso(result.snapshot.completedAt),
    thresholds: query.thresholds,
    query: { kind: query.kind ?? 'all', filter: query.filter, sort: query.sort, dir: query.dir, q: query.search ?? null },
    counts: { ...result.counts.total, byKind: result.counts.byKind },
    ...keys.fields,
    keys: keys.items.map(rowJson),
    scopes: result.scopes.map((scope) => ({
      kind: scope.kind,
      ownerType: scope.ownerType,
      ownerId: scope.ownerId,
      ownerName: scope.ownerName ?? null,
      up: scope.up,
      keys: scope.keys ?? null,
      lastSuccessAt: iso(scope.lastSuccessAt),
      lastError: scope.lastErrorReason ? { reason: scope.lastErrorReason, status: scope.lastErrorStatus ?? null } : null,
      errors: scope.errors,
    })),
  };
}
