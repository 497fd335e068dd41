import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors/config-error.js';
import { fnv1a64, jumpHash, ordinalFromHostname, Shard, shardFor, shardOf } from '../../../src/poller/shard.js';
import { generateDataset } from '../../../src/simulator/index.js';
import { thrownBy } from '../../helpers/thrown.js';

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64-bit test vectors', () => {
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n);
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n);
  });
});

describe('jumpHash', () => {
  const keys = Array.from({ length: 5_000 }, (_, index) => fnv1a64(`scope-${index}`));

  it('stays in range and spreads evenly', () => {
    const counts = [0, 0, 0];
    for (const key of keys) counts[jumpHash(key, 3)]! += 1;
    for (const count of counts) expect(Math.abs(count - keys.length / 3)).toBeLessThan(keys.length * 0.03);
    expect(jumpHash(123n, 1)).toBe(0);
  });

  it('matches the reference implementation’s values', () => {
    // The test vectors of github.com/dgryski/go-jump (key, buckets → bucket).
    expect(jumpHash(1n, 1)).toBe(0);
    expect(jumpHash(42n, 57)).toBe(43);
    expect(jumpHash(0xdead10ccn, 1)).toBe(0);
    expect(jumpHash(0xdead10ccn, 666)).toBe(361);
    expect(jumpHash(256n, 1024)).toBe(520);
  });

  it('moves keys only to the new bucket when one is added', () => {
    for (const buckets of [1, 2, 3, 7]) {
      for (const key of keys) {
        const before = jumpHash(key, buckets);
        const after = jumpHash(key, buckets + 1);
        expect(after === before || after === buckets).toBe(true);
      }
    }
  });
});

describe('shards', () => {
  it('every scope of a large data set lands in exactly one of 3 shards', () => {
    const ids = generateDataset({ seed: 91, users: 20, projects: 10_000, keysPerProject: 0 }).projects.map((project) => project.id);
    const shards = [new Shard(0, 3), new Shard(1, 3), new Shard(2, 3)];
    for (const id of ids) expect(shards.filter((shard) => shard.owns({ id }))).toHaveLength(1);
  });

  it('documents the move from 3 to 4 shards: a quarter of the scopes, all to the new shard', () => {
    const ids = generateDataset({ seed: 91, users: 0, projects: 10_000, keysPerProject: 0 }).projects.map((project) => project.id);
    const moved = ids.filter((id) => shardOf(id, 3) !== shardOf(id, 4));
    // 10,000 projects: 2,566 move (25.7 %; 1/4 ideally), every one of them to shard 3; modulo hashing would move 3/4.
    expect(moved).toHaveLength(2_566);
    expect(moved.every((id) => shardOf(id, 4) === 3)).toBe(true);
  });

  it('takes the index from a StatefulSet hostname, and refuses one without a fitting ordinal', () => {
    expect(ordinalFromHostname('mongodb-apikey-exporter-2')).toBe(2);
    expect(ordinalFromHostname('mongodb-apikey-exporter-12.headless.monitoring.svc')).toBe(12);
    expect(ordinalFromHostname('laptop')).toBeUndefined();
    expect(ordinalFromHostname('exporter-2-canary')).toBeUndefined();
    expect(ordinalFromHostname('exporter-2a')).toBeUndefined();
    expect(shardFor({ shardCount: 3, shardIndex: 0, shardIndexFromHostname: true }, 'x-2')).toEqual(new Shard(2, 3));
    expect(shardFor({ shardCount: 3, shardIndex: 1, shardIndexFromHostname: false }, 'x-2')).toEqual(new Shard(1, 3));
    expect(thrownBy(() => shardFor({ shardCount: 3, shardIndex: 0, shardIndexFromHostname: true }, 'x-3'), ConfigError).message).toContain('no ordinal from 0 to 2');
    expect(thrownBy(() => shardFor({ shardCount: 3, shardIndex: 0, shardIndexFromHostname: true }, 'laptop'), ConfigError).message).toContain('"laptop"');
  });
});
