/** A source of uniformly distributed numbers in [0, 1), like `Math.random` but seeded. */
export type Random = () => number;

/** mulberry32: a tiny, fast 32-bit PRNG; good enough for fake data, never for secrets of real systems. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, 32-bit unsigned. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * An independent random stream per (seed, name): growing one part of a data set (more users)
 * leaves the other parts (projects, credentials) unchanged.
 */
export function randomStream(seed: number, name: string): Random {
  return mulberry32(fnv1a(`${seed >>> 0}:${name}`));
}

/** An integer in [min, max], both inclusive. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

// The string builders below fill a char-code buffer and make one flat string: concatenation would
// leave trees of rope strings behind, which made 100,000 generated keys cost ~1 KB of heap each.
const HEX_CODES = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** Collects char codes and turns them into one flat string. */
export class CodeBuffer {
  readonly #codes: number[] = [];

  /** Appends the characters of `text`. */
  text(text: string): this {
    for (let i = 0; i < text.length; i++) this.#codes.push(text.charCodeAt(i));
    return this;
  }

  /** `digits` (at most 8) lowercase hex digits of `value`; the low bits are kept. */
  hex(value: number, digits: number): this {
    for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) this.#codes.push(HEX_CODES[(value >>> shift) & 15] as number);
    return this;
  }

  /** `value` in decimal, zero-padded to `digits`. */
  decimal(value: number, digits: number): this {
    for (let power = 10 ** (digits - 1); power >= 1; power /= 10) this.#codes.push(48 + (Math.floor(value / power) % 10));
    return this;
  }

  /** `digits` random lowercase hex digits, eight per draw. */
  randomHex(random: Random, digits: number): this {
    for (let left = digits; left > 0; left -= 8) this.hex(Math.floor(random() * 4294967296), Math.min(8, left));
    return this;
  }

  /** The collected characters as one string. */
  toString(): string {
    return String.fromCharCode.apply(null, this.#codes);
  }
}

/** `digits` lowercase hex characters. */
export function randomHex(random: Random, digits: number): string {
  return new CodeBuffer().randomHex(random, digits).toString();
}

/** `value` as exactly `digits` (at most 8) lowercase hex characters; the low bits are kept. */
export function toHex(value: number, digits: number): string {
  return new CodeBuffer().hex(value >>> 0, digits).toString();
}

/** An address of the documentation ranges (RFC 5737), as the vendor's examples use. */
export function documentationIp(random: Random): string {
  const prefix = pick(random, ['192.0.2', '198.51.100', '203.0.113'] as const);
  return `${prefix}.${randomInt(random, 1, 254)}`;
}

/** A number (a duration, a count) between `min` and `max`, spread evenly over orders of magnitude. */
export function logUniform(random: Random, min: number, max: number): number {
  return Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)));
}
