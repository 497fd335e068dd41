import { describe, expect, it } from 'vitest';
import { parseChangeQuery } from '../../../src/audit/change-query.js';
import { badParameter, integer, MAX_PAGE, singleValues } from '../../../src/audit/params.js';
import { parseAuditQuery } from '../../../src/audit/query.js';

describe('singleValues', () => {
  it('reads the named parameters, trimmed, and leaves out empty ones and the others', () => {
    const read = singleValues(new URLSearchParams('a=%201%20&b=&c=3&other=x'), ['a', 'b', 'c', 'd']);
    expect(read).toStrictEqual({ values: new Map([['a', '1'], ['c', '3']]) });
  });

  it('a named parameter given twice is an error that names it and the count', () => {
    expect(singleValues(new URLSearchParams('a=1&b=2&b=3&b='), ['a', 'b'])).toStrictEqual({ error: 'query parameter b is given 3 times' });
    // Not named: not read, so not an error.
    expect(singleValues(new URLSearchParams('x=1&x=2'), ['a'])).toStrictEqual({ values: new Map() });
  });
});

describe('integer', () => {
  it('takes decimal digits within the bounds, both included', () => {
    expect(integer('0', 0, 5)).toBe(0);
    expect(integer('5', 0, 5)).toBe(5);
    expect(integer('6', 0, 5)).toBeUndefined();
    expect(integer('1', 2, 5)).toBeUndefined();
  });

  it('refuses signs, decimals, exponents, hex and more than ten digits', () => {
    for (const value of ['-1', '+1', '1.0', '1e3', '0x10', ' 1', '', '12345678901']) expect(integer(value, 0, Number.MAX_SAFE_INTEGER), value).toBeUndefined();
  });
});

describe('the page bound of both parsers', () => {
  it('the highest page the message names is accepted, the next one is not', () => {
    expect(parseAuditQuery(new URLSearchParams(`page=${MAX_PAGE}`))).toMatchObject({ ok: true, query: { page: MAX_PAGE } });
    expect(parseChangeQuery(new URLSearchParams(`eventPage=${MAX_PAGE}`), 'page')).toMatchObject({ ok: true, query: { page: MAX_PAGE } });
    expect(parseAuditQuery(new URLSearchParams(`page=${MAX_PAGE + 1}`))).toStrictEqual(badParameter('page', `a whole number from 1 to ${MAX_PAGE}`));
    expect(parseChangeQuery(new URLSearchParams(`page=${MAX_PAGE + 1}`), 'json')).toStrictEqual(badParameter('page', `a whole number from 1 to ${MAX_PAGE}`));
  });
});
