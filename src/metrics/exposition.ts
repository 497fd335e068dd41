import { promisify } from 'node:util';
import { createGzip, gzip as gzipCallback, constants } from 'node:zlib';
import type { Snapshot } from '../model/snapshot.js';
import { buildKeyExpositionBytes, buildKeyExpositionBytesAsync, renderTimedBytes, type KeyExpositionBytes } from './key-exposition.js';
import type { ExporterMetrics } from './exporter-metrics.js';

const gzipAsync = promisify(gzipCallback);
const gzip = (data: Buffer): Promise<Buffer> => gzipAsync(data, { level: constants.Z_BEST_SPEED });
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Scrape-time series rendered per slice; between slices the event loop gets a turn, so a scrape
 * of any size never blocks other requests (or the poller) for long. About 1 MB of text a slice.
 */
export const TIMED_SLICE_SERIES = 8192;

/** One published snapshot: its bytes, and its fixed part compressed once (as its own gzip member). */
interface Published {
  readonly keys: KeyExpositionBytes;
  readonly fixedGzip: Promise<Buffer>;
}

/**
 * What `/metrics` serves: the snapshot's fixed series (rendered, and gzipped, once per
 * snapshot), the scrape-time series, and the exporter's own metrics. A scrape only reads.
 * Only Buffers are kept per snapshot: nothing per series stays on the JS heap.
 */
export class Exposition {
  readonly #metrics: ExporterMetrics;
  #published: Published = publish(buildKeyExpositionBytes(undefined));
  /** The render of the latest update, while it runs; a scrape waits for it. */
  #pending: Promise<void> | undefined;
  #buildError: unknown;
  #generation = 0;

  constructor(metrics: ExporterMetrics) {
    this.#metrics = metrics;
  }

  /**
   * Renders a new snapshot; called once per cycle, never by a scrape. The render runs in slices
   * (the event loop stays free); scrapes that arrive meanwhile wait for it, so every scrape that
   * starts after `update()` serves this snapshot or a later one.
   */
  update(snapshot: Snapshot): void {
    const generation = ++this.#generation;
    const pending = buildKeyExpositionBytesAsync(snapshot).then(
      (keys) => {
        // A later update supersedes this one, even when it finishes first.
        if (generation !== this.#generation) return;
        this.#published = publish(keys);
        this.#buildError = undefined;
      },
      (error: unknown) => {
        if (generation === this.#generation) this.#buildError = error;
      },
    );
    this.#pending = pending;
    void pending.finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
  }

  /** Series in the key and scope families of the current snapshot. */
  get series(): number {
    return this.#published.keys.series;
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
   */
  async *chunks(nowMs: number, compress: boolean): AsyncGenerator<Buffer, void, undefined> {
    const { keys, fixedGzip } = await this.#current();
    if (!compress) {
      yield* keys.fixed;
      for (const timed of keys.timed) {
        yield timed.header;
        for (let from = 0; from < timed.ends.length; from += TIMED_SLICE_SERIES) {
          await turn();
          yield renderTimedBytes(timed, nowMs, from, Math.min(from + TIMED_SLICE_SERIES, timed.ends.length));
        }
      }
      yield Buffer.from(await this.#metrics.registry.metrics(), 'utf8');
      return;
    }
    yield await fixedGzip;
    // Compression runs on the thread pool; rendering the next slice overlaps it.
    const members: Promise<Buffer>[] = [];
    for (const timed of keys.timed) {
      for (let from = 0; from < timed.ends.length; from += TIMED_SLICE_SERIES) {
        await turn();
        const slice = renderTimedBytes(timed, nowMs, from, Math.min(from + TIMED_SLICE_SERIES, timed.ends.length));
        members.push(handled(gzip(from === 0 ? Buffer.concat([timed.header, slice]) : slice)));
      }
    }
    members.push(handled(this.#metrics.registry.metrics().then((text) => gzip(Buffer.from(text, 'utf8')))));
    for (const member of members) yield await member;
  }
}

/** Marks a promise awaited later as handled, so that its failure is not reported before then. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function publish(keys: KeyExpositionBytes): Published {
  // Compressed on the thread pool as soon as the snapshot lands; a scrape without gzip never awaits it.
  return { keys, fixedGzip: handled(gzipChunks(keys.fixed)) };
}

/** One gzip member of chunks that are never joined, compressed on the thread pool. */
function gzipChunks(chunks: readonly Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = createGzip({ level: constants.Z_BEST_SPEED });
    const out: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(out)));
    stream.on('error', reject);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}
