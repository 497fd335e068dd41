import { KEY_KINDS, type KeyKind } from '../model/api-key.js';
import { badParameter, integer, MAX_PAGE, MAX_PAGE_SIZE, singleValues } from './params.js';
import { DEFAULT_THRESHOLDS, RISKS, type Thresholds } from './risk.js';

// The query parameters of the audit: the same on `/` and `/keys.json`.

const SORTS = ['risk', 'age', 'idle', 'expires', 'owner', 'kind', 'description'] as const;
export type Sort = (typeof SORTS)[number];
export const FILTERS = ['all', 'attention', 'ok', ...RISKS] as const;
export type Filter = (typeof FILTERS)[number];
export type Direction = 'asc' | 'desc';

/** Each sort's natural direction: the row that most needs a look first. */
export const DEFAULT_DIRECTION: Readonly<Record<Sort, Direction>> = {
  risk: 'asc',
  age: 'desc',
  idle: 'desc',
  expires: 'asc',
  owner: 'asc',
  kind: 'asc',
  description: 'asc',
};

const PAGE_SIZE = 200;
const MAX_THRESHOLD_DAYS = 36_500;
const MAX_SEARCH = 200;

export interface AuditQuery {
  readonly kind?: KeyKind;
  readonly filter: Filter;
  readonly sort: Sort;
  readonly dir: Direction;
  /** Case-insensitive text in the description, owner, key id, suffix or public id. */
  readonly search?: string;
  /** 1-based. */
  readonly page: number;
  readonly limit: number;
  /** True when `page` or `limit` was given (`/keys.json` answers every row otherwise). */
  readonly paged: boolean;
  readonly thresholds: Thresholds;
}

export const DEFAULT_QUERY: AuditQuery = { filter: 'all', sort: 'risk', dir: 'asc', page: 1, limit: PAGE_SIZE, paged: false, thresholds: DEFAULT_THRESHOLDS };

type ParsedQuery = { readonly ok: true; readonly query: AuditQuery } | { readonly ok: false; readonly error: string };

const KNOWN_PARAMS = ['kind', 'filter', 'sort', 'dir', 'q', 'page', 'limit', 'idleDays', 'expiringDays', 'neverUsedDays'];

function oneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/**
 * Reads the query string. Unknown parameters are ignored; a known one with a bad value, or given
 * twice, is an error that names it (the routes answer 400). Empty values mean the default. Pure.
 */
export function parseAuditQuery(params: URLSearchParams): ParsedQuery {
  const read = singleValues(params, KNOWN_PARAMS);
  if ('error' in read) return { ok: false, error: read.error };
  const { values } = read;
  const fail = badParameter;

  const kind = values.get('kind');
  if (kind !== undefined && kind !== 'all' && !oneOf(KEY_KINDS, kind)) return fail('kind', `all or one of ${KEY_KINDS.join(', ')}`);
  const filter = values.get('filter') ?? DEFAULT_QUERY.filter;
  if (!oneOf(FILTERS, filter)) return fail('filter', `one of ${FILTERS.join(', ')}`);
  const sort = values.get('sort') ?? DEFAULT_QUERY.sort;
  if (!oneOf(SORTS, sort)) return fail('sort', `one of ${SORTS.join(', ')}`);
  const dir = values.get('dir') ?? DEFAULT_DIRECTION[sort];
  if (dir !== 'asc' && dir !== 'desc') return fail('dir', 'asc or desc');
  const search = values.get('q');
  if (search !== undefined && search.length > MAX_SEARCH) return fail('q', `at most ${MAX_SEARCH} characters`);

  const numbers: Record<string, number> = {};
  const ranges: Record<string, [number, number]> = {
    page: [1, MAX_PAGE],
    limit: [1, MAX_PAGE_SIZE],
    idleDays: [1, MAX_THRESHOLD_DAYS],
    expiringDays: [0, MAX_THRESHOLD_DAYS],
    neverUsedDays: [0, MAX_THRESHOLD_DAYS],
  };
  for (const [name, [min, max]] of Object.entries(ranges)) {
    const raw = values.get(name);
    if (raw === undefined) continue;
    const n = integer(raw, min, max);
    if (n === undefined) return fail(name, `a whole number from ${min} to ${max}`);
    numbers[name] = n;
  }
  return {
    ok: true,
    query: {
      ...(kind !== undefined && kind !== 'all' ? { kind: kind as KeyKind } : {}),
      filter,
      sort,
      dir,
      ...(search !== undefined ? { search } : {}),
      page: numbers['page'] ?? 1,
      limit: numbers['limit'] ?? PAGE_SIZE,
      paged: values.has('page') || values.has('limit'),
      thresholds: {
        idleDays: numbers['idleDays'] ?? DEFAULT_THRESHOLDS.idleDays,
        expiringDays: numbers['expiringDays'] ?? DEFAULT_THRESHOLDS.expiringDays,
        neverUsedDays: numbers['neverUsedDays'] ?? DEFAULT_THRESHOLDS.neverUsedDays,
      },
    },
  };
}

/** The query string that gives `query` with `changes` applied; defaults are left out. Pure. */
export function queryString(query: AuditQuery, changes: Partial<AuditQuery> = {}): string {
  const next = { ...query, ...changes };
  const params = new URLSearchParams();
  if (next.kind !== undefined) params.set('kind', next.kind);
  if (next.filter !== DEFAULT_QUERY.filter) params.set('filter', next.filter);
  if (next.sort !== DEFAULT_QUERY.sort) params.set('sort', next.sort);
  if (next.dir !== DEFAULT_DIRECTION[next.sort]) params.set('dir', next.dir);
  if (next.search) params.set('q', next.search);
  if (next.page !== 1) params.set('page', String(next.page));
  if (next.limit !== PAGE_SIZE) params.set('limit', String(next.limit));
  for (const name of ['idleDays', 'expiringDays', 'neverUsedDays'] as const) {
    if (next.thresholds[name] !== DEFAULT_THRESHOLDS[name]) params.set(name, String(next.thresholds[name]));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
