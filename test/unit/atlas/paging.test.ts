import { describe, expect, it } from 'vitest';
import { ITEMS_PER_PAGE, nextLink, pageCount, pagePath, pageSchema } from '../../../src/atlas/paging.js';

const BASE = 'https://cloud.mongodb.com/api/atlas/v1.0/users/5af9a1d29cc0cdb6ac0bf3f8/keys';

describe('nextLink', () => {
  it('finds the next link among others', () => {
    const page = pageSchema.parse({
      results: [],
      totalCount: 1_200,
      links: [
        { rel: 'self', href: `${BASE}?pageNum=1&itemsPerPage=500` },
        { rel: 'next', href: `${BASE}?pageNum=2&itemsPerPage=500` },
      ],
    });
    expect(nextLink(page)).toBe(`${BASE}?pageNum=2&itemsPerPage=500`);
  });

  it('is undefined on the last page, and when there are no links', () => {
    expect(nextLink({ results: [], links: [{ rel: 'self', href: BASE }, { rel: 'previous', href: BASE }] })).toBeUndefined();
    expect(nextLink({ results: [] })).toBeUndefined();
    expect(nextLink({ results: [], links: [] })).toBeUndefined();
  });
});

describe('pageSchema', () => {
  it('accepts unknown fields and rejects a page without results', () => {
    expect(pageSchema.safeParse({ results: [1], totalCount: 1, extra: true }).success).toBe(true);
    expect(pageSchema.safeParse({ totalCount: 0 }).success).toBe(false);
  });
});

describe('pageCount', () => {
  it('is 500 items a page by default, and at least one page', () => {
    expect(ITEMS_PER_PAGE).toBe(500);
    expect(pageCount(0)).toBe(1);
    expect(pageCount(1)).toBe(1);
    expect(pageCount(500)).toBe(1);
    expect(pageCount(501)).toBe(2);
    expect(pageCount(1_500)).toBe(3);
  });

  it('honours another page size', () => {
    expect(pageCount(1_000, 100)).toBe(10);
    expect(pageCount(1_001, 100)).toBe(11);
  });
});

describe('pagePath', () => {
  it('appends pageNum and itemsPerPage', () => {
    expect(pagePath('/users/u/keys', 1)).toBe('/users/u/keys?pageNum=1&itemsPerPage=500');
    expect(pagePath('/groups', 3, 100)).toBe('/groups?pageNum=3&itemsPerPage=100');
  });

  it('extends a query that is already there', () => {
    expect(pagePath('/groups?pretty=true', 2)).toBe('/groups?pretty=true&pageNum=2&itemsPerPage=500');
  });
});
