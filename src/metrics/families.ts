import { idleSince, type ApiKey } from '../model/api-key.js';
import { EVENT_TYPES, type EventTrail } from '../model/event.js';
import type { Scope } from '../model/scope.js';
import type { ScopeState, Snapshot } from '../model/snapshot.js';
import { EXPORTER_FAMILIES, KEY_FAMILIES, LABELS, OWNER_LABEL, OWNER_NAME_LABEL, REASONS, SCOPE_FAMILIES, TRAIL_FAMILIES, type Family } from './contract.js';

/** Escapes a label value for the text format. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** `,name="value"`, or nothing for an absent label or an absent or empty value (absent and empty are the same to Prometheus). */
export function label(name: string | undefined, value: string | undefined): string {
  return name === undefined || value === undefined || value === '' ? '' : `,${name}="${escapeLabelValue(value)}"`;
}

/**
 * What a snapshot holds a family's series about (its scopes, their keys, …): each item with the
 * labels every series about it starts with, as `,name="value"` pairs (see {@link label}).
 */
export interface Collection<Item> {
  items(snapshot: Snapshot): Iterable<readonly [Item, string]>;
}

/**
 * Writes one series: `labels` (`,name="value"` pairs) follow the item's own, `value` is the sample;
 * for a family computed at scrape time, the Unix ms the sample counts from or down to.
 */
export type Series = (labels: string, value: number) => void;

/** One family of the exposition, and how its series come from each item of its collection. */
export interface FamilyRow<Item> {
  readonly family: Family;
  readonly collection: Collection<Item>;
  /** Calls `series` once per series the item has: zero, one or many times. */
  write(item: Item, series: Series): void;
  /**
   * Computed at scrape time: the sample is the seconds since the value (`since`) or until it
   * (`until`, negative once passed); only the number is written per scrape.
   */
  readonly atScrape?: 'since' | 'until';
}

/** A row over any collection, as the renderer reads the table: its items come from its own collection. */
export type AnyFamilyRow = FamilyRow<unknown>;

/** The scopes of the snapshot; labels: kind and owner. */
export const SCOPES: Collection<ScopeState> = {
  *items(snapshot) {
    for (const state of snapshot.scopes) yield [state, scopeLabels(state.scope)];
  },
};

/** A key and the scope that holds it. */
export interface KeyInScope {
  readonly key: ApiKey;
  readonly scope: Scope;
}

/** The keys of every scope whose keys are known; labels: kind, owner and key_id. */
export const KEYS: Collection<KeyInScope> = {
  *items(snapshot) {
    for (const { scope, keys } of snapshot.scopes) {
      if (keys === undefined) continue;
      const inner = scopeLabels(scope);
      for (const key of keys) yield [{ key, scope }, inner + label(LABELS.keyId, key.id)];
    }
  },
};

/** The event trails of the snapshot; labels: org_id, and project_id for a project's trail. */
export const TRAILS: Collection<EventTrail> = {
  *items(snapshot) {
    for (const trail of snapshot.trails) yield [trail, label(LABELS.orgId, trail.orgId) + label(LABELS.projectId, trail.projectId)];
  },
};

/** The snapshot itself, once; no labels. */
export const SNAPSHOT: Collection<Snapshot> = {
  *items(snapshot) {
    yield [snapshot, ''];
  },
};

function scopeLabels(scope: Scope): string {
  return label(LABELS.kind, scope.kind) + label(OWNER_LABEL[scope.owner], scope.id);
}

const key = (family: Family, write: (key: ApiKey, series: Series, scope: Scope) => void, atScrape?: FamilyRow<KeyInScope>['atScrape']): FamilyRow<KeyInScope> => ({
  family,
  collection: KEYS,
  write: (item, series) => write(item.key, series, item.scope),
  ...(atScrape ? { atScrape } : {}),
});

const scope = (family: Family, write: (state: ScopeState, series: Series) => void): FamilyRow<ScopeState> => ({ family, collection: SCOPES, write });

const trail = (family: Family, write: (trail: EventTrail, series: Series) => void): FamilyRow<EventTrail> => ({ family, collection: TRAILS, write });

const bit = (value: boolean): number => (value ? 1 : 0);

/**
 * Every family rendered from a snapshot, in the order of the exposition: the families computed
 * when the snapshot lands in this order, then those computed at scrape time in this order.
 * A family over another collection of the snapshot is a {@link Collection} and rows over it.
 */
export const FAMILY_TABLE: readonly AnyFamilyRow[] = [
  key(KEY_FAMILIES.info, (k, series, s) =>
    series(
      label(LABELS.description, k.description) +
        label(LABELS.keySuffix, k.suffix) +
        label(LABELS.createdBy, k.createdBy) +
        label(LABELS.createdUserId, k.createdUserId) +
        label(LABELS.createdIp, k.createdIp) +
        label(LABELS.publicKey, k.publicKey) +
        label(LABELS.clientId, k.clientId) +
        label(LABELS.accountName, k.accountName) +
        label(OWNER_NAME_LABEL[s.owner], s.name),
      1,
    ),
  ),
  key(KEY_FAMILIES.created, (k, series) => {
    if (k.createdAt !== undefined) series('', k.createdAt / 1000);
  }),
  key(
    KEY_FAMILIES.age,
    (k, series) => {
      if (k.createdAt !== undefined) series('', k.createdAt);
    },
    'since',
  ),
  key(KEY_FAMILIES.enabled, (k, series) => {
    if (k.enabled !== undefined) series('', bit(k.enabled));
  }),
  key(KEY_FAMILIES.usedCount, (k, series) => {
    if (k.usedCount !== undefined) series('', k.usedCount);
  }),
  key(KEY_FAMILIES.lastUsed, (k, series) => {
    if (k.lastUsedAt !== undefined) series('', k.lastUsedAt / 1000);
  }),
  key(
    KEY_FAMILIES.idle,
    (k, series) => {
      const since = idleSince(k);
      if (since !== undefined) series('', since);
    },
    'since',
  ),
  key(KEY_FAMILIES.expiry, (k, series) => {
    if (k.expiresAt !== undefined) series('', k.expiresAt / 1000);
  }),
  key(
    KEY_FAMILIES.expiresIn,
    (k, series) => {
      if (k.expiresAt !== undefined) series('', k.expiresAt);
    },
    'until',
  ),
  key(KEY_FAMILIES.role, (k, series) => {
    for (const role of k.roles ?? []) series(label(LABELS.role, role.name) + label(LABELS.roleOrgId, role.orgId) + label(LABELS.roleProjectId, role.projectId), 1);
  }),
  key(KEY_FAMILIES.accessListEntries, (k, series) => {
    if (k.accessList !== undefined) series('', k.accessList.entries);
  }),
  key(KEY_FAMILIES.unrestricted, (k, series) => {
    if (k.accessList !== undefined) series('', bit(k.accessList.unrestricted));
  }),
  key(KEY_FAMILIES.accessListEntryCreated, (k, series) => {
    for (const entry of k.accessList?.shown ?? []) if (entry.createdAt !== undefined) series(label(LABELS.entry, entry.address), entry.createdAt / 1000);
  }),
  key(KEY_FAMILIES.accessListEntryLastUsed, (k, series) => {
    for (const entry of k.accessList?.shown ?? []) if (entry.lastUsedAt !== undefined) series(label(LABELS.entry, entry.address), entry.lastUsedAt / 1000);
  }),
  key(KEY_FAMILIES.accessListEntryRequests, (k, series) => {
    for (const entry of k.accessList?.shown ?? []) {
      if (entry.requests !== undefined) series(label(LABELS.entry, entry.address) + label(LABELS.lastUsedAddress, entry.lastUsedAddress), entry.requests);
    }
  }),
  scope(SCOPE_FAMILIES.keys, (state, series) => {
    if (state.keys !== undefined) series('', state.keys.length);
  }),
  scope(SCOPE_FAMILIES.up, (state, series) => series('', bit(state.up))),
  scope(SCOPE_FAMILIES.lastSuccess, (state, series) => {
    if (state.lastSuccessAt !== undefined) series('', state.lastSuccessAt / 1000);
  }),
  scope(SCOPE_FAMILIES.errors, (state, series) => {
    for (const reason of REASONS) series(label(LABELS.reason, reason), state.errors[reason]);
  }),
  { family: EXPORTER_FAMILIES.lastPoll, collection: SNAPSHOT, write: (snapshot, series) => series('', snapshot.completedAt / 1000) } satisfies FamilyRow<Snapshot>,
  trail(TRAIL_FAMILIES.eventLast, (t, series) => {
    for (const type of EVENT_TYPES) {
      const newest = t.newest[type];
      if (newest !== undefined) series(label(LABELS.eventType, type), newest / 1000);
    }
  }),
  trail(TRAIL_FAMILIES.up, (t, series) => series('', bit(t.up))),
  trail(TRAIL_FAMILIES.anyAddressAdded, (t, series) => {
    if (t.anyAddressAddedAt !== undefined) series('', t.anyAddressAddedAt / 1000);
  }),
];
