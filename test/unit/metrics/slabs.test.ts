import { describe, expect, it } from 'vitest';
import { SLAB_BYTES, SlabPool, SlabWriter, UNPOOLED, type Slabs } from '../../../src/metrics/slabs.js';

/** Slabs of `size` bytes whose holders are counted, and every slab given back recorded. */
class SmallSlabs implements Slabs {
  readonly counts = new Map<ArrayBufferLike, number>();
  readonly #size: number;
  taken = 0;

  constructor(size: number) {
    this.#size = size;
  }

  take(): Buffer {
    const slab = Buffer.alloc(this.#size);
    this.counts.set(slab.buffer, 1);
    this.taken++;
    return slab;
  }

  retain(chunk: Buffer): void {
    this.counts.set(chunk.buffer, (this.counts.get(chunk.buffer) ?? 0) + 1);
  }

  release(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) this.counts.set(chunk.buffer, (this.counts.get(chunk.buffer) ?? 0) - 1);
  }

  holders(chunk: Buffer): number {
    return this.counts.get(chunk.buffer) ?? 0;
  }

  /** Slabs taken and not given back. */
  get held(): number {
    return [...this.counts.values()].filter((count) => count > 0).length;
  }
}

describe('SlabPool', () => {
  it('holds a taken slab until every holder has released it, then keeps it free for the next take', () => {
    const pool = new SlabPool();
    pool.keep(4);
    const slab = pool.take();
    expect(slab).toHaveLength(SLAB_BYTES);
    expect(pool.stats).toStrictEqual({ free: 0, held: 1 });
    // A second holder (a later snapshot sharing a chunk of it), through any chunk of the slab.
    pool.retain(slab.subarray(10, 20));
    pool.release([slab.subarray(0, 5)]);
    expect(pool.stats).toStrictEqual({ free: 0, held: 1 });
    pool.release([slab]);
    expect(pool.stats).toStrictEqual({ free: 1, held: 0 });
    // Released twice, or never taken: nothing changes.
    pool.release([slab, Buffer.alloc(8)]);
    pool.retain(Buffer.alloc(8));
    expect(pool.stats).toStrictEqual({ free: 1, held: 0 });
    expect(pool.take().buffer).toBe(slab.buffer);
    expect(pool.stats).toStrictEqual({ free: 0, held: 1 });
  });

  it('keeps at most as many free slabs as it was told, and drops the rest at once', () => {
    const pool = new SlabPool();
    pool.keep(2);
    const slabs = [pool.take(), pool.take(), pool.take()];
    expect(new Set(slabs.map((slab) => slab.buffer)).size).toBe(3);
    pool.release(slabs);
    expect(pool.stats).toStrictEqual({ free: 2, held: 0 });
    pool.keep(1);
    expect(pool.stats).toStrictEqual({ free: 1, held: 0 });
    pool.keep(3);
    expect(pool.stats).toStrictEqual({ free: 1, held: 0 });
    // Nothing kept: a released slab is left to the garbage collector.
    pool.keep(0);
    pool.release([pool.take()]);
    expect(pool.stats).toStrictEqual({ free: 0, held: 0 });
  });
});

describe('UNPOOLED', () => {
  it('allocates a fresh slab each time and counts nothing', () => {
    const a = UNPOOLED.take();
    expect(a).toHaveLength(SLAB_BYTES);
    expect(UNPOOLED.take().buffer).not.toBe(a.buffer);
    expect(UNPOOLED.retain(a)).toBeUndefined();
    expect(UNPOOLED.release([a])).toBeUndefined();
  });
});

describe('SlabWriter', () => {
  it('writes lines back to back and starts a new chunk where the next line would not fit', () => {
    const slabs = new SmallSlabs(10);
    const writer = new SlabWriter(slabs);
    expect(writer.text('abcd\n')).toBe(0);
    expect(writer.offset).toBe(5);
    expect(writer.text('efgh\n')).toBe(0);
    expect(writer.offset).toBe(10);
    expect(writer.text('ij\n')).toBe(1);
    expect(writer.offset).toBe(3);
    const chunks = writer.finish();
    expect(chunks.map(String)).toStrictEqual(['abcd\nefgh\n', 'ij\n']);
    expect(writer.offset).toBe(0);
    expect(slabs.taken).toBe(2);
    for (const chunk of chunks) expect(slabs.holders(chunk)).toBe(1);
  });

  it('counts UTF-8 bytes, not characters, for the room left', () => {
    const slabs = new SmallSlabs(8);
    const writer = new SlabWriter(slabs);
    writer.text('ab');
    // 'üüü' is 6 bytes: it fits the 6 left; one more byte does not.
    expect(writer.text('üüü')).toBe(0);
    expect(writer.text('x')).toBe(1);
    expect(writer.finish().map(String)).toStrictEqual(['abüüü', 'x']);
  });

  it('gives a line longer than a slab a Buffer of its own and the slab back', () => {
    const slabs = new SmallSlabs(4);
    const writer = new SlabWriter(slabs);
    writer.text('ab');
    expect(writer.text('0123456789')).toBe(1);
    const chunks = writer.finish();
    expect(chunks.map(String)).toStrictEqual(['ab', '0123456789']);
    // The slab taken for the long line went straight back; the first is still held.
    expect(slabs.taken).toBe(2);
    expect(slabs.held).toBe(1);
  });

  it('writes a line exactly as long as a slab into the slab', () => {
    const slabs = new SmallSlabs(4);
    const writer = new SlabWriter(slabs);
    writer.text('abcd');
    const [chunk] = writer.finish();
    expect(String(chunk)).toBe('abcd');
    expect(slabs.taken).toBe(1);
    expect(slabs.holders(chunk!)).toBe(1);
  });

  it('copies bytes across as many slabs as they need', () => {
    const slabs = new SmallSlabs(4);
    const writer = new SlabWriter(slabs);
    writer.copy(Buffer.from('abcdefghij'));
    writer.copy(Buffer.from('kl'));
    expect(writer.finish().map(String)).toStrictEqual(['abcd', 'efgh', 'ijkl']);
    expect(slabs.taken).toBe(3);
  });

  it('ends nothing when nothing was written, and gives back a slab left empty', () => {
    const slabs = new SmallSlabs(8);
    const writer = new SlabWriter(slabs);
    expect(writer.finish()).toStrictEqual([]);
    writer.text('');
    expect(writer.finish()).toStrictEqual([]);
    expect(slabs.taken).toBe(1);
    expect(slabs.held).toBe(0);
  });

  it('shares a chunk equal to the one at its place in the previous chunks, and only such a chunk', () => {
    const slabs = new SmallSlabs(6);
    const first = new SlabWriter(slabs);
    for (const line of ['aa\n', 'bb\n', 'cc\n', 'dd\n']) first.text(line);
    const before = first.finish();
    expect(before.map(String)).toStrictEqual(['aa\nbb\n', 'cc\ndd\n']);
    const second = new SlabWriter(slabs, before);
    for (const line of ['aa\n', 'bb\n', 'cc\n', 'ee\n', 'ff\n']) second.text(line);
    const after = second.finish();
    expect(after.map(String)).toStrictEqual(['aa\nbb\n', 'cc\nee\n', 'ff\n']);
    expect(after[0]).toBe(before[0]);
    expect(slabs.holders(before[0]!)).toBe(2);
    expect(after[1]).not.toBe(before[1]);
    expect(slabs.holders(before[1]!)).toBe(1);
    expect(slabs.holders(after[1]!)).toBe(1);
    // The slab taken for the shared chunk went back: the two writers hold four slabs between them.
    expect(slabs.taken).toBe(5);
    expect(slabs.held).toBe(4);
  });
});
