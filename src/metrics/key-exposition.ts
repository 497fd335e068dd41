import type { Snapshot } from '../model/snapshot.js';
import { SlabWriter, UNPOOLED, type Slabs } from './slabs.js';
import type { Family } from './contract.js';
import { FAMILY_TABLE, type Series } from './families.js';

/**
 * The series of one snapshot (the families of {@link FAMILY_TABLE}), rendered once when the
 * snapshot lands, as bytes only (nothing per series stays on the JS heap), in slabs (see SlabPool).
 * For the families computed at scrape time the label blocks are kept ready and just the value is
 * written per scrape, so a scrape of 200k series does not rebuild 200k label strings.
 */
export interface KeyExpositionBytes {
  /** Every family whose values change only with the snapshot, as UTF-8 exposition text, in chunks. */
  readonly fixed: readonly Buffer[];
  /** The families computed at scrape time, in table order; a family without series is left out. */
  readonly timed: readonly TimedBytes[];
  /** Number of series in `fixed` and `timed`. */
  readonly series: number;
  /** The chunks of each fixed family, by name, for the next snapshot to share what did not change. */
  readonly families: ReadonlyMap<string, readonly Buffer[]>;
  /** Every chunk above that lies in a slab: this snapshot holds each once, until it releases them. */
  readonly held: readonly Buffer[];
}

/** One scrape-time family: its HELP/TYPE lines and, per series, `name{labels} ` and a start time. */
export interface TimedBytes {
  readonly family: Family;
  readonly header: Buffer;
  /** Every series' `name{labels} `, back to back, in chunks; a series never straddles two. */
  readonly labels: readonly Buffer[];
  /** `firsts[k]`: the first series in `labels[k]`. */
  readonly firsts: Uint32Array;
  /** `ends[i]`: where series i's label prefix ends in its chunk (it starts where series i - 1 ends, or at 0). */
  readonly ends: Uint32Array;
  /** Unix ms each value counts from; for a countdown, the time it counts to. */
  readonly since: Float64Array;
  /** True when the value is the time left until `since` (negative once passed), not the time since. */
  readonly countdown: boolean;
}

export function familyHeader(family: Family): string {
  return `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`;
}

/** `name{labels}` from `,name="value"` pairs, or the bare name when there are none. */
const seriesName = (name: string, labels: string): string => (labels === '' ? name : `${name}{${labels.slice(1)}}`);

/** The lines of one family, written into slabs while the snapshot is rendered. */
class FamilySink {
  readonly family: Family;
  readonly writer: SlabWriter;
  lines = 0;
  /** The labels of the item being written. */
  item = '';

  constructor(family: Family, slabs: Slabs, previous?: readonly Buffer[]) {
    this.family = family;
    this.writer = new SlabWriter(slabs, previous);
  }

  readonly series: Series = (labels, value) => {
    this.writer.text(`${seriesName(this.family.name, this.item + labels)} ${value}\n`);
    this.lines++;
  };

  done(): readonly Buffer[] {
    return this.writer.finish();
  }
}

/** The label prefixes and start times of one scrape-time family, gathered while rendering. */
class TimedSink {
  readonly family: Family;
  readonly writer: SlabWriter;
  item = '';
  readonly #firsts: number[] = [];
  readonly #ends: number[] = [];
  readonly #since: number[] = [];
  readonly #countdown: boolean;

  constructor(family: Family, slabs: Slabs, previous: readonly Buffer[] | undefined, countdown: boolean) {
    this.family = family;
    this.writer = new SlabWriter(slabs, previous);
    this.#countdown = countdown;
  }

  readonly series: Series = (labels, since) => {
    const chunk = this.writer.text(`${seriesName(this.family.name, this.item + labels)} `);
    if (chunk === this.#firsts.length) this.#firsts.push(this.#ends.length);
    this.#ends.push(this.writer.offset);
    this.#since.push(since);
  };

  done(): TimedBytes | undefined {
    const labels = this.writer.finish();
    if (this.#ends.length === 0) return undefined;
    return {
      family: this.family,
      header: Buffer.from(familyHeader(this.family), 'utf8'),
      labels,
      firsts: Uint32Array.from(this.#firsts),
      ends: Uint32Array.from(this.#ends),
      since: Float64Array.from(this.#since),
      countdown: this.#countdown,
    };
  }
}

/** Items written between two chances for the caller to give the event loop a turn. */
const ITEMS_PER_STEP = 64;

/**
 * Renders the snapshot: every row of {@link FAMILY_TABLE} over the items of its collection, each
 * collection walked once. The generator yields every few items so that an asynchronous caller
 * can give the event loop a turn (see {@link buildKeyExpositionBytesAsync}).
 */
function* buildSteps(snapshot: Snapshot | undefined, slabs: Slabs, previous: KeyExpositionBytes | undefined): Generator<void, KeyExpositionBytes> {
  const sinks = FAMILY_TABLE.map((row) =>
    row.atScrape === undefined
      ? new FamilySink(row.family, slabs, previous?.families.get(row.family.name))
      : new TimedSink(row.family, slabs, previous?.timed.find((timed) => timed.family === row.family)?.labels, row.atScrape === 'until'),
  );
  if (snapshot !== undefined) {
    const collections = new Set(FAMILY_TABLE.map((row) => row.collection));
    for (const collection of collections) {
      const rows = FAMILY_TABLE.flatMap((row, index) => (row.collection === collection ? [{ row, sink: sinks[index]! }] : []));
      let written = 0;
      for (const [item, labels] of collection.items(snapshot)) {
        for (const { row, sink } of rows) {
          sink.item = labels;
          row.write(item, sink.series);
        }
        if (++written % ITEMS_PER_STEP === 0) yield;
      }
    }
  }

  const fixed: Buffer[] = [];
  const timed: TimedBytes[] = [];
  const families = new Map<string, readonly Buffer[]>();
  let series = 0;
  for (const sink of sinks) {
    if (sink instanceof TimedSink) {
      const family = sink.done();
      if (family === undefined) continue;
      timed.push(family);
      series += family.ends.length;
      continue;
    }
    const chunks = sink.done();
    if (sink.lines === 0) continue;
    fixed.push(Buffer.from(familyHeader(sink.family), 'utf8'), ...chunks);
    families.set(sink.family.name, chunks);
    series += sink.lines;
  }
  const held = sinks.flatMap((sink) => sink.writer.chunks);
  return { fixed, timed, series, families, held };
}

/**
 * Renders the snapshot's series as bytes, at once, into `slabs`; a chunk equal to the one at its
 * place in `previous` is shared with it.
 */
export function buildKeyExpositionBytes(snapshot: Snapshot | undefined, slabs: Slabs = UNPOOLED, previous?: KeyExpositionBytes): KeyExpositionBytes {
  const steps = buildSteps(snapshot, slabs, previous);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Like {@link buildKeyExpositionBytes}, but gives the event loop a turn whenever it has worked for
 * `sliceMs`, so that rendering a large snapshot never blocks scrapes and polling for long.
 */
export async function buildKeyExpositionBytesAsync(snapshot: Snapshot | undefined, slabs: Slabs = UNPOOLED, previous?: KeyExpositionBytes, sliceMs = 10): Promise<KeyExpositionBytes> {
  const steps = buildSteps(snapshot, slabs, previous);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await turn();
      sliceStart = performance.now();
    }
  }
}

/**
 * The key and scope series of a snapshot valued at `nowMs`, as exposition text: the bytes a scrape
 * writes for them, joined. Pure; for tests and tools.
 */
export function renderKeyExposition(snapshot: Snapshot | undefined, nowMs: number): string {
  const { fixed, timed } = buildKeyExpositionBytes(snapshot);
  return Buffer.concat([...fixed, ...timed.flatMap((family) => [family.header, ...renderTimed(family, nowMs, UNPOOLED.take)])]).toString('utf8');
}

/** More than the longest value {@link writeSeconds} writes with its newline (String() of a double is at most 25 characters). */
const MAX_VALUE_BYTES = 32;

/** Below 2^43 ms (278 years) a double holds every millisecond exactly, so the digits are those of String(). */
const FAST_LIMIT_MS = 2 ** 43;

/**
 * Writes `ms / 1000` as `String(ms / 1000)` would, and a newline, at `at`; returns the new end.
 * Whole milliseconds (every time the APIs give) take a fast path that allocates nothing.
 */
function writeSeconds(out: Buffer, at: number, ms: number): number {
  if (!Number.isInteger(ms) || ms >= FAST_LIMIT_MS || ms <= -FAST_LIMIT_MS) {
    at += out.write(String(ms / 1000), at, 'latin1');
    out[at] = 10;
    return at + 1;
  }
  if (ms < 0) {
    out[at++] = 45; // -
    ms = -ms;
  }
  const millis = ms % 1000;
  let whole = (ms - millis) / 1000;
  let digits = 1;
  for (let rest = whole; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let index = at + digits - 1; index >= at; index--) {
    out[index] = 48 + (whole % 10);
    whole = Math.floor(whole / 10);
  }
  at += digits;
  if (millis !== 0) {
    out[at++] = 46; // .
    out[at++] = 48 + Math.floor(millis / 100);
    const rest = millis % 100;
    if (rest !== 0) {
      out[at++] = 48 + Math.floor(rest / 10);
      if (rest % 10 !== 0) out[at++] = 48 + (rest % 10);
    }
  }
  out[at] = 10;
  return at + 1;
}

/**
 * The series of a scrape-time family valued at `nowMs`, as exposition text (the HELP/TYPE lines
 * are in `timed.header`), written into slabs from `take`: each slab is yielded once full, so the
 * caller can send it, and give the event loop a turn, before the next one is written. No strings.
 */
export function* renderTimed(timed: TimedBytes, nowMs: number, take: () => Buffer): Generator<Buffer, void, undefined> {
  const { labels, firsts, ends, since, countdown } = timed;
  let out = take();
  let at = 0;
  for (let chunk = 0; chunk < labels.length; chunk++) {
    const source = labels[chunk]!;
    const last = chunk + 1 < firsts.length ? firsts[chunk + 1]! : ends.length;
    let labelStart = 0;
    for (let index = firsts[chunk]!; index < last; index++) {
      const labelEnd = ends[index]!;
      const need = labelEnd - labelStart + MAX_VALUE_BYTES;
      if (at + need > out.length) {
        if (at > 0) yield out.subarray(0, at);
        out = take();
        // A series longer than a slab (never seen: label values are short) gets a Buffer of its own.
        if (need > out.length) out = Buffer.allocUnsafe(need);
        at = 0;
      }
      at += source.copy(out, at, labelStart, labelEnd);
      labelStart = labelEnd;
      at = writeSeconds(out, at, countdown ? since[index]! - nowMs : nowMs - since[index]!);
    }
  }
  if (at > 0) yield out.subarray(0, at);
}
