import { z } from 'zod';
import type { ApiKey, Role } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import { keySuffix, mapItems, timestamp } from './fields.js';
import { OrganizationSource } from './organizations.js';
import type { KeyKindDefinition, SourceContext } from './source.js';

/** A programmatic API key as `GET /orgs/{orgId}/apiKeys` documents it (v2 and Cloud/Ops Manager v1.0). */
export const programmaticKeySchema = z.looseObject({
  id: z.string().min(1),
  desc: z.string().nullish(),
  publicKey: z.string().nullish(),
  privateKey: z.string().nullish(),
  roles: z
    .array(z.looseObject({ roleName: z.string().min(1), orgId: z.string().nullish(), groupId: z.string().nullish() }))
    .default([]),
});

/** One entry of a key's access list; a never-used entry has `count: 0` and no `lastUsed`. */
export const accessListEntrySchema = z.looseObject({
  cidrBlock: z.string().nullish(),
  ipAddress: z.string().nullish(),
  created: timestamp.nullish(),
  lastUsed: timestamp.nullish(),
  lastUsedAddress: z.string().nullish(),
  count: z.number().int().nonnegative().nullish(),
});

const orgSettingsSchema = z.looseObject({ apiAccessListRequired: z.boolean() });

export type AccessListEntry = z.output<typeof accessListEntrySchema>;

const OPEN_TO_ALL = new Set(['0.0.0.0/0', '::/0', '0.0.0.0']);

/**
 * The usage and reach of a key from its access list. Pure. Last use is the latest `lastUsed`, the
 * use count the sum of `count`; the list is unrestricted when it opens to every address, or is
 * empty while the organisation does not require one.
 */
export function summariseAccessList(entries: readonly AccessListEntry[], accessListRequired: boolean) {
  const lastUsed = entries.reduce<number | undefined>((latest, entry) => (entry.lastUsed != null && (latest === undefined || entry.lastUsed > latest) ? entry.lastUsed : latest), undefined);
  const open = entries.some((entry) => OPEN_TO_ALL.has(entry.cidrBlock ?? '') || OPEN_TO_ALL.has(entry.ipAddress ?? ''));
  return {
    usedCount: entries.reduce((sum, entry) => sum + (entry.count ?? 0), 0),
    ...(lastUsed !== undefined ? { lastUsedAt: lastUsed } : {}),
    accessList: { entries: entries.length, unrestricted: open || (entries.length === 0 && !accessListRequired) },
  };
}

/** Maps the keys of one organisation or project, with their access lists where read. Pure. */
export function mapProgrammaticKeys(items: readonly unknown[], url: string, accessLists?: ReadonlyMap<string, ReturnType<typeof summariseAccessList>>): ApiKey[] {
  return mapItems(items, programmaticKeySchema, url).map((key) => {
    const usage = accessLists?.get(key.id);
    const roles = key.roles.map((role): Role => ({
      name: role.roleName,
      ...(role.orgId ? { orgId: role.orgId } : {}),
      ...(role.groupId ? { projectId: role.groupId } : {}),
    }));
    return {
      id: key.id,
      description: key.desc ?? '',
      // The private key comes back redacted but for its tail: the same four characters the UI shows.
      suffix: keySuffix(key.privateKey),
      ...(key.publicKey ? { publicKey: key.publicKey } : {}),
      roles,
      ...(usage ? { tracksUse: true, usedCount: usage.usedCount, accessList: usage.accessList } : {}),
      ...(usage?.lastUsedAt !== undefined ? { lastUsedAt: usage.lastUsedAt } : {}),
    };
  });
}

const idOf = (item: unknown): unknown => (item as { id?: unknown } | null)?.id;

/** The programmatic API keys of the organisations (and, with includeProjects, projects) of one entry. */
class ProgrammaticKeysSource extends OrganizationSource {
  readonly kind = 'programmatic' as const;

  async fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    const { client, signal } = context;
    const accept = this.directory.accept;
    const options = accept ? { accept } : {};
    const base = scope.owner === 'org' ? `/orgs/${encodeURIComponent(scope.id)}` : `/groups/${encodeURIComponent(scope.id)}`;
    const url = `${this.credential.baseUrl}${base}/apiKeys`;
    const listing = () => client.getAllPages(this.credential, `${base}/apiKeys`, signal, options);
    if (scope.owner === 'project') {
      const items = await listing();
      const shared = await this.directory.sharedWithOrg(this.kind, scope.id, idOf);
      return mapProgrammaticKeys(items.filter((item) => !shared.has(idOf(item))), url);
    }
    const items = await this.directory.orgListing(this.kind, scope.id, listing);
    if (!this.directory.entry.accessLists) return mapProgrammaticKeys(items, url);
    const keys = mapItems(items, programmaticKeySchema, url);
    const required = await this.#accessListRequired(scope.id, context);
    const lists = await Promise.all(
      keys.map(async (key) => {
        const path = `${base}/apiKeys/${encodeURIComponent(key.id)}/accessList`;
        const entries = mapItems(await client.getAllPages(this.credential, path, signal, options), accessListEntrySchema, `${this.credential.baseUrl}${path}`);
        return [key.id, summariseAccessList(entries, required)] as const;
      }),
    );
    return mapProgrammaticKeys(items, url, new Map(lists));
  }

  // Only the Admin API v2 has organisation settings; elsewhere an empty list is taken as open.
  async #accessListRequired(orgId: string, context: SourceContext): Promise<boolean> {
    if (!this.directory.v2) return false;
    const path = `/orgs/${encodeURIComponent(orgId)}/settings`;
    const body = await context.client.getJson(this.credential, path, context.signal, { accept: this.directory.accept ?? '' });
    const [settings] = mapItems([body], orgSettingsSchema, `${this.credential.baseUrl}${path}`);
    return settings?.apiAccessListRequired ?? false;
  }
}

/** Programmatic API keys of organisations (`organizations:` with `apiKeys: true`). */
export const programmaticKeys: KeyKindDefinition = {
  kind: 'programmatic',
  sourcesFrom: (_config, directories) => directories.filter((directory) => directory.entry.apiKeys).map((directory) => new ProgrammaticKeysSource(directory)),
};
