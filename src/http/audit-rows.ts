import type { AccessListEntry, ApiKey, KeyKind } from '../model/api-key.js';
import type { OwnerType } from '../model/scope.js';
import type { ScopeState, Snapshot } from '../model/snapshot.js';
import type { Reason } from '../model/reason.js';

/**
 * The audit view of a snapshot: one row per key with its risks, the order the page and
 * `/keys.json` show them in, and the query parameters both honour. Pure: no I/O, the clock is an
 * argument.
 */

const DAY_MS = 86_400_000;

/** When a key needs attention, in days. The one place these defaults live (the alert rules use the same). */
export const DEFAULT_THRESHOLDS: Thresholds = { idleDays: 90, expiringDays: 14, neverUsedDays: 30 };

export interface Thresholds {
  /** Last used longer ago than this. */
  readonly idleDays: number;
  /** A secret that expires within this many days. */
  readonly expiringDays: number;
  /** Never used, and created longer ago than this. */
  readonly neverUsedDays: number;
}

/** Why a key needs attention, riskiest first: the order of this list is the order of the rows. */
export const RISKS = ['expired', 'expiring', 'unrestricted', 'idle', 'never_used', 'disabled'] as const;
export type Risk = (typeof RISKS)[number];
const RISK_RANK: Readonly<Record<Risk, number>> = Object.fromEntries(RISKS.map((risk, index) => [risk, index])) as Record<Risk, number>;

export const KINDS: readonly KeyKind[] = ['user', 'agent', 'programmatic', 'service_account', 'global'];

/** One key as the audit shows it. Times are Unix ms; durations ms. Nothing secret: the suffix is what the API shows. */
export interface AuditRow {
  readonly kind: KeyKind;
  readonly ownerType: OwnerType;
  readonly ownerId: string;
  readonly ownerName?: string;
  readonly keyId: string;
  readonly description: string;
  readonly suffix: string;
  /** A programmatic key's public key or a service account's client id: identifiers, not secrets. */
  readonly publicId?: string;
  readonly accountName?: string;
  readonly createdAt?: number;
  readonly lastUsedAt?: number;
  readonly age?: number;
  /** Since the last use, or since creation when never used; only where the API reports use. */
  readonly idle?: number;
  readonly expiresAt?: number;
  /** Negative once expired. */
  readonly expiresIn?: number;
  readonly enabled?: boolean;
  /** A personal key's usedCount: no other kind reports a total use. */
  readonly uses?: number;
  /** Entries on the access list of a programmatic key, or of a secret's service account, where read. */
  readonly accessListEntries?: number;
  /** The entries published one by one: at most ten, the most recently used first. */
  readonly accessList?: readonly AccessListEntry[];
  readonly unrestricted?: boolean;
  readonly roles: readonly string[];
  /** Riskiest first; empty when the key needs no attention. */
  readonly risks: readonly Risk[];
  /** For the order: the index of the riskiest risk in {@link RISKS} (their number when none). */
  readonly rank: number;
  /** For the order within a rank, lowest first: the expiry of an expired or expiring secret, else minus the idle time. */
  readonly urgency: number;
}

/** The risks of one key at `now`, riskiest first. Pure. */
export function classify(key: ApiKey, now: number, thresholds: Thresholds): Risk[] {
  const risks: Risk[] = [];
  if (key.expiresAt !== undefined) {
    if (key.expiresAt <= now) risks.push('expired');
    else if (key.expiresAt - now <= thresholds.expiringDays * DAY_MS) risks.push('expiring');
  }
  if (key.accessList?.unrestricted === true) risks.push('unrestricted');
  if (key.tracksUse) {
    if (key.lastUsedAt !== undefined) {
      if (now - key.lastUsedAt > thresholds.idleDays * DAY_MS) risks.push('idle');
    } else if ((key.usedCount ?? 0) === 0 && key.createdAt !== undefined && now - key.createdAt > thresholds.neverUsedDays * DAY_MS) {
      // Without a creation time (programmatic keys) the grace period cannot be applied, as in the alert rule.
      risks.push('never_used');
    }
  }
  if (key.enabled === false) risks.push('disabled');
  return risks;
}

/** One row per key of every scope the snapshot publishes. Pure. */
export function buildRows(snapshot: Snapshot, now: number, thresholds: Thresholds = DEFAULT_THRESHOLDS): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const state of snapshot.scopes) {
    const { scope } = state;
    for (const key of state.keys ?? []) {
      // Built whole, absent values as undefined: one object shape for every row keeps 40k rows fast.
      const idleSince = key.lastUsedAt ?? key.createdAt;
      const risks = classify(key, now, thresholds);
      const idle = key.tracksUse && idleSince !== undefined ? now - idleSince : undefined;
      const top = risks[0];
      rows.push({
        kind: scope.kind,
        ownerType: scope.owner,
        ownerId: scope.id,
        ownerName: scope.name,
        keyId: key.id,
        description: key.description,
        suffix: key.suffix,
        publicId: key.publicKey ?? key.clientId,
        accountName: key.accountName,
        createdAt: key.createdAt,
        lastUsedAt: key.lastUsedAt,
        age: key.createdAt !== undefined ? now - key.createdAt : undefined,
        idle,
        expiresAt: key.expiresAt,
        expiresIn: key.expiresAt !== undefined ? key.expiresAt - now : undefined,
        enabled: key.enabled,
        uses: key.usedCount,
        accessListEntries: key.accessList?.entries,
        accessList: key.accessList?.shown,
        unrestricted: key.accessList?.unrestricted,
        roles: key.roles ? key.roles.map((role) => role.name) : [],
        risks,
        rank: top === undefined ? RISKS.length : RISK_RANK[top],
        urgency: top === 'expired' || top === 'expiring' ? (key.expiresAt ?? Infinity) : idle !== undefined ? -idle : Infinity,
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Query parameters: the same on `/` and `/keys.json`.
// ---------------------------------------------------------------------------------------------

export const SORTS = ['risk', 'age', 'idle', 'expires', 'owner', 'kind', 'description'] as const;
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

export const PAGE_SIZE = 200;
export const MAX_PAGE_SIZE = 1_000;
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

export type ParsedQuery = { readonly ok: true; readonly query: AuditQuery } | { readonly ok: false; readonly error: string };

const KNOWN_PARAMS = new Set(['kind', 'filter', 'sort', 'dir', 'q', 'page', 'limit', 'idleDays', 'expiringDays', 'neverUsedDays']);

function oneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

function integer(value: string, min: number, max: number): number | undefined {
  if (!/^\d{1,9}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/**
 * Reads the query string. Unknown parameters are ignored; a known one with a bad value, or given
 * twice, is an error that names it (the routes answer 400). Empty values mean the default. Pure.
 */
export function parseAuditQuery(params: URLSearchParams): ParsedQuery {
  const values = new Map<string, string>();
  for (const name of new Set(params.keys())) {
    if (!KNOWN_PARAMS.has(name)) continue;
    const all = params.getAll(name);
    if (all.length > 1) return { ok: false, error: `query parameter ${name} is given ${all.length} times` };
    const value = (all[0] ?? '').trim();
    if (value !== '') values.set(name, value);
  }
  const fail = (name: string, expected: string): ParsedQuery => ({ ok: false, error: `query parameter ${name}: expected ${expected}` });

  const kind = values.get('kind');
  if (kind !== undefined && kind !== 'all' && !oneOf(KINDS, kind)) return fail('kind', `all or one of ${KINDS.join(', ')}`);
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
    page: [1, 1_000_000_000],
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

// ---------------------------------------------------------------------------------------------
// Order, filter, pages.
// ---------------------------------------------------------------------------------------------

/** Ascending, with absent values last. */
function byNumber(a: number | undefined, b: number | undefined): number {
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  return a - b;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Kind, owner, key id: a stable last word for every order. */
function byIdentity(a: AuditRow, b: AuditRow): number {
  return byText(a.kind, b.kind) || byText(a.ownerId, b.ownerId) || byText(a.keyId, b.keyId);
}

/**
 * Riskiest first: by the riskiest risk (expired, expiring, unrestricted, idle, never used,
 * disabled, none), then by how many risks, then the most urgent first: the earliest expiry for
 * secrets that expire, otherwise the longest idle (absent last), then the identity.
 */
export function compareRisk(a: AuditRow, b: AuditRow): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.risks.length !== b.risks.length) return b.risks.length - a.risks.length;
  if (a.urgency !== b.urgency) return a.urgency < b.urgency ? -1 : 1;
  return byIdentity(a, b);
}

const ownerText = (row: AuditRow): string => (row.ownerName ?? row.ownerId).toLowerCase();

/** Absent values stay last in both directions; ties fall back to the risk order. */
function comparator(sort: Sort, dir: Direction): (a: AuditRow, b: AuditRow) => number {
  const sign = dir === 'asc' ? 1 : -1;
  const numeric = (value: (row: AuditRow) => number | undefined) => (a: AuditRow, b: AuditRow) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return byNumber(x, y) || compareRisk(a, b);
    return sign * (x - y) || compareRisk(a, b);
  };
  const textual = (value: (row: AuditRow) => string) => (a: AuditRow, b: AuditRow) => sign * byText(value(a), value(b)) || compareRisk(a, b);
  switch (sort) {
    case 'risk':
      return (a, b) => sign * compareRisk(a, b);
    case 'age':
      return numeric((row) => row.age);
    case 'idle':
      return numeric((row) => row.idle);
    case 'expires':
      return numeric((row) => row.expiresAt);
    case 'owner':
      return textual(ownerText);
    case 'kind':
      return textual((row) => row.kind);
    case 'description':
      return textual((row) => row.description.toLowerCase());
  }
}

function matches(row: AuditRow, query: AuditQuery, needle: string | undefined): boolean {
  if (query.kind !== undefined && row.kind !== query.kind) return false;
  switch (query.filter) {
    case 'all':
      break;
    case 'attention':
      if (row.risks.length === 0) return false;
      break;
    case 'ok':
      if (row.risks.length > 0) return false;
      break;
    default:
      if (!row.risks.includes(query.filter)) return false;
  }
  if (needle === undefined) return true;
  return [row.description, row.ownerName ?? '', row.ownerId, row.keyId, row.suffix, row.publicId ?? '', row.accountName ?? ''].some((text) =>
    text.toLowerCase().includes(needle),
  );
}

/** The rows a query selects, in its order. Pure; `rows` is left as it was. */
export function selectRows(rows: readonly AuditRow[], query: AuditQuery): AuditRow[] {
  const needle = query.search?.toLowerCase();
  return rows.filter((row) => matches(row, query, needle)).sort(comparator(query.sort, query.dir));
}

export interface Page<T> {
  readonly items: readonly T[];
  /** 1-based, clamped to the last page. */
  readonly page: number;
  readonly pages: number;
  readonly total: number;
  /** 0-based index of the first item in the whole list. */
  readonly offset: number;
}

/** One page of `items`; a page past the end is the last page. Pure. */
export function paginate<T>(items: readonly T[], page: number, limit: number): Page<T> {
  const pages = Math.max(1, Math.ceil(items.length / limit));
  const current = Math.min(Math.max(1, page), pages);
  const offset = (current - 1) * limit;
  return { items: items.slice(offset, offset + limit), page: current, pages, total: items.length, offset };
}

// ---------------------------------------------------------------------------------------------
// Counts and scopes.
// ---------------------------------------------------------------------------------------------

export interface KindCounts {
  readonly keys: number;
  readonly attention: number;
  readonly risks: Readonly<Record<Risk, number>>;
  readonly scopes: number;
  readonly scopesDown: number;
}

const zeroRisks = (): Record<Risk, number> => Object.fromEntries(RISKS.map((risk) => [risk, 0])) as Record<Risk, number>;

/** Keys, keys needing attention and each risk, per kind (only kinds with a scope) and in total. Pure. */
export function countRows(rows: readonly AuditRow[], scopes: readonly ScopeState[]): { readonly byKind: Partial<Record<KeyKind, KindCounts>>; readonly total: KindCounts } {
  type Mutable = { keys: number; attention: number; risks: Record<Risk, number>; scopes: number; scopesDown: number };
  const fresh = (): Mutable => ({ keys: 0, attention: 0, risks: zeroRisks(), scopes: 0, scopesDown: 0 });
  const byKind: Partial<Record<KeyKind, Mutable>> = {};
  const total = fresh();
  for (const state of scopes) {
    const counts = (byKind[state.scope.kind] ??= fresh());
    for (const target of [counts, total]) {
      target.scopes++;
      if (!state.up) target.scopesDown++;
    }
  }
  for (const row of rows) {
    const counts = (byKind[row.kind] ??= fresh());
    for (const target of [counts, total]) {
      target.keys++;
      if (row.risks.length > 0) target.attention++;
      for (const risk of row.risks) target.risks[risk]++;
    }
  }
  const ordered: Partial<Record<KeyKind, KindCounts>> = {};
  for (const kind of KINDS) if (byKind[kind]) ordered[kind] = byKind[kind];
  return { byKind: ordered, total };
}

/** One scope as the audit shows it. */
export interface ScopeRow {
  readonly kind: KeyKind;
  readonly ownerType: OwnerType;
  readonly ownerId: string;
  readonly ownerName?: string;
  readonly up: boolean;
  /** Absent while nothing is known of the scope. */
  readonly keys?: number;
  readonly lastSuccessAt?: number;
  readonly lastErrorReason?: Reason;
  readonly lastErrorStatus?: number;
  readonly errors: number;
}

/** The scopes, failing ones first, then by kind and owner. Pure. */
export function scopeRows(scopes: readonly ScopeState[]): ScopeRow[] {
  return scopes
    .map((state): ScopeRow => ({
      kind: state.scope.kind,
      ownerType: state.scope.owner,
      ownerId: state.scope.id,
      ...(state.scope.name !== undefined ? { ownerName: state.scope.name } : {}),
      up: state.up,
      ...(state.keys !== undefined ? { keys: state.keys.length } : {}),
      ...(state.lastSuccessAt !== undefined ? { lastSuccessAt: state.lastSuccessAt } : {}),
      ...(state.lastFailure ? { lastErrorReason: state.lastFailure.reason } : {}),
      ...(state.lastFailure?.status !== undefined ? { lastErrorStatus: state.lastFailure.status } : {}),
      errors: Object.values(state.errors).reduce((sum, n) => sum + n, 0),
    }))
    .sort((a, b) => Number(a.up) - Number(b.up) || byText(a.kind, b.kind) || byText((a.ownerName ?? a.ownerId).toLowerCase(), (b.ownerName ?? b.ownerId).toLowerCase()) || byText(a.ownerId, b.ownerId));
}

// ---------------------------------------------------------------------------------------------
// The whole audit of one request, and its JSON form.
// ---------------------------------------------------------------------------------------------

export interface Audit {
  readonly now: number;
  readonly snapshot: Snapshot;
  readonly query: AuditQuery;
  readonly counts: ReturnType<typeof countRows>;
  /** Every row the query selects, in order. */
  readonly selected: readonly AuditRow[];
  readonly scopes: readonly ScopeRow[];
}

/** Everything `/` and `/keys.json` show for one query at `now`. Pure. */
export function audit(snapshot: Snapshot, query: AuditQuery, now: number): Audit {
  const rows = buildRows(snapshot, now, query.thresholds);
  return { now, snapshot, query, counts: countRows(rows, snapshot.scopes), selected: selectRows(rows, query), scopes: scopeRows(snapshot.scopes) };
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const secondsOf = (ms: number | undefined): number | null => (ms === undefined ? null : Math.floor(ms / 1000));

/** A row as `/keys.json` shows it: ISO times, durations in whole seconds, absent as null. Pure. */
export function rowJson(row: AuditRow): Record<string, unknown> {
  return {
    kind: row.kind,
    ownerType: row.ownerType,
    ownerId: row.ownerId,
    ownerName: row.ownerName ?? null,
    keyId: row.keyId,
    description: row.description,
    suffix: row.suffix,
    publicId: row.publicId ?? null,
    createdAt: iso(row.createdAt),
    lastUsedAt: iso(row.lastUsedAt),
    ageSeconds: secondsOf(row.age),
    idleSeconds: secondsOf(row.idle),
    expiresAt: iso(row.expiresAt),
    expiresInSeconds: row.expiresIn === undefined ? null : Math.trunc(row.expiresIn / 1000),
    enabled: row.enabled ?? null,
    uses: row.uses ?? null,
    accessListEntries: row.accessListEntries ?? null,
    accessList:
      row.accessList?.map((entry) => ({
        entry: entry.address,
        createdAt: iso(entry.createdAt),
        lastUsedAt: iso(entry.lastUsedAt),
        lastUsedAddress: entry.lastUsedAddress ?? null,
        requestsFromLastAddress: entry.requests ?? null,
      })) ?? null,
    unrestricted: row.unrestricted ?? null,
    roles: row.roles,
    risks: row.risks,
  };
}

/** The `/keys.json` document. Pure. */
export function auditJson(result: Audit): Record<string, unknown> {
  const { query } = result;
  const page = query.paged ? paginate(result.selected, query.page, query.limit) : undefined;
  return {
    generatedAt: iso(result.now),
    lastPollAt: iso(result.snapshot.completedAt),
    thresholds: query.thresholds,
    query: { kind: query.kind ?? 'all', filter: query.filter, sort: query.sort, dir: query.dir, q: query.search ?? null },
    counts: { ...result.counts.total, byKind: result.counts.byKind },
    total: result.selected.length,
    ...(page ? { page: page.page, pages: page.pages, limit: query.limit } : {}),
    keys: (page ? page.items : result.selected).map(rowJson),
    scopes: result.scopes.map((scope) => ({
      kind: scope.kind,
      ownerType: scope.ownerType,
      ownerId: scope.ownerId,
      ownerName: scope.ownerName ?? null,
      up: scope.up,
      keys: scope.keys ?? null,
      lastSuccessAt: iso(scope.lastSuccessAt),
      lastError: scope.lastErrorReason ? { reason: scope.lastErrorReason, status: scope.lastErrorStatus ?? null } : null,
      errors: scope.errors,
    })),
  };
}
