/**
 * The routes of the next key kinds: the Atlas Admin API v2 organization, programmatic key, access
 * list, settings and service account resources; the Cloud/Ops Manager v1.0 organization and global
 * key resources; and the OAuth token endpoints (answered by the server, matched here).
 *
 * Vendor facts (Atlas Admin API v2 reference, https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/):
 * - every list answers `{links, results, totalCount}`; `pageNum` (≥ 1, default 1), `itemsPerPage`
 *   (1..500, default 100) and `includeCount` (default true) — operation-listapikeys,
 *   operation-listapikeyaccesslistsentries; the service account lists document no `includeCount`
 *   (operation-listserviceaccounts) and are answered with `totalCount` all the same.
 * - media types: `200 application/vnd.atlas.2023-01-01+json` for the orgs, groups, apiKeys, accessList
 *   and settings resources; `application/vnd.atlas.2024-08-05+json` for serviceAccounts and their
 *   access lists (listOrgAccessList, listAccessList: paged, 404 for an account the org or project
 *   does not list).
 * - `Accept` names a date, and a resource answers it with its latest version at or before that date:
 *   the document's own examples send `application/vnd.atlas.2025-03-12+json` to `GET /orgs`, whose
 *   only version is 2023-01-01. A date before every version of the resource, or no version at all,
 *   answers 406 `{"detail":"Invalid accept header or version date.","error":406,
 *   "errorCode":"INVALID_VERSION_DATE","parameters":[],"reason":"Not Acceptable"}` — not in the vendor
 *   reference; observed responses quoted in public code (search: "Invalid accept header or version date").
 * - successful v2 answers carry `Content-Type: application/vnd.atlas.{version}+json;charset=utf-8`
 *   (example response headers, https://www.mongodb.com/docs/atlas/api/service-accounts/revoke-oauth2-token/).
 * Cloud/Ops Manager v1.0 (https://www.mongodb.com/docs/ops-manager/current/reference/api/api-keys/org/get-all-org-api-keys,
 * .../api-keys/global/get-all-global-api-keys, and the Ops Manager Go client): `GET /orgs`,
 * `/orgs/{ORG-ID}/groups`, `/orgs/{ORG-ID}/apiKeys` (with `/{API-KEY-ID}/accessList`),
 * `/groups/{PROJECT-ID}/apiKeys` and `/admin/apiKeys` (a global role; keys with `roles: [{roleName}]`)
 * answer the v2 documents as `application/json`, paged the same way (`{results, links, totalCount}`).
 */
import type { SimOrg, SimOrgCredential, SimProject } from './dataset/index.js';
import { pageOf, parsePaging, type PageRequest } from './paging.js';
import { errorReply, jsonReply, statusReply, type Reply } from './responses.js';
import { groupDocument, type Route, type RouteContext } from './routes.js';

/** The names of the routes this file adds. */
export type MoreRouteName =
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
  | 'globalApiKeys'
  | 'oauthToken'
  | 'oauthRevoke';

/** The resource version of the orgs, groups, apiKeys, accessList and settings resources. */
export const ATLAS_VERSION_2023 = '2023-01-01';
/** The resource version of the serviceAccounts resources. */
export const ATLAS_VERSION_SERVICE_ACCOUNTS = '2024-08-05';

const V2 = '/api/atlas/v2';
const PUBLIC = '/api/public/v1.0';
const OBJECT_ID = /^[0-9a-f]{24}$/;
const VERSIONS_2023 = [ATLAS_VERSION_2023] as const;
const VERSIONS_SA = [ATLAS_VERSION_SERVICE_ACCOUNTS] as const;

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function v2(name: MoreRouteName, template: string, path: string, param: string | undefined, target: string | undefined, versions: readonly string[], keyId?: string): Route {
  const route: Route = { name, template, prefix: V2, path, store: 'v2', api: 'v2', versions };
  if (param !== undefined) route.param = param;
  if (target !== undefined) route.target = target;
  if (keyId !== undefined) route.keyId = keyId;
  return route;
}

/** Matches the paths this file adds; undefined for every other path. */
export function matchMoreRoute(pathname: string): Route | undefined {
  if (pathname === '/api/oauth/token' || pathname === '/api/oauth/revoke') {
    const token = pathname.endsWith('/token');
    return {
      name: token ? 'oauthToken' : 'oauthRevoke',
      template: pathname,
      prefix: '/api/oauth',
      path: pathname.slice('/api/oauth'.length),
      target: token ? 'token' : 'revoke',
      store: 'any',
      api: 'oauth',
    };
  }
  const isV2 = pathname.startsWith(V2 + '/');
  const isPublic = pathname.startsWith(PUBLIC + '/');
  if (!isV2 && !isPublic) return undefined;
  const prefix = isV2 ? V2 : PUBLIC;
  const path = pathname.slice(prefix.length);
  const segments = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/').slice(1);
  const [first, second, third, fourth, fifth] = segments;
  const n = segments.length;
  if (isPublic) {
    // The v2 handlers answer these too: same documents, but no media type versions and no rate-limit headers.
    if (first === 'admin' && second === 'apiKeys' && n === 2) {
      return { name: 'globalApiKeys', template: '/admin/apiKeys', prefix, path, target: 'globalApiKeys', store: 'v2' };
    }
    if (first === 'orgs' && n === 1) return { name: 'orgs', template: '/orgs', prefix, path, target: 'orgs', store: 'v2' };
    const id = decode(second);
    if (first === 'groups' && third === 'apiKeys' && n === 3 && id !== undefined) {
      return { name: 'groupApiKeys', template: '/groups/{PROJECT-ID}/apiKeys', prefix, path, param: id, target: id, store: 'v2' };
    }
    if (first === 'orgs' && third === 'groups' && n === 3 && id !== undefined) {
      return { name: 'orgGroups', template: '/orgs/{ORG-ID}/groups', prefix, path, param: id, target: id, store: 'v2' };
    }
    if (first !== 'orgs' || third !== 'apiKeys' || id === undefined) return undefined;
    if (n === 3) return { name: 'v1OrgApiKeys', template: '/orgs/{ORG-ID}/apiKeys', prefix, path, param: id, target: id, store: 'v2' };
    const keyId = decode(fourth);
    if (n === 5 && fifth === 'accessList' && keyId !== undefined) {
      return { name: 'v1OrgApiKeyAccessList', template: '/orgs/{ORG-ID}/apiKeys/{API-KEY-ID}/accessList', prefix, path, param: id, target: keyId, keyId, store: 'v2' };
    }
    return undefined;
  }
  // Every other v2 path is still a v2 request (auth, media type, rate limit) that answers 404.
  if (first === 'orgs') {
    if (n === 1) return v2('orgs', '/orgs', path, undefined, 'orgs', VERSIONS_2023);
    const orgId = decode(second);
    if (orgId !== undefined) {
      if (n === 2) return v2('org', '/orgs/{orgId}', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'groups') return v2('orgGroups', '/orgs/{orgId}/groups', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'apiKeys') return v2('orgApiKeys', '/orgs/{orgId}/apiKeys', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'settings') return v2('orgSettings', '/orgs/{orgId}/settings', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'serviceAccounts') return v2('orgServiceAccounts', '/orgs/{orgId}/serviceAccounts', path, orgId, orgId, VERSIONS_SA);
      const keyId = decode(fourth);
      if (n === 5 && third === 'apiKeys' && fifth === 'accessList' && keyId !== undefined) {
        return v2('orgApiKeyAccessList', '/orgs/{orgId}/apiKeys/{apiUserId}/accessList', path, orgId, keyId, VERSIONS_2023, keyId);
      }
      if (n === 5 && third === 'serviceAccounts' && fifth === 'accessList' && keyId !== undefined) {
        return v2('orgServiceAccountAccessList', '/orgs/{orgId}/serviceAccounts/{clientId}/accessList', path, orgId, keyId, VERSIONS_SA, keyId);
      }
    }
  }
  if (first === 'groups' && n === 5 && third === 'serviceAccounts' && fifth === 'accessList') {
    const groupId = decode(second);
    const clientId = decode(fourth);
    if (groupId !== undefined && clientId !== undefined) {
      return v2('groupServiceAccountAccessList', '/groups/{groupId}/serviceAccounts/{clientId}/accessList', path, groupId, clientId, VERSIONS_SA, clientId);
    }
  }
  if (first === 'groups' && n === 3) {
    const groupId = decode(second);
    if (groupId !== undefined && third === 'apiKeys') return v2('groupApiKeys', '/groups/{groupId}/apiKeys', path, groupId, groupId, VERSIONS_2023);
    if (groupId !== undefined && third === 'serviceAccounts') {
      return v2('groupServiceAccounts', '/groups/{groupId}/serviceAccounts', path, groupId, groupId, VERSIONS_SA);
    }
  }
  // Anyone who authenticates gets the 404 (as under the v1.0 roots), whatever the Accept header.
  return { name: 'unmatched', template: 'unmatched', prefix: V2, path, store: 'any', api: 'v2' };
}

/** The 406 the API answers for a missing, malformed or unsupported `Accept` version. */
export function invalidVersionReply(): Reply {
  return errorReply(406, 'INVALID_VERSION_DATE', 'Invalid accept header or version date.');
}

/**
 * The resource version that answers an `Accept` header: for the first versioned media type in it,
 * the latest of `versions` at or before its date; undefined when none is (an earlier date, no
 * versioned type, or a date that is not one). A list (`a, b;q=0.5`) is read in order; a `*`
 * wildcard or `application/json` carries no version.
 */
export function negotiateVersion(accept: string | undefined, versions: readonly string[]): string | undefined {
  if (accept === undefined) return undefined;
  for (const part of accept.split(',')) {
    const type = (part.split(';')[0] ?? '').trim().toLowerCase();
    const date = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/.exec(type)?.[1];
    if (date === undefined || !isCalendarDate(date)) continue;
    // ISO dates order as text.
    const served = versions.filter((version) => version <= date).sort().at(-1);
    if (served !== undefined) return served;
  }
  return undefined;
}

function isCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date);
}

/** The media type of a v2 answer. */
export function versionedContentType(version: string): string {
  return `application/vnd.atlas.${version}+json;charset=utf-8`;
}

const notAuthorized = (): Reply => errorReply(403, 'USER_UNAUTHORIZED', 'Current user is not authorized to perform this action.');

function parseV2Paging(query: URLSearchParams): { page: PageRequest; includeCount: boolean } | Reply {
  const page = parsePaging(query);
  if ('status' in page) return page;
  const include = query.get('includeCount');
  if (include !== null && include !== 'true' && include !== 'false') {
    return errorReply(400, 'INVALID_QUERY_PARAMETER', 'Invalid query parameter includeCount specified.', ['includeCount']);
  }
  return { page, includeCount: include !== 'false' };
}

function pagedReply<T>(items: readonly T[], query: URLSearchParams, href: string, map?: (item: T) => unknown): Reply {
  const paging = parseV2Paging(query);
  if ('status' in paging) return paging;
  const page = pageOf(items, paging.page, href);
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
function readableOrg(ctx: RouteContext, orgId: string, deleted: 'readable' | 'not found' = 'not found'): SimOrg | Reply {
  if (!OBJECT_ID.test(orgId)) return errorReply(400, 'INVALID_ORG_ID', `An invalid organization ID ${orgId} was specified.`, [orgId]);
  const org = ctx.view.orgsById.get(orgId);
  if (org === undefined || (org.isDeleted === true && deleted === 'not found')) return errorReply(404, 'ORG_NOT_FOUND', `No organization with ID ${orgId} exists.`, [orgId]);
  const credential = orgCredentialOf(ctx);
  if (credential === undefined || !credential.orgIds.includes(orgId)) return notAuthorized();
  return org;
}

/** Looks up a project the principal may read, or the vendor's error. */
function readableProject(ctx: RouteContext, groupId: string): SimProject | Reply {
  if (!OBJECT_ID.test(groupId)) return errorReply(404, 'INVALID_GROUP_ID', `An invalid group ID ${groupId} was specified.`, [groupId]);
  const project = ctx.view.projectsById.get(groupId);
  if (project === undefined) return errorReply(404, 'GROUP_NOT_FOUND', `No group with ID ${groupId} exists.`, [groupId]);
  const { principal } = ctx;
  const allowed =
    principal.kind === 'credential'
      ? ctx.view.holds(principal.credential, groupId)
      : principal.kind === 'org' && (principal.credential.orgIds.includes(project.orgId) || principal.credential.projectIds.includes(groupId));
  if (!allowed) return errorReply(403, 'NOT_IN_GROUP', 'The current user is not in the group, or the group does not exist.', [groupId]);
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

/** Answers an authenticated GET of a route this file adds (the OAuth routes are the server's). */
export function handleMoreRoute(route: Route, ctx: RouteContext): Reply {
  const apiBase = ctx.origin + route.prefix;
  const href = apiBase + route.path;
  const pretty = ctx.query.get('pretty') === 'true';
  const param = route.param ?? '';
  switch (route.name as MoreRouteName) {
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
    case 'oauthToken':
    case 'oauthRevoke':
      return statusReply(405);
  }
}
