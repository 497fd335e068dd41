import { API_KEY_EVENT_TYPES, EVENT_TYPES, ORG_SECURITY_EVENT_TYPES, SERVICE_ACCOUNT_EVENT_TYPES, type EventType } from '../model/event.js';
import { badParameter, integer, MAX_PAGE, MAX_PAGE_SIZE, singleValues } from './params.js';

// The query parameters of the recent changes: the same filters on `/` and `/events.json`. Their
// names differ from the key table's, so that one page carries both.

/** The groups of event types a filter can name instead of one type. */
export const EVENT_CATEGORIES = {
  api_key: API_KEY_EVENT_TYPES,
  service_account: SERVICE_ACCOUNT_EVENT_TYPES,
  org: ORG_SECURITY_EVENT_TYPES,
} as const satisfies Record<string, readonly EventType[]>;
export type EventCategory = keyof typeof EVENT_CATEGORIES;
export const EVENT_CATEGORY_NAMES = Object.keys(EVENT_CATEGORIES) as EventCategory[];

/** Each group's name for people. */
export const EVENT_CATEGORY_LABELS: Readonly<Record<EventCategory, string>> = { api_key: 'API keys', service_account: 'Service accounts', org: 'Organisation settings' };

/** `/`: changes a page; `/events.json` answers every change unless paged. */
export const CHANGES_PAGE_SIZE = 50;
const SCOPE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export interface ChangeQuery {
  /** One event type, or a group of them; absent: every type. */
  readonly type?: EventType | EventCategory;
  /** An organisation id (its own trail and its projects') or a project id; absent: every trail. */
  readonly scope?: string;
  /** 1-based. */
  readonly page: number;
  readonly limit: number;
  /** True when a page or a limit was given (`/events.json` answers every change otherwise). */
  readonly paged: boolean;
}

export const DEFAULT_CHANGE_QUERY: ChangeQuery = { page: 1, limit: CHANGES_PAGE_SIZE, paged: false };

/**
 * Where the page number and size are read: the page keeps `page` and `limit` for its key table, so
 * its changes page with `eventPage`; `/events.json` pages with `page` and `limit` like `/keys.json`.
 */
export type ChangePaging = 'page' | 'json';
const PAGE_PARAM: Readonly<Record<ChangePaging, string>> = { page: 'eventPage', json: 'page' };
const LIMIT_PARAM: Readonly<Record<ChangePaging, string | undefined>> = { page: undefined, json: 'limit' };

type ParsedChangeQuery = { readonly ok: true; readonly query: ChangeQuery } | { readonly ok: false; readonly error: string };

/** True for the name of a group of event types, false for one type. */
export const isEventCategory = (value: string): value is EventCategory => (EVENT_CATEGORY_NAMES as readonly string[]).includes(value);
const isType = (value: string): value is EventType | EventCategory => (EVENT_TYPES as readonly string[]).includes(value) || isEventCategory(value);

/**
 * Reads the change filters (`eventType`, `eventScope`) and paging from a query string. Unknown
 * parameters are ignored; a known one with a bad value, or given twice, is an error that names it.
 * Empty values mean the default. Pure.
 */
export function parseChangeQuery(params: URLSearchParams, paging: ChangePaging): ParsedChangeQuery {
  const pageParam = PAGE_PARAM[paging];
  const limitParam = LIMIT_PARAM[paging];
  const known = ['eventType', 'eventScope', pageParam, ...(limitParam ? [limitParam] : [])];
  const read = singleValues(params, known);
  if ('error' in read) return { ok: false, error: read.error };
  const { values } = read;
  const fail = badParameter;

  const type = values.get('eventType');
  if (type !== undefined && type !== 'all' && !isType(type)) return fail('eventType', `all, one of ${EVENT_CATEGORY_NAMES.join(', ')}, or an event type such as API_KEY_CREATED`);
  const scope = values.get('eventScope');
  if (scope !== undefined && !SCOPE_ID.test(scope)) return fail('eventScope', 'an organisation or project id');
  const rawPage = values.get(pageParam);
  const page = rawPage === undefined ? 1 : integer(rawPage, 1, MAX_PAGE);
  if (page === undefined) return fail(pageParam, `a whole number from 1 to ${MAX_PAGE}`);
  const rawLimit = limitParam === undefined ? undefined : values.get(limitParam);
  const limit = rawLimit === undefined ? CHANGES_PAGE_SIZE : integer(rawLimit, 1, MAX_PAGE_SIZE);
  if (limit === undefined) return fail(limitParam!, `a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return {
    ok: true,
    query: {
      ...(type !== undefined && type !== 'all' ? { type } : {}),
      ...(scope !== undefined ? { scope } : {}),
      page,
      limit,
      paged: rawPage !== undefined || rawLimit !== undefined,
    },
  };
}

/** The parameters that give `query` with `changes` applied, as the page writes them; defaults are left out. Pure. */
export function changeParams(query: ChangeQuery, changes: Partial<ChangeQuery> = {}): [string, string][] {
  const next = { ...query, ...changes };
  const params: [string, string][] = [];
  if (next.type !== undefined) params.push(['eventType', next.type]);
  if (next.scope !== undefined) params.push(['eventScope', next.scope]);
  if (next.page !== 1) params.push(['eventPage', String(next.page)]);
  return params;
}
