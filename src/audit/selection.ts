import type { AuditQuery, Direction, Sort } from './query.js';
import type { AuditRow } from './rows.js';

/** Ascending, with absent values last. */
function byNumber(a: number | undefined, b: number | undefined): number {
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  return a - b;
}

/** Code-unit order: the same on every platform and locale. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Kind, owner, key id: a stable last word for every order. */
function byIdentity(a: AuditRow, b: AuditRow): number {
  return byText(a.kind, b.kind) || byText(a.ownerId, b.ownerId) || byText(a.keyId, b.keyId);
}

/**
 * Riskiest first: by the riskiest risk (expired, expiring, unrestricted, idle, never used,
 * disabled, none), then by how many risks, then the most urgent first: the earliest expiry for
 * secrets that expire, otherwise the longest idle (absent last), then the identity.
 */
function compareRisk(a: AuditRow, b: AuditRow): number {
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
