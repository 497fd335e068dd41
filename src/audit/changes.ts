import { opensToAll, type KeyKind } from '../model/api-key.js';
import type { EventTrail, EventType, KeyEvent } from '../model/event.js';
import type { Reason } from '../model/reason.js';
import type { Snapshot } from '../model/snapshot.js';
import { EVENT_CATEGORIES, type ChangeQuery, type EventCategory } from './change-query.js';
import type { AuditRow } from './rows.js';
import { byText } from './selection.js';

/** Each event type's name for people: the page's "what". */
export const EVENT_TYPE_LABELS: Readonly<Record<EventType, string>> = {
  API_KEY_CREATED: 'API key created',
  API_KEY_DELETED: 'API key deleted',
  API_KEY_ACCESS_LIST_ENTRY_ADDED: 'API key access-list entry added',
  API_KEY_ACCESS_LIST_ENTRY_DELETED: 'API key access-list entry deleted',
  API_KEY_ROLES_CHANGED: 'API key roles changed',
  API_KEY_DESCRIPTION_CHANGED: 'API key description changed',
  API_KEY_ADDED_TO_GROUP: 'API key added to a project',
  API_KEY_REMOVED_FROM_GROUP: 'API key removed from a project',
  API_KEY_UI_IP_ACCESS_LIST_INHERITANCE_ENABLED: 'API key inherits the UI access list',
  API_KEY_UI_IP_ACCESS_LIST_INHERITANCE_DISABLED: 'API key no longer inherits the UI access list',
  SERVICE_ACCOUNT_CREATED: 'Service account created',
  SERVICE_ACCOUNT_DELETED: 'Service account deleted',
  SERVICE_ACCOUNT_ROLES_CHANGED: 'Service account roles changed',
  SERVICE_ACCOUNT_DETAILS_CHANGED: 'Service account details changed',
  SERVICE_ACCOUNT_ADDED_TO_GROUP: 'Service account added to a project',
  SERVICE_ACCOUNT_REMOVED_FROM_GROUP: 'Service account removed from a project',
  SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED: 'Service account access-list entry added',
  SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_DELETED: 'Service account access-list entry deleted',
  SERVICE_ACCOUNT_SECRET_ADDED: 'Service account secret added',
  SERVICE_ACCOUNT_SECRET_DELETED: 'Service account secret deleted',
  SERVICE_ACCOUNT_UI_IP_ACCESS_LIST_INHERITANCE_ENABLED: 'Service account inherits the UI access list',
  SERVICE_ACCOUNT_UI_IP_ACCESS_LIST_INHERITANCE_DISABLED: 'Service account no longer inherits the UI access list',
  ORG_PUBLIC_API_ACCESS_LIST_REQUIRED: 'API access list required',
  ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED: 'API access list no longer required',
  ORG_SERVICE_ACCOUNT_SECRETS_EXPIRED: 'Service-account secrets expired',
  ORG_SERVICE_ACCOUNT_SECRETS_EXPIRING: 'Service-account secrets expiring',
  ORG_SERVICE_ACCOUNT_SECRETS_NO_LONGER_EXPIRED: 'Service-account secrets no longer expired',
  ORG_SERVICE_ACCOUNT_SECRETS_NO_LONGER_EXPIRING: 'Service-account secrets no longer expiring',
  ORG_SERVICE_ACCOUNT_MAX_SECRET_VALIDITY_EDITED: 'Maximum secret validity changed',
  ORG_TWO_FACTOR_AUTH_REQUIRED: 'Two-factor authentication required',
  ORG_TWO_FACTOR_AUTH_OPTIONAL: 'Two-factor authentication optional',
};

const CATEGORY_OF: Readonly<Record<EventType, EventCategory>> = Object.fromEntries(
  Object.entries(EVENT_CATEGORIES).flatMap(([category, types]) => types.map((type) => [type, category])),
) as Record<EventType, EventCategory>;

/** The kind of key an event of each group is about; an organisation's setting is about none. */
const TARGET_KIND: Readonly<Record<EventCategory, KeyKind | undefined>> = { api_key: 'programmatic', service_account: 'service_account', org: undefined };

/** One event as the audit shows it, with the trail it was read from and the key it is about, when listed. */
export interface ChangeRow {
  readonly event: KeyEvent;
  readonly category: EventCategory;
  /** The trail: its organisation, and its project when it is a project's. */
  readonly orgId: string;
  readonly orgName?: string;
  readonly projectId?: string;
  readonly projectName?: string;
  /** The key or service account the event is about: a public key, or what the event names. */
  readonly target?: string;
  /** The row of that key in the key table (a service account's first secret), when it is listed. */
  readonly key?: AuditRow;
  /** The access-list entry the event names opens the list to every address. */
  readonly anyAddress: boolean;
}

/** One trail as the audit shows it. */
export interface TrailRow {
  readonly orgId: string;
  readonly orgName?: string;
  readonly projectId?: string;
  readonly projectName?: string;
  readonly up: boolean;
  readonly lastErrorReason?: Reason;
  readonly lastErrorStatus?: number;
  /** Events kept of this trail. */
  readonly events: number;
}

/** An anchor for a key's row, unique on the page: kind, owner and key id. */
export const rowAnchor = (row: Pick<AuditRow, 'kind' | 'ownerId' | 'keyId'>): string => `key-${row.kind}-${row.ownerId}-${row.keyId}`;

/** The names of the organisations and projects the snapshot's scopes name. */
function ownerNames(snapshot: Snapshot): Map<string, string> {
  const names = new Map<string, string>();
  for (const { scope } of snapshot.scopes) if ((scope.owner === 'org' || scope.owner === 'project') && scope.name !== undefined) names.set(`${scope.owner}/${scope.id}`, scope.name);
  return names;
}

function trailNames(trail: EventTrail, names: Map<string, string>): Pick<ChangeRow, 'orgId' | 'orgName' | 'projectId' | 'projectName'> {
  const orgName = names.get(`org/${trail.orgId}`);
  const projectName = trail.projectId === undefined ? undefined : names.get(`project/${trail.projectId}`);
  return {
    orgId: trail.orgId,
    ...(orgName !== undefined ? { orgName } : {}),
    ...(trail.projectId !== undefined ? { projectId: trail.projectId } : {}),
    ...(projectName !== undefined ? { projectName } : {}),
  };
}

/**
 * One row per event of every trail, newest first (then by id), each event once though an
 * organisation's trail and a project's may both hold it. An event about a programmatic key names
 * it by its public key (`targetPublicKey`), one about a service account by its client id
 * (`targetUsername`); the key table's row with that public key or client id is its link. Pure.
 */
export function buildChanges(snapshot: Snapshot, rows: readonly AuditRow[]): ChangeRow[] {
  const byPublicId = new Map<string, AuditRow>();
  for (const row of rows) {
    const id = row.publicId === undefined ? undefined : `${row.kind}/${row.publicId}`;
    if (id !== undefined && !byPublicId.has(id)) byPublicId.set(id, row);
  }
  const names = ownerNames(snapshot);
  const seen = new Set<string>();
  const changes: ChangeRow[] = [];
  for (const trail of snapshot.trails) {
    const where = trailNames(trail, names);
    for (const event of trail.recent) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      const category = CATEGORY_OF[event.type];
      const target = event.targetPublicKey ?? event.targetUsername;
      const kind = TARGET_KIND[category];
      const key = target === undefined || kind === undefined ? undefined : byPublicId.get(`${kind}/${target}`);
      changes.push({
        event,
        category,
        ...where,
        ...(target !== undefined ? { target } : {}),
        ...(key !== undefined ? { key } : {}),
        anyAddress: event.accessListEntry !== undefined && opensToAll(event.accessListEntry),
      });
    }
  }
  return changes.sort((a, b) => b.event.createdAt - a.event.createdAt || byText(a.event.id, b.event.id));
}

function matches(change: ChangeRow, query: ChangeQuery): boolean {
  if (query.type !== undefined && query.type !== change.event.type && query.type !== change.category) return false;
  if (query.scope !== undefined && query.scope !== change.orgId && query.scope !== change.projectId) return false;
  return true;
}

/** The changes a query selects, newest first. Pure. */
export function selectChanges(changes: readonly ChangeRow[], query: ChangeQuery): ChangeRow[] {
  return changes.filter((change) => matches(change, query));
}

/** The trails, failing ones first, then by organisation and project. Pure. */
export function trailRows(snapshot: Snapshot): TrailRow[] {
  const names = ownerNames(snapshot);
  return snapshot.trails
    .map((trail): TrailRow => ({
      ...trailNames(trail, names),
      up: trail.up,
      ...(trail.lastFailure ? { lastErrorReason: trail.lastFailure.reason } : {}),
      ...(trail.lastFailure?.status !== undefined ? { lastErrorStatus: trail.lastFailure.status } : {}),
      events: trail.recent.length,
    }))
    .sort((a, b) => Number(a.up) - Number(b.up) || byText(a.orgId, b.orgId) || byText(a.projectId ?? '', b.projectId ?? ''));
}
