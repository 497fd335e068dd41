/** Cloud Manager v1.0 projects and their agent API keys: `GET /groups`, `GET /groups/{PROJECT-ID}/agentapikeys`. */
import type { SimProject } from '../dataset/index.js';
import { pageOf, parsePaging } from '../paging.js';
import { groupErrors, jsonReply, notAuthorized, type Reply } from '../responses.js';
import type { Route, RouteContext } from './index.js';
import { decodeSegment, OBJECT_ID } from './path.js';

export type ProjectRouteName = 'groups' | 'agentKeys';

/** The projects' route of `segments` (below a v1.0 root); undefined when none is. */
export function matchProjectRoute(prefix: string, path: string, segments: readonly string[]): Route | undefined {
  const [first, second, third] = segments;
  if (first !== 'groups') return undefined;
  if (segments.length === 1) return { name: 'groups', template: '/groups', prefix, path, target: 'groups', store: 'credentials' };
  if (segments.length !== 3 || third !== 'agentapikeys') return undefined;
  const id = decodeSegment(second);
  return id === undefined ? undefined : { name: 'agentKeys', template: '/groups/{PROJECT-ID}/agentapikeys', prefix, path, param: id, target: id, store: 'credentials' };
}

/** Answers a projects' route. */
export function handleProjectRoute(route: Route, ctx: RouteContext): Reply {
  const pretty = ctx.query.get('pretty') === 'true';
  const apiBase = ctx.origin + route.prefix;
  const { principal } = ctx;
  if (route.name === 'groups') {
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
  const id = route.param ?? '';
  if (!OBJECT_ID.test(id)) return groupErrors.invalid(id);
  const project = ctx.view.projectsById.get(id);
  if (project === undefined) return groupErrors.notFound(id);
  if (principal.kind !== 'credential' || !ctx.view.holds(principal.credential, id)) return groupErrors.notInGroup(id);
  return jsonReply(project.agentKeys, { pretty });
}

/** The time in an ObjectId's leading timestamp: a stable stand-in when a project has no `created`. */
function createdFromId(id: string): string {
  const seconds = parseInt(id.slice(0, 8), 16);
  return new Date((Number.isFinite(seconds) ? seconds : 0) * 1000).toISOString().slice(0, 19) + 'Z';
}

/** A project as `GET /groups` (and `GET /orgs/{orgId}/groups`) lists it. */
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
