import { ConfigError } from '../errors/config-error.js';
import type { Scope } from '../model/scope.js';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bits, of a string's UTF-8 bytes: stable across replicas, releases and platforms. */
export function fnv1a64(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return hash;
}

/**
 * Lamping and Veach's jump consistent hash: the bucket of `key` among `buckets`. Going from N to
 * N + 1 buckets moves only about 1/(N + 1) of the keys, all of them to the new bucket.
 */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK_64;
    j = Math.floor(((b + 1) * 2 ** 31) / Number((k >> 33n) + 1n));
  }
  return b;
}

/** The shard a scope belongs to: by its owner's id, so every kind of one owner lands together. */
export function shardOf(scopeId: string, count: number): number {
  return count <= 1 ? 0 : jumpHash(fnv1a64(scopeId), count);
}

/** This replica's share of the scopes: shard `index` of `count`. */
export class Shard {
  readonly index: number;
  readonly count: number;

  constructor(index = 0, count = 1) {
    this.index = index;
    this.count = count;
  }

  /** A project read through its organisation goes with the organisation, so the organisation's listing, which both read, is fetched once. */
  owns(scope: Pick<Scope, 'id' | 'orgId'>): boolean {
    return shardOf(scope.orgId ?? scope.id, this.count) === this.index;
  }
}

/** The ordinal of a StatefulSet pod from its hostname (`name-3` → 3); undefined when there is none. */
export function ordinalFromHostname(hostname: string): number | undefined {
  const match = /-(\d+)$/.exec(hostname.split('.')[0] ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The shard of this replica from its flags, or from the ordinal of a StatefulSet pod's hostname. */
export function shardFor(
  flags: { readonly shardCount: number; readonly shardIndex: number; readonly shardIndexFromHostname: boolean },
  hostname: string,
): Shard {
  if (!flags.shardIndexFromHostname) return new Shard(flags.shardIndex, flags.shardCount);
  const ordinal = ordinalFromHostname(hostname);
  if (ordinal === undefined || ordinal >= flags.shardCount) {
    throw new ConfigError(`--shard.index-from-hostname: hostname ${JSON.stringify(hostname)} has no ordinal from 0 to ${flags.shardCount - 1} (expected name-I)`);
  }
  return new Shard(ordinal, flags.shardCount);
}
