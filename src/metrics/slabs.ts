/** Bytes in one slab: a few hundred series. */
export const SLAB_BYTES = 128 * 1024;

/**
 * Where exposition text is written: fixed-size slabs, each holding one chunk of text, counted by
 * who holds them. A snapshot holds the chunks it serves, a scrape the slices it renders; a chunk
 * that a new snapshot renders byte for byte as the last one did is shared instead of kept twice.
 */
export interface Slabs {
  /** A slab to write into; the caller holds it. */
  take(): Buffer;
  /** One more holder of the slab a chunk lies in. */
  retain(chunk: Buffer): void;
  /** One holder fewer for the slab of each chunk. */
  release(chunks: readonly Buffer[]): void;
}

/**
 * Slabs that are reused: one nobody holds any more goes back to a free list for the next render
 * or scrape. Allocating and freeing tens of megabytes of Buffers per cycle instead left the C heap
 * fragmented: RSS grew by more than the text itself, and did not come back.
 */
export class SlabPool implements Slabs {
  readonly #free: Buffer[] = [];
  /** Holders per slab in use, by its memory (every chunk of a slab shares it). */
  readonly #holders = new Map<ArrayBufferLike, { slab: Buffer; count: number }>();
  /** Free slabs kept for later; the rest are left to the garbage collector. */
  #keep = 0;

  take(): Buffer {
    const slab = this.#free.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
    this.#holders.set(slab.buffer, { slab, count: 1 });
    return slab;
  }

  retain(chunk: Buffer): void {
    const held = this.#holders.get(chunk.buffer);
    if (held !== undefined) held.count++;
  }

  release(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) {
      const held = this.#holders.get(chunk.buffer);
      if (held === undefined || --held.count > 0) continue;
      this.#holders.delete(chunk.buffer);
      if (this.#free.length < this.#keep) this.#free.push(held.slab);
    }
  }

  /** Keeps at most `slabs` free from now on: about what the next snapshot will need. */
  keep(slabs: number): void {
    this.#keep = slabs;
    if (this.#free.length > slabs) this.#free.length = slabs;
  }

  /** Slabs free, and slabs held, right now. */
  get stats(): { free: number; held: number } {
    return { free: this.#free.length, held: this.#holders.size };
  }
}

/** Slabs that are simply allocated and left to the garbage collector: for tests and tools. */
export const UNPOOLED: Slabs = {
  take: () => Buffer.allocUnsafe(SLAB_BYTES),
  retain: () => undefined,
  release: () => undefined,
};

/**
 * Text and bytes written into slabs, one after another. `chunks` are the written parts, one per
 * slab; a line of text never straddles two. The writer holds every chunk it returns. Given the
 * chunks the same family had in the last snapshot, a chunk equal to the one at its place there
 * is that one (held once more), and the new slab goes straight back.
 */
export class SlabWriter {
  readonly chunks: Buffer[] = [];
  readonly #slabs: Slabs;
  readonly #previous: readonly Buffer[];
  #slab: Buffer | undefined;
  #at = 0;

  constructor(slabs: Slabs, previous: readonly Buffer[] = []) {
    this.#slabs = slabs;
    this.#previous = previous;
  }

  /** Writes one line (or any text that must stay in one chunk); returns the chunk index it went to. */
  text(text: string): number {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only when that could overflow.
    const room = this.#slab === undefined ? -1 : this.#slab.length - this.#at;
    if (text.length * 3 > room) {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (bytes > room) this.#next(bytes);
    }
    const written = this.#slab!.write(text, this.#at, 'utf8');
    this.#at += written;
    return this.chunks.length;
  }

  /** Where the current chunk ends so far, in bytes from its start. */
  get offset(): number {
    return this.#at;
  }

  /** Copies bytes, across as many slabs as they need. */
  copy(bytes: Buffer): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.#slab === undefined || this.#at === this.#slab.length) this.#next(1);
      const copied = bytes.copy(this.#slab!, this.#at, from);
      from += copied;
      this.#at += copied;
    }
  }

  /** Ends the current chunk; the writer can go on with a fresh one. Returns every chunk. */
  finish(): Buffer[] {
    const slab = this.#slab;
    this.#slab = undefined;
    if (slab === undefined) return this.chunks;
    const chunk = slab.subarray(0, this.#at);
    this.#at = 0;
    const before = this.#previous[this.chunks.length];
    if (before !== undefined && before.equals(chunk)) {
      this.#slabs.retain(before);
      this.#slabs.release([chunk]);
      this.chunks.push(before);
    } else if (chunk.length > 0) {
      this.chunks.push(chunk);
    } else {
      this.#slabs.release([chunk]);
    }
    return this.chunks;
  }

  #next(bytes: number): void {
    this.finish();
    const slab = this.#slabs.take();
    // A line longer than a slab (never seen: label values are short) gets a Buffer of its own.
    if (bytes > slab.length) this.#slabs.release([slab]);
    this.#slab = bytes > slab.length ? Buffer.allocUnsafe(bytes) : slab;
  }
}
