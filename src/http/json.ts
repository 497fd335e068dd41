import { paginate } from '../audit/selection.js';

// What `/keys.json` and `/events.json` write the same way.

/** A time as ISO 8601 in UTC; absent as null. */
export const isoTime = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * The items an answer lists, and the fields before them: every item unless the query asked for a
 * page or a limit, then that page with `page`, `pages` and `limit`. Pure.
 */
export function listing<T>(items: readonly T[], query: { readonly paged: boolean; readonly page: number; readonly limit: number }): { fields: Record<string, number>; items: readonly T[] } {
  if (!query.paged) return { fields: { total: items.length }, items };
  const page = paginate(items, query.page, query.limit);
  return { fields: { total: items.length, page: page.page, pages: page.pages, limit: query.limit }, items: page.items };
}
