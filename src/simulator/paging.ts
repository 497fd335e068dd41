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
 * (the request URL without its query), which repeat the parameters of `kept` (a listing's filters)
 * before the paging ones. There is no `next` on the last page.
 */
export function pageOf<T>(items: readonly T[], request: PageRequest, baseHref: string, kept?: URLSearchParams): Page<T> {
  const { pageNum, itemsPerPage } = request;
  const start = (pageNum - 1) * itemsPerPage;
  const filters = kept === undefined || kept.size === 0 ? '' : `${kept.toString()}&`;
  const href = (n: number): string => `${baseHref}?${filters}pageNum=${n}&itemsPerPage=${itemsPerPage}`;
  const links: PageLink[] = [{ rel: 'self', href: href(pageNum) }];
  if (pageNum > 1) links.push({ rel: 'previous', href: href(pageNum - 1) });
  if (start + itemsPerPage < items.length) links.push({ rel: 'next', href: href(pageNum + 1) });
  return { links, results: items.slice(start, start + itemsPerPage), totalCount: items.length };
}

/**
 * How the simulator pages every list (v1.0 and v2), for testing a client against what the API
 * definitions allow: `totalCount` "is an estimate and may not be exact", and only `results` is
 * required.
 * - `exact` (default): `totalCount` is the real count; `next` links until the last page.
 * - `low`: `totalCount` says half the real count (rounded down).
 * - `high`: `totalCount` says twice the real count; pages past the end are empty.
 * - `omitted`: neither `totalCount` nor `links`: only a full page says more may follow.
 * - `next-only`: no `totalCount`, and a page holds at most {@link NEXT_ONLY_PAGE_SIZE} items
 *   whatever `itemsPerPage` asks: only the `next` links say more follows.
 * - `foreign-next`: no `totalCount`; `next` links name another origin (`foreignOrigin`).
 */
export const PAGING_MODES = ['exact', 'low', 'high', 'omitted', 'next-only', 'foreign-next'] as const;

export type PagingMode = (typeof PAGING_MODES)[number];

/** A paging mode, and for `foreign-next` the origin its links name (default `http://foreign.invalid`). */
export interface PagingBehaviour {
  mode: PagingMode;
  foreignOrigin?: string;
}

/** The page size of `next-only`, below the 500 a client asks for. */
export const NEXT_ONLY_PAGE_SIZE = 200;

const FOREIGN_ORIGIN = 'http://foreign.invalid';

/** A mode, or a behaviour, as a behaviour. */
export function pagingBehaviour(paging: PagingMode | PagingBehaviour | undefined): PagingBehaviour {
  if (paging === undefined) return { mode: 'exact' };
  return typeof paging === 'string' ? { mode: paging } : paging;
}

/** The query a route pages by: `next-only` serves smaller pages than asked. */
export function pagingQuery(query: URLSearchParams, behaviour: PagingBehaviour): URLSearchParams {
  if (behaviour.mode !== 'next-only') return query;
  const text = query.get('itemsPerPage');
  // A malformed or out-of-range value stays, so the route refuses it as it would.
  const asked = text === null ? DEFAULT_ITEMS_PER_PAGE : DIGITS.test(text) ? Number(text) : Number.NaN;
  if (!(asked > NEXT_ONLY_PAGE_SIZE && asked <= MAX_ITEMS_PER_PAGE)) return query;
  const served = new URLSearchParams(query);
  served.set('itemsPerPage', String(NEXT_ONLY_PAGE_SIZE));
  return served;
}

/** A paged list reply (a 200 whose JSON body has `results`) reshaped as `behaviour` says; any other reply unchanged. */
export function reshapePagedReply(reply: Reply, behaviour: PagingBehaviour, pretty: boolean): Reply {
  if (behaviour.mode === 'exact' || reply.status !== 200) return reply;
  let body: unknown;
  try {
    body = JSON.parse(reply.body);
  } catch {
    return reply;
  }
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { results?: unknown }).results)) return reply;
  const page = body as { results: unknown[]; totalCount?: number; links?: PageLink[] };
  switch (behaviour.mode) {
    case 'low':
      if (page.totalCount !== undefined) page.totalCount = Math.floor(page.totalCount / 2);
      break;
    case 'high':
      if (page.totalCount !== undefined) page.totalCount = page.totalCount * 2;
      break;
    case 'omitted':
      delete page.totalCount;
      delete page.links;
      break;
    case 'next-only':
      delete page.totalCount;
      break;
    case 'foreign-next': {
      delete page.totalCount;
      const origin = behaviour.foreignOrigin ?? FOREIGN_ORIGIN;
      for (const link of page.links ?? []) {
        if (link.rel === 'next') {
          const url = new URL(link.href);
          link.href = origin + url.pathname + url.search;
        }
      }
      break;
    }
  }
  return { ...reply, body: pretty ? JSON.stringify(page, null, 2) : JSON.stringify(page) };
}
