import { z } from 'zod';
import { ACCESS_LIST_ENTRIES_SHOWN, opensToAll, type AccessListEntry, type AccessListSummary } from '../model/api-key.js';
import { mapItems, timestamp } from './fields.js';
import type { OrganizationDirectory } from './organizations.js';
import type { SourceContext } from './source.js';

/** An access list entry of either list, under one set of names; `address` is absent when the API gave neither block nor address. */
export type ListedEntry = Partial<AccessListEntry>;

const entryOf = (
  cidrBlock: string | null | undefined,
  ipAddress: string | null | undefined,
  createdAt: number | null | undefined,
  lastUsedAt: number | null | undefined,
  lastUsedAddress: string | null | undefined,
  requests: number | null | undefined,
): ListedEntry => ({
  ...(cidrBlock || ipAddress ? { address: (cidrBlock || ipAddress) as string } : {}),
  ...(createdAt != null ? { createdAt } : {}),
  ...(lastUsedAt != null ? { lastUsedAt } : {}),
  ...(lastUsedAddress ? { lastUsedAddress } : {}),
  ...(requests != null ? { requests } : {}),
});

/**
 * An entry of a programmatic key's access list (`UserAccessListResponse`; no field is required).
 * `count` is the requests from `lastUsedAddress`; `lastUsed`, `lastUsedAddress` and `count` come
 * once a request came from the entry.
 */
export const keyAccessListEntrySchema = z
  .looseObject({
    cidrBlock: z.string().nullish(),
    ipAddress: z.string().nullish(),
    created: timestamp.nullish(),
    lastUsed: timestamp.nullish(),
    lastUsedAddress: z.string().nullish(),
    count: z.number().int().nonnegative().nullish(),
  })
  .transform((entry) => entryOf(entry.cidrBlock, entry.ipAddress, entry.created, entry.lastUsed, entry.lastUsedAddress, entry.count));

/** An entry of a service account's access list (`ServiceAccountIPAccessListEntry`): the same facts under other names. */
export const serviceAccountAccessListEntrySchema = z
  .looseObject({
    cidrBlock: z.string().nullish(),
    ipAddress: z.string().nullish(),
    createdAt: timestamp.nullish(),
    lastUsedAt: timestamp.nullish(),
    lastUsedAddress: z.string().nullish(),
    requestCount: z.number().int().nullish(),
  })
  .transform((entry) => entryOf(entry.cidrBlock, entry.ipAddress, entry.createdAt, entry.lastUsedAt, entry.lastUsedAddress, entry.requestCount));

// Most recently used first, then the newest never-used entries; the address settles ties, so the order is stable.
const byRecentUse = (a: AccessListEntry, b: AccessListEntry): number =>
  (b.lastUsedAt ?? -Infinity) - (a.lastUsedAt ?? -Infinity) || (b.createdAt ?? -Infinity) - (a.createdAt ?? -Infinity) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/**
 * The use and reach of a key or service account from its access list. Pure. Last use is the
 * latest `lastUsed`. The list is unrestricted when it opens to every address, or is empty while
 * the organisation does not require one; `accessListRequired` undefined (the settings do not say)
 * counts as not required, so an empty list is flagged rather than trusted. The entries shown are
 * the {@link ACCESS_LIST_ENTRIES_SHOWN} most recently used, one per address.
 */
export function summariseAccessList(entries: readonly ListedEntry[], accessListRequired: boolean | undefined): { lastUsedAt?: number; accessList: AccessListSummary } {
  const lastUsed = entries.reduce<number | undefined>((latest, entry) => (entry.lastUsedAt !== undefined && (latest === undefined || entry.lastUsedAt > latest) ? entry.lastUsedAt : latest), undefined);
  const open = entries.some((entry) => entry.address !== undefined && opensToAll(entry.address));
  const addressed = entries.filter((entry): entry is AccessListEntry => entry.address !== undefined).sort(byRecentUse);
  const seen = new Set<string>();
  const shown: AccessListEntry[] = [];
  for (const entry of addressed) {
    if (shown.length === ACCESS_LIST_ENTRIES_SHOWN) break;
    if (seen.has(entry.address)) continue;
    seen.add(entry.address);
    shown.push(entry);
  }
  return {
    ...(lastUsed !== undefined ? { lastUsedAt: lastUsed } : {}),
    accessList: { entries: entries.length, unrestricted: open || (entries.length === 0 && accessListRequired !== true), shown },
  };
}

/** `OrganizationSettings` has no required field: `apiAccessListRequired` may be absent. */
const orgSettingsSchema = z.looseObject({ apiAccessListRequired: z.boolean().nullish() });

/** Whether the organisation requires an API access list, from its settings; undefined when they do not say. Pure. */
export function accessListRequirement(body: unknown, url: string): boolean | undefined {
  const [settings] = mapItems([body], orgSettingsSchema, url);
  return settings?.apiAccessListRequired ?? undefined;
}

/**
 * Whether `orgId` requires an API access list, read once per cycle for every kind of the entry.
 * Only the Admin API v2 has organisation settings; elsewhere no access list is required.
 */
export function accessListRequired(directory: OrganizationDirectory, orgId: string | undefined, context: SourceContext): Promise<boolean | undefined> {
  if (!directory.v2) return Promise.resolve(false);
  if (orgId === undefined) return Promise.resolve(undefined);
  const path = `/orgs/${encodeURIComponent(orgId)}/settings`;
  return directory.orgAccessListRequired(orgId, async () => {
    const body = await context.client.getJson(directory.credential, path, context.signal, directory.requestOptions);
    const required = accessListRequirement(body, `${directory.credential.baseUrl}${path}`);
    if (required === undefined) context.log.warn({ orgId }, 'organisation settings do not say whether an API access list is required: empty access lists are reported unrestricted');
    return required;
  });
}
