import { z } from 'zod';
import { CREATION_TYPES, createdPublicKey, EVENT_TYPES, RECENT_EVENTS_KEPT, type EventTrail, type EventType, type KeyEvent } from '../model/event.js';
import { opensToAll } from '../model/api-key.js';
import { describeIssue, timestamp } from './fields.js';

/**
 * An event as the events listings send it: `EventViewForOrg` / `EventViewForNdsGroup` of the Admin
 * API v2, and the v1.0 `Event` of Cloud/Ops Manager, which share these field names. The document
 * requires `id`, `created` and `eventTypeName`; every other field may be absent.
 */
export const eventSchema = z.looseObject({
  id: z.string().min(1),
  created: timestamp,
  eventTypeName: z.string(),
  orgId: z.string().nullish(),
  groupId: z.string().nullish(),
  username: z.string().nullish(),
  userId: z.string().nullish(),
  publicKey: z.string().nullish(),
  apiKeyId: z.string().nullish(),
  remoteAddress: z.string().nullish(),
  targetPublicKey: z.string().nullish(),
  targetUsername: z.string().nullish(),
  whitelistEntry: z.string().nullish(),
});

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);
const isKnown = (type: unknown): type is EventType => typeof type === 'string' && KNOWN.has(type);

/** The events of a listing the exporter understands, and what it left out. */
export interface ParsedEvents {
  readonly events: readonly KeyEvent[];
  /** Items of a known type that do not read as an event: each described (index, field, problem). */
  readonly invalid: readonly string[];
  /** Items of a type the exporter does not know (the filter let them through); ignored. */
  readonly unknown: number;
}

/**
 * Reads the items of an events listing. Pure. An item of an unknown type is ignored; an item
 * that fails the schema is left out and described, and the others are kept: one odd event must
 * not hide the trail.
 */
export function parseEvents(items: readonly unknown[]): ParsedEvents {
  const events: KeyEvent[] = [];
  const invalid: string[] = [];
  let unknown = 0;
  items.forEach((item, index) => {
    const type = (item as { eventTypeName?: unknown } | null)?.eventTypeName;
    if (!isKnown(type)) {
      if (typeof type === 'string') unknown++;
      else invalid.push(`item ${index}: eventTypeName: missing or not a string`);
      return;
    }
    const parsed = eventSchema.safeParse(item);
    if (!parsed.success) {
      invalid.push(describeIssue(index, parsed.error));
      return;
    }
    events.push(toKeyEvent(parsed.data, type));
  });
  return { events, invalid, unknown };
}

function toKeyEvent(item: z.output<typeof eventSchema>, type: EventType): KeyEvent {
  const optional = (name: keyof KeyEvent, value: string | null | undefined) => (value ? { [name]: value } : {});
  return {
    id: item.id,
    type,
    createdAt: item.created,
    ...optional('orgId', item.orgId),
    ...optional('projectId', item.groupId),
    ...optional('username', item.username),
    ...optional('userId', item.userId),
    ...optional('publicKey', item.publicKey),
    ...optional('apiKeyId', item.apiKeyId),
    ...optional('remoteAddress', item.remoteAddress),
    ...optional('targetPublicKey', item.targetPublicKey),
    ...optional('targetUsername', item.targetUsername),
    ...optional('accessListEntry', item.whitelistEntry),
  };
}


const ACCESS_LIST_ADDED: ReadonlySet<EventType> = new Set(['API_KEY_ACCESS_LIST_ENTRY_ADDED', 'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED']);

/** What the trail's read asks for: events created at `minDate` or later. */
export interface EventWindow {
  readonly minDate: number;
}

/**
 * Where the next read of a trail starts. Pure. The first read (no trail yet, or one that holds no
 * event) goes back `lookbackMs`; a later one starts `overlapMs` before the newest event seen, so
 * that an event the API shows late is still read, and never before the lookback.
 */
export function eventWindow(previous: EventTrail | undefined, nowMs: number, lookbackMs: number, overlapMs: number): EventWindow {
  const lookbackStart = nowMs - lookbackMs;
  const newest = previous === undefined ? undefined : newestOf(previous);
  return { minDate: newest === undefined ? lookbackStart : Math.max(lookbackStart, newest - overlapMs) };
}

function newestOf(trail: EventTrail): number | undefined {
  let newest: number | undefined;
  for (const at of Object.values(trail.newest)) if (at !== undefined && (newest === undefined || at > newest)) newest = at;
  return newest;
}

/** The parts of a trail that come from its events. */
export type TrailEvents = Pick<EventTrail, 'recent' | 'newest' | 'anyAddressAddedAt' | 'creations'>;

export const NO_EVENTS: TrailEvents = { recent: [], newest: {}, creations: [] };

/**
 * The trail's events after a read. Pure. Events already held (by id) are not added twice;
 * `recent` keeps the newest `cap`; the newest time per type and of an opening to any address
 * keep the maximum; the creation facts one per credential (see `creationKey`), the newest,
 * also once out of `recent`. Whatever is older than the lookback (`lookbackStart`) is dropped, so
 * that a restart, which reads the lookback back, comes to the same values.
 */
export function mergeEvents(previous: TrailEvents, read: readonly KeyEvent[], lookbackStart: number, cap = RECENT_EVENTS_KEPT): TrailEvents {
  const seen = new Set(previous.recent.map((event) => event.id));
  const added = read.filter((event) => !seen.has(event.id) && seen.add(event.id));
  const recent = [...added, ...previous.recent].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, cap);
  const newest: Partial<Record<EventType, number>> = {};
  for (const [type, at] of Object.entries(previous.newest) as [EventType, number][]) if (at >= lookbackStart) newest[type] = at;
  let anyAddressAddedAt = previous.anyAddressAddedAt !== undefined && previous.anyAddressAddedAt >= lookbackStart ? previous.anyAddressAddedAt : undefined;
  const creations = new Map(previous.creations.filter((event) => event.createdAt >= lookbackStart).map((event) => [creationKey(event), event]));
  for (const event of added) {
    if (event.createdAt >= lookbackStart && event.createdAt > (newest[event.type] ?? -Infinity)) newest[event.type] = event.createdAt;
    if (ACCESS_LIST_ADDED.has(event.type) && event.accessListEntry !== undefined && opensToAll(event.accessListEntry) && event.createdAt >= lookbackStart && event.createdAt > (anyAddressAddedAt ?? -Infinity)) {
      anyAddressAddedAt = event.createdAt;
    }
    if (CREATION_TYPES.has(event.type) && event.createdAt >= lookbackStart) {
      const key = creationKey(event);
      const held = creations.get(key);
      if (held === undefined || event.createdAt > held.createdAt) creations.set(key, event);
    }
  }
  return { recent, newest, ...(anyAddressAddedAt !== undefined ? { anyAddressAddedAt } : {}), creations: [...creations.values()] };
}

/**
 * One creation fact per credential: a key's `API_KEY_CREATED` by its public key; each
 * `SERVICE_ACCOUNT_SECRET_ADDED` on its own (an account has several secrets), by its id.
 */
function creationKey(event: KeyEvent): string {
  const publicKey = createdPublicKey(event);
  return publicKey !== undefined ? `key/${publicKey}` : `event/${event.id}`;
}
