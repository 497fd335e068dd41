import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AtlasClient } from '../../../src/atlas/client.js';
import type { OrganizationEntry } from '../../../src/config/load.js';
import { ApiError } from '../../../src/errors/api-error.js';
import { EVENT_TYPES, EVENTS_OVERLAP_MS } from '../../../src/model/event.js';
import { EventTrailSource, trailSourcesFrom } from '../../../src/sources/event-trails.js';
import { OrganizationDirectory } from '../../../src/sources/organizations.js';
import type { SourceContext } from '../../../src/sources/source.js';

const ORG = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const PROJECT = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const DAY = 86_400_000;
const NOW = Date.parse('2025-06-01T12:00:00Z');

const entry = (fields: Partial<OrganizationEntry> = {}): OrganizationEntry => ({
  auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: 'secret' },
  baseUrl: 'https://cloud.mongodb.com/api/atlas/v2',
  ids: [ORG],
  discover: false,
  globalKeys: false,
  apiKeys: true,
  accessLists: false,
  serviceAccounts: false,
  includeSystemManaged: false,
  includeProjects: true,
  events: true,
  eventsLookbackMs: 30 * DAY,
  ...fields,
});

const created = { id: '5b478b3afc4625789ce616a3', created: '2025-06-01T11:00:00Z', eventTypeName: 'API_KEY_CREATED', targetPublicKey: 'abcdefgh', username: 'alice@example.com' };

/** A client that answers each path (before its query) from `answers`, and records what was asked and with which options. */
function setup(answers: Record<string, unknown[] | Error>, fields: Partial<OrganizationEntry> = {}) {
  const requests: { path: string; query: URLSearchParams; accept: string | undefined }[] = [];
  const client = {
    getAllPages: async (_credential: unknown, path: string, _signal: AbortSignal, options: { accept?: string } = {}) => {
      const [bare = '', query] = path.split('?');
      requests.push({ path: bare, query: new URLSearchParams(query), accept: options.accept });
      const answer = answers[bare];
      if (answer === undefined) throw new ApiError('GET', bare, 404, 'NOT_FOUND');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as AtlasClient;
  const directory = new OrganizationDirectory(entry(fields));
  const [source] = trailSourcesFrom([directory]);
  const context = (cycle: number): SourceContext => ({ cycle, client, signal: new AbortController().signal, log: pino({ level: 'silent' }) });
  return { source: source!, context, requests };
}

describe('EventTrailSource', () => {
  it('reads the organisation and, with includeProjects, each project: the known types, from the lookback, v2 media type', async () => {
    const { source, context, requests } = setup({ [`/orgs/${ORG}/groups`]: [{ id: PROJECT, name: 'Checkout' }], [`/orgs/${ORG}/events`]: [created], [`/groups/${PROJECT}/events`]: [] });
    const refs = await source.listTrails(context(1));
    expect(refs).toEqual([{ orgId: ORG }, { orgId: ORG, projectId: PROJECT }]);
    const trails = await Promise.all(refs.map((ref) => source.readTrail(ref, undefined, context(1), NOW)));
    const events = requests.filter((request) => request.path.endsWith('/events'));
    expect(events.map((request) => request.path)).toEqual([`/orgs/${ORG}/events`, `/groups/${PROJECT}/events`]);
    for (const request of events) {
      expect(request.query.getAll('eventType')).toEqual([...EVENT_TYPES]);
      expect(request.query.get('minDate')).toBe(new Date(NOW - 30 * DAY).toISOString());
      expect(request.accept).toBe('application/vnd.atlas.2023-01-01+json');
    }
    expect(trails[0]).toMatchObject({ orgId: ORG, up: true, newest: { API_KEY_CREATED: Date.parse(created.created) } });
    expect(trails[0]).not.toHaveProperty('projectId');
    expect(trails[1]).toMatchObject({ orgId: ORG, projectId: PROJECT, up: true, newest: {} });
  });

  it('reads on from the newest event seen, less the overlap', async () => {
    const { source, context, requests } = setup({ [`/orgs/${ORG}/events`]: [created] }, { includeProjects: false });
    const first = await source.readTrail({ orgId: ORG }, undefined, context(1), NOW);
    await source.readTrail({ orgId: ORG }, first, context(2), NOW + 60_000);
    expect(requests.map((request) => request.query.get('minDate'))).toEqual([new Date(NOW - 30 * DAY).toISOString(), new Date(Date.parse(created.created) - EVENTS_OVERLAP_MS).toISOString()]);
  });

  it("Cloud/Ops Manager's v1.0: the same paths under its base URL, without a media type", async () => {
    const { source, context, requests } = setup({ [`/orgs/${ORG}/events`]: [created] }, { baseUrl: 'https://ops.example.com/api/public/v1.0', includeProjects: false });
    const trail = await source.readTrail({ orgId: ORG }, undefined, context(1), NOW);
    expect(requests).toEqual([expect.objectContaining({ path: `/orgs/${ORG}/events`, accept: undefined })]);
    expect(trail.up).toBe(true);
  });

  it('a failed read fails the trail with its reason and keeps its last events', async () => {
    const answers: Record<string, unknown[] | Error> = { [`/orgs/${ORG}/events`]: [created] };
    const { source, context } = setup(answers, { includeProjects: false });
    const first = await source.readTrail({ orgId: ORG }, undefined, context(1), NOW);
    answers[`/orgs/${ORG}/events`] = new ApiError('GET', `/orgs/${ORG}/events`, 403, 'USER_UNAUTHORIZED');
    const second = await source.readTrail({ orgId: ORG }, first, context(2), NOW + 60_000);
    expect(second).toEqual({ ...first, up: false, lastFailure: expect.objectContaining({ reason: 'forbidden', status: 403 }) });
    answers[`/orgs/${ORG}/events`] = [];
    const third = await source.readTrail({ orgId: ORG }, second, context(3), NOW + 120_000);
    expect(third).toEqual(first);
  });

  it('events: false reads no trail', () => {
    expect(trailSourcesFrom([new OrganizationDirectory(entry({ events: false }))])).toEqual([]);
    expect(trailSourcesFrom([new OrganizationDirectory(entry())])[0]).toBeInstanceOf(EventTrailSource);
  });
});
