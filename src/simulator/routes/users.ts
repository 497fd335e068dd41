/** Atlas v1.0 users and their personal API keys: `GET /users/byName/{USER-NAME}`, `GET /users/{USER-ID}/keys`. */
import { pageOf, parsePaging } from '../paging.js';
import { errorReply, jsonReply, notAuthorized, type Reply } from '../responses.js';
import type { Route, RouteContext } from './index.js';
import { decodeSegment } from './path.js';

export type UserRouteName = 'userByName' | 'userKeys';

/** The users' route of `segments` (below a v1.0 root); undefined when none is. */
export function matchUserRoute(prefix: string, path: string, segments: readonly string[]): Route | undefined {
  const [first, second, third] = segments;
  if (first !== 'users' || segments.length !== 3) return undefined;
  if (second === 'byName') {
    const name = decodeSegment(third);
    return name === undefined ? undefined : { name: 'userByName', template: '/users/byName/{USER-NAME}', prefix, path, param: name, target: `byName:${name}`, store: 'users' };
  }
  if (third === 'keys') {
    const id = decodeSegment(second);
    return id === undefined ? undefined : { name: 'userKeys', template: '/users/{USER-ID}/keys', prefix, path, param: id, target: id, store: 'users' };
  }
  return undefined;
}

/** Answers a users' route. */
export function handleUserRoute(route: Route, ctx: RouteContext): Reply {
  const pretty = ctx.query.get('pretty') === 'true';
  const apiBase = ctx.origin + route.prefix;
  const { principal } = ctx;
  if (route.name === 'userByName') {
    const name = route.param ?? '';
    const user = ctx.view.usersByName.get(name);
    if (user === undefined) return errorReply(404, 'USERNAME_NOT_FOUND', `No user with username ${name} exists.`, [name]);
    if (principal.kind !== 'user' || principal.user !== user) return notAuthorized(401);
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
  if (principal.kind !== 'user' || principal.user.id !== route.param) return notAuthorized();
  const paging = parsePaging(ctx.query);
  if ('status' in paging) return paging;
  return jsonReply(pageOf(principal.user.keys, paging, apiBase + route.path), { pretty });
}
