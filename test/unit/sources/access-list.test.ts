import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import type { AtlasClient } from '../../../src/atlas/client.js';
import type { OrganizationEntry } from '../../../src/config/load.js';
import { InvalidResponseError } from '../../../src/errors/invalid-response-error.js';
import { ACCESS_LIST_ENTRIES_SHOWN, opensToAll } from '../../../src/model/api-key.js';
import { OrganizationDirectory } from '../../../src/sources/organizations.js';
import type { SourceContext } from '../../../src/sources/source.js';
import { accessListRequired, accessListRequirement, keyAccessListEntrySchema, serviceAccountAccessListEntrySchema, summariseAccessList } from '../../../src/sources/access-list.js';
import { thrownBy } from '../../helpers/thrown.js';

const SETTINGS = 'https://cloud.mongodb.com/api/atlas/v2/orgs/4888442a3354817a7320eb61/settings';
const key = (item: unknown) => keyAccessListEntrySchema.parse(item);
const account = (item: unknown) => serviceAccountAccessListEntrySchema.parse(item);

describe('access list entries', () => {
  it("reads a programmatic key's entry (UserAccessListResponse): count is the requests from lastUsedAddress", () => {
    expect(key({ cidrBlock: '203.0.113.0/24', created: '2024-01-01T00:00:00Z', lastUsed: '2025-03-01T10:00:00Z', lastUsedAddress: '203.0.113.7', count: 40, links: [] })).toEqual({
      address: '203.0.113.0/24',
      createdAt: Date.parse('2024-01-01T00:00:00Z'),
      lastUsedAt: Date.parse('2025-03-01T10:00:00Z'),
      lastUsedAddress: '203.0.113.7',
      requests: 40,
    });
  });

  it("reads a service account's entry (ServiceAccountIPAccessListEntry) under its own names", () => {
    expect(account({ ipAddress: '198.51.100.7', createdAt: '2024-01-01T00:00:00Z', lastUsedAt: '2025-03-01T10:00:00Z', lastUsedAddress: '198.51.100.7', requestCount: 3 })).toEqual({
      address: '198.51.100.7',
      createdAt: Date.parse('2024-01-01T00:00:00Z'),
      lastUsedAt: Date.parse('2025-03-01T10:00:00Z'),
      lastUsedAddress: '198.51.100.7',
      requests: 3,
    });
  });

  it('reads entries without any of the fields, none being required', () => {
    expect(key({})).toStrictEqual({});
    expect(account({ unknown: true })).toStrictEqual({});
    // A never-used entry has no count, no lastUsed, no lastUsedAddress.
    expect(key({ cidrBlock: '192.0.2.1/32', ipAddress: '192.0.2.1', created: '2024-01-01T00:00:00Z' })).toStrictEqual({ address: '192.0.2.1/32', createdAt: Date.parse('2024-01-01T00:00:00Z') });
  });
});

describe('summariseAccessList', () => {
  const used = key({ cidrBlock: '203.0.113.0/24', created: '2024-01-01T00:00:00Z', lastUsed: '2025-03-01T10:00:00Z', lastUsedAddress: '203.0.113.7', count: 40 });
  const usedLater = key({ ipAddress: '198.51.100.7', created: '2024-02-01T00:00:00Z', lastUsed: '2025-04-01T10:00:00Z', lastUsedAddress: '198.51.100.7', count: 2 });
  const never = key({ ipAddress: '192.0.2.1', created: '2024-03-01T00:00:00Z' });

  it('takes the latest lastUsed as last use, and adds up no count', () => {
    const summary = summariseAccessList([used, usedLater, never], true);
    expect(summary.lastUsedAt).toBe(Date.parse('2025-04-01T10:00:00Z'));
    expect(summary).not.toHaveProperty('usedCount');
    expect(summary.accessList.entries).toBe(3);
    expect(summary.accessList.unrestricted).toBe(false);
  });

  it('shows the entries most recently used first, never-used ones after, newest first', () => {
    const older = key({ cidrBlock: '192.0.2.0/24', created: '2023-01-01T00:00:00Z' });
    expect(summariseAccessList([older, used, never, usedLater], true).accessList.shown.map((entry) => entry.address)).toEqual(['198.51.100.7', '203.0.113.0/24', '192.0.2.1', '192.0.2.0/24']);
  });

  it(`shows at most ${ACCESS_LIST_ENTRIES_SHOWN} entries, one per address, and counts them all`, () => {
    const many = Array.from({ length: 25 }, (_, index) => key({ cidrBlock: `192.0.2.${index}/32`, lastUsed: 1_700_000_000_000 + index * 1000, count: 1 }));
    const summary = summariseAccessList([...many, many[24]!, key({ created: 1_600_000_000_000 })], true);
    expect(summary.accessList.entries).toBe(27);
    expect(summary.accessList.shown.map((entry) => entry.address)).toEqual(Array.from({ length: ACCESS_LIST_ENTRIES_SHOWN }, (_, index) => `192.0.2.${24 - index}/32`));
  });

  it('takes the latest lastUsed whatever the order of the entries', () => {
    expect(summariseAccessList([usedLater, used, never], true).lastUsedAt).toBe(Date.parse('2025-04-01T10:00:00Z'));
    expect(summariseAccessList([used, never], true).lastUsedAt).toBe(Date.parse('2025-03-01T10:00:00Z'));
  });

  it('orders never-used entries without a creation time last, and ties by address', () => {
    const undated = key({ ipAddress: '192.0.2.9' });
    const a = key({ ipAddress: '192.0.2.2', created: '2024-03-01T00:00:00Z' });
    const b = key({ ipAddress: '192.0.2.3', created: '2024-03-01T00:00:00Z' });
    const undatedToo = key({ ipAddress: '192.0.2.8' });
    expect(summariseAccessList([undated, b, undatedToo, a], true).accessList.shown.map((entry) => entry.address)).toEqual(['192.0.2.2', '192.0.2.3', '192.0.2.8', '192.0.2.9']);
    expect(summariseAccessList([a, b], true).accessList.shown.map((entry) => entry.address)).toEqual(['192.0.2.2', '192.0.2.3']);
    expect(summariseAccessList([b, a], true).accessList.shown.map((entry) => entry.address)).toEqual(['192.0.2.2', '192.0.2.3']);
  });

  it('shows no entry without an address, and counts it', () => {
    const nowhere = key({ lastUsed: '2025-05-01T10:00:00Z', count: 1 });
    const summary = summariseAccessList([nowhere, used], true);
    expect(summary.accessList.shown).toStrictEqual([used]);
    expect(summary.accessList.entries).toBe(2);
  });

  it('has no last use when no entry was used', () => {
    expect(summariseAccessList([never], true)).toStrictEqual({ accessList: { entries: 1, unrestricted: false, shown: [never] } });
  });

  it('is unrestricted with 0.0.0.0/0 or ::/0 on the list, whatever the organisation requires', () => {
    expect(summariseAccessList([never, key({ cidrBlock: '0.0.0.0/0' })], true).accessList.unrestricted).toBe(true);
    expect(summariseAccessList([account({ cidrBlock: '::/0', requestCount: 1 })], true).accessList.unrestricted).toBe(true);
    // The form the API definition's pattern admits for the IPv6 block of every address.
    expect(summariseAccessList([account({ cidrBlock: '::0/0', requestCount: 1 })], true).accessList.unrestricted).toBe(true);
  });

  it('takes a block of prefix length 0 as open to every address, and nothing narrower', () => {
    for (const open of ['0.0.0.0/0', '::/0', '::0/0', '0:0:0:0:0:0:0:0/0', '0.0.0.0']) expect(opensToAll(open)).toBe(true);
    for (const narrow of ['0.0.0.0/1', '10.0.0.0/8', '::/1', '2001:db8::/32', '203.0.113.10', '203.0.113.0/24', '::1']) expect(opensToAll(narrow)).toBe(false);
  });

  it('is unrestricted when empty, unless the organisation requires an access list; unknown counts as not required', () => {
    expect(summariseAccessList([], false).accessList).toEqual({ entries: 0, unrestricted: true, shown: [] });
    expect(summariseAccessList([], true).accessList).toEqual({ entries: 0, unrestricted: false, shown: [] });
    expect(summariseAccessList([], undefined).accessList).toEqual({ entries: 0, unrestricted: true, shown: [] });
    expect(summariseAccessList([never], undefined).accessList.unrestricted).toBe(false);
  });
});

describe('accessListRequirement', () => {
  it('reads apiAccessListRequired, and an absent one as unknown rather than a failure', () => {
    expect(accessListRequirement({ apiAccessListRequired: true, multiFactorAuthRequired: false }, SETTINGS)).toBe(true);
    expect(accessListRequirement({ apiAccessListRequired: false }, SETTINGS)).toBe(false);
    expect(accessListRequirement({ multiFactorAuthRequired: true, genAIFeaturesEnabled: true }, SETTINGS)).toBeUndefined();
    expect(accessListRequirement({}, SETTINGS)).toBeUndefined();
  });

  it('fails on a value it cannot read', () => {
    expect(thrownBy(() => accessListRequirement({ apiAccessListRequired: 'yes' }, SETTINGS), InvalidResponseError).message).toContain('apiAccessListRequired');
  });
});

describe('accessListRequired', () => {
  const ORG = '4888442a3354817a7320eb61';
  const entry = (baseUrl: string): OrganizationEntry => ({
    auth: { scheme: 'digest', publicKey: 'zmmrboas', privateKey: new Secret('privateKey', 'secret') },
    baseUrl,
    ids: [ORG],
    discover: false,
    globalKeys: false,
    apiKeys: true,
    accessLists: true,
    serviceAccounts: false,
    includeSystemManaged: false,
    includeProjects: false,
    events: false,
    eventsLookbackMs: 1,
  });

  function setup(baseUrl: string, settings: unknown) {
    const asked: [string, unknown][] = [];
    const lines: Record<string, unknown>[] = [];
    const client = { getJson: async (_credential: unknown, path: string, _signal: unknown, options: unknown) => (asked.push([path, options]), settings) } as unknown as AtlasClient;
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const context: SourceContext = { cycle: 1, client, signal: new AbortController().signal, log };
    const directory = new OrganizationDirectory(entry(baseUrl));
    return { directory, context, asked, lines };
  }

  it('reads the organisation settings of the Admin API v2 once per cycle, with its media type', async () => {
    const { directory, context, asked, lines } = setup('https://cloud.mongodb.com/api/atlas/v2', { apiAccessListRequired: true });
    await directory.list(context);
    expect(await accessListRequired(directory, ORG, context)).toBe(true);
    expect(await accessListRequired(directory, ORG, context)).toBe(true);
    expect(asked).toEqual([[`/orgs/${ORG}/settings`, { accept: 'application/vnd.atlas.2023-01-01+json' }]]);
    expect(lines).toEqual([]);
  });

  it('warns when the settings do not say, and counts that as unknown', async () => {
    const { directory, context, lines } = setup('https://cloud.mongodb.com/api/atlas/v2', { multiFactorAuthRequired: true });
    await directory.list(context);
    expect(await accessListRequired(directory, ORG, context)).toBeUndefined();
    expect(lines).toEqual([expect.objectContaining({ level: 40, orgId: ORG, msg: expect.stringContaining('empty access lists are reported unrestricted') })]);
  });

  it('asks nothing of Cloud/Ops Manager, where no access list is required, nor for a project without its organisation', async () => {
    const v1 = setup('https://ops.example.com/api/public/v1.0', { apiAccessListRequired: true });
    expect(await accessListRequired(v1.directory, ORG, v1.context)).toBe(false);
    expect(v1.asked).toEqual([]);
    const v2 = setup('https://cloud.mongodb.com/api/atlas/v2', { apiAccessListRequired: true });
    expect(await accessListRequired(v2.directory, undefined, v2.context)).toBeUndefined();
    expect(v2.asked).toEqual([]);
  });
});
