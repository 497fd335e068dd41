import { errorReply, type Reply } from './responses.js';

/** A validated page request. */
export interface PageRequest {
  /** 1-based. */
  pageNum: number;
  itemsPerPage: number;
}

/** A link of a paged response. */
export interface PageLink {
  rel: 'self' | 'previous' | 'next';
  href: string;
}

/** The documented envelope of a paged list. */
export interface Page<T> {
  links: PageLink[];
  results: T[];
  totalCount: number;
}

/** The documented default of `itemsPerPage`. */
export const DEFAULT_ITEMS_PER_PAGE = 100;
/** The documented maximum of `itemsPerPage`. */
export const MAX_ITEMS_PER_PAGE = 500;

const DIGITS = /^[0-9]{1,9}$/;

function invalid(name: string): Reply {
  return errorReply(400, 'INVALID_QUERY_PARAMETER', `Invalid query parameter ${name} specified.`, [name]);
}

/** Reads `pageNum` (default 1) and `itemsPerPage` (default 100, 1..500); a 400 `INVALID_QUERY_PARAMETER` reply otherwise. */
export function parsePaging(query: URLSearchParams): PageRequest | Reply {
  const pageText = query.get('pageNum');
  const sizeText = query.get('itemsPerPage');
  let pageNum = 1;
  let itemsPerPage = DEFAULT_ITEMS_PER_PAGE;
  if (pageText !== null) {
    if (!DIGITS.test(pageText) || Number(pageText) < 1) return invalid('pageNum');
    pageNum = Number(pageText);
  }
  if (sizeText !== null) {
    if (!DIGITS.test(sizeText) || Number(sizeText) < 1 || Number(sizeText) > MAX_ITEMS_PER_PAGE) return invalid('itemsPerPage');
    itemsPerPage = Number(sizeText);
  }
  return { pageNum, itemsPerPage };
}

/**
 * One page of `items` (O(page size)), with absolute `self`/`previous`/`next` links under `baseHref`
 * (the request URL without its query). There is no `next` on the last page.
 */
export function pageOf<T>(items: readonly T[], request: PageRequest, baseHref: string): Page<T> {
  const { pageNum, itemsPerPage } = request;
  const start = (pageNum - 1) * itemsPerPage;
  const href = (n: number): string => `${baseHref}?pageNum=${n}&itemsPerPage=${itemsPerPage}`;
  const links: PageLink[] = [{ rel: 'self', href: href(pageNum) }];
  if (pageNum > 1) links.push({ rel: 'previous', href: href(pageNum - 1) });
  if (start + itemsPerPage < items.length) links.push({ rel: 'next', href: href(pageNum + 1) });
  return { links, results: items.slice(start, start + itemsPerPage), totalCount: items.length };
}
