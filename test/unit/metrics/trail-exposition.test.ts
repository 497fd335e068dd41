import { describe, expect, it } from 'vitest';
import { buildKeyExpositionBytes, renderKeyExposition } from '../../../src/metrics/key-exposition.js';
import type { EventTrail } from '../../../src/model/event.js';

const ORG = '4888442a3354817a7320eb61';
const PROJECT = '5e2211c17a3e5a48f5497de5';
const trail = (fields: Partial<EventTrail>): EventTrail => ({ orgId: ORG, credentialId: 'c', up: true, recent: [], newest: {}, creations: [], ...fields });
/** The exposition of a snapshot that has only these trails, without its last poll time. */
const text = (trails: readonly EventTrail[]): string =>
  renderKeyExposition({ scopes: [], trails, completedAt: 0, cycle: 1 }, 0)
    .split('\n')
    .filter((line) => !line.includes('last_poll_timestamp_seconds'))
    .join('\n');
const samples = (exposition: string): string[] => exposition.split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('the trail families', () => {
  it('writes events_up per trail, the newest time per known type in the order of EVENT_TYPES, and the newest opening to any address', () => {
    const trails = [
      trail({ newest: { ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED: 1_748_750_000_000, API_KEY_CREATED: 1_748_600_000_250 }, anyAddressAddedAt: 1_748_700_000_000 }),
      trail({ projectId: PROJECT, up: false }),
    ];
    expect(samples(text(trails))).toEqual([
      `mongodb_apikey_event_last_timestamp_seconds{org_id="${ORG}",event_type="API_KEY_CREATED"} 1748600000.25`,
      `mongodb_apikey_event_last_timestamp_seconds{org_id="${ORG}",event_type="ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED"} 1748750000`,
      `mongodb_apikey_events_up{org_id="${ORG}"} 1`,
      `mongodb_apikey_events_up{org_id="${ORG}",project_id="${PROJECT}"} 0`,
      `mongodb_apikey_event_any_address_added_timestamp_seconds{org_id="${ORG}"} 1748700000`,
    ]);
    expect(buildKeyExpositionBytes({ scopes: [], trails, completedAt: 0, cycle: 1 }).series).toBe(5 + 1);
  });

  it('writes nothing without trails, and a family without series not at all', () => {
    expect(text([]).trim()).toBe('');
    expect(text([trail({})])).not.toContain('event_last_timestamp_seconds');
    expect(text([trail({})])).not.toContain('event_any_address_added_timestamp_seconds');
  });

  it("are part of the key exposition", () => {
    const exposition = renderKeyExposition({ scopes: [], trails: [trail({})], completedAt: 0, cycle: 1 }, 0);
    expect(samples(exposition)).toContain(`mongodb_apikey_events_up{org_id="${ORG}"} 1`);
  });
});
