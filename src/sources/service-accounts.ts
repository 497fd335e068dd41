import { z } from 'zod';
import { failureOf } from '../errors/failure.js';
import type { AccessListSummary, ApiKey, Role } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import { accessListRequired, serviceAccountAccessListEntrySchema, summariseAccessList } from './access-list.js';
import { keySuffix, mapItems, timestamp } from './fields.js';
import { OrganizationSource, SERVICE_ACCOUNTS_MEDIA_TYPE, splitListing } from './organizations.js';
import type { KeyKindDefinition, SourceContext } from './source.js';

/**
 * A service account as `GET /orgs/{orgId}/serviceAccounts` (`OrgServiceAccount`, organisation
 * roles) and `GET /groups/{groupId}/serviceAccounts` (`GroupServiceAccount`, project roles) send
 * it (media type 2024-08-05): no field of the account is required; a secret has `id`, `createdAt`
 * and `expiresAt`.
 */
export const serviceAccountSchema = z.looseObject({
  clientId: z.string().nullish(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  createdAt: timestamp.nullish(),
  roles: z.array(z.string()).default([]),
  secrets: z
    .array(
      z.looseObject({
        id: z.string().min(1),
        createdAt: timestamp,
        expiresAt: timestamp,
        lastUsedAt: timestamp.nullish(),
        maskedSecretValue: z.string().nullish(),
      }),
    )
    .default([]),
});

export type ServiceAccount = z.output<typeof serviceAccountSchema>;

/** Checks a listing of service accounts; the first account it cannot read fails the listing. Pure. */
export function parseServiceAccounts(items: readonly unknown[], url: string): ServiceAccount[] {
  return mapItems(items, serviceAccountSchema, url);
}

/**
 * What a project's listing holds besides its organisation's: the project roles of the
 * organisation's accounts assigned to the project (by client id), and the accounts only the
 * project lists. Pure.
 */
export function splitProjectListing(
  orgAccounts: readonly ServiceAccount[],
  projectAccounts: readonly ServiceAccount[],
): { readonly assigned: ReadonlyMap<string, readonly string[]>; readonly own: readonly ServiceAccount[] } {
  const { shared, own } = splitListing(orgAccounts, projectAccounts, (account) => account.clientId);
  return { assigned: new Map(shared.map((account) => [account.clientId as string, account.roles])), own };
}

/**
 * One key per secret: secrets are what expire and what is used. An account's own roles apply
 * where it is listed; `moreRoles` adds roles found elsewhere (its project roles), by client id. Pure.
 */
export function serviceAccountKeys(accounts: readonly ServiceAccount[], scope: Pick<Scope, 'owner' | 'id'>, moreRoles: ReadonlyMap<string, readonly Role[]> = new Map()): ApiKey[] {
  return accounts.flatMap((account) => {
    const roles = [
      ...account.roles.map((name): Role => (scope.owner === 'org' ? { name, orgId: scope.id } : { name, projectId: scope.id })),
      ...(account.clientId != null ? (moreRoles.get(account.clientId) ?? []) : []),
    ];
    return account.secrets.map((secret) => ({
      id: secret.id,
      description: account.description ?? '',
      suffix: keySuffix(secret.maskedSecretValue),
      createdAt: secret.createdAt,
      tracksUse: true,
      expiresAt: secret.expiresAt,
      ...(secret.lastUsedAt != null ? { lastUsedAt: secret.lastUsedAt } : {}),
      ...(account.clientId ? { clientId: account.clientId } : {}),
      ...(account.name ? { accountName: account.name } : {}),
      roles,
    }));
  });
}

/** Maps one listing of service accounts to keys, the roles applying where it lists them. Pure. */
export function mapServiceAccounts(items: readonly unknown[], url: string, scope: Pick<Scope, 'owner' | 'id'>): ApiKey[] {
  return serviceAccountKeys(parseServiceAccounts(items, url), scope);
}

/** Gives each secret the access list of its account: the list belongs to the account, so every secret shares it. Pure. */
export function withAccountAccessLists(keys: readonly ApiKey[], lists: ReadonlyMap<string, AccessListSummary>): ApiKey[] {
  return keys.map((key) => {
    const accessList = key.clientId === undefined ? undefined : lists.get(key.clientId);
    return accessList === undefined ? key : { ...key, accessList };
  });
}

/**
 * The service-account secrets of the organisations (and, with includeProjects, projects) of one
 * entry. An organisation's secrets are published once, under it, with its roles and the project
 * roles its projects' listings give; a project publishes the accounts only it lists.
 */
class ServiceAccountsSource extends OrganizationSource {
  readonly kind = 'service_account' as const;

  async fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    if (scope.owner === 'org') return this.#orgKeys(scope, context);
    // Which accounts are the organisation's is known only from its listing: without it, the project fails too.
    const [orgAccounts, projectAccounts] = await Promise.all([
      scope.orgId === undefined ? [] : this.#accounts('org', scope.orgId, context),
      this.#accounts('project', scope.id, context),
    ]);
    return this.#withAccessLists(scope, serviceAccountKeys(splitProjectListing(orgAccounts, projectAccounts).own, scope), context);
  }

  async #orgKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    const accounts = await this.#accounts('org', scope.id, context);
    const projects = this.directory.entry.includeProjects ? await this.directory.projectsOf(scope.id, context) : [];
    const perProject = await Promise.all(
      projects.map(async (project) => {
        try {
          return { projectId: project.id, assigned: splitProjectListing(accounts, await this.#accounts('project', project.id, context)).assigned };
        } catch (error) {
          if (context.signal.aborted) throw error;
          // The project scope fails with the same error; the organisation's accounts stand without its roles.
          context.log.warn({ kind: this.kind, scope: scope.id, project: project.id, ...failureOf(error) }, 'project roles of service accounts not read');
          return { projectId: project.id, assigned: new Map<string, readonly string[]>() };
        }
      }),
    );
    const projectRoles = new Map<string, Role[]>();
    for (const { projectId, assigned } of perProject) {
      for (const [clientId, names] of assigned) {
        const roles = projectRoles.get(clientId) ?? [];
        roles.push(...names.map((name) => ({ name, projectId })));
        projectRoles.set(clientId, roles);
      }
    }
    return this.#withAccessLists(scope, serviceAccountKeys(accounts, scope, projectRoles), context);
  }

  /** One listing, fetched once per cycle for the org and project scopes that read it. */
  async #accounts(owner: 'org' | 'project', id: string, context: SourceContext): Promise<ServiceAccount[]> {
    const path = `${owner === 'org' ? '/orgs' : '/groups'}/${encodeURIComponent(id)}/serviceAccounts`;
    // The API leaves system-managed accounts out unless asked.
    const query = this.directory.entry.includeSystemManaged ? '?includeSystemManaged=true' : '';
    const fetch = () => context.client.getAllPages(this.credential, path + query, context.signal, { accept: SERVICE_ACCOUNTS_MEDIA_TYPE });
    const items = await (owner === 'org' ? this.directory.orgListing(this.kind, id, fetch) : this.directory.projectListing(this.kind, id, fetch));
    return parseServiceAccounts(items, `${this.credential.baseUrl}${path}`);
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
