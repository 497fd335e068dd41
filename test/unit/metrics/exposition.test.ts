import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ExporterMetrics } from '../../../src/metrics/exporter-metrics.js';
import { Exposition } from '../../../src/metrics/exposition.js';
import { renderKeyExposition } from '../../../src/metrics/key-exposition.js';
import type { ApiKey } from '../../../src/model/api-key.js';
import { REASONS, type Reason } from '../../../src/model/reason.js';
import type { Snapshot } from '../../../src/model/snapshot.js';

const NOW = 1_748_779_200_000;
const NO_ERRORS = Object.fromEntries(REASONS.map((reason) => [reason, 0])) as Record<Reason, number>;

/** 200 projects × 10 keys (by default): about 3 MB of text, a few dozen slabs. `label` goes into every description. */
function snapshotOf(label: string, cycle: number, keysPerProject = 10): Snapshot {
  const scopes = Array.from({ length: 200 }, (_, project) => ({
    scope: { kind: 'agent' as const, owner: 'project' as const, id: `project-${project}`, name: `Project ${project}`, credentialId: 'cm' },
    up: true,
    keys: Array.from({ length: keysPerProject }, (_, index): ApiKey => ({ id: `key-${project}-${index}`, description: `${label} key ${index}`, suffix: 'abcd', createdAt: NOW - (project + 1) * 86_400_000 - index })),
    lastSuccessAt: NOW - cycle * 1000,
    errors: NO_ERRORS,
  }));
  return { scopes, trails: [], completedAt: NOW - cycle * 1000, cycle };
}

/** Waits until the exposition serves the last update, its gzip done, and the slabs of that scrape back. */
async function settled(exposition: Exposition): Promise<void> {
  for await (const chunk of exposition.chunks(NOW, true, Promise.resolve())) void chunk;
  await new Promise((resolve) => setImmediate(resolve));
}

/** The key and scope series: the body up to the exporter's own metrics (prom-client's registry). */
const keyText = (body: string, expected: string) => body.slice(0, expected.length);

describe('Exposition', () => {
  it('keeps the bytes of a slow scrape intact while later snapshots are rendered into recycled slabs', async () => {
    const exposition = new Exposition(new ExporterMetrics('test'));
    const first = snapshotOf('first', 1);
    exposition.update(first);
    let close = (): void => undefined;
    const released = new Promise<void>((resolve) => (close = resolve));
    const slow = exposition.chunks(NOW, false, released);
    const read: Buffer[] = [];
    const head = await slow.next();
    read.push(Buffer.from(head.value as Buffer));
    const kept = [head.value as Buffer];
    // Three more snapshots, each rendered and served, while the slow scrape holds the first.
    for (const [cycle, label] of [[2, 'second'], [3, 'third'], [4, 'fourth']] as const) {
      exposition.update(snapshotOf(label, cycle));
      await settled(exposition);
    }
    for await (const chunk of slow) {
      kept.push(chunk);
      read.push(Buffer.from(chunk));
    }
    // What the socket would send now is what was asked for then, byte for byte.
    expect(Buffer.concat(kept).equals(Buffer.concat(read))).toBe(true);
    const expected = renderKeyExposition(first, NOW);
    expect(keyText(Buffer.concat(kept).toString(), expected)).toBe(expected);
    close();
  });

  it('gives every slab back once scrapes close: what it holds stays the size of one snapshot', async () => {
    const exposition = new Exposition(new ExporterMetrics('test'));
    const held: number[] = [];
    for (let cycle = 1; cycle <= 12; cycle++) {
      // Every third cycle the keys change; in between only the scope success times do.
      const snapshot = snapshotOf(`label ${Math.floor(cycle / 3)}`, cycle);
      exposition.update(snapshot);
      for (const compress of [false, true]) {
        let close = (): void => undefined;
        const released = new Promise<void>((resolve) => (close = resolve));
        const body: Buffer[] = [];
        for await (const chunk of exposition.chunks(NOW, compress, released)) body.push(compress ? gunzipSync(chunk) : Buffer.from(chunk));
        const expected = renderKeyExposition(snapshot, NOW);
        expect(keyText(Buffer.concat(body).toString(), expected)).toBe(expected);
        close();
      }
      await new Promise((resolve) => setImmediate(resolve));
      held.push(exposition.slabStats.held);
    }
    const one = held[0]!;
    expect(one).toBeGreaterThan(10);
    // The last snapshot's slabs (text and its gzip) and nothing else: no slab leaks from cycle to cycle.
    for (const count of held) expect(count).toBeLessThanOrEqual(one + 2);
    expect(exposition.slabStats.free).toBeGreaterThan(0);
  });

  it('shares unchanged text with the last snapshot instead of holding it twice', async () => {
    const exposition = new Exposition(new ExporterMetrics('test'));
    exposition.update(snapshotOf('same', 1));
    await settled(exposition);
    const alone = exposition.slabStats.held;
    let close = (): void => undefined;
    const released = new Promise<void>((resolve) => (close = resolve));
    const reader = exposition.chunks(NOW, false, released);
    await reader.next();
    // The next cycle changes only success times: while the old snapshot is still read, the two share.
    exposition.update(snapshotOf('same', 2));
    await settled(exposition);
    const both = exposition.slabStats.held;
    // Without sharing, two snapshots would hold twice the slabs of one.
    expect(both).toBeGreaterThan(alone);
    expect(both).toBeLessThan(alone * 1.5);
    for await (const chunk of reader) void chunk;
    close();
  });
});

/** The body of one plain scrape, its slabs back once it has been read. */
async function scrape(exposition: Exposition): Promise<string> {
  const body: Buffer[] = [];
  for await (const chunk of exposition.chunks(NOW, false, Promise.resolve())) body.push(Buffer.from(chunk));
  await new Promise((resolve) => setImmediate(resolve));
  return Buffer.concat(body).toString();
}

/** A snapshot whose render throws: its scopes cannot be read. */
const BROKEN = { scopes: null, trails: [], completedAt: NOW, cycle: 9 } as unknown as Snapshot;

describe('Exposition updates', () => {
  it('serves nothing of the snapshots before the first update but the exporter`s own metrics', async () => {
    const body = await scrape(new Exposition(new ExporterMetrics('test')));
    expect(body.startsWith('# HELP process_cpu_user_seconds_total ')).toBe(true);
    expect(body).not.toContain('mongodb_apikey_last_poll_timestamp_seconds ');
  });

  it('fails a scrape while the last render failed, and serves the next snapshot that renders', async () => {
    const exposition = new Exposition(new ExporterMetrics('test'));
    exposition.update(snapshotOf('first', 1));
    await settled(exposition);
    exposition.update(BROKEN);
    await expect(scrape(exposition)).rejects.toThrow(TypeError);
    const next = snapshotOf('next', 2);
    exposition.update(next);
    const expected = renderKeyExposition(next, NOW);
    expect(keyText(await scrape(exposition), expected)).toBe(expected);
  });

  it('serves the latest of two updates, and a failed render superseded by a good one fails nothing', async () => {
    const exposition = new Exposition(new ExporterMetrics('test'));
    const last = snapshotOf('last', 3);
    exposition.update(snapshotOf('earlier', 2));
    exposition.update(last);
    const expected = renderKeyExposition(last, NOW);
    expect(keyText(await scrape(exposition), expected)).toBe(expected);
    exposition.update(BROKEN);
    exposition.update(last);
    expect(keyText(await scrape(exposition), expected)).toBe(expected);
    // A large render that fails only at its end (its trails), after a small later one has landed.
    const small = { ...last, scopes: last.scopes.slice(0, 1), cycle: 5 };
    exposition.update({ ...snapshotOf('failing late', 4), trails: null } as unknown as Snapshot);
    exposition.update(small);
    const smallText = renderKeyExposition(small, NOW);
    expect(keyText(await scrape(exposition), smallText)).toBe(smallText);
    // Once the large one has failed too.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(keyText(await scrape(exposition), smallText)).toBe(smallText);
  });

  it('gives back the slabs of a render that a later update superseded', async () => {
    const alone = new Exposition(new ExporterMetrics('test'));
    alone.update(snapshotOf('last', 3));
    await settled(alone);
    const superseded = new Exposition(new ExporterMetrics('test'));
    superseded.update(snapshotOf('earlier', 2));
    superseded.update(snapshotOf('last', 3));
    await settled(superseded);
    expect(superseded.slabStats.held).toBe(alone.slabStats.held);
  });
});

describe('Exposition renders', () => {
  it('never serves a render that a later update superseded, whichever ends first', async () => {
    const exposition = new Exposition(new ExporterMetrics('test'));
    const large = snapshotOf('large', 1, 60);
    const small = { ...snapshotOf('small', 2), scopes: snapshotOf('small', 2).scopes.slice(0, 1) };
    // The large render takes more than one slice: the small one after it lands first.
    exposition.update(large);
    exposition.update(small);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const smallText = renderKeyExposition(small, NOW);
    expect(keyText(await scrape(exposition), smallText)).toBe(smallText);
    // A scrape that starts once the small render has ended still waits for the large one after it.
    exposition.update(small);
    exposition.update(large);
    await new Promise((resolve) => setImmediate(resolve));
    const largeText = renderKeyExposition(large, NOW);
    expect(keyText(await scrape(exposition), largeText)).toBe(largeText);
  });

  it('gzips a scrape-time family of many slabs, member by member, to the same text', async () => {
    const exposition = new Exposition(new ExporterMetrics('test'));
    // 200 projects × 60 keys: each scrape-time family alone fills more than SLABS_PER_TURN slabs.
    const snapshot = snapshotOf('many', 1, 60);
    exposition.update(snapshot);
    const body: Buffer[] = [];
    for await (const chunk of exposition.chunks(NOW, true, Promise.resolve())) body.push(Buffer.from(chunk));
    const expected = renderKeyExposition(snapshot, NOW);
    expect(keyText(gunzipSync(Buffer.concat(body)).toString(), expected)).toBe(expected);
  });
});
