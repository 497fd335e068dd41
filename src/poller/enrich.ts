import type { ApiKey } from '../model/api-key.js';
import { createdPublicKey, trailKey, trailKeyOf, type EventTrail, type KeyEvent } from '../model/event.js';
import type { Scope } from '../model/scope.js';

/**
 * How far apart a `SERVICE_ACCOUNT_SECRET_ADDED` event and a secret's `createdAt` may be to be
 * the same secret. No documented field of an event names a secret (nor, reliably, its account):
 * a secret is matched by its time, in the trail of the scope that lists its account, and by the
 * account where the event names one (`targetUsername`). Both times are the API's own.
 */
export const SECRET_EVENT_MATCH_MS = 5_000;

/** The creation facts of every trail, by what they are matched on. */
export interface CreationIndex {
  /** `API_KEY_CREATED` by the created key's public key (`targetPublicKey`). */
  readonly keys: ReadonlyMap<string, KeyEvent>;
  /** `SERVICE_ACCOUNT_SECRET_ADDED` by the trail they are in (see `trailKey`). */
  readonly secrets: ReadonlyMap<string, readonly KeyEvent[]>;
}

/** Indexes the creation facts of the trails. Pure. */
export function creationIndex(trails: readonly EventTrail[]): CreationIndex {
  const keys = new Map<string, KeyEvent>();
  const secrets = new Map<string, KeyEvent[]>();
  for (const trail of trails) {
    for (const event of trail.creations) {
      const publicKey = createdPublicKey(event);
      if (publicKey !== undefined) {
        const held = keys.get(publicKey);
        if (held === undefined || event.createdAt > held.createdAt) keys.set(publicKey, event);
      } else if (event.type === 'SERVICE_ACCOUNT_SECRET_ADDED') {
        const key = trailKey(trail);
        const held = secrets.get(key);
        if (held === undefined) secrets.set(key, [event]);
        else held.push(event);
      }
    }
  }
  return { keys, secrets };
}

/**
 * The creation event of a key of `scope`: a programmatic key's by its public key (in any trail:
 * a project's key may be created through its organisation); a service-account secret's by its
 * time (see {@link SECRET_EVENT_MATCH_MS}), when exactly one event is that near. Pure.
 */
export function creationOf(key: ApiKey, scope: Pick<Scope, 'kind' | 'owner' | 'id'>, index: CreationIndex): KeyEvent | undefined {
  if (scope.kind === 'programmatic') return key.publicKey === undefined ? undefined : index.keys.get(key.publicKey);
  if (scope.kind !== 'service_account' || key.createdAt === undefined) return undefined;
  const { createdAt } = key;
  if (scope.owner !== 'org' && scope.owner !== 'project') return undefined;
  const trail = trailKeyOf(scope.owner, scope.id);
  const near = (index.secrets.get(trail) ?? []).filter(
    (event) => (event.targetUsername === undefined || event.targetUsername === key.clientId) && Math.abs(event.createdAt - createdAt) <= SECRET_EVENT_MATCH_MS,
  );
  // Two secrets added in the same seconds cannot be told apart: neither gets facts it may not own.
  return near.length === 1 ? near[0] : undefined;
}

/**
 * The creation event of each of one scope's keys, where only that key matches it: an event two
 * secrets match (added in the same seconds) is neither's. Pure.
 */
export function creationsOf(keys: readonly ApiKey[], scope: Pick<Scope, 'kind' | 'owner' | 'id'>, index: CreationIndex): (KeyEvent | undefined)[] {
  const events = keys.map((key) => creationOf(key, scope, index));
  const uses = new Map<string, number>();
  for (const event of events) if (event !== undefined) uses.set(event.id, (uses.get(event.id) ?? 0) + 1);
  return events.map((event) => (event !== undefined && uses.get(event.id) === 1 ? event : undefined));
}

/**
 * The key with what its creation event says and the listing does not: the creation time (a
 * programmatic key's listing has none), who created it (the console user, or the public key of
 * the API key that did) and from which address. What the listing gives is kept. Pure; the same
 * object when nothing is added.
 */
export function withCreation(key: ApiKey, event: KeyEvent | undefined): ApiKey {
  if (event === undefined) return key;
  const createdBy = event.username ?? event.publicKey;
  const added: { -readonly [K in 'createdAt' | 'createdBy' | 'createdUserId' | 'createdIp']?: ApiKey[K] } = {};
  if (key.createdAt === undefined) added.createdAt = event.createdAt;
  if (key.createdBy === undefined && createdBy !== undefined) added.createdBy = createdBy;
  if (key.createdUserId === undefined && event.userId !== undefined) added.createdUserId = event.userId;
  if (key.createdIp === undefined && event.remoteAddress !== undefined) added.createdIp = event.remoteAddress;
  return Object.keys(added).length === 0 ? key : { ...key, ...added };
}
