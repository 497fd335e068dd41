import type { RecentChanges } from '../audit/audit.js';
import { EVENT_TYPE_LABELS, type ChangeRow } from '../audit/changes.js';
import { isoTime as iso, listing } from './json.js';

// `/events.json`: the recent changes as JSON, with ISO times and absent values as null.

/** A change as `/events.json` shows it. Pure. */
function changeJson(change: ChangeRow): Record<string, unknown> {
  const { event, key } = change;
  return {
    id: event.id,
    type: event.type,
    typeName: EVENT_TYPE_LABELS[event.type],
    category: change.category,
    createdAt: iso(event.createdAt),
    orgId: change.orgId,
    orgName: change.orgName ?? null,
    projectId: change.projectId ?? null,
    projectName: change.projectName ?? null,
    actor: { username: event.username ?? null, userId: event.userId ?? null, publicKey: event.publicKey ?? null, apiKeyId: event.apiKeyId ?? null },
    remoteAddress: event.remoteAddress ?? null,
    target: { publicKey: event.targetPublicKey ?? null, username: event.targetUsername ?? null },
    accessListEntry: event.accessListEntry ?? null,
    anyAddress: change.anyAddress,
    key: key === undefined ? null : { kind: key.kind, ownerType: key.ownerType, ownerId: key.ownerId, keyId: key.keyId, description: key.description, publicId: key.publicId ?? null },
  };
}

/** The `/events.json` document: every selected change unless a page or limit is given, like `/keys.json`. Pure. */
export function eventsJson(result: RecentChanges): Record<string, unknown> {
  const query = result.changeQuery;
  const events = listing(result.changes, query);
  return {
    generatedAt: iso(result.now),
    lastPollAt: iso(result.snapshot.completedAt),
    query: { eventType: query.type ?? 'all', eventScope: query.scope ?? null },
    ...events.fields,
    events: events.items.map(changeJson),
    trails: result.trails.map((trail) => ({
      orgId: trail.orgId,
      orgName: trail.orgName ?? null,
      projectId: trail.projectId ?? null,
      projectName: trail.projectName ?? null,
      up: trail.up,
      lastError: trail.lastErrorReason ? { reason: trail.lastErrorReason, status: trail.lastErrorStatus ?? null } : null,
      events: trail.events,
    })),
  };
}
