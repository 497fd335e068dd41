import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { AtlasClient } from '../atlas/client.js';
import { sleep } from '../atlas/pacer.js';
import { failureOf } from '../errors/failure.js';
import { scopeKey } from '../model/scope.js';
import type { ScopeFailure, Snapshot } from '../model/snapshot.js';
import { trailKey, type EventTrail } from '../model/event.js';
import type { EventTrailSource } from '../sources/event-trails.js';
import type { Discovery, Source, SourceContext } from '../sources/index.js';
import { nextSnapshot, type Polled } from './next-snapshot.js';
import { Shard } from './shard.js';
import type { KeyKind } from '../model/api-key.js';
import { mapInWindow } from './window.js';

/** How one discovery listing of one credential went in a cycle (`orgId`: one organisation's projects). */
export type DiscoveryResult = Discovery & { readonly credentialId: string };

/** What a completed cycle reports besides the snapshot. */
export interface CycleReport {
  readonly snapshot: Snapshot;
  readonly durationSeconds: number;
  readonly requests: number;
  readonly discovery: readonly DiscoveryResult[];
  /** Every scope the sources listed, by kind, before sharding: the same on every replica. */
  readonly listed: Readonly<Partial<Record<KeyKind, number>>>;
}

export interface PollerOptions {
  readonly sources: readonly Source[];
  /** The event trails to read each cycle, beside the keys; none by default. */
  readonly trailSources?: readonly EventTrailSource[];
  readonly client: AtlasClient;
  readonly intervalMs: number;
  readonly staleAfterMs: number;
  readonly log: Logger;
  /** This replica's share of the scopes; all of them by default. */
  readonly shard?: Shard;
  /**
   * Scopes of one source polled at a time. Each scope has at most one request in flight, so
   * twice the client's concurrency keeps every request slot busy.
   */
  readonly scopesInFlight: number;
  /** Called after every completed cycle, with the new snapshot already in place. */
  readonly onCycle?: (report: CycleReport) => void;
  readonly now?: () => number;
}

/** What a reloaded config changes: the rest (log, shard, onCycle) stays. */
export type PollerSettings = Pick<PollerOptions, 'sources' | 'trailSources' | 'client' | 'intervalMs' | 'staleAfterMs' | 'scopesInFlight'>;

/**
 * Polls every scope of every source, one cycle at a time: a cycle that runs past the interval
 * delays the next one. Never throws out of a cycle: each scope fails on its own, as data.
 */
export class Poller {
  #options: PollerOptions;
  readonly #stop = new AbortController();
  #snapshot: Snapshot | undefined;
  #loop: Promise<void> | undefined;
  readonly #cycles = new Set<Promise<Snapshot | undefined>>();
  #wake = new AbortController();

  constructor(options: PollerOptions) {
    this.#options = options;
    // Every request in flight listens to it: poll.concurrency listeners is no leak.
    setMaxListeners(0, this.#stop.signal);
  }

  /** The last completed snapshot; undefined until the first cycle ends. */
  get snapshot(): Snapshot | undefined {
    return this.#snapshot;
  }

  /** Starts polling now and then every interval. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops polling: in-flight requests are aborted, and the running cycle is abandoned. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error('poller stopped'));
    this.#wake.abort();
    await this.#loop;
  }

  /**
   * New sources, client and timings from the next cycle on; the snapshot stays until that cycle
   * replaces it, so `/metrics` is never empty in between. A wait for the next cycle is measured
   * again with the new interval. Resolves once the cycles running with the old settings are over.
   */
  async reconfigure(settings: PollerSettings): Promise<void> {
    this.#options = { ...this.#options, ...settings };
    this.#wake.abort();
    await Promise.all(this.#cycles);
  }

  /** Runs one cycle and returns its snapshot; undefined when stopped midway. */
  runCycle(): Promise<Snapshot | undefined> {
    const cycle = this.#cycle(this.#options);
    this.#cycles.add(cycle);
    void cycle.finally(() => this.#cycles.delete(cycle));
    return cycle;
  }

  async #cycle(options: PollerOptions): Promise<Snapshot | undefined> {
    const { sources, client, log, staleAfterMs, onCycle } = options;
    const now = options.now ?? Date.now;
    const started = performance.now();
    const requestsBefore = client.requests;
    const signal = this.#stop.signal;
    const context: SourceContext = { cycle: (this.#snapshot?.cycle ?? 0) + 1, client, signal, log };
    const claimed = new Set<string>();
    // Kinds that share a credential's directory report the same discovery: taken once per credential.
    const discovery = new Map<string, readonly DiscoveryResult[]>();
    const listed: Partial<Record<KeyKind, number>> = {};
    const shard = options.shard ?? new Shard();
    let polled: Polled[];
    let trails: EventTrail[];
    try {
      const trailsRead = this.#readTrails(options, context, shard, now);
      // Awaited after the keys; an abort meanwhile must not count as unhandled.
      trailsRead.catch(() => undefined);
      const perSource = await Promise.all(
        sources.map(async (source): Promise<Polled[]> => {
          const listing = await source.listScopes(context);
          const credentialId = source.credential.id;
          if (listing.discovery && !discovery.has(credentialId)) {
            discovery.set(credentialId, listing.discovery.map((result) => ({ credentialId, ...result })));
            for (const { orgId, failure } of listing.discovery) {
              if (failure) log.warn({ credential: credentialId, ...(orgId !== undefined ? { org: orgId } : {}), ...failure }, 'discovery failed; polling the last known list');
            }
          }
          // Two credentials may reach the same scope; the first one to list it polls it. Every
          // replica lists every scope, and polls only its shard.
          const mine = [...listing.failed.map(({ scope }) => scope), ...listing.scopes].filter((scope) => {
            const key = scopeKey(scope);
            if (claimed.has(key)) return false;
            claimed.add(key);
            listed[scope.kind] = (listed[scope.kind] ?? 0) + 1;
            return shard.owns(scope);
          });
          const failed = new Map(listing.failed.map(({ scope, failure }) => [scopeKey(scope), failure]));
          return mapInWindow(mine, options.scopesInFlight, async (scope): Promise<Polled> => {
            const key = scopeKey(scope);
            const failure = failed.get(key);
            if (failure) return { scope, outcome: { ok: false, failure } };
            try {
              const keys = await source.fetchKeys(scope, context);
              return { scope, outcome: { ok: true, keys } };
            } catch (error) {
              if (signal.aborted) throw error;
              return { scope, outcome: { ok: false, failure: failureOf(error) } };
            }
          });
        }),
      );
      polled = perSource.flat();
      trails = await trailsRead;
    } catch (error) {
      if (signal.aborted) return undefined;
      // Sources turn every failure into data; reaching this is a defect, and the poll goes on.
      log.error({ err: error }, 'poll cycle failed');
      return this.#snapshot;
    }
    const snapshot = nextSnapshot(this.#snapshot, polled, now(), staleAfterMs, trails);
    this.#snapshot = snapshot;
    const report: CycleReport = {
      snapshot,
      durationSeconds: (performance.now() - started) / 1000,
      requests: client.requests - requestsBefore,
      discovery: [...discovery.values()].flat(),
      listed,
    };
    for (const state of snapshot.scopes) {
      if (!state.up && state.lastFailure) {
        log.warn({ kind: state.scope.kind, scope: state.scope.id, ...state.lastFailure, keptKeys: state.keys?.length ?? 0 }, 'scope poll failed');
      }
    }
    const failed = snapshot.scopes.filter((state) => !state.up).length;
    log.info(
      {
        cycle: snapshot.cycle,
        scopesOk: snapshot.scopes.length - failed,
        scopesFailed: failed,
        keys: snapshot.scopes.reduce((sum, state) => sum + (state.up ? (state.keys?.length ?? 0) : 0), 0),
        requests: report.requests,
        durationSeconds: Number(report.durationSeconds.toFixed(3)),
      },
      'poll cycle completed',
    );
    onCycle?.(report);
    return snapshot;
  }

  /**
   * Reads every trail of this replica's shard (an organisation's trails go with its scopes),
   * each once when two entries reach it, from where the last snapshot's left off.
   */
  async #readTrails(options: PollerOptions, context: SourceContext, shard: Shard, now: () => number): Promise<EventTrail[]> {
    const previous = new Map(this.#snapshot?.trails.map((trail) => [trailKey(trail), trail]));
    const claimed = new Set<string>();
    const perSource = await Promise.all(
      (options.trailSources ?? []).map(async (source) => {
        const mine = (await source.listTrails(context)).filter((ref) => {
          const key = trailKey(ref);
          if (claimed.has(key)) return false;
          claimed.add(key);
          return shard.owns({ id: ref.orgId });
        });
        return mapInWindow(mine, options.scopesInFlight, (ref) => source.readTrail(ref, previous.get(trailKey(ref)), context, now()));
      }),
    );
    return perSource.flat();
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const started = Date.now();
      await this.runCycle();
      // A reconfigure wakes the wait: it goes on with the new interval, from the same start.
      for (let wait = this.#options.intervalMs - (Date.now() - started); wait > 0 && !signal.aborted; wait = this.#options.intervalMs - (Date.now() - started)) {
        this.#wake = new AbortController();
        // Stopping wakes it too.
        const woken = await sleep(wait, this.#wake.signal).then(
          () => false,
          () => true,
        );
        if (!woken) break;
      }
    }
  }
}
