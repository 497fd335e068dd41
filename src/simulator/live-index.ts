/**
 * A by-key index over an array that tests may change at any time (push, splice, replace, reassign).
 * A hit is checked against the array before it is trusted; a miss rebuilds the index once, so lookups
 * are O(1) while the data is stable and always correct after a change.
 */
export class LiveIndex<T> {
  readonly #source: () => readonly T[];
  readonly #keyOf: (item: T) => string;
  #indexed: readonly T[] | undefined;
  #positions = new Map<string, number>();

  constructor(source: () => readonly T[], keyOf: (item: T) => string) {
    this.#source = source;
    this.#keyOf = keyOf;
  }

  /** The item whose key is `key`, or undefined. */
  get(key: string): T | undefined {
    const items = this.#source();
    const hit = this.#find(items, key);
    if (hit !== undefined) return hit;
    this.#rebuild(items);
    return this.#find(items, key);
  }

  /** Whether an item has this key. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  #find(items: readonly T[], key: string): T | undefined {
    if (items !== this.#indexed) return undefined;
    const position = this.#positions.get(key);
    if (position === undefined) return undefined;
    const item = items[position];
    return item !== undefined && this.#keyOf(item) === key ? item : undefined;
  }

  #rebuild(items: readonly T[]): void {
    const positions = new Map<string, number>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      // First one wins, as a linear search would.
      if (item !== undefined && !positions.has(this.#keyOf(item))) positions.set(this.#keyOf(item), i);
    }
    this.#positions = positions;
    this.#indexed = items;
  }
}
