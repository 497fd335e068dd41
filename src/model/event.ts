import type { ScopeFailure } from './snapshot.js';

/**
 * The event types the exporter reads (the `eventType` filter of the events listings) and
 * understands: key, service-account and organisation-security types of the Admin API document.
 * An event of another type that a listing returns anyway is ignored.
 */
export const API_KEY_EVENT_TYPES = [
  'API_KEY_CREATED',
  'API_KEY_DELETED',
  'API_KEY_ACCESS_LIST_ENTRY_ADDED',
  'API_KEY_ACCESS_LIST_ENTRY_DELETED',
  'API_KEY_ROLES_CHANGED',
  'API_KEY_DESCRIPTION_CHANGED',
  'API_KEY_ADDED_TO_GROUP',
  'API_KEY_REMOVED_FROM_GROUP',
  'API_KEY_UI_IP_ACCESS_LIST_INHERITANCE_ENABLED',
  'API_KEY_UI_IP_ACCESS_LIST_INHERITANCE_DISABLED',
] as const;

export const SERVICE_ACCOUNT_EVENT_TYPES = [
  'SERVICE_ACCOUNT_CREATED',
  'SERVICE_ACCOUNT_DELETED',
  'SERVICE_ACCOUNT_ROLES_CHANGED',
  'SERVICE_ACCOUNT_DETAILS_CHANGED',
  'SERVICE_ACCOUNT_ADDED_TO_GROUP',
  'SERVICE_ACCOUNT_REMOVED_FROM_GROUP',
  'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED',
  'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_DELETED',
  'SERVICE_ACCOUNT_SECRET_ADDED',
  'SERVICE_ACCOUNT_SECRET_DELETED',
  'SERVICE_ACCOUNT_UI_IP_ACCESS_LIST_INHERITANCE_ENABLED',
  'SERVICE_ACCOUNT_UI_IP_ACCESS_LIST_INHERITANCE_DISABLED',
] as const;

export const ORG_SECURITY_EVENT_TYPES = [
  'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED',
  'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED',
  'ORG_SERVICE_ACCOUNT_SECRETS_EXPIRED',
  'ORG_SERVICE_ACCOUNT_SECRETS_EXPIRING',
  'ORG_SERVICE_ACCOUNT_SECRETS_NO_LONGER_EXPIRED',
  'ORG_SERVICE_ACCOUNT_SECRETS_NO_LONGER_EXPIRING',
  'ORG_SERVICE_ACCOUNT_MAX_SECRET_VALIDITY_EDITED',
  'ORG_TWO_FACTOR_AUTH_REQUIRED',
  'ORG_TWO_FACTOR_AUTH_OPTIONAL',
] as const;

export const EVENT_TYPES = [...API_KEY_EVENT_TYPES, ...SERVICE_ACCOUNT_EVENT_TYPES, ...ORG_SECURITY_EVENT_TYPES] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The types whose events are the creation facts of a credential (see `EventTrail.creations`). */
export const CREATION_TYPES: ReadonlySet<EventType> = new Set(['API_KEY_CREATED', 'SERVICE_ACCOUNT_SECRET_ADDED']);

/**
 * One event of an organisation's or project's trail, as the exporter understands it, from the
 * Admin API v2 or the v1.0 shape. Times are Unix milliseconds. The actor fields say who triggered
 * it (a console user, or an API key), the target fields whom it is about.
 */
export interface KeyEvent {
  readonly id: string;
  readonly type: EventType;
  readonly createdAt: number;
  readonly orgId?: string;
  readonly projectId?: string;
  /** The console user that triggered the event. */
  readonly username?: string;
  readonly userId?: string;
  /** The API key that triggered the event (its public key, and its id). */
  readonly publicKey?: string;
  readonly apiKeyId?: string;
  readonly remoteAddress?: string;
  /** The API key the event is about. */
  readonly targetPublicKey?: string;
  /** The user or service account the event is about. */
  readonly targetUsername?: string;
  /** The access-list entry the event is about (`whitelistEntry`). */
  readonly accessListEntry?: string;
}

/**
 * Events kept per trail in `EventTrail.recent`, the newest: what the audit page lists. The times
 * per type and the creation facts are kept apart from it, so a busy trail loses neither.
 */
export const RECENT_EVENTS_KEPT = 500;

/**
 * How far before the newest event seen a later read of a trail starts: an event the API shows
 * a little after its `created` time is still read. Events read twice are told apart by id.
 */
export const EVENTS_OVERLAP_MS = 5 * 60_000;

/** The trail of one organisation, or of one of its projects, as the last cycles read it. */
export interface EventTrail {
  readonly orgId: string;
  /** Absent for the organisation's own trail. */
  readonly projectId?: string;
  /** The credential that reads it (see `Credential.id`). */
  readonly credentialId: string;
  /** True when the last read of the trail succeeded. */
  readonly up: boolean;
  readonly lastFailure?: ScopeFailure;
  /** The most recent events, newest first, at most a documented cap. */
  readonly recent: readonly KeyEvent[];
  /** Unix ms of the newest event seen of each type, over the whole lookback. */
  readonly newest: Readonly<Partial<Record<EventType, number>>>;
  /**
   * Unix ms of the newest `…_ACCESS_LIST_ENTRY_ADDED` event (API key or service account) whose
   * entry opens the list to any address (0.0.0.0/0 or ::/0); absent when none was seen.
   */
  readonly anyAddressAddedAt?: number;
  /**
   * The creation events ({@link CREATION_TYPES}) of the credentials
   * the last cycle listed, kept after they leave `recent`: the keys' creation facts.
   */
  readonly creations: readonly KeyEvent[];
}

/** The identity of a trail inside one exporter: an organisation's own, or one project's. */
export function trailKey(trail: Pick<EventTrail, 'orgId' | 'projectId'>): string {
  return trail.projectId === undefined ? trailKeyOf('org', trail.orgId) : trailKeyOf('project', trail.projectId);
}

/** The key of the trail of an organisation or of a project, by its id. */
export function trailKeyOf(owner: 'org' | 'project', id: string): string {
  return `${owner}/${id}`;
}

/** The public key an `API_KEY_CREATED` event created; undefined for any other event. */
export function createdPublicKey(event: KeyEvent): string | undefined {
  return event.type === 'API_KEY_CREATED' ? event.targetPublicKey : undefined;
}
