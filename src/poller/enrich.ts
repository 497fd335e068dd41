import type { ApiKey, KeyKind } from '../model/api-key.js';
import type { EventTrail, KeyEvent } from '../model/event.js';

/**
 * How far apart a `SERVICE_ACCOUNT_SECRET_ADDED` event and a secret's `createdAt` may be to be
 * the same secret: the event names the account, not the secret, and both times are the API's.
 */
export const SECRET_EVENT_MATCH_MS = 60_000;

/** The creation facts of every trail, by what they are matched on. */
export interface CreationIndex {
  /** `API_KEY_CREATED` by the created key's public key (`targetPublicKey`). */
  readonly keys: ReadonlyMap<string, KeyEvent>;
  /** `SERVICE_ACCOUNT_SECRET_ADDED` by the account it names (`targetUsername`, the client id). */
  readonly secrets: ReadonlyMap<string, readonly KeyEvent[]>;
}

/** Indexes the creation facts of the trails. Pure. */
export function creationIndex(trails: readonly EventTrail[]): CreationIndex {
  const keys = new Map<string, KeyEvent>();
  const secrets = new Map<string, KeyEvent[]>();
  for (const trail of trails) {
    for (const event of trail.creations) {
      if (event.type === 'API_KEY_CREATED' && event.targetPublicKey !== undefined) {
        const held = keys.get(event.targetPublicKey);
        if (held === undefined || event.createdAt > held.createdAt) keys.set(event.targetPublicKey, event);
      } else if (event.type === 'SERVICE_ACCOUNT_SECRET_ADDED' && event.targetUsername !== undefined) {
        secrets.set(event.targetUsername, [...(secrets.get(event.targetUsername) ?? []), event]);
      }
    }
  }
  return { keys, secrets };
}

/** The creation event of a key: a programmatic key's by its public key, a secret's by its account and time. Pure. */
export function creationOf(key: ApiKey, kind: KeyKind, index: CreationIndex): KeyEvent | undefined {
  if (kind === 'programmatic') return key.publicKey === undefined ? undefined : index.keys.get(key.publicKey);
  if (kind !== 'service_account' || key.clientId === undefined || key.createdAt === undefined) return undefined;
  let best: KeyEvent | undefined;
  for (const event of index.secrets.get(key.clientId) ?? []) {
    const distance = Math.abs(event.createdAt - key.createdAt);
    if (distance <= SECRET_EVENT_MATCH_MS && (best === undefined || distance < Math.abs(best.createdAt - key.createdAt))) best = event;
  }
  return best;
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
