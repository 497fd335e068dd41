import { createGzip, constants } from 'node:zlib';
import type { Snapshot } from '../model/snapshot.js';
import { buildKeyExpositionBytes, buildKeyExpositionBytesAsync, renderTimed, type KeyExpositionBytes } from './key-exposition.js';
import { SlabPool, SlabWriter, type Slabs } from './slabs.js';
import type { ExporterMetrics } from './exporter-metrics.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Slabs of text rendered or handed to the socket between two turns of the event loop: about 1 MB. */
const SLABS_PER_TURN = 8;

/** Free slabs kept beyond a snapshot's own: enough for a few scrapes at once. */
const SCRAPE_SLABS = 64;

/** One published snapshot: its bytes, its fixed part compressed once (as its own gzip member), and who reads it. */
interface Published {
  readonly keys: KeyExpositionBytes;
  readonly fixedGzip: Promise<readonly Buffer[]>;
  /** Scrapes whose response has not closed, and the render of the next snapshot, which shares its chunks. */
  readers: number;
  /** A later snapshot has been published: once nobody reads this one, it releases its slabs. */
  retired: boolean;
  released: boolean;
}

/**
 * What `/metrics` serves: the snapshot's fixed series (rendered, and gzipped, once per
 * snapshot), the scrape-time series, and the exporter's own metrics. A scrape only reads.
 * Only Buffers are kept per snapshot, in slabs that later snapshots and scrapes reuse, and that
 * a snapshot shares with the last one where its text did not change.
 */
export class Exposition {
  readonly #metrics: ExporterMetrics;
  readonly #pool = new SlabPool();
  #published: Published;
  /** The render of the latest update, while it runs; a scrape waits for it. */
  #pending: Promise<void> | undefined;
  #buildError: unknown;
  #generation = 0;

  constructor(metrics: ExporterMetrics) {
    this.#metrics = metrics;
    this.#published = this.#publish(buildKeyExpositionBytes(undefined, this.#pool));
  }

  /**
   * Renders a new snapshot; called once per cycle, never by a scrape. The render runs in slices
   * (the event loop stays free); scrapes that arrive meanwhile wait for it, so every scrape that
   * starts after `update()` serves this snapshot or a later one.
   */
  update(snapshot: Snapshot): void {
    const generation = ++this.#generation;
    const previous = this.#read(this.#published);
    const pending = buildKeyExpositionBytesAsync(snapshot, this.#pool, previous.keys)
      .then(
        (keys) => {
          // A later update supersedes this one, even when it finishes first.
          if (generation !== this.#generation) {
            this.#pool.release(keys.held);
            return;
          }
          const replaced = this.#published;
          this.#published = this.#publish(keys);
          this.#buildError = undefined;
          replaced.retired = true;
          this.#release(replaced);
        },
        (error: unknown) => {
          if (generation === this.#generation) this.#buildError = error;
        },
      )
      .finally(() => this.#unread(previous));
    this.#pending = pending;
    void pending.finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
  }

  /** Slabs free and held right now (the tests check that none leak). */
  get slabStats(): { free: number; held: number } {
    return this.#pool.stats;
  }

  /** The snapshot to serve: the latest update's, once rendered. */
  async #current(): Promise<Published> {
    while (this.#pending !== undefined) await this.#pending;
    if (this.#buildError !== undefined) throw this.#buildError;
    return this.#published;
  }

  /**
   * The body, chunk by chunk, to write in order as they come. With gzip, each chunk is a gzip
   * member of its own: RFC 1952 allows a series of members, and the fixed part is compressed once
   * per snapshot. Every chunk belongs to the snapshot current when the first one was asked for.
   * The chunks are slabs that are reused once `released` settles (the response has closed, so
   * nothing still queued for the socket points into them) and this generator has ended.
   */
  async *chunks(nowMs: number, gzipped: boolean, released: Promise<unknown>): AsyncGenerator<Buffer, void, undefined> {
    const published = this.#read(await this.#current());
    const slabs: Buffer[] = [];
    const take = (): Buffer => {
      const slab = this.#pool.take();
      slabs.push(slab);
      return slab;
    };
    let ended = (): void => undefined;
    void Promise.allSettled([released, new Promise<void>((resolve) => (ended = resolve))]).then(() => {
      this.#pool.release(slabs);
      this.#unread(published);
    });
    const members: Promise<readonly Buffer[]>[] = [];
    const compress = (chunks: readonly Buffer[]): Promise<readonly Buffer[]> => {
      const member = gzipChunks(chunks, this.#pool);
      // Its output lies in slabs too: held by this scrape.
      return handled(member.then((output) => (slabs.push(...output), output)));
    };
    try {
      if (!gzipped) {
        // Text handed to the socket between two turns is ~1 MB: queueing the whole fixed part at
        // once held the event loop for ~10 ms per scrape.
        for (let index = 0; index < published.keys.fixed.length; index++) {
          if (index % SLABS_PER_TURN === SLABS_PER_TURN - 1) await turn();
          yield published.keys.fixed[index]!;
        }
        for (const timed of published.keys.timed) {
          yield timed.header;
          let written = 0;
          for (const slab of renderTimed(timed, nowMs, take)) {
            if (written++ % SLABS_PER_TURN === 0) await turn();
            yield slab;
          }
        }
        yield Buffer.from(await this.#metrics.registry.metrics(), 'utf8');
        return;
      }
      yield* await published.fixedGzip;
      // Compression runs on the thread pool, one member per ~1 MB of text; rendering the next
      // slabs overlaps it.
      for (const timed of published.keys.timed) {
        let group: Buffer[] = [timed.header];
        for (const slab of renderTimed(timed, nowMs, take)) {
          group.push(slab);
          if (group.length < SLABS_PER_TURN) continue;
          members.push(compress(group));
          group = [];
          await turn();
        }
        if (group.length > 0) members.push(compress(group));
      }
      members.push(handled(this.#metrics.registry.metrics().then((text) => compress([Buffer.from(text, 'utf8')]))));
      for (const member of members) yield* await member;
    } finally {
      // Compression still reading a slab (the response closed early) keeps it held.
      await Promise.allSettled(members);
      ended();
    }
  }

  #publish(keys: KeyExpositionBytes): Published {
    // Compressed on the thread pool as soon as the snapshot lands; a scrape without gzip never awaits it.
    const fixedGzip = handled(gzipChunks(keys.fixed, this.#pool));
    // Free slabs for the next render, and some for scrapes.
    this.#pool.keep(keys.held.length + SCRAPE_SLABS);
    return { keys, fixedGzip, readers: 0, retired: false, released: false };
  }

  #read(published: Published): Published {
    published.readers++;
    return published;
  }

  #unread(published: Published): void {
    published.readers--;
    this.#release(published);
  }

  /** A retired snapshot that nobody reads releases its slabs, once its compression has ended. */
  #release(published: Published): void {
    if (!published.retired || published.readers > 0 || published.released) return;
    published.released = true;
    void published.fixedGzip.then(
      (gzipped) => this.#pool.release([...published.keys.held, ...gzipped]),
      () => this.#pool.release(published.keys.held),
    );
  }
}

/** Marks a promise awaited later as handled, so that its failure is not reported before then. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** One gzip member of chunks that are never joined, compressed on the thread pool into slabs. */
function gzipChunks(chunks: readonly Buffer[], slabs: Slabs): Promise<readonly Buffer[]> {
  const out = new SlabWriter(slabs);
  return new Promise((resolve, reject) => {
    const stream = createGzip({ level: constants.Z_BEST_SPEED });
    stream.on('data', (chunk: Buffer) => out.copy(chunk));
    stream.on('end', () => resolve(out.finish()));
    stream.on('error', (error) => {
      slabs.release(out.finish());
      reject(error);
    });
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}
