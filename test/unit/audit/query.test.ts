import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, parseAuditQuery, queryString, type AuditQuery } from '../../../src/audit/query.js';

const parse = (search: string): AuditQuery => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
};
const parseError = (search: string): string => {
  const parsed = parseAuditQuery(new URLSearchParams(search));
  if (parsed.ok) throw new Error(`${search} parsed`);
  return parsed.error;
};

describe('parseAuditQuery', () => {
  it('gives the defaults for an empty query, empty values and unknown parameters', () => {
    expect(parse('')).toEqual(DEFAULT_QUERY);
    expect(parse('kind=&filter=&sort=&page=&utm_source=x&__proto__=1')).toEqual(DEFAULT_QUERY);
    expect(parse('kind=all')).toEqual(DEFAULT_QUERY);
  });

  it('reads every parameter', () => {
    expect(parse('kind=service_account&sort=age&filter=attention&dir=asc&q=%20deploy%20&page=3&limit=50&idleDays=30&expiringDays=7&neverUsedDays=0')).toEqual({
      kind: 'service_account',
      filter: 'attention',
      sort: 'age',
      dir: 'asc',
      search: 'deploy',
      page: 3,
      limit: 50,
      paged: true,
      thresholds: { idleDays: 30, expiringDays: 7, neverUsedDays: 0 },
    });
    expect(parse('sort=age').dir).toBe('desc');
    expect(parse('sort=expires').dir).toBe('asc');
  });

  it.each([
    ['kind=robot', 'kind'],
    ['kind=<script>', 'kind'],
    ['filter=everything', 'filter'],
    ['sort=__proto__', 'sort'],
    ['sort=constructor', 'sort'],
    ['dir=up', 'dir'],
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=1e3', 'page'],
    ['page=1.5', 'page'],
    ['page=abc', 'page'],
    ['page=99999999999999999999', 'page'],
    ['limit=1001', 'limit'],
    ['limit=0', 'limit'],
    ['idleDays=0', 'idleDays'],
    ['expiringDays=x', 'expiringDays'],
    ['neverUsedDays=36501', 'neverUsedDays'],
    ['sort=age&sort=idle', 'sort'],
    [`q=${'x'.repeat(201)}`, 'q'],
  ])('rejects %s, naming %s', (search, name) => {
    expect(parseError(search)).toContain(name);
  });

  it('round-trips through queryString, leaving the defaults out', () => {
    expect(queryString(DEFAULT_QUERY)).toBe('');
    for (const search of ['kind=user', 'filter=attention&sort=age', 'sort=idle&dir=asc', 'q=a+%26+b%22%3E&page=2&limit=10', 'idleDays=30&expiringDays=3&neverUsedDays=1']) {
      const query = parse(search);
      expect(parse(queryString(query).slice(1))).toEqual(query);
    }
    expect(queryString(parse('q="><script>'))).not.toMatch(/[<>"]/);
  });
});
