import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AtlasClient } from '../../../src/atlas/client.js';
import { Credential } from '../../../src/atlas/credential.js';
import { ApiError } from '../../../src/errors/api-error.js';
import type { ApiKey, KeyKind } from '../../../src/model/api-key.js';
import type { Scope } from '../../../src/model/scope.js';
import { Poller, type CycleReport, type PollerOptions } from '../../../src/poller/poller.js';
import { Shard, shardOf } from '../../../src/poller/shard.js';
import type { ScopeListing, Source, SourceContext } from '../../../src/sources/index.js';

const BASE = 'https://cloud.mongodb.com/api/atlas/v2';
const T0 = Date.parse('2025-01-01T00:00:00Z');

const key = (id: string): ApiKey => ({ id, description: id, suffix: 'abcd' });
const project = (id: string, credentialId = 'pub@cloud.mongodb.com', kind: KeyKind = 'agent'): Scope => ({ kind, owner: 'project', id, credentialId });

/** A source that lists what `listing` gives and answers each scope from `keys` (an Error is thrown). */
function fakeSource(options: {
  kind?: KeyKind;
  credential?: Credential;
  listing: (context: SourceContext) => ScopeListing | Promise<ScopeListing>;
  keys?: (scope: Scope, context: SourceContext) => readonly ApiKey[] | Error | Promise<readonly ApiKey[]>;
}): Source & { fetched: string[]; contexts: SourceContext[] } {
  const fetched: string[] = [];
  const contexts: SourceContext[] = [];
  return {
    kind: options.kind ?? 'agent',
    credential: options.credential ?? new Credential('pub', 'secret', BASE),
    fetched,
    contexts,
    listScopes: async (context) => {
      contexts.push(context);
      return options.listing(context);
    },
    fetchKeys: async (scope, context) => {
      fetched.push(scope.id);
      const answer = await (options.keys ?? (() => []))(scope, context);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

function fakeClient(requests: () => number = () => 0): AtlasClient {
  return {
    get requests() {
      return requests();
    },
  } as unknown as AtlasClient;
}

interface Harness {
  poller: Poller;
  reports: CycleReport[];
  lines: Record<string, unknown>[];
}

function pollerOf(options: Partial<PollerOptions> & Pick<PollerOptions, 'sources'>): Harness {
  const reports: CycleReport[] = [];
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const poller = new Poller({
    client: fakeClient(),
    intervalMs: 3_600_000,
    staleAfterMs: 900_000,
    log,
    scopesInFlight: 4,
    now: () => T0,
    onCycle: (report) => reports.push(report),
    ...options,
  });
  return { poller, reports, lines };
}

const messages = (lines: readonly Record<string, unknown>[]) => lines.map((line) => line['msg']);

describe('Poller.runCycle', () => {
  it('polls a scope two credentials reach once, by the first source that lists it, and counts it once', async () => {
    const first = fakeSource({ listing: () => ({ scopes: [project('p1'), project('p2')], failed: [] }), keys: () => [key('k1')] });
    const second = fakeSource({
      credential: new Credential('other', 'secret', BASE),
      listing: () => ({ scopes: [project('p2', 'other@cloud.mongodb.com'), project('p3', 'other@cloud.mongodb.com')], failed: [] }),
      keys: () => [key('k2')],
    });
    const { poller, reports } = pollerOf({ sources: [first, second] });
    const snapshot = await poller.runCycle();
    expect(first.fetched).toEqual(['p1', 'p2']);
    expect(second.fetched).toEqual(['p3']);
    expect(snapshot?.scopes.map((state) => [state.scope.id, state.scope.credentialId, state.up])).toEqual([
      ['p1', 'pub@cloud.mongodb.com', true],
      ['p2', 'pub@cloud.mongodb.com', true],
      ['p3', 'other@cloud.mongodb.com', true],
    ]);
    expect(reports[0]?.listed).toEqual({ agent: 3 });
    expect(poller.snapshot).toBe(snapshot);
  });

  it('counts every listed scope by kind, failed ones too, and polls only the scopes of its shard', async () => {
    const ids = Array.from({ length: 12 }, (_, index) => `p${index}`);
    const unresolved: Scope = { kind: 'user', owner: 'user', id: 'alice', credentialId: 'alice@cloud.mongodb.com' };
    const agents = fakeSource({ listing: () => ({ scopes: ids.map((id) => project(id)), failed: [] }) });
    const users = fakeSource({
      kind: 'user',
      credential: new Credential('alice', 'secret', BASE),
      listing: () => ({ scopes: [], failed: [{ scope: unresolved, failure: { reason: 'not_found', status: 404, message: 'no such user' } }] }),
    });
    const shard = new Shard(1, 3);
    const { poller, reports } = pollerOf({ sources: [agents, users], shard });
    const snapshot = await poller.runCycle();
    const mine = ids.filter((id) => shardOf(id, 3) === 1);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(ids.length);
    expect(agents.fetched).toEqual(mine);
    expect(reports[0]?.listed).toEqual({ agent: 12, user: 1 });
    const polledIds = snapshot?.scopes.map((state) => state.scope.id) ?? [];
    expect(polledIds.filter((id) => id !== 'alice')).toEqual(mine);
  });

  it('publishes a scope the listing could not resolve as failed, without fetching it', async () => {
    const scope: Scope = { kind: 'user', owner: 'user', id: 'alice', credentialId: 'alice@cloud.mongodb.com' };
    const failure = { reason: 'not_found' as const, status: 404, message: 'no such user' };
    const source = fakeSource({ kind: 'user', listing: () => ({ scopes: [], failed: [{ scope, failure }] }), keys: () => [key('never')] });
    const { poller, lines } = pollerOf({ sources: [source], shard: new Shard(shardOf('alice', 1), 1) });
    const snapshot = await poller.runCycle();
    expect(source.fetched).toEqual([]);
    expect(snapshot?.scopes).toEqual([expect.objectContaining({ scope, up: false, lastFailure: failure })]);
    expect(lines.find((line) => line['msg'] === 'scope poll failed')).toMatchObject({ level: 40, kind: 'user', scope: 'alice', reason: 'not_found', status: 404, keptKeys: 0 });
  });

  it('turns a failed fetch into the scope failure, keeps the other scopes, and keeps the last keys while fresh', async () => {
    let broken = false;
    const source = fakeSource({
      listing: () => ({ scopes: [project('p1'), project('p2'), project('p3')], failed: [] }),
      keys: (scope) => (broken && scope.id === 'p1' ? new ApiError('GET', `${BASE}/groups/p1/agentapikeys`, 503) : [key(`${scope.id}-k`)]),
    });
    const { poller, lines } = pollerOf({ sources: [source] });
    await poller.runCycle();
    broken = true;
    lines.length = 0;
    const snapshot = await poller.runCycle();
    const [p1, p2] = snapshot?.scopes ?? [];
    expect(p1).toMatchObject({ up: false, keys: [key('p1-k')], lastFailure: { reason: 'server_error', status: 503 } });
    expect(p1?.errors.server_error).toBe(1);
    expect(p2).toMatchObject({ up: true, keys: [key('p2-k')] });
    expect(lines.filter((line) => line['msg'] === 'scope poll failed')).toEqual([expect.objectContaining({ scope: 'p1', reason: 'server_error', keptKeys: 1 })]);
    expect(lines.find((line) => line['msg'] === 'poll cycle completed')).toMatchObject({ level: 30, cycle: 2, scopesOk: 2, scopesFailed: 1, keys: 2 });
    expect(snapshot?.completedAt).toBe(T0);
  });

  it('numbers the cycles in the context it gives the sources, and reports the requests each cycle sent', async () => {
    let requests = 5;
    const source = fakeSource({
      listing: () => ({ scopes: [project('p1')], failed: [] }),
      keys: () => {
        requests += 3;
        return [];
      },
    });
    const { poller, reports } = pollerOf({ sources: [source], client: fakeClient(() => requests) });
    await poller.runCycle();
    await poller.runCycle();
    expect(source.contexts.map((context) => context.cycle)).toEqual([1, 2]);
    expect(reports.map((report) => report.requests)).toEqual([3, 3]);
    expect(reports.map((report) => report.snapshot.cycle)).toEqual([1, 2]);
    expect(reports[0]?.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(reports[0]?.durationSeconds).toBeLessThan(60);
    expect(reports[1]?.snapshot).toBe(poller.snapshot);
  });

  it('takes the discovery of a credential once, however many of its sources report it, and warns of a failed one', async () => {
    const failure = { reason: 'forbidden' as const, status: 403, message: 'GET /orgs/o2/groups answered 403' };
    const discovery = [{}, { orgId: 'o1' }, { orgId: 'o2', failure }];
    const programmatic = fakeSource({ kind: 'programmatic', listing: () => ({ scopes: [], failed: [], discovery }) });
    const accounts = fakeSource({ kind: 'service_account', listing: () => ({ scopes: [], failed: [], discovery }) });
    const { poller, reports, lines } = pollerOf({ sources: [programmatic, accounts] });
    await poller.runCycle();
    const credentialId = 'pub@cloud.mongodb.com';
    expect(reports[0]?.discovery).toEqual([{ credentialId }, { credentialId, orgId: 'o1' }, { credentialId, orgId: 'o2', failure }]);
    const warnings = lines.filter((line) => line['msg'] === 'discovery failed; polling the last known list');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, credential: credentialId, org: 'o2', reason: 'forbidden', status: 403 });
  });

  it('warns of a failed credential-wide discovery without an organisation', async () => {
    const failure = { reason: 'unauthorized' as const, status: 401, message: 'GET /groups answered 401' };
    const source = fakeSource({ listing: () => ({ scopes: [], failed: [], discovery: [{ failure }] }) });
    const { poller, lines } = pollerOf({ sources: [source] });
    await poller.runCycle();
    const warning = lines.find((line) => line['msg'] === 'discovery failed; polling the last known list');
    expect(warning).toMatchObject({ credential: 'pub@cloud.mongodb.com', reason: 'unauthorized' });
    expect(warning).not.toHaveProperty('org');
  });

  it('keeps the last snapshot and logs an error when a source throws out of its listing', async () => {
    let fail = false;
    const source = fakeSource({
      listing: () => {
        if (fail) throw new Error('defect');
        return { scopes: [project('p1')], failed: [] };
      },
    });
    const { poller, reports, lines } = pollerOf({ sources: [source] });
    const first = await poller.runCycle();
    fail = true;
    expect(await poller.runCycle()).toBe(first);
    expect(poller.snapshot).toBe(first);
    expect(reports).toHaveLength(1);
    expect(lines.find((line) => line['msg'] === 'poll cycle failed')).toMatchObject({ level: 50, err: { message: 'defect' } });
  });

  it('runs without an onCycle callback', async () => {
    const source = fakeSource({ listing: () => ({ scopes: [project('p1')], failed: [] }) });
    const { poller } = pollerOf({ sources: [source], onCycle: undefined });
    expect((await poller.runCycle())?.scopes).toHaveLength(1);
  });

  it('polls at most scopesInFlight scopes of a source at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const source = fakeSource({
      listing: () => ({ scopes: Array.from({ length: 9 }, (_, index) => project(`p${index}`)), failed: [] }),
      keys: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return [];
      },
    });
    const { poller } = pollerOf({ sources: [source], scopesInFlight: 3 });
    await poller.runCycle();
    expect(source.fetched).toHaveLength(9);
    expect(most).toBe(3);
  });
});

describe('Poller.start and stop', () => {
  it('runs a cycle at once, the next after the interval, and abandons the running cycle on stop', async () => {
    let fetches = 0;
    let signal: AbortSignal | undefined;
    const source = fakeSource({
      listing: () => ({ scopes: [project('p1')], failed: [] }),
      keys: (_scope, context) => {
        fetches++;
        signal = context.signal;
        if (fetches < 3) return [];
        // The third cycle hangs until the poller stops; the abort fails it as the signal's reason.
        return new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason as Error)));
      },
    });
    const { poller, reports } = pollerOf({ sources: [source], intervalMs: 50 });
    poller.start();
    poller.start();
    const deadline = Date.now() + 20_000;
    while (fetches < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fetches).toBe(3);
    expect(reports).toHaveLength(2);
    await poller.stop();
    expect(signal?.aborted).toBe(true);
    expect(reports).toHaveLength(2);
    expect(poller.snapshot?.cycle).toBe(2);
  });
});

describe('Poller stopped mid-listing', () => {
  it('abandons the cycle: no snapshot, no report, no error logged', async () => {
    const source = fakeSource({
      listing: (context) => new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason as Error))),
    });
    const { poller, reports, lines } = pollerOf({ sources: [source] });
    const cycle = poller.runCycle();
    while (source.contexts.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await poller.stop();
    expect(await cycle).toBeUndefined();
    expect(poller.snapshot).toBeUndefined();
    expect(reports).toEqual([]);
    expect(messages(lines)).not.toContain('poll cycle failed');
  });
});

describe('Poller cycle timing', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts each cycle an interval after the last one started, or at once after one that ran past it', async () => {
    vi.useFakeTimers({ now: T0 });
    const started: number[] = [];
    const durations = [300, 1_500, 200, 100];
    const source = fakeSource({
      listing: () => ({ scopes: [project('p1')], failed: [] }),
      keys: async () => {
        started.push(Date.now() - T0);
        await new Promise((resolve) => setTimeout(resolve, durations[started.length - 1] ?? 100));
        return [];
      },
    });
    const { poller } = pollerOf({ sources: [source], intervalMs: 1_000 });
    poller.start();
    // A second start does not start a second loop.
    poller.start();
    await vi.advanceTimersByTimeAsync(3_600);
    const stopping = poller.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopping;
    // The cycle that took 1.5 s is followed at once, without a wait.
    expect(started).toEqual([0, 1_000, 2_500, 3_500]);
  });
});
