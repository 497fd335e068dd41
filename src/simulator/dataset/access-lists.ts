/**
 * Access lists of programmatic keys and service accounts (Atlas Admin API v2 reference,
 * https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/):
 * - a key's entry (operation-listapikeyaccesslistsentries, UserAccessListResponse): {cidrBlock,
 *   count, created, ipAddress, lastUsed, lastUsedAddress}. `count` (minimum 1) is the requests from
 *   `lastUsedAddress`; an entry that was never used has no count, lastUsed or lastUsedAddress.
 * - a service account's entry (listOrgAccessList, ServiceAccountIPAccessListEntry): {cidrBlock,
 *   ipAddress, createdAt, lastUsedAt, lastUsedAddress, requestCount}: the same facts, other names.
 */
import { documentationIp, logUniform, randomInt, type Random } from '../random.js';
import { DAY, isoSeconds, YEAR } from './time.js';

/**
 * Access list profiles, a fixed cycle so even a few keys show every case: a restricted list with
 * used entries, one holding 0.0.0.0/0, one holding ::0/0 (the API definition's pattern admits no
 * `::/0`), an empty list, and entries never used.
 */
export type AccessListProfile = 'restricted' | 'unrestricted-v4' | 'empty' | 'never-used' | 'unrestricted-v6' | 'mixed';
const ACCESS_LIST_CYCLE: readonly AccessListProfile[] = ['restricted', 'unrestricted-v4', 'empty', 'never-used', 'mixed', 'unrestricted-v6', 'restricted'];

/** A generated programmatic key or service account: its API document, its real (first) secret, and its access list. */
export interface GeneratedCredential {
  doc: Record<string, unknown>;
  secret: string;
  accessList: Record<string, unknown>[];
}

/** The profile of the `index`-th access list of a cycle. */
export function accessListProfile(index: number): AccessListProfile {
  return ACCESS_LIST_CYCLE[index % ACCESS_LIST_CYCLE.length] ?? 'restricted';
}

function cidrEntry(random: Random, now: number, created: number, used: boolean): Record<string, unknown> {
  const single = random() < 0.6;
  const ip = documentationIp(random);
  const entry: Record<string, unknown> = {};
  if (single) {
    entry['cidrBlock'] = `${ip}/32`;
    entry['ipAddress'] = ip;
  } else {
    entry['cidrBlock'] = `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  }
  if (used) entry['count'] = Math.max(1, Math.floor(logUniform(random, 1, 200_000)));
  entry['created'] = isoSeconds(created);
  if (used) {
    entry['lastUsed'] = isoSeconds(created + random() * (now - created));
    entry['lastUsedAddress'] = single ? ip : `${ip.slice(0, ip.lastIndexOf('.'))}.${randomInt(random, 1, 254)}`;
  }
  return entry;
}

function openEntry(random: Random, now: number, created: number, cidr: '0.0.0.0/0' | '::0/0'): Record<string, unknown> {
  const used = random() < 0.8;
  const entry: Record<string, unknown> = { cidrBlock: cidr };
  if (used) entry['count'] = Math.max(1, Math.floor(logUniform(random, 1, 500_000)));
  entry['created'] = isoSeconds(created);
  if (used) {
    entry['lastUsed'] = isoSeconds(created + random() * (now - created));
    entry['lastUsedAddress'] = cidr === '::0/0' ? `2001:db8::${randomInt(random, 1, 0xffff).toString(16)}` : documentationIp(random);
  }
  return entry;
}

/** An access list holds each block once: random addresses that repeat one are dropped. */
export function generateAccessList(random: Random, profile: AccessListProfile, now: number): Record<string, unknown>[] {
  const seen = new Set<unknown>();
  return generateEntries(random, profile, now).filter((entry) => !seen.has(entry['cidrBlock']) && seen.add(entry['cidrBlock']));
}

function generateEntries(random: Random, profile: AccessListProfile, now: number): Record<string, unknown>[] {
  const created = (): number => now - logUniform(random, 2 * DAY, 4 * YEAR);
  switch (profile) {
    case 'empty':
      return [];
    case 'unrestricted-v4':
      return [openEntry(random, now, created(), '0.0.0.0/0')];
    case 'unrestricted-v6':
      return [cidrEntry(random, now, created(), true), openEntry(random, now, created(), '::0/0')];
    case 'never-used':
      return Array.from({ length: randomInt(random, 1, 2) }, () => cidrEntry(random, now, created(), false));
    case 'mixed':
      return [cidrEntry(random, now, created(), true), cidrEntry(random, now, created(), false)];
    case 'restricted':
      return Array.from({ length: randomInt(random, 1, 3) }, () => cidrEntry(random, now, created(), true));
  }
}

const SERVICE_ACCOUNT_ENTRY_FIELDS: Readonly<Record<string, string>> = { created: 'createdAt', lastUsed: 'lastUsedAt', count: 'requestCount' };

/** A service account's access list: the same profiles as a key's, under the service-account field names. */
export function serviceAccountAccessList(random: Random, profile: AccessListProfile, now: number): Record<string, unknown>[] {
  return generateAccessList(random, profile, now).map((entry) => {
    const renamed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(entry)) renamed[SERVICE_ACCOUNT_ENTRY_FIELDS[name] ?? name] = value;
    return renamed;
  });
}
