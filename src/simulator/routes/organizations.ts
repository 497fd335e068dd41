/**
 * The organisation resources, as the Atlas Admin API v2 (./admin-api-v2.ts) and Ops Manager v1.0
 * (./ops-manager.ts) serve them: organisations, their projects, settings, programmatic keys with
 * access lists, service accounts with access lists, project keys and accounts, and global keys.
 *
 * Lists (Atlas Admin API v2 reference, https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/)
 * answer `{links, results, totalCount}`; `pageNum` (≥ 1, default 1), `itemsPerPage` (1..500,
 * default 100) and `includeCount` (default true) — operation-listapikeys,
 * operation-listapikeyaccesslistsentries; the service account lists document no `includeCount`
 * (operation-listserviceaccounts) and are answered with `totalCount` all the same. The service
 * account access lists (listOrgAccessList, listAccessList) are paged, and 404 for an account the
 * organisation or project does not list.
 */
import type { SimOrg, SimOrgCredential, SimProject } from '../dataset/index.js';
import { pageOf, parsePaging, type PageRequest } from '../paging.js';
import { errorReply, groupErrors, jsonReply, notAuthorized, type Reply } from '../responses.js';
import type { Route, RouteContext } from './index.js';
import { OBJECT_ID } from './path.js';
import { groupDocument } from './projects.js';

export type OrganizationRouteName =
  | 'orgs'
  | 'org'
  | 'orgGroups'
  | 'orgApiKeys'
  | 'orgApiKeyAccessList'
  | 'orgSettings'
  | 'orgServiceAccounts'
  | 'orgServiceAccountAccessList'
  | 'groupApiKeys'
  | 'groupServiceAccounts'
  | 'groupServiceAccountAccessList'
  | 'v1OrgApiKeys'
  | 'v1OrgApiKeyAccessList'
  | 'globalApiKeys';

function parseListPaging(query: URLSearchParams): { page: PageRequest; includeCount: boolean } | Reply {
  const page = parsePaging(query);
  if ('status' in page) return page;
  const include = query.get('includeCount');
  if (include !== null && include !== 'true' && include !== 'false') {
    return errorReply(400, 'INVALID_QUERY_PARAMETER', 'Invalid query parameter includeCount specified.', ['includeCount']);
  }
  return { page, includeCount: include !== 'false' };
}

/** One page of `items` as the lists answer it (links keeping the parameters of `kept`), or the 400 of a bad paging parameter. */
export function pagedReply<T>(items: readonly T[], query: URLSearchParams, href: string, map?: (item: T) => unknown, kept?: URLSearchParams): Reply {
  const paging = parseListPaging(query);
  if ('status' in paging) return paging;
  const page = pageOf(items, paging.page, href, kept);
  const body: Record<string, unknown> = { links: page.links, results: map === undefined ? page.results : page.results.map(map) };
  if (paging.includeCount) body['totalCount'] = page.totalCount;
  return jsonReply(body, { pretty: query.get('pretty') === 'true' });
}

/** The organization credential of a principal, if any. */
function orgCredentialOf(ctx: RouteContext): SimOrgCredential | undefined {
  return ctx.principal.kind === 'org' ? ctx.principal.credential : undefined;
}

/**
 * Looks up an organization the principal may read, or the vendor's error. A deleted organization
 * is listed by `GET /orgs` and answers its own `GET /orgs/{orgId}`; its sub-resources cannot be read.
 */
export function readableOrg(ctx: RouteContext, orgId: string, deleted: 'readable' | 'not found' = 'not found'): SimOrg | Reply {
  if (!OBJECT_ID.test(orgId)) return errorReply(400, 'INVALID_ORG_ID', `An invalid organization ID ${orgId} was specified.`, [orgId]);
  const org = ctx.view.orgsById.get(orgId);
  if (org === undefined || (org.isDeleted === true && deleted === 'not found')) return errorReply(404, 'ORG_NOT_FOUND', `No organization with ID ${orgId} exists.`, [orgId]);
  const credential = orgCredentialOf(ctx);
  if (credential === undefined || !credential.orgIds.includes(orgId)) return notAuthorized();
  return org;
}

/** Looks up a project the principal may read, or the vendor's error. */
export function readableProject(ctx: RouteContext, groupId: string): SimProject | Reply {
  if (!OBJECT_ID.test(groupId)) return groupErrors.invalid(groupId);
  const project = ctx.view.projectsById.get(groupId);
  if (project === undefined) return groupErrors.notFound(groupId);
  const { principal } = ctx;
  const allowed =
    principal.kind === 'credential'
      ? ctx.view.holds(principal.credential, groupId)
      : principal.kind === 'org' && (principal.credential.orgIds.includes(project.orgId) || principal.credential.projectIds.includes(groupId));
  if (!allowed) return groupErrors.notInGroup(groupId);
  return project;
}

function projectsOf(ctx: RouteContext, org: SimOrg): SimProject[] {
  return ctx.view.dataset.projects.filter((project) => project.orgId === org.id);
}

/** Every programmatic key of an organization: its own, then those created for its projects. */
export function orgKeys(projects: readonly SimProject[], org: SimOrg): Record<string, unknown>[] {
  const keys = [...org.programmaticKeys];
  for (const project of projects) if (project.orgId === org.id && project.programmaticKeys !== undefined) keys.push(...project.programmaticKeys);
  return keys;
}

/** The service accounts `GET /orgs/{orgId}/serviceAccounts` lists: those created in the organization, with organization roles. */
export function orgServiceAccounts(org: SimOrg, includeSystemManaged = false): Record<string, unknown>[] {
  return includeSystemManaged ? [...org.serviceAccounts, ...(org.systemServiceAccounts ?? [])] : org.serviceAccounts;
}

/**
 * The service accounts `GET /groups/{groupId}/serviceAccounts` lists: those created in the project,
 * then the organization's accounts assigned to it, each with its project roles.
 */
export function projectServiceAccounts(project: SimProject, org: SimOrg | undefined): Record<string, unknown>[] {
  const assigned = (project.assignedServiceAccounts ?? []).flatMap(({ clientId, roles }) => {
    const account = org?.serviceAccounts.find((candidate) => candidate['clientId'] === clientId);
    return account === undefined ? [] : [{ ...account, roles }];
  });
  return [...(project.serviceAccounts ?? []), ...assigned];
}

/** `includeSystemManaged` (default false), or the vendor's 400 for another value. */
function includeSystemManaged(query: URLSearchParams): boolean | Reply {
  const value = query.get('includeSystemManaged');
  if (value !== null && value !== 'true' && value !== 'false') {
    return errorReply(400, 'INVALID_QUERY_PARAMETER', 'Invalid query parameter includeSystemManaged specified.', ['includeSystemManaged']);
  }
  return value === 'true';
}

function accessListOf(ctx: RouteContext, org: SimOrg, keyId: string): Record<string, unknown>[] | Reply {
  if (!OBJECT_ID.test(keyId)) return errorReply(400, 'INVALID_API_KEY_ID', `An invalid API key ID ${keyId} was specified.`, [keyId]);
  const known = org.accessLists[keyId] !== undefined || orgKeys(projectsOf(ctx, org), org).some((key) => key['id'] === keyId);
  if (!known) return errorReply(404, 'API_KEY_NOT_FOUND', `No API key with ID ${keyId} exists.`, [keyId]);
  return org.accessLists[keyId] ?? [];
}

const CLIENT_ID = /^mdb_sa_id_[a-fA-F\d]{24}$/;

/** The access list of a service account listed in `accounts`, or the vendor's error. */
function serviceAccountAccessListOf(org: SimOrg, accounts: readonly Record<string, unknown>[], clientId: string): Record<string, unknown>[] | Reply {
  if (!CLIENT_ID.test(clientId)) return errorReply(400, 'INVALID_PARAMETER', `An invalid client ID ${clientId} was specified.`, [clientId]);
  if (!accounts.some((account) => account['clientId'] === clientId)) return errorReply(404, 'SERVICE_ACCOUNT_NOT_FOUND', `Service Account ${clientId} not found.`, [clientId]);
  return org.serviceAccountAccessLists[clientId] ?? [];
}

function orgDocument(org: SimOrg, apiBase: string): Record<string, unknown> {
  return { id: org.id, isDeleted: org.isDeleted === true, links: [{ href: `${apiBase}/orgs/${org.id}`, rel: 'self' }], name: org.name, skipDefaultAlertsSettings: false };
}

/** Answers an organisation route, under either root. */
export function handleOrganizationRoute(route: Route, ctx: RouteContext): Reply {
  const apiBase = ctx.origin + route.prefix;
  const href = apiBase + route.path;
  const pretty = ctx.query.get('pretty') === 'true';
  const param = route.param ?? '';
  switch (route.name as OrganizationRouteName) {
    case 'orgs': {
      const credential = orgCredentialOf(ctx);
      const orgs: SimOrg[] = [];
      for (const id of credential?.orgIds ?? []) {
        const org = ctx.view.orgsById.get(id);
        if (org !== undefined) orgs.push(org);
      }
      return pagedReply(orgs, ctx.query, href, (org) => orgDocument(org, apiBase));
    }
    case 'org': {
      const org = readableOrg(ctx, param, 'readable');
      return 'status' in org ? org : jsonReply(orgDocument(org, apiBase), { pretty });
    }
    case 'orgGroups': {
      const org = readableOrg(ctx, param);
      if ('status' in org) return org;
      return pagedReply(projectsOf(ctx, org), ctx.query, href, (project) => groupDocument(project, apiBase));
    }
    case 'orgApiKeys':
    case 'v1OrgApiKeys': {
      const org = readableOrg(ctx, param);
      if ('status' in org) return org;
      return pagedReply(orgKeys(ctx.view.dataset.projects, org), ctx.query, href);
    }
    case 'orgApiKeyAccessList':
    case 'v1OrgApiKeyAccessList': {
      const org = readableOrg(ctx, param);
      if ('status' in org) return org;
      const entries = accessListOf(ctx, org, route.keyId ?? '');
      return 'status' in entries ? entries : pagedReply(entries, ctx.query, href);
    }
    case 'orgSettings': {
      const org = readableOrg(ctx, param);
      if ('status' in org) return org;
      return jsonReply(
        {
          ...(org.apiAccessListRequired !== undefined ? { apiAccessListRequired: org.apiAccessListRequired } : {}),
          genAIFeaturesEnabled: true,
          maxServiceAccountSecretValidityInHours: 8760,
          multiFactorAuthRequired: org.multiFactorAuthRequired,
          restrictEmployeeAccess: org.restrictEmployeeAccess,
          securityContact: 'security@example.com',
          streamsCrossGroupEnabled: false,
        },
        { pretty },
      );
    }
    case 'orgServiceAccounts': {
      const org = readableOrg(ctx, param);
      if ('status' in org) return org;
      const system = includeSystemManaged(ctx.query);
      return typeof system !== 'boolean' ? system : pagedReply(orgServiceAccounts(org, system), ctx.query, href);
    }
    case 'orgServiceAccountAccessList': {
      const org = readableOrg(ctx, param);
      if ('status' in org) return org;
      const entries = serviceAccountAccessListOf(org, orgServiceAccounts(org, true), route.keyId ?? '');
      return 'status' in entries ? entries : pagedReply(entries, ctx.query, href);
    }
    case 'groupServiceAccountAccessList': {
      const project = readableProject(ctx, param);
      if ('status' in project) return project;
      const org = ctx.view.orgsById.get(project.orgId);
      const entries = org === undefined ? errorReply(404, 'SERVICE_ACCOUNT_NOT_FOUND', `Service Account ${route.keyId ?? ''} not found.`, [route.keyId ?? '']) : serviceAccountAccessListOf(org, projectServiceAccounts(project, org), route.keyId ?? '');
      return 'status' in entries ? entries : pagedReply(entries, ctx.query, href);
    }
    case 'groupApiKeys': {
      const project = readableProject(ctx, param);
      return 'status' in project ? project : pagedReply(project.programmaticKeys ?? [], ctx.query, href);
    }
    case 'groupServiceAccounts': {
      const project = readableProject(ctx, param);
      if ('status' in project) return project;
      // No project-level account is system-managed; the flag is still checked.
      const system = includeSystemManaged(ctx.query);
      return typeof system !== 'boolean' ? system : pagedReply(projectServiceAccounts(project, ctx.view.orgsById.get(project.orgId)), ctx.query, href);
    }
    case 'globalApiKeys': {
      const credential = orgCredentialOf(ctx);
      if (credential?.kind !== 'digest' || credential.globalReadOnly !== true) return notAuthorized();
      return pagedReply(ctx.view.dataset.globalApiKeys ?? [], ctx.query, href);
    }
  }
}
