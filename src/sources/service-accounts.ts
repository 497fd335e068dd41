import { z } from 'zod';
import type { AccessListSummary, ApiKey, Role } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import { accessListRequired, serviceAccountAccessListEntrySchema, summariseAccessList } from './access-list.js';
import { keySuffix, mapItems, timestamp } from './fields.js';
import { OrganizationSource, SERVICE_ACCOUNTS_MEDIA_TYPE } from './organizations.js';
import type { KeyKindDefinition, SourceContext } from './source.js';

/** A service account as `GET /orgs/{orgId}/serviceAccounts` documents it (media type 2024-08-05). */
export const serviceAccountSchema = z.looseObject({
  clientId: z.string().min(1),
  name: z.string().nullish(),
  description: z.string().nullish(),
  createdAt: timestamp.nullish(),
  roles: z.array(z.string()).default([]),
  secrets: z
    .array(
      z.looseObject({
        id: z.string().min(1),
        createdAt: timestamp,
        expiresAt: timestamp.nullish(),
        lastUsedAt: timestamp.nullish(),
        maskedSecretValue: z.string().nullish(),
      }),
    )
    .default([]),
});

/** Maps service accounts to one key per secret: secrets are what expire and what is used. Pure. */
export function mapServiceAccounts(items: readonly unknown[], url: string, scope: Pick<Scope, 'owner' | 'id'>): ApiKey[] {
  return mapItems(items, serviceAccountSchema, url).flatMap((account) => {
    // Roles of a service account are names only; they apply where the account lives.
    const roles = account.roles.map((name): Role => (scope.owner === 'org' ? { name, orgId: scope.id } : { name, projectId: scope.id }));
    return account.secrets.map((secret) => ({
      id: secret.id,
      description: account.description ?? '',
      suffix: keySuffix(secret.maskedSecretValue),
      createdAt: secret.createdAt,
      tracksUse: true,
      ...(secret.expiresAt != null ? { expiresAt: secret.expiresAt } : {}),
      ...(secret.lastUsedAt != null ? { lastUsedAt: secret.lastUsedAt } : {}),
      clientId: account.clientId,
      ...(account.name ? { accountName: account.name } : {}),
      roles,
    }));
  });
}

/** Gives each secret the access list of its account: the list belongs to the account, so every secret shares it. Pure. */
export function withAccountAccessLists(keys: readonly ApiKey[], lists: ReadonlyMap<string, AccessListSummary>): ApiKey[] {
  return keys.map((key) => {
    const accessList = key.clientId === undefined ? undefined : lists.get(key.clientId);
    return accessList === undefined ? key : { ...key, accessList };
  });
}

const clientIdOf = (item: unknown): unknown => (item as { clientId?: unknown } | null)?.clientId;

/** The service-account secrets of the organisations (and, with includeProjects, projects) of one entry. */
class ServiceAccountsSource extends OrganizationSource {
  readonly kind = 'service_account' as const;

  async fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    const path = `${scope.owner === 'org' ? '/orgs' : '/groups'}/${encodeURIComponent(scope.id)}/serviceAccounts`;
    const listing = () => context.client.getAllPages(this.credential, path, context.signal, { accept: SERVICE_ACCOUNTS_MEDIA_TYPE });
    const url = `${this.credential.baseUrl}${path}`;
    if (scope.owner === 'org') return this.#withAccessLists(scope, mapServiceAccounts(await this.directory.orgListing(this.kind, scope.id, listing), url, scope), context);
    // An account of the organisation assigned to this project is published once, under the organisation.
    const items = await listing();
    const shared = await this.directory.sharedWithOrg(this.kind, scope.id, clientIdOf);
    return this.#withAccessLists(scope, mapServiceAccounts(items.filter((item) => !shared.has(clientIdOf(item))), url, scope), context);
  }

  // With accessLists: one request per account that has a secret to publish, where it is published.
  async #withAccessLists(scope: Scope, keys: readonly ApiKey[], context: SourceContext): Promise<readonly ApiKey[]> {
    if (!this.directory.entry.accessLists) return keys;
    const clientIds = [...new Set(keys.flatMap((key) => (key.clientId === undefined ? [] : [key.clientId])))];
    if (clientIds.length === 0) return keys;
    const required = await accessListRequired(this.directory, scope.owner === 'org' ? scope.id : scope.orgId, context);
    const base = `${scope.owner === 'org' ? '/orgs' : '/groups'}/${encodeURIComponent(scope.id)}/serviceAccounts`;
    const lists = await Promise.all(
      clientIds.map(async (clientId) => {
        const path = `${base}/${encodeURIComponent(clientId)}/accessList`;
        const items = await context.client.getAllPages(this.credential, path, context.signal, { accept: SERVICE_ACCOUNTS_MEDIA_TYPE });
        return [clientId, summariseAccessList(mapItems(items, serviceAccountAccessListEntrySchema, `${this.credential.baseUrl}${path}`), required).accessList] as const;
      }),
    );
    return withAccountAccessLists(keys, new Map(lists));
  }
}

/** Service-account secrets of organisations (`organizations:` with `serviceAccounts: true`). */
export const serviceAccounts: KeyKindDefinition = {
  kind: 'service_account',
  sourcesFrom: (_config, directories) => directories.filter((directory) => directory.entry.serviceAccounts).map((directory) => new ServiceAccountsSource(directory)),
};
