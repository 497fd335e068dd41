/**
 * Runs `task` over `items`, at most `width` at a time, in order of the items; the results keep
 * their order. A task is created only when it starts: queueing 10,000 scopes up front would keep
 * 10,000 closures and promises alive for the whole cycle, long enough for V8 to move them into the
 * old generation, where they pile up as garbage until the next full collection.
 * The first task that throws ends its worker and rejects the whole; the others run out the list.
 */
export async function mapInWindow<T, R>(items: readonly T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  return results;
}
