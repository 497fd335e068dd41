// The organisations' and projects' event trails, read from the simulator: the first cycle reads the
// lookback, later ones read on from the newest event with an overlap; the trail families and the
// creation facts of the keys in /metrics; a failing events listing fails only its trail; events:
// false reads none; a restart comes back to the same values.
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_TYPES, EVENTS_OVERLAP_MS } from '../../src/model/event.js';
import { generateDataset, organizationsConfigFor, type Dataset, type Simulator } from '../../src/simulator/index.js';
import { select, valueOf, type Sample } from '../helpers/metrics.js';
import { startStack, type Stack } from '../helpers/stack.js';

const stacks: Stack[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

type Doc = Record<string, any>;
const DAY = 86_400_000;
const LOOKBACK_MS = 90 * DAY;
const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);
const DATASET = { seed: 15, users: 1, keysPerUser: 1, projects: 3, keysPerProject: 1, orgs: 2, programmaticKeysPerOrg: 6, programmaticKeysPerProject: 1, serviceAccountsPerOrg: 2, serviceAccountsPerProject: 1, secretsPerServiceAccount: 2, assignedServiceAccountsPerProject: 1 };

/** One digest entry per organisation, with its projects (the simulator's default config), optionally changed. */
function organizations(sim: Simulator, change: (entry: Record<string, unknown>) => void = () => undefined): Record<string, unknown>[] {
  return organizationsConfigFor(sim)
    .filter((entry) => 'publicKey' in entry)
    .map((entry) => {
      change(entry);
      return entry;
    });
}

async function start(dataset: Dataset, change?: (entry: Record<string, unknown>) => void): Promise<Stack> {
  const stack = await startStack({ dataset, simulator: { logRequests: true }, configure: (config, sim) => ((config.users = []), (config.projects = []), (config.organizations = organizations(sim, change))) });
  stacks.push(stack);
  return stack;
}

/** The events requests the simulator logged, with their trail and minDate. */
function eventRequests(sim: Simulator): { trail: string; minDate: number; types: string[] }[] {
  return sim.requestLog
    .filter((request) => /\/events(\?|$)/.test(request.url))
    .map((request) => {
      const url = new URL(request.url, 'http://simulator');
      return { trail: /\/(?:orgs|groups)\/([0-9a-f]{24})\/events/.exec(url.pathname)![1]!, minDate: Date.parse(url.searchParams.get('minDate') ?? ''), types: url.searchParams.getAll('eventType') };
    });
}

/** Every trail of the data set the exporter reads: each organisation, and each of its projects. */
const trailIds = (dataset: Dataset): string[] => dataset.orgs!.flatMap((org) => [org.id, ...org.projectIds]);

/** The newest event of each known type in a trail of the data set, created at or after `since`. */
function newestByType(dataset: Dataset, trail: string, since: number): Map<string, number> {
  const newest = new Map<string, number>();
  for (const event of dataset.eventTrails?.[trail] ?? []) {
    const at = Date.parse(event.created);
    if (KNOWN.has(event.eventTypeName) && at >= since && at > (newest.get(event.eventTypeName) ?? -Infinity)) newest.set(event.eventTypeName, at);
  }
  return newest;
}

/** The trail series of /metrics, by org_id/project_id/event_type. */
function trailSeries(samples: Sample[]): Record<string, number> {
  const names = ['mongodb_apikey_event_last_timestamp_seconds', 'mongodb_apikey_events_up', 'mongodb_apikey_event_any_address_added_timestamp_seconds'];
  return Object.fromEntries(
    samples.filter((sample) => names.includes(sample.name)).map((sample) => [`${sample.name}{${sample.labels.org_id},${sample.labels.project_id ?? ''},${sample.labels.event_type ?? ''}}`, sample.value]),
  );
}

describe('event trails', () => {
  it('the first cycle reads the lookback of every trail, the second on from its newest event less the overlap: one request per trail each', async () => {
    const dataset = generateDataset(DATASET);
    const before = Date.now();
    const stack = await start(dataset);
    const trails = trailIds(dataset);
    const first = eventRequests(stack.sim);
    expect(first.map((request) => request.trail).sort()).toEqual([...trails].sort());
    for (const request of first) {
      expect(request.types).toEqual([...EVENT_TYPES]);
      expect(request.minDate).toBeGreaterThanOrEqual(before - LOOKBACK_MS - 1_000);
      expect(request.minDate).toBeLessThanOrEqual(Date.now() - LOOKBACK_MS);
    }
    const samples = await stack.scrape();
    /** The series of one trail: an organisation's own (no project_id) or a project's. */
    const ofTrail = (name: string, trail: string) => select(samples, name).filter((sample) => (sample.labels.project_id ?? sample.labels.org_id) === trail);
    for (const trail of trails) {
      expect(ofTrail('mongodb_apikey_events_up', trail).map((sample) => sample.value)).toEqual([1]);
      const expected = newestByType(dataset, trail, first.find((request) => request.trail === trail)!.minDate);
      const published = ofTrail('mongodb_apikey_event_last_timestamp_seconds', trail);
      expect(Object.fromEntries(published.map((sample) => [sample.labels.event_type, sample.value]))).toEqual(Object.fromEntries([...expected].map(([type, at]) => [type, at / 1000])));
    }
    expect(select(samples, 'mongodb_apikey_event_last_timestamp_seconds').length).toBeGreaterThan(trails.length);

    const answered = (all: Sample[]) => select(all, 'mongodb_apikey_api_requests_total', { api: 'atlas', code: '200' }).reduce((sum, sample) => sum + sample.value, 0);
    stack.sim.resetStats();
    await stack.cycle();
    const second = eventRequests(stack.sim);
    // The events requests count in api_requests_total like every request: all the cycle's answered requests are there.
    expect(answered(await stack.scrape()) - answered(samples)).toBe(stack.sim.stats.dataRequests);
    expect(second.map((request) => request.trail).sort()).toEqual([...trails].sort());
    let incremental = 0;
    for (const request of second) {
      const lookbackStart = first.find((earlier) => earlier.trail === request.trail)!.minDate;
      const newest = Math.max(...newestByType(dataset, request.trail, lookbackStart).values());
      if (Number.isFinite(newest) && newest - EVENTS_OVERLAP_MS > lookbackStart + 60_000) {
        expect(request.minDate).toBe(newest - EVENTS_OVERLAP_MS);
        incremental++;
      } else {
        // No event in the lookback, or one near its start: the lookback again.
        expect(request.minDate).toBeGreaterThanOrEqual(lookbackStart);
        expect(request.minDate).toBeLessThanOrEqual(Date.now() - LOOKBACK_MS);
      }
    }
    expect(incremental).toBeGreaterThan(0);
    expect(trailSeries(await stack.scrape())).toEqual(trailSeries(samples));
  });

  it('publishes the creation time, creator and address of the programmatic keys created within the lookback', async () => {
    const dataset = generateDataset(DATASET);
    const stack = await start(dataset);
    const samples = await stack.scrape();
    const created = Object.values(dataset.eventTrails ?? {})
      .flat()
      .filter((event) => event.eventTypeName === 'API_KEY_CREATED' && Date.parse(event.created) >= Date.now() - LOOKBACK_MS);
    let enriched = 0;
    for (const org of dataset.orgs!) {
      for (const key of [...org.programmaticKeys, ...dataset.projects.filter((project) => project.orgId === org.id).flatMap((project) => project.programmaticKeys ?? [])] as Doc[]) {
        const identity = { kind: 'programmatic', org_id: org.id, key_id: key.id };
        const event = created.find((candidate) => candidate.targetPublicKey === key.publicKey);
        if (event === undefined) {
          expect(select(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toEqual([]);
          continue;
        }
        enriched++;
        expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(Date.parse(event.created) / 1000);
        expect(select(samples, 'mongodb_apikey_info', identity)[0]?.labels).toMatchObject({ created_by: event.username ?? event.publicKey, created_ip: event.remoteAddress });
      }
    }
    expect(enriched).toBeGreaterThan(0);
  });

  it('shows a change within one cycle, once however often the overlap reads it again; a new key gets its creation time', async () => {
    const dataset = generateDataset(DATASET);
    const stack = await start(dataset);
    const orgId = dataset.orgs![0]!.id;
    const key = stack.sim.mutate.createApiKey(orgId, { desc: 'made by the test' });
    stack.sim.mutate.addAccessListEntry(orgId, String(key['id']), '0.0.0.0/0');
    const events = stack.sim.mutate.events;
    const createdAt = Date.parse(events.at(-2)!.created);
    const openedAt = Date.parse(events.at(-1)!.created);
    const snapshot = await stack.cycle();
    const samples = await stack.scrape();
    const identity = { kind: 'programmatic', org_id: orgId, key_id: String(key['id']) };
    expect(valueOf(samples, 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(createdAt / 1000);
    expect(valueOf(samples, 'mongodb_apikey_event_last_timestamp_seconds', { org_id: orgId, event_type: 'API_KEY_CREATED' })).toBe(createdAt / 1000);
    expect(select(samples, 'mongodb_apikey_event_any_address_added_timestamp_seconds', { org_id: orgId }).filter((sample) => sample.labels.project_id === undefined)[0]?.value).toBe(openedAt / 1000);
    const recentIds = (s: typeof snapshot) => s.trails.find((trail) => trail.orgId === orgId && trail.projectId === undefined)!.recent.map((event) => event.id);
    expect(recentIds(snapshot).filter((id) => id === events.at(-1)!.id)).toHaveLength(1);
    // The next cycle reads both again (they lie within the overlap): still once each.
    const again = await stack.cycle();
    expect(recentIds(again)).toEqual(recentIds(snapshot));
    expect(valueOf(await stack.scrape(), 'mongodb_apikey_created_timestamp_seconds', identity)).toBe(createdAt / 1000);
  });

  it('a failing events listing fails only its trail: events_up 0, the keys and the other trails as before, its last values kept', async () => {
    const dataset = generateDataset(DATASET);
    const stack = await start(dataset);
    const orgId = dataset.orgs![0]!.id;
    const before = await stack.scrape();
    stack.sim.setFault(`events:${orgId}`, { type: 'status', status: 503 });
    await stack.cycle();
    const samples = await stack.scrape();
    const series = trailSeries(samples);
    expect(series[`mongodb_apikey_events_up{${orgId},,}`]).toBe(0);
    expect({ ...series, [`mongodb_apikey_events_up{${orgId},,}`]: 1 }).toEqual(trailSeries(before));
    expect(select(samples, 'mongodb_apikey_scope_up').every((sample) => sample.value === 1)).toBe(true);
    expect(select(samples, 'mongodb_apikey_info').length).toBe(select(before, 'mongodb_apikey_info').length);
    expect(select(samples, 'mongodb_apikey_created_timestamp_seconds')).toEqual(select(before, 'mongodb_apikey_created_timestamp_seconds'));
    expect(stack.logs.some((line) => line.includes('events not read') && line.includes(orgId) && line.includes('server_error'))).toBe(true);
    stack.sim.setFault(`events:${orgId}`, undefined);
    await stack.cycle();
    expect(trailSeries(await stack.scrape())).toEqual(trailSeries(before));
  });

  it('events: false reads no trail: no events request, no trail series, no creation time for programmatic keys', async () => {
    const dataset = generateDataset(DATASET);
    const stack = await start(dataset, (entry) => (entry['events'] = false));
    expect(eventRequests(stack.sim)).toEqual([]);
    const samples = await stack.scrape();
    expect(select(samples, 'mongodb_apikey_events_up')).toEqual([]);
    expect(select(samples, 'mongodb_apikey_created_timestamp_seconds', { kind: 'programmatic' })).toEqual([]);
    const up = select(samples, 'mongodb_apikey_scope_up');
    expect(up.length).toBeGreaterThan(0);
    expect(up.every((sample) => sample.value === 1)).toBe(true);
  });

  it('after a restart, the first cycle comes back to the same trail series and creation times', async () => {
    const dataset = generateDataset(DATASET);
    const first = await start(dataset);
    const orgId = dataset.orgs![0]!.id;
    const key = first.sim.mutate.createApiKey(orgId);
    // Switched off (on first, where it was off already: a change records an event).
    first.sim.mutate.setAccessListRequired(orgId, true);
    first.sim.mutate.setAccessListRequired(orgId, false);
    await first.cycle();
    await first.cycle();
    const before = await first.scrape();
    expect(trailSeries(before)[`mongodb_apikey_event_last_timestamp_seconds{${orgId},,ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED}`]).toBeGreaterThan(Date.now() / 1000 - 3_600);
    expect(select(before, 'mongodb_apikey_created_timestamp_seconds', { kind: 'programmatic', key_id: String(key['id']) })).toHaveLength(1);
    // Another exporter (and simulator) over the same, changed data: a restart.
    const second = await start(first.sim.dataset);
    const after = await second.scrape();
    expect(trailSeries(after)).toEqual(trailSeries(before));
    const created = (samples: Sample[]) => Object.fromEntries(select(samples, 'mongodb_apikey_created_timestamp_seconds').map((sample) => [`${sample.labels.kind}/${sample.labels.key_id}`, sample.value]));
    expect(created(after)).toEqual(created(before));
  });
});
