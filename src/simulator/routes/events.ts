/**
 * The event trails: `GET /orgs/{orgId}/events` and `GET /groups/{groupId}/events` of the Atlas Admin
 * API v2 (listOrgEvents, listGroupEvents; 2023-01-01; Organization Member, Project Read Only) and
 * their Cloud/Ops Manager v1.0 equivalents under `/api/public/v1.0` (the Go clients' `Event`: the
 * same fields, as `application/json`).
 *
 * - `eventType` is an array parameter with the document's default serialisation (form, exploded):
 *   repeated, `eventType=A&eventType=B`. A value that is not an event type name (a comma list
 *   among them) answers 400 `INVALID_ENUM_VALUE`; a well-formed name the trail does not hold
 *   matches nothing ("the complete list of event type values changes frequently").
 * - `excludedEventType` (listGroupEvents only) drops types the same way.
 * - `minDate`, `maxDate`: ISO 8601 (a date, or a date and time; UTC without an offset), both
 *   inclusive; anything else answers 400 `INVALID_QUERY_PARAMETER`.
 * - `includeRaw=true` adds each event's `raw` document.
 * - newest first: the document does not say; the v1.0 Go client's list example is newest first.
 * - paged like every list (`pageNum`, `itemsPerPage`, `includeCount`); the page links repeat the
 *   other parameters.
 */
import { chronological, type SimEvent } from '../dataset/events.js';
import type { SimOrg, SimProject } from '../dataset/index.js';
import { errorReply, type Reply } from '../responses.js';
import type { Route, RouteContext } from './index.js';
import { pagedReply, readableOrg, readableProject } from './organizations.js';

export type EventRouteName = 'orgEvents' | 'groupEvents' | 'v1OrgEvents' | 'v1GroupEvents';

/** An events route of a scope: its faults are those of `events:<id>`, else those of the organisation or project. */
export function eventsRoute(route: Route, scopeId: string): Route {
  return { ...route, target: `events:${scopeId}`, scopeTarget: scopeId };
}

const EVENT_TYPE_NAME = /^[A-Z][A-Z0-9_]*$/;
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO 8601 date or date-time as Unix ms (UTC without an offset); undefined when it is not one (`2024-02-30` included). */
export function parseIsoDate(text: string): number | undefined {
  const match = ISO_8601.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, time, fraction, zone] = match;
  const offset = zone === undefined || zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${year}-${month}-${day}T${time ?? '00:00'}${fraction === undefined ? '' : `.${fraction.slice(0, 3)}`}${offset}`);
  // Date.parse rolls 2024-02-30 over to March: the calendar date must survive the round trip.
  const civil = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const calendar = civil.getUTCFullYear() === Number(year) && civil.getUTCMonth() === Number(month) - 1 && civil.getUTCDate() === Number(day);
  return calendar && Number.isFinite(ms) ? ms : undefined;
}

function invalidParameter(name: string): Reply {
  return errorReply(400, 'INVALID_QUERY_PARAMETER', `Invalid query parameter ${name} specified.`, [name]);
}

/** The event types of a repeated parameter, or the 400 of a value that is not one. */
function eventTypes(query: URLSearchParams, name: string): Set<string> | Reply {
  const values = query.getAll(name);
  for (const value of values) {
    if (!EVENT_TYPE_NAME.test(value)) return errorReply(400, 'INVALID_ENUM_VALUE', `An invalid enumeration value ${value} was specified.`, [value]);
  }
  return new Set(values);
}

function dateBound(query: URLSearchParams, name: string): number | undefined | Reply {
  const text = query.get(name);
  if (text === null) return undefined;
  return parseIsoDate(text) ?? invalidParameter(name);
}

/** What an events listing asks for, or the 400 of a bad parameter. */
interface EventQuery {
  types: Set<string>;
  excluded: Set<string>;
  min: number | undefined;
  max: number | undefined;
  includeRaw: boolean;
}

function parseEventQuery(query: URLSearchParams, project: boolean): EventQuery | Reply {
  const types = eventTypes(query, 'eventType');
  if (!(types instanceof Set)) return types;
  const excluded = project ? eventTypes(query, 'excludedEventType') : new Set<string>();
  if (!(excluded instanceof Set)) return excluded;
  const min = dateBound(query, 'minDate');
  if (typeof min === 'object') return min;
  const max = dateBound(query, 'maxDate');
  if (typeof max === 'object') return max;
  const raw = query.get('includeRaw');
  if (raw !== null && raw !== 'true' && raw !== 'false') return invalidParameter('includeRaw');
  return { types, excluded, min, max, includeRaw: raw === 'true' };
}

/** The events of a trail a query selects, newest first. */
export function selectEvents(trail: readonly SimEvent[], query: EventQuery): SimEvent[] {
  const selected = trail.filter((event) => {
    if (query.types.size > 0 && !query.types.has(event.eventTypeName)) return false;
    if (query.excluded.has(event.eventTypeName)) return false;
    if (query.min === undefined && query.max === undefined) return true;
    const at = Date.parse(event.created);
    return (query.min === undefined || at >= query.min) && (query.max === undefined || at <= query.max);
  });
  return selected.sort((a, b) => chronological(b, a));
}

/** The audit class of the raw document; not in the document, which shows only `ALERT_AUDIT`. */
function auditClass(type: string): string {
  if (type.startsWith('API_KEY_')) return 'API_USER_AUDIT';
  if (type.startsWith('SERVICE_ACCOUNT_')) return 'SERVICE_ACCOUNT_AUDIT';
  if (type.startsWith('GROUP_') || type.startsWith('JOINED_')) return 'GROUP_AUDIT';
  if (type.startsWith('CLUSTER_')) return 'CLUSTER_AUDIT';
  return 'ORG_AUDIT';
}

function rawDocument(event: SimEvent, org: SimOrg, project: SimProject | undefined): Record<string, unknown> {
  const description = event.eventTypeName.toLowerCase().replaceAll('_', ' ');
  return {
    _t: auditClass(event.eventTypeName),
    ...(event.groupId === undefined ? {} : { cid: event.groupId }),
    cre: event.created,
    description: description.charAt(0).toUpperCase() + description.slice(1),
    ...(project === undefined ? {} : { gn: project.name }),
    id: event.id,
    orgId: event.orgId,
    orgName: org.name,
    severity: 'INFO',
  };
}

/** An event as the API lists it, fields in alphabetical order as the vendor prints them. */
function eventDocument(event: SimEvent, self: string, raw: Record<string, unknown> | undefined): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (event.apiKeyId !== undefined) doc['apiKeyId'] = event.apiKeyId;
  doc['created'] = event.created;
  doc['eventTypeName'] = event.eventTypeName;
  if (event.groupId !== undefined) doc['groupId'] = event.groupId;
  doc['id'] = event.id;
  doc['isGlobalAdmin'] = event.isGlobalAdmin;
  doc['links'] = [{ href: `${self}/${event.id}`, rel: 'self' }];
  doc['orgId'] = event.orgId;
  if (event.publicKey !== undefined) doc['publicKey'] = event.publicKey;
  if (raw !== undefined) doc['raw'] = raw;
  if (event.remoteAddress !== undefined) doc['remoteAddress'] = event.remoteAddress;
  if (event.targetPublicKey !== undefined) doc['targetPublicKey'] = event.targetPublicKey;
  if (event.targetUsername !== undefined) doc['targetUsername'] = event.targetUsername;
  if (event.userId !== undefined) doc['userId'] = event.userId;
  if (event.username !== undefined) doc['username'] = event.username;
  if (event.whitelistEntry !== undefined) doc['whitelistEntry'] = event.whitelistEntry;
  return doc;
}

/** Answers an events route, under either root. */
export function handleEventsRoute(route: Route, ctx: RouteContext): Reply {
  const apiBase = ctx.origin + route.prefix;
  const href = apiBase + route.path.replace(/\/$/, '');
  const projectRoute = route.name === 'groupEvents' || route.name === 'v1GroupEvents';
  let org: SimOrg;
  let project: SimProject | undefined;
  if (projectRoute) {
    const found = readableProject(ctx, route.param ?? '');
    if ('status' in found) return found;
    const owner = ctx.view.orgsById.get(found.orgId);
    // A project outside every organisation of the data set has no trail.
    if (owner === undefined) return pagedReply([], ctx.query, href);
    project = found;
    org = owner;
  } else {
    const found = readableOrg(ctx, route.param ?? '');
    if ('status' in found) return found;
    org = found;
  }
  const query = parseEventQuery(ctx.query, projectRoute);
  if ('status' in query) return query;
  const trail = ctx.view.dataset.eventTrails?.[project?.id ?? org.id] ?? [];
  const events = selectEvents(trail, query);
  // The page links keep the filters, so that following `next` reads on through the same selection.
  const kept = new URLSearchParams([...ctx.query].filter(([name]) => name !== 'pageNum' && name !== 'itemsPerPage'));
  return pagedReply(events, ctx.query, href, (event) => eventDocument(event, href, query.includeRaw ? rawDocument(event, org, project) : undefined), kept);
}
