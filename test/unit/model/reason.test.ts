import { describe, expect, it } from 'vitest';
import { REASONS, reasonForStatus } from '../../../src/model/reason.js';

describe('reasonForStatus', () => {
  it.each([
    [400, 'invalid_response'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [409, 'invalid_response'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'server_error'],
    [504, 'server_error'],
  ] as const)('%d is %s', (status, reason) => {
    expect(reasonForStatus(status)).toBe(reason);
  });

  it('is one of the closed set of nine reasons, in the contract order', () => {
    expect(REASONS).toStrictEqual(['unauthorized', 'forbidden', 'not_found', 'rate_limited', 'server_error', 'timeout', 'network', 'tls', 'invalid_response']);
    for (let status = 100; status < 600; status++) expect(REASONS).toContain(reasonForStatus(status));
  });
});
