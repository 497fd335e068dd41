/**
 * The routes, one module per API: Atlas v1.0 users (./users.ts), Cloud Manager v1.0 projects
 * (./projects.ts), and the organisation resources (./organizations.ts) of the Atlas Admin API v2
 * (./admin-api-v2.ts) and of Ops Manager v1.0 (./ops-manager.ts), with their event trails
 * (./events.ts). The users' and projects' routes answer under both v1.0 roots. The OAuth token endpoints are matched here and answered by the server.
 */
import type { CredentialStore, DatasetView, Principal } from '../dataset-view.js';
import { statusReply, type Reply } from '../responses.js';
import { matchAdminApiV2Route } from './admin-api-v2.js';
import { handleEventsRoute, type EventRouteName } from './events.js';
import { matchOpsManagerRoute } from './ops-manager.js';
import { handleOrganizationRoute, type OrganizationRouteName } from './organizations.js';
import { API_PREFIXES, pathSegments } from './path.js';
import { handleProjectRoute, matchProjectRoute, type ProjectRouteName } from './projects.js';
import { handleUserRoute, matchUserRoute, type UserRouteName } from './users.js';

export { API_PREFIXES } from './path.js';

/** A request path matched against the API. */
export interface Route {
  name: UserRouteName | ProjectRouteName | OrganizationRouteName | EventRouteName | 'oauthToken' | 'oauthRevoke' | 'unmatched';
  /** The route template, the key of `stats.byRoute`. */
  template: string;
  /** The API root the path was under ('' when neither). */
  prefix: string;
  /** The raw path after the prefix. */
  path: string;
  /** The path parameter (user name, user id, project id or organization id), decoded. */
  param?: string;
  /** The fault target: user id, project id, `byName:<username>`, `groups`, or those of `FaultTable` for the organisation routes. */
  target?: string;
  /** The fault target tried when `target` has no fault (an events route: its organisation or project id). */
  scopeTarget?: string;
  store: CredentialStore;
  /** The API key id (or service account client id) of an access list route. */
  keyId?: string;
  /** `v2`: an Atlas Admin API v2 route (versioned media type, bearer tokens, rate-limit headers); `oauth`: the token endpoints. */
  api?: 'v2' | 'oauth';
  /** The resource versions (`application/vnd.atlas.{version}+json`) a v2 route serves. */
  versions?: readonly string[];
}

/** What a route handler needs besides the route. */
export interface RouteContext {
  view: DatasetView;
  principal: Principal;
  query: URLSearchParams;
  /** `http://host` as the client addressed the server. */
  origin: string;
}

/** A path under `prefix` that no route serves: 404 to anyone who authenticates. */
export function unmatched(prefix: string, path: string): Route {
  return { name: 'unmatched', template: 'unmatched', prefix, path, store: 'any' };
}

function matchOAuthRoute(pathname: string): Route | undefined {
  if (pathname !== `${API_PREFIXES.oauth}/token` && pathname !== `${API_PREFIXES.oauth}/revoke`) return undefined;
  const token = pathname.endsWith('/token');
  return {
    name: token ? 'oauthToken' : 'oauthRevoke',
    template: pathname,
    prefix: API_PREFIXES.oauth,
    path: pathname.slice(API_PREFIXES.oauth.length),
    target: token ? 'token' : 'revoke',
    store: 'any',
    api: 'oauth',
  };
}

/** The users' and projects' routes, under either v1.0 root. */
function matchV1Route(pathname: string): Route | undefined {
  const prefix = pathname.startsWith(API_PREFIXES.atlas + '/')
    ? API_PREFIXES.atlas
    : pathname.startsWith(API_PREFIXES.public + '/')
      ? API_PREFIXES.public
      : undefined;
  if (prefix === undefined) return undefined;
  const path = pathname.slice(prefix.length);
  const segments = pathSegments(path);
  return matchUserRoute(prefix, path, segments) ?? matchProjectRoute(prefix, path, segments) ?? unmatched(prefix, path);
}

/** Matches a request path (without query) against the routes, under every API root. */
export function matchRoute(pathname: string): Route {
  return matchOAuthRoute(pathname) ?? matchAdminApiV2Route(pathname) ?? matchOpsManagerRoute(pathname) ?? matchV1Route(pathname) ?? unmatched('', pathname);
}

/** Answers an authenticated GET of a matched route (the OAuth endpoints take a POST, answered by the server). */
export function handleRoute(route: Route, ctx: RouteContext): Reply {
  switch (route.name) {
    case 'userByName':
    case 'userKeys':
      return handleUserRoute(route, ctx);
    case 'groups':
    case 'agentKeys':
      return handleProjectRoute(route, ctx);
    case 'orgEvents':
    case 'groupEvents':
    case 'v1OrgEvents':
    case 'v1GroupEvents':
      return handleEventsRoute(route, ctx);
    case 'unmatched':
      return statusReply(404);
    case 'oauthToken':
    case 'oauthRevoke':
      return statusReply(405);
    default:
      return handleOrganizationRoute(route, ctx);
  }
}
