/**
 * The organisation resources of Cloud/Ops Manager v1.0
 * (https://www.mongodb.com/docs/ops-manager/current/reference/api/api-keys/org/get-all-org-api-keys,
 * .../api-keys/global/get-all-global-api-keys, and the Ops Manager Go client): `GET /orgs`,
 * `/orgs/{ORG-ID}/groups`, `/orgs/{ORG-ID}/apiKeys` (with `/{API-KEY-ID}/accessList`),
 * `/groups/{PROJECT-ID}/apiKeys`, `/orgs/{ORG-ID}/events`, `/groups/{PROJECT-ID}/events` (./events.ts)
 * and `/admin/apiKeys` (a global role; keys with `roles: [{roleName}]`)
 * answer the v2 documents as `application/json`, paged the same way (`{results, links, totalCount}`),
 * with no media type versions and no rate-limit headers.
 */
import { eventsRoute } from './events.js';
import type { Route } from './index.js';
import { API_PREFIXES, decodeSegment, pathSegments } from './path.js';

/** The organisation route of a path under the v1.0 Cloud Manager root; undefined for every other path. */
export function matchOpsManagerRoute(pathname: string): Route | undefined {
  if (!pathname.startsWith(API_PREFIXES.public + '/')) return undefined;
  const prefix = API_PREFIXES.public;
  const path = pathname.slice(prefix.length);
  const segments = pathSegments(path);
  const [first, second, third, fourth, fifth] = segments;
  const n = segments.length;
  if (first === 'admin' && second === 'apiKeys' && n === 2) {
    return { name: 'globalApiKeys', template: '/admin/apiKeys', prefix, path, target: 'globalApiKeys', store: 'v2' };
  }
  if (first === 'orgs' && n === 1) return { name: 'orgs', template: '/orgs', prefix, path, target: 'orgs', store: 'v2' };
  const id = decodeSegment(second);
  if (third === 'events' && n === 3 && id !== undefined && (first === 'orgs' || first === 'groups')) {
    const org = first === 'orgs';
    const route: Route = { name: org ? 'v1OrgEvents' : 'v1GroupEvents', template: org ? '/orgs/{ORG-ID}/events' : '/groups/{PROJECT-ID}/events', prefix, path, param: id, store: 'v2' };
    return eventsRoute(route, id);
  }
  if (first === 'groups' && third === 'apiKeys' && n === 3 && id !== undefined) {
    return { name: 'groupApiKeys', template: '/groups/{PROJECT-ID}/apiKeys', prefix, path, param: id, target: id, store: 'v2' };
  }
  if (first === 'orgs' && third === 'groups' && n === 3 && id !== undefined) {
    return { name: 'orgGroups', template: '/orgs/{ORG-ID}/groups', prefix, path, param: id, target: id, store: 'v2' };
  }
  if (first !== 'orgs' || third !== 'apiKeys' || id === undefined) return undefined;
  if (n === 3) return { name: 'v1OrgApiKeys', template: '/orgs/{ORG-ID}/apiKeys', prefix, path, param: id, target: id, store: 'v2' };
  const keyId = decodeSegment(fourth);
  if (n === 5 && fifth === 'accessList' && keyId !== undefined) {
    return { name: 'v1OrgApiKeyAccessList', template: '/orgs/{ORG-ID}/apiKeys/{API-KEY-ID}/accessList', prefix, path, param: id, target: keyId, keyId, store: 'v2' };
  }
  return undefined;
}
