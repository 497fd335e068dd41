import type { ApiKey } from '../model/api-key.js';

/**
 * The keys a scope just returned, where every key equal to one the last snapshot holds is that
 * object, and the whole array is the last one when nothing changed. Pure.
 *
 * Why: most keys do not change between cycles. Keeping the old objects lets the fresh copies die
 * young (a cheap scavenge) instead of replacing 40,000 long-lived objects every cycle, which V8
 * only reclaims in full collections: the heap would swing by the size of a snapshot per cycle.
 */
export function keepUnchanged(previous: readonly ApiKey[] | undefined, fetched: readonly ApiKey[]): readonly ApiKey[] {
  if (previous === undefined || previous.length === 0) return fetched;
  let byId: Map<string, ApiKey> | undefined;
  let same = previous.length === fetched.length;
  const kept = fetched.map((key, index) => {
    // Lists come back in the same order from cycle to cycle; look a key up only when they do not.
    let old = previous[index];
    if (old?.id !== key.id) {
      byId ??= new Map(previous.map((candidate) => [candidate.id, candidate]));
      old = byId.get(key.id);
    }
    if (old !== undefined && equalData(old, key)) {
      if (old !== previous[index]) same = false;
      return old;
    }
    same = false;
    return key;
  });
  return same ? previous : kept;
}

/** Deep equality of JSON-like data: primitives, arrays and plain objects (absent and undefined alike). */
export function equalData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => equalData(item, other[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  for (const name in left) if (!equalData(left[name], right[name])) return false;
  for (const name in right) if (!(name in left) && right[name] !== undefined) return false;
  return true;
}
