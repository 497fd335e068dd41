import { z } from 'zod';
import type { ApiKey, Role } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import { accessListRequired, keyAccessListEntrySchema, summariseAccessList } from './access-list.js';
import { keySuffix, mapItems } from './fields.js';
import { OrganizationSource, splitListing } from './organizations.js';
import type { KeyKindDefinition, SourceContext } from './source.js';

/**
 * A programmatic API key as `GET /orgs/{orgId}/apiKeys` documents it (`ApiKeyUserDetails`, v2 and
 * Cloud/Ops Manager v1.0): no field is required, not even `id` or a role's `roleName`.
 */
export const programmaticKeySchema = z.looseObject({
  id: z.string().nullish(),
  desc: z.string().nullish(),
  publicKey: z.string().nullish(),
  privateKey: z.string().nullish(),
  roles: z.array(z.looseObject({ roleName: z.string().nullish(), orgId: z.string().nullish(), groupId: z.string().nullish() })).nullish(),
});

type ProgrammaticKey = z.output<typeof programmaticKeySchema> & { id: string };

/** The use and reach of one key from its access list. */
type KeyUsage = ReturnType<typeof summariseAccessList>;

/**
 * Maps the keys of one organisation or project, with their access lists where read. Pure. A key
 * without an `id` cannot be published (`key_id` is its identity, and its access list is read by
 * id): it is left out, and the other keys are published.
 */
export function mapProgrammaticKeys(items: readonly unknown[], url: string, accessLists?: ReadonlyMap<string, KeyUsage>): ApiKey[] {
  return mapItems(items, programmaticKeySchema, url).flatMap((key) => (key.id ? [toApiKey({ ...key, id: key.id }, accessLists?.get(key.id))] : []));
}

/** The keys mapped from `listed`, after a log line naming how many were left out for want of an id. */
export function withoutUnidentified(listed: readonly unknown[], keys: ApiKey[], url: string, context: Pick<SourceContext, 'log'>): ApiKey[] {
  if (keys.length < listed.length) context.log.warn({ url, unidentified: listed.length - keys.length }, 'programmatic keys without an id are not published');
  return keys;
}

function toApiKey(key: ProgrammaticKey, usage: KeyUsage | undefined): ApiKey {
  // A role without a name grants nothing that can be named.
  const roles = (key.roles ?? []).flatMap((role): Role[] =>
    role.roleName ? [{ name: role.roleName, ...(role.orgId ? { orgId: role.orgId } : {}), ...(role.groupId ? { projectId: role.groupId } : {}) }] : [],
  );
  const accessList = usage?.accessList;
  return {
    id: key.id,
    description: key.desc ?? '',
    // The private key comes back redacted but for its tail: the same four characters the UI shows.
    suffix: keySuffix(key.privateKey),
    ...(key.publicKey ? { publicKey: key.publicKey } : {}),
    roles,
    ...(accessList ? { tracksUse: true, accessList } : {}),
    ...(usage?.lastUsedAt !== undefined ? { lastUsedAt: usage.lastUsedAt } : {}),
  };
}

const idOf = (item: unknown): unknown => (item as { id?: unknown } | null)?.id;

/** The programmatic API keys of the organisations (and, with includeProjects, projects) of one entry. */
class ProgrammaticKeysSource extends OrganizationSource {
  readonly kind = 'programmatic' as const;

  async fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    const { client, signal } = context;
    const options = this.directory.requestOptions;
    const base = scope.owner === 'org' ? `/orgs/${encodeURIComponent(scope.id)}` : `/groups/${encodeURIComponent(scope.id)}`;
    const url = `${this.credential.baseUrl}${base}/apiKeys`;
    const listing = () => client.getAllPages(this.credential, `${base}/apiKeys`, signal, options);
    const published = (listed: readonly unknown[], keys: ApiKey[]): ApiKey[] => withoutUnidentified(listed, keys, url, context);
    if (scope.owner === 'project') {
      // A key of the organisation assigned to this project is published once, under the organisation;
      // which keys those are is known only from its listing: without it, the project fails too.
      const { orgId } = scope;
      const [orgItems, listed] = await Promise.all([orgId === undefined ? [] : this.#orgListing(orgId, context), listing()]);
      const { own } = splitListing(orgItems, listed, idOf);
      return published(own, mapProgrammaticKeys(own, url));
    }
    const items = await this.#orgListing(scope.id, context);
    if (!this.directory.entry.accessLists) return published(items, mapProgrammaticKeys(items, url));
    const ids = mapItems(items, programmaticKeySchema, url).flatMap((key) => (key.id ? [key.id] : []));
    const required = await accessListRequired(this.directory, scope.id, context);
    const lists = await Promise.all(
      ids.map(async (id) => {
        const path = `${base}/apiKeys/${encodeURIComponent(id)}/accessList`;
        const entries = mapItems(await client.getAllPages(this.credential, path, signal, options), keyAccessListEntrySchema, `${this.credential.baseUrl}${path}`);
        return [id, summariseAccessList(entries, required)] as const;
      }),
    );
    return published(items, mapProgrammaticKeys(items, url, new Map(lists)));
  }

  /** `GET /orgs/{orgId}/apiKeys`, fetched once per cycle for the organisation and its projects, whichever asks first. */
  #orgListing(orgId: string, context: SourceContext): Promise<unknown[]> {
    const path = `/orgs/${encodeURIComponent(orgId)}/apiKeys`;
    return this.directory.orgListing(this.kind, orgId, () => context.client.getAllPages(this.credential, path, context.signal, this.directory.requestOptions));
  }
}

/** Programmatic API keys of organisations (`organizations:` with `apiKeys: true`). */
export const programmaticKeys: KeyKindDefinition = {
  kind: 'programmatic',
  sourcesFrom: (_config, directories) => directories.filter((directory) => directory.entry.apiKeys).map((directory) => new ProgrammaticKeysSource(directory)),
};
