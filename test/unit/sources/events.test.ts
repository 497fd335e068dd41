import { describe, expect, it } from 'vitest';
import { EVENTS_OVERLAP_MS, RECENT_EVENTS_KEPT, type EventTrail, type KeyEvent } from '../../../src/model/event.js';
import { eventWindow, mergeEvents, NO_EVENTS, parseEvents, type TrailEvents } from '../../../src/sources/events.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const LOOKBACK = 90 * DAY;
const NOW = Date.parse('2025-06-01T12:00:00Z');

const event = (id: string, type: KeyEvent['type'], createdAt: number, fields: Partial<KeyEvent> = {}): KeyEvent => ({ id, type, createdAt, ...fields });
const trail = (events: TrailEvents): EventTrail => ({ orgId: '4888442a3354817a7320eb61', credentialId: 'c', up: true, ...events });

describe('parseEvents: the v2 and the v1.0 shapes', () => {
  it('reads an Admin API v2 event (EventViewForOrg) with its actor and target', () => {
    const v2 = {
      id: '5b478b3afc4625789ce616a3',
      created: '2025-05-30T09:12:44Z',
      eventTypeName: 'API_KEY_CREATED',
      orgId: '4888442a3354817a7320eb61',
      userId: '5af9a1d29cc0cdb6ac0bf3f8',
      username: 'alice@example.com',
      remoteAddress: '198.51.100.7',
      targetPublicKey: 'zmmrboas',
      isGlobalAdmin: false,
      links: [{ rel: 'self', href: 'https://cloud.mongodb.com/api/atlas/v2/orgs/4888442a3354817a7320eb61/events/5b478b3afc4625789ce616a3' }],
    };
    expect(parseEvents([v2])).toEqual({
      events: [
        {
          id: '5b478b3afc4625789ce616a3',
          type: 'API_KEY_CREATED',
          createdAt: Date.parse('2025-05-30T09:12:44Z'),
          orgId: '4888442a3354817a7320eb61',
          userId: '5af9a1d29cc0cdb6ac0bf3f8',
          username: 'alice@example.com',
          remoteAddress: '198.51.100.7',
          targetPublicKey: 'zmmrboas',
        },
      ],
      invalid: [],
      unknown: 0,
    });
  });

  it("reads a Cloud/Ops Manager v1.0 event (the Go client's Event): an API key as the actor, the access-list entry, null fields", () => {
    const v1 = {
      id: '5c8aef6a96e82150c89b7a55',
      created: '2025-05-30T09:12:44.250Z',
      eventTypeName: 'API_KEY_ACCESS_LIST_ENTRY_ADDED',
      groupId: null,
      orgId: '5c8aef6a96e82150c89b7a50',
      apiKeyId: '5c8aef6a96e82150c89b7a51',
      publicKey: 'qwertyui',
      remoteAddress: '203.0.113.9',
      targetPublicKey: 'zmmrboas',
      whitelistEntry: '0.0.0.0/0',
      username: null,
    };
    expect(parseEvents([v1]).events).toEqual([
      {
        id: '5c8aef6a96e82150c89b7a55',
        type: 'API_KEY_ACCESS_LIST_ENTRY_ADDED',
        createdAt: Date.parse('2025-05-30T09:12:44.250Z'),
        orgId: '5c8aef6a96e82150c89b7a50',
        apiKeyId: '5c8aef6a96e82150c89b7a51',
        publicKey: 'qwertyui',
        remoteAddress: '203.0.113.9',
        targetPublicKey: 'zmmrboas',
        accessListEntry: '0.0.0.0/0',
      },
    ]);
  });

  it('skips an event that fails the schema and keeps the others; ignores unknown types', () => {
    const parsed = parseEvents([
      { id: 'a', created: 'yesterday', eventTypeName: 'API_KEY_DELETED' },
      { id: 'b', created: '2025-05-30T09:12:44Z', eventTypeName: 'CLUSTER_CREATED' },
      { created: '2025-05-30T09:12:44Z', eventTypeName: 'API_KEY_DELETED' },
      null,
      { id: 'c', created: '2025-05-30T09:12:44Z', eventTypeName: 'API_KEY_DELETED' },
    ]);
    expect(parsed.events.map((e) => e.id)).toEqual(['c']);
    expect(parsed.unknown).toBe(1);
    expect(parsed.invalid).toEqual([expect.stringMatching(/^item 0: created: not a timestamp/), expect.stringMatching(/^item 2: id:/), 'item 3: eventTypeName: missing or not a string']);
  });
});

describe('eventWindow', () => {
  it('reads the whole lookback the first time, and while the trail holds no event', () => {
    expect(eventWindow(undefined, NOW, LOOKBACK, EVENTS_OVERLAP_MS)).toEqual({ minDate: NOW - LOOKBACK });
    expect(eventWindow(trail(NO_EVENTS), NOW, LOOKBACK, EVENTS_OVERLAP_MS)).toEqual({ minDate: NOW - LOOKBACK });
  });

  it('then starts the overlap before the newest event seen, of any type', () => {
    const seen = trail({ ...NO_EVENTS, newest: { API_KEY_CREATED: NOW - DAY, ORG_TWO_FACTOR_AUTH_REQUIRED: NOW - 10 * MINUTE } });
    expect(eventWindow(seen, NOW, LOOKBACK, EVENTS_OVERLAP_MS)).toEqual({ minDate: NOW - 10 * MINUTE - EVENTS_OVERLAP_MS });
  });

  it('never before the lookback', () => {
    const seen = trail({ ...NO_EVENTS, newest: { API_KEY_CREATED: NOW - LOOKBACK + MINUTE } });
    expect(eventWindow(seen, NOW, LOOKBACK, EVENTS_OVERLAP_MS)).toEqual({ minDate: NOW - LOOKBACK });
  });
});

describe('mergeEvents', () => {
  const start = NOW - LOOKBACK;

  it('keeps the newest time per type, and of an entry that opens an access list to any address', () => {
    const merged = mergeEvents(
      NO_EVENTS,
      [
        event('1', 'API_KEY_ACCESS_LIST_ENTRY_ADDED', NOW - 3 * MINUTE, { accessListEntry: '::/0' }),
        event('2', 'API_KEY_ACCESS_LIST_ENTRY_ADDED', NOW - 2 * MINUTE, { accessListEntry: '192.0.2.0/24' }),
        event('3', 'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED', NOW - 4 * MINUTE, { accessListEntry: '0.0.0.0/0' }),
        event('4', 'API_KEY_ACCESS_LIST_ENTRY_DELETED', NOW - MINUTE, { accessListEntry: '0.0.0.0/0' }),
      ],
      start,
    );
    expect(merged.newest).toEqual({ API_KEY_ACCESS_LIST_ENTRY_ADDED: NOW - 2 * MINUTE, SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED: NOW - 4 * MINUTE, API_KEY_ACCESS_LIST_ENTRY_DELETED: NOW - MINUTE });
    expect(merged.anyAddressAddedAt).toBe(NOW - 3 * MINUTE);
    expect(merged.recent.map((e) => e.id)).toEqual(['4', '2', '1', '3']);
  });

  it('has no time of an opening to any address when no event opened one', () => {
    expect(mergeEvents(NO_EVENTS, [event('1', 'API_KEY_ACCESS_LIST_ENTRY_ADDED', NOW, { accessListEntry: '10.0.0.0/8' })], start)).not.toHaveProperty('anyAddressAddedAt');
  });

  it('adds an event read twice (the overlap) once', () => {
    const first = mergeEvents(NO_EVENTS, [event('1', 'API_KEY_CREATED', NOW - MINUTE), event('2', 'API_KEY_DELETED', NOW - 2 * MINUTE)], start);
    const again = mergeEvents(first, [event('1', 'API_KEY_CREATED', NOW - MINUTE), event('3', 'API_KEY_ROLES_CHANGED', NOW)], start);
    expect(again.recent.map((e) => e.id)).toEqual(['3', '1', '2']);
    expect(mergeEvents(again, [event('1', 'API_KEY_CREATED', NOW - MINUTE), event('3', 'API_KEY_ROLES_CHANGED', NOW)], start)).toEqual(again);
  });

  it(`keeps at most ${RECENT_EVENTS_KEPT} recent events, the newest, but every type's newest time and every creation fact`, () => {
    const many = Array.from({ length: RECENT_EVENTS_KEPT + 100 }, (_, index) => event(`e${index}`, 'API_KEY_DESCRIPTION_CHANGED', NOW - index * 1000));
    const creation = event('created', 'API_KEY_CREATED', NOW - DAY, { targetPublicKey: 'zmmrboas' });
    const merged = mergeEvents(NO_EVENTS, [...many, creation], start);
    expect(merged.recent).toHaveLength(RECENT_EVENTS_KEPT);
    expect(merged.recent[0]?.id).toBe('e0');
    expect(merged.recent.at(-1)?.id).toBe(`e${RECENT_EVENTS_KEPT - 1}`);
    expect(merged.newest.API_KEY_CREATED).toBe(NOW - DAY);
    expect(merged.creations).toEqual([creation]);
    // A later cycle keeps it though it is long out of the recent events.
    const later = mergeEvents(merged, many.slice(0, 10), start + DAY);
    expect(later.creations).toEqual([creation]);
  });

  it('drops the times older than the lookback, as a restart that reads the lookback back would not have them', () => {
    const old = mergeEvents(NO_EVENTS, [event('1', 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED', start + MINUTE), event('2', 'API_KEY_ACCESS_LIST_ENTRY_ADDED', start + MINUTE, { accessListEntry: '0.0.0.0/0' })], start);
    expect(old.newest).toEqual({ ORG_PUBLIC_API_ACCESS_LIST_REQUIRED: start + MINUTE, API_KEY_ACCESS_LIST_ENTRY_ADDED: start + MINUTE });
    const later = mergeEvents(old, [], start + 2 * MINUTE);
    expect(later.newest).toEqual({});
    expect(later).not.toHaveProperty('anyAddressAddedAt');
    // What a restart at that time reads back: nothing older than the lookback.
    expect(later.newest).toEqual(mergeEvents(NO_EVENTS, [], start + 2 * MINUTE).newest);
  });

  it('drops a creation fact once older than the lookback: a key has an age only while its event is within it, before and after a restart', () => {
    const creation = event('c', 'API_KEY_CREATED', start + MINUTE, { targetPublicKey: 'zmmrboas' });
    const held = mergeEvents(NO_EVENTS, [creation], start);
    expect(held.creations).toEqual([creation]);
    expect(mergeEvents(held, [], start + 2 * MINUTE).creations).toEqual([]);
  });

  it("keeps one API_KEY_CREATED per key (the newest), and every secret's SERVICE_ACCOUNT_SECRET_ADDED", () => {
    const merged = mergeEvents(
      NO_EVENTS,
      [
        event('1', 'API_KEY_CREATED', NOW - 2 * DAY, { targetPublicKey: 'zmmrboas' }),
        event('2', 'API_KEY_CREATED', NOW - DAY, { targetPublicKey: 'zmmrboas' }),
        event('3', 'SERVICE_ACCOUNT_SECRET_ADDED', NOW - DAY, { targetUsername: 'mdb_sa_id_1' }),
        event('4', 'SERVICE_ACCOUNT_SECRET_ADDED', NOW - 2 * DAY, { targetUsername: 'mdb_sa_id_1' }),
        event('5', 'API_KEY_DELETED', NOW, { targetPublicKey: 'zmmrboas' }),
      ],
      start,
    );
    expect(merged.creations.map((e) => e.id).sort()).toEqual(['2', '3', '4']);
  });
});
