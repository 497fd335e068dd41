/**
 * The Atlas Admin API v2 (https://www.mongodb.com/docs/api/doc/atlas-admin-api-v2/): the paths of
 * its organisation, project key, service account and event resources, and its versioned media types.
 * - media types: `200 application/vnd.atlas.2023-01-01+json` for the orgs, groups, apiKeys, accessList,
 *   settings and events resources; `application/vnd.atlas.2024-08-05+json` for serviceAccounts and their
 *   access lists.
 * - `Accept` names a date, and a resource answers it with its latest version at or before that date:
 *   the document's own examples send `application/vnd.atlas.2025-03-12+json` to `GET /orgs`, whose
 *   only version is 2023-01-01. A date before every version of the resource, or no version at all,
 *   answers 406 `{"detail":"Invalid accept header or version date.","error":406,
 *   "errorCode":"INVALID_VERSION_DATE","parameters":[],"reason":"Not Acceptable"}` — not in the vendor
 *   reference; observed responses quoted in public code (search: "Invalid accept header or version date").
 * - successful v2 answers carry `Content-Type: application/vnd.atlas.{version}+json;charset=utf-8`
 *   (example response headers, https://www.mongodb.com/docs/atlas/api/service-accounts/revoke-oauth2-token/).
 */
import { errorReply, type Reply } from '../responses.js';
import { eventsRoute, type EventRouteName } from './events.js';
import type { Route } from './index.js';
import type { OrganizationRouteName } from './organizations.js';
import { API_PREFIXES, decodeSegment, pathSegments } from './path.js';

/** The resource version of the orgs, groups, apiKeys, accessList and settings resources. */
export const ATLAS_VERSION_2023 = '2023-01-01';
/** The resource version of the serviceAccounts resources. */
export const ATLAS_VERSION_SERVICE_ACCOUNTS = '2024-08-05';

const VERSIONS_2023 = [ATLAS_VERSION_2023] as const;
const VERSIONS_SA = [ATLAS_VERSION_SERVICE_ACCOUNTS] as const;

function v2(name: OrganizationRouteName | EventRouteName, template: string, path: string, param: string | undefined, target: string | undefined, versions: readonly string[], keyId?: string): Route {
  const route: Route = { name, template, prefix: API_PREFIXES.atlasV2, path, store: 'v2', api: 'v2', versions };
  if (param !== undefined) route.param = param;
  if (target !== undefined) route.target = target;
  if (keyId !== undefined) route.keyId = keyId;
  return route;
}

/** The route of a path under the v2 root (every such path is a v2 request, a 404 when no resource is there); undefined for every other path. */
export function matchAdminApiV2Route(pathname: string): Route | undefined {
  if (!pathname.startsWith(API_PREFIXES.atlasV2 + '/')) return undefined;
  const path = pathname.slice(API_PREFIXES.atlasV2.length);
  const segments = pathSegments(path);
  const [first, second, third, fourth, fifth] = segments;
  const n = segments.length;
  if (first === 'orgs') {
    if (n === 1) return v2('orgs', '/orgs', path, undefined, 'orgs', VERSIONS_2023);
    const orgId = decodeSegment(second);
    if (orgId !== undefined) {
      if (n === 2) return v2('org', '/orgs/{orgId}', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'groups') return v2('orgGroups', '/orgs/{orgId}/groups', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'apiKeys') return v2('orgApiKeys', '/orgs/{orgId}/apiKeys', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'settings') return v2('orgSettings', '/orgs/{orgId}/settings', path, orgId, orgId, VERSIONS_2023);
      if (n === 3 && third === 'events') return eventsRoute(v2('orgEvents', '/orgs/{orgId}/events', path, orgId, undefined, VERSIONS_2023), orgId);
      if (n === 3 && third === 'serviceAccounts') return v2('orgServiceAccounts', '/orgs/{orgId}/serviceAccounts', path, orgId, orgId, VERSIONS_SA);
      const keyId = decodeSegment(fourth);
      if (n === 5 && third === 'apiKeys' && fifth === 'accessList' && keyId !== undefined) {
        return v2('orgApiKeyAccessList', '/orgs/{orgId}/apiKeys/{apiUserId}/accessList', path, orgId, keyId, VERSIONS_2023, keyId);
      }
      if (n === 5 && third === 'serviceAccounts' && fifth === 'accessList' && keyId !== undefined) {
        return v2('orgServiceAccountAccessList', '/orgs/{orgId}/serviceAccounts/{clientId}/accessList', path, orgId, keyId, VERSIONS_SA, keyId);
      }
    }
  }
  if (first === 'groups' && n === 5 && third === 'serviceAccounts' && fifth === 'accessList') {
    const groupId = decodeSegment(second);
    const clientId = decodeSegment(fourth);
    if (groupId !== undefined && clientId !== undefined) {
      return v2('groupServiceAccountAccessList', '/groups/{groupId}/serviceAccounts/{clientId}/accessList', path, groupId, clientId, VERSIONS_SA, clientId);
    }
  }
  if (first === 'groups' && n === 3) {
    const groupId = decodeSegment(second);
    if (groupId !== undefined && third === 'events') return eventsRoute(v2('groupEvents', '/groups/{groupId}/events', path, groupId, undefined, VERSIONS_2023), groupId);
    if (groupId !== undefined && third === 'apiKeys') return v2('groupApiKeys', '/groups/{groupId}/apiKeys', path, groupId, groupId, VERSIONS_2023);
    if (groupId !== undefined && third === 'serviceAccounts') {
      return v2('groupServiceAccounts', '/groups/{groupId}/serviceAccounts', path, groupId, groupId, VERSIONS_SA);
    }
  }
  // Anyone who authenticates gets the 404 (as under the v1.0 roots), whatever the Accept header.
  return { name: 'unmatched', template: 'unmatched', prefix: API_PREFIXES.atlasV2, path, store: 'any', api: 'v2' };
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
