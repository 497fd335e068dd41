/** The `part`-th of `parts` contiguous shares of `items` (as when each team holds its own projects). */
export function share<T>(items: readonly T[], part: number, parts: number): T[] {
  return items.slice(Math.floor((part * items.length) / parts), Math.floor(((part + 1) * items.length) / parts));
}

/** A count option: `fallback` when absent, a RangeError naming the option when not a non-negative integer. */
export function count(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`generateDataset: ${name} must be a non-negative integer, got ${String(value)}`);
  return n;
}
