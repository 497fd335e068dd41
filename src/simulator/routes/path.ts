/** The API roots every route is served under. */
export const API_PREFIXES = { atlas: '/api/atlas/v1.0', public: '/api/public/v1.0', atlasV2: '/api/atlas/v2', oauth: '/api/oauth' } as const;

/** A 24-hex-digit ObjectId: the form of every organisation, project and key id. */
export const OBJECT_ID = /^[0-9a-f]{24}$/;

/** A path segment, percent-decoded; undefined when absent, empty or not decodable. */
export function decodeSegment(segment: string | undefined): string | undefined {
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The segments of a path below an API root (`/groups/abc/` → `['groups', 'abc']`); one trailing slash is ignored. */
export function pathSegments(path: string): string[] {
  return (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/').slice(1);
}
