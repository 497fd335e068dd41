import { promisify } from 'node:util';
import { gzip as gzipCallback, constants } from 'node:zlib';
import type { Snapshot } from '../model/snapshot.js';
import { buildKeyExposition, renderTimedSeries, type KeyExposition } from './key-exposition.js';
import type { ExporterMetrics } from './exporter-metrics.js';

const gzip = promisify(gzipCallback);

/**
 * What `/metrics` serves: the snapshot's fixed series (rendered, and gzipped, once per
 * snapshot), the scrape-time series, and the exporter's own metrics. A scrape only reads.
 */
export class Exposition {
  readonly #metrics: ExporterMetrics;
  #keys: KeyExposition = buildKeyExposition(undefined);
  #fixed: Buffer = Buffer.alloc(0);
  #fixedGzip: Promise<Buffer> | undefined;

  constructor(metrics: ExporterMetrics) {
    this.#metrics = metrics;
  }

  /** Renders a new snapshot; called once per cycle, never by a scrape. */
  update(snapshot: Snapshot): void {
    this.#keys = buildKeyExposition(snapshot);
    this.#fixed = Buffer.from(this.#keys.fixed);
    this.#fixedGzip = undefined;
  }

  /** Series in the key and scope families of the current snapshot. */
  get series(): number {
    return this.#keys.series;
  }

  /**
   * The body, as chunks to write in order. With gzip, each chunk is a gzip member of its own:
   * RFC 1952 allows a series of members, and the fixed part is compressed once per snapshot.
   */
  async render(nowMs: number, compress: boolean): Promise<Buffer[]> {
    const keys = this.#keys;
    const fixed = this.#fixed;
    // Taken before any await, so that the pair always belongs to one snapshot.
    const fixedGzip = compress ? (this.#fixedGzip ??= gzip(fixed, { level: constants.Z_BEST_SPEED })) : undefined;
    const tail = renderTimedSeries(keys, nowMs) + (await this.#metrics.registry.metrics());
    if (fixedGzip === undefined) return [fixed, Buffer.from(tail)];
    return Promise.all([fixedGzip, gzip(tail, { level: constants.Z_BEST_SPEED })]);
  }
}
