import type { Dataset, SimCredential, SimProject, SimUser } from './dataset.js';
import { LiveIndex } from './live-index.js';
import { pageOf, parsePaging } from './paging.js';
import { errorReply, jsonReply, statusReply, type Reply } from './responses.js';

/** The API roots every route is served under. */
export const API_PREFIXES = { atlas: '/api/atlas/v1.0', public: '/api/public/v1.0' } as const;

/** Which credentials a route accepts: personal keys (`username:apiKey`) or programmatic keys (`publicKey:privateKey`). */
export type CredentialStore = 'users' | 'credentials' | 'any';

/** A request path matched against the API. */
export interface Route {
  name: 'userByName' | 'userKeys' | 'groups' | 'agentKeys' | 'unmatched';
  /** The route template, the key of `stats.byRoute`. */
  template: string;
  /** The API root the path was under ('' when neither). */
  prefix: string;
  /** The raw path after the prefix. */
  path: string;
  /** The path parameter (user name, user id or project id), decoded. */
  param?: string;
  /** The fault target: user id, project id, `byName:<username>` or `groups`. */
  target?: string;
  store: CredentialStore;
}

/** Who a request authenticated as. */
export type Principal = { kind: 'user'; user: SimUser } | { kind: 'credential'; credential: SimCredential };

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

/** Matches a request path (without query) against the four routes, under either API root. */
export function matchRoute(pathname: string): Route {
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
  readonly #holdings = new WeakMap<SimCredential, LiveIndex<string>>();

  constructor(dataset: () => Dataset) {
    this.#dataset = dataset;
    this.usersByName = new LiveIndex(() => this.#dataset().users, (user) => user.username);
    this.projectsById = new LiveIndex(() => this.#dataset().projects, (project) => project.id);
    this.credentialsByPublicKey = new LiveIndex(() => this.#dataset().credentials, (credential) => credential.publicKey);
  }

  /** The principal a digest username names in a credential store. */
  principal(store: CredentialStore, username: string): Principal | undefined {
    if (store !== 'credentials') {
      const user = this.usersByName.get(username);
      if (user !== undefined) return { kind: 'user', user };
    }
    if (store !== 'users') {
      const credential = this.credentialsByPublicKey.get(username);
      if (credential !== undefined) return { kind: 'credential', credential };
    }
    return undefined;
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

/** The secret a principal authenticates with. */
export function secretOf(principal: Principal): string {
  return principal.kind === 'user' ? principal.user.apiKey : principal.credential.privateKey;
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
  }
}

/** The time in an ObjectId's leading timestamp: a stable stand-in when a project has no `created`. */
function createdFromId(id: string): string {
  const seconds = parseInt(id.slice(0, 8), 16);
  return new Date((Number.isFinite(seconds) ? seconds : 0) * 1000).toISOString().slice(0, 19) + 'Z';
}

function groupDocument(project: SimProject, apiBase: string): Record<string, unknown> {
  return {
    id: project.id,
    name: project.name,
    orgId: project.orgId,
    clusterCount: project.clusterCount ?? 0,
    created: project.created ?? createdFromId(project.id),
    links: [{ rel: 'self', href: `${apiBase}/groups/${project.id}` }],
  };
}
