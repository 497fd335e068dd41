import type { Dataset, SimCredential, SimOrg, SimOrgCredential, SimProject, SimUser } from './dataset/index.js';
import { LiveIndex } from './live-index.js';
import { pageOf, parsePaging } from './paging.js';
import { errorReply, jsonReply, statusReply, type Reply } from './responses.js';
import { handleMoreRoute, matchMoreRoute, type MoreRouteName } from './routes-v2.js';

/** The API roots every route is served under. */
export const API_PREFIXES = { atlas: '/api/atlas/v1.0', public: '/api/public/v1.0', atlasV2: '/api/atlas/v2', oauth: '/api/oauth' } as const;

/**
 * Which credentials a route accepts: personal keys (`username:apiKey`), Cloud Manager programmatic
 * keys (`publicKey:privateKey`), or (`v2`) any programmatic key: the Cloud Manager ones and the
 * digest organization credentials.
 */
export type CredentialStore = 'users' | 'credentials' | 'any' | 'v2';

/** A request path matched against the API. */
export interface Route {
  name: 'userByName' | 'userKeys' | 'groups' | 'agentKeys' | 'unmatched' | MoreRouteName;
  /** The route template, the key of `stats.byRoute`. */
  template: string;
  /** The API root the path was under ('' when neither). */
  prefix: string;
  /** The raw path after the prefix. */
  path: string;
  /** The path parameter (user name, user id or project id), decoded. */
  param?: string;
  /** The fault target: user id, project id, `byName:<username>` or `groups` (see `FaultTable` for the new routes). */
  target?: string;
  store: CredentialStore;
  /** The API key id of an access list route. */
  keyId?: string;
  /** `v2`: an Atlas Admin API v2 route (versioned media type, bearer tokens, rate-limit headers); `oauth`: the token endpoints. */
  api?: 'v2' | 'oauth';
  /** The resource versions (`application/vnd.atlas.{version}+json`) a v2 route serves. */
  versions?: readonly string[];
}

/** Who a request authenticated as. */
export type Principal =
  | { kind: 'user'; user: SimUser }
  | { kind: 'credential'; credential: SimCredential }
  | { kind: 'org'; credential: SimOrgCredential; via: 'digest' | 'bearer' };

const UNMATCHED = 'unmatched';
const OBJECT_ID = /^[0-9a-f]{24}$/;

function unmatched(prefix: string, path: string): Route {
  return { name: 'unmatched', template: UNMATCHED, prefix, path, store: 'any' };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Matches a request path (without query) against the routes, under every API root. */
export function matchRoute(pathname: string): Route {
  const more = matchMoreRoute(pathname);
  if (more !== undefined) return more;
  const prefix = pathname.startsWith(API_PREFIXES.atlas + '/')
    ? API_PREFIXES.atlas
    : pathname.startsWith(API_PREFIXES.public + '/')
      ? API_PREFIXES.public
      : undefined;
  if (prefix === undefined) return unmatched('', pathname);
  const path = pathname.slice(prefix.length);
  const segments = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  const [, first, second, third] = segments;
  if (first === 'users' && segments.length === 4 && second === 'byName' && third !== undefined && third !== '') {
    const name = decode(third);
    if (name === undefined) return unmatched(prefix, path);
    return { name: 'userByName', template: '/users/byName/{USER-NAME}', prefix, path, param: name, target: `byName:${name}`, store: 'users' };
  }
  if (first === 'users' && segments.length === 4 && third === 'keys' && second !== undefined && second !== '') {
    const id = decode(second);
    if (id === undefined) return unmatched(prefix, path);
    return { name: 'userKeys', template: '/users/{USER-ID}/keys', prefix, path, param: id, target: id, store: 'users' };
  }
  if (first === 'groups' && segments.length === 2) {
    return { name: 'groups', template: '/groups', prefix, path, target: 'groups', store: 'credentials' };
  }
  if (first === 'groups' && segments.length === 4 && third === 'agentapikeys' && second !== undefined && second !== '') {
    const id = decode(second);
    if (id === undefined) return unmatched(prefix, path);
    return { name: 'agentKeys', template: '/groups/{PROJECT-ID}/agentapikeys', prefix, path, param: id, target: id, store: 'credentials' };
  }
  return unmatched(prefix, path);
}

/** O(1) lookups into a live {@link Dataset} that tests may change between requests. */
export class DatasetView {
  readonly #dataset: () => Dataset;
  readonly usersByName: LiveIndex<SimUser>;
  readonly projectsById: LiveIndex<SimProject>;
  readonly credentialsByPublicKey: LiveIndex<SimCredential>;
  readonly orgsById: LiveIndex<SimOrg>;
  /** Digest credentials by public key, OAuth credentials by `oauth:<clientId>`. */
  readonly orgCredentials: LiveIndex<SimOrgCredential>;
  readonly #holdings = new WeakMap<SimCredential, LiveIndex<string>>();

  constructor(dataset: () => Dataset) {
    this.#dataset = dataset;
    this.usersByName = new LiveIndex(() => this.#dataset().users, (user) => user.username);
    this.projectsById = new LiveIndex(() => this.#dataset().projects, (project) => project.id);
    this.credentialsByPublicKey = new LiveIndex(() => this.#dataset().credentials, (credential) => credential.publicKey);
    this.orgsById = new LiveIndex(() => this.#dataset().orgs ?? NONE, (org) => org.id);
    this.orgCredentials = new LiveIndex(
      () => this.#dataset().orgCredentials ?? NONE,
      (credential) => (credential.kind === 'digest' ? credential.publicKey : `oauth:${credential.clientId}`),
    );
  }

  /** The live data set. */
  get dataset(): Dataset {
    return this.#dataset();
  }

  /** The principal a digest username names in a credential store. */
  principal(store: CredentialStore, username: string): Principal | undefined {
    if (store !== 'credentials' && store !== 'v2') {
      const user = this.usersByName.get(username);
      if (user !== undefined) return { kind: 'user', user };
    }
    if (store !== 'users') {
      const credential = this.credentialsByPublicKey.get(username);
      if (credential !== undefined) return { kind: 'credential', credential };
    }
    if ((store === 'v2' || store === 'any') && !username.startsWith('oauth:')) {
      const credential = this.orgCredentials.get(username);
      if (credential !== undefined && credential.kind === 'digest') return { kind: 'org', credential, via: 'digest' };
    }
    return undefined;
  }

  /** The OAuth credential of a service account client id. */
  oauthClient(clientId: string): Extract<SimOrgCredential, { kind: 'oauth' }> | undefined {
    const credential = this.orgCredentials.get(`oauth:${clientId}`);
    return credential?.kind === 'oauth' ? credential : undefined;
  }

  /** Whether a credential has Project Read Only on a project. */
  holds(credential: SimCredential, projectId: string): boolean {
    let index = this.#holdings.get(credential);
    if (index === undefined) {
      index = new LiveIndex(() => credential.projectIds, (id) => id);
      this.#holdings.set(credential, index);
    }
    return index.has(projectId);
  }
}

const NONE: never[] = [];

/** The secret a principal authenticates with (by digest; an OAuth principal has none here). */
export function secretOf(principal: Principal): string {
  if (principal.kind === 'user') return principal.user.apiKey;
  if (principal.kind === 'credential') return principal.credential.privateKey;
  return principal.credential.kind === 'digest' ? principal.credential.privateKey : '';
}

/** What a route handler needs besides the route. */
export interface RouteContext {
  view: DatasetView;
  principal: Principal;
  query: URLSearchParams;
  /** `http://host` as the client addressed the server. */
  origin: string;
}

const notAuthorized = (): Reply =>
  errorReply(403, 'USER_UNAUTHORIZED', 'Current user is not authorized to perform this action.');

/** Answers an authenticated GET of a matched route. */
export function handleRoute(route: Route, ctx: RouteContext): Reply {
  const pretty = ctx.query.get('pretty') === 'true';
  const apiBase = ctx.origin + route.prefix;
  const { principal } = ctx;
  switch (route.name) {
    case 'userByName': {
      const name = route.param ?? '';
      const user = ctx.view.usersByName.get(name);
      if (user === undefined) return errorReply(404, 'USERNAME_NOT_FOUND', `No user with username ${name} exists.`, [name]);
      if (principal.kind !== 'user' || principal.user !== user) {
        return errorReply(401, 'USER_UNAUTHORIZED', 'Current user is not authorized to perform this action.');
      }
      return jsonReply(
        {
          id: user.id,
          username: user.username,
          emailAddress: user.username,
          firstName: user.firstName,
          lastName: user.lastName,
          links: [{ rel: 'self', href: `${apiBase}/users/${user.id}` }],
        },
        { pretty },
      );
    }
    case 'userKeys': {
      if (principal.kind !== 'user' || principal.user.id !== route.param) return notAuthorized();
      const paging = parsePaging(ctx.query);
      if ('status' in paging) return paging;
      return jsonReply(pageOf(principal.user.keys, paging, apiBase + route.path), { pretty });
    }
    case 'groups': {
      if (principal.kind !== 'credential') return notAuthorized();
      const paging = parsePaging(ctx.query);
      if ('status' in paging) return paging;
      const projects: SimProject[] = [];
      for (const id of principal.credential.projectIds) {
        const project = ctx.view.projectsById.get(id);
        if (project !== undefined) projects.push(project);
      }
      const page = pageOf(projects, paging, apiBase + route.path);
      return jsonReply({ ...page, results: page.results.map((project) => groupDocument(project, apiBase)) }, { pretty });
    }
    case 'agentKeys': {
      const id = route.param ?? '';
      if (!OBJECT_ID.test(id)) return errorReply(404, 'INVALID_GROUP_ID', `An invalid group ID ${id} was specified.`, [id]);
      const project = ctx.view.projectsById.get(id);
      if (project === undefined) return errorReply(404, 'GROUP_NOT_FOUND', `No group with ID ${id} exists.`, [id]);
      if (principal.kind !== 'credential' || !ctx.view.holds(principal.credential, id)) {
        return errorReply(403, 'NOT_IN_GROUP', 'The current user is not in the group, or the group does not exist.', [id]);
      }
      return jsonReply(project.agentKeys, { pretty });
    }
    case 'unmatched':
      return statusReply(404);
    default:
      return handleMoreRoute(route, ctx);
  }
}

/** The time in an ObjectId's leading timestamp: a stable stand-in when a project has no `created`. */
function createdFromId(id: string): string {
  const seconds = parseInt(id.slice(0, 8), 16);
  return new Date((Number.isFinite(seconds) ? seconds : 0) * 1000).toISOString().slice(0, 19) + 'Z';
}

export function groupDocument(project: SimProject, apiBase: string): Record<string, unknown> {
  return {
    id: project.id,
    name: project.name,
    orgId: project.orgId,
    clusterCount: project.clusterCount ?? 0,
    created: project.created ?? createdFromId(project.id),
    links: [{ rel: 'self', href: `${apiBase}/groups/${project.id}` }],
  };
}
