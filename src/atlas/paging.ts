import { z } from 'zod';

/** Atlas v1.0 pages at most 500 items per request. */
export const ITEMS_PER_PAGE = 500;

/** The documented list envelope: `{links:[{rel, href}], results:[…], totalCount}`; more fields may come. */
export const pageSchema = z.looseObject({
  results: z.array(z.unknown()),
  totalCount: z.number().int().nonnegative().optional(),
  links: z.array(z.looseObject({ rel: z.string().optional(), href: z.string().optional() })).optional(),
});

export type Page = z.output<typeof pageSchema>;

/** The `next` link of a page, absent on the last page. */
export function nextLink(page: Page): string | undefined {
  return page.links?.find((link) => link.rel === 'next')?.href;
}

/** How many pages `totalCount` items take. */
export function pageCount(totalCount: number, itemsPerPage = ITEMS_PER_PAGE): number {
  return Math.max(1, Math.ceil(totalCount / itemsPerPage));
}

/** The path and query of page `pageNum` of a list path. */
export function pagePath(path: string, pageNum: number, itemsPerPage = ITEMS_PER_PAGE): string {
  const separator = path.includes('?') ? '&' : '?';
  return `${path}${separator}pageNum=${pageNum}&itemsPerPage=${itemsPerPage}`;
}
