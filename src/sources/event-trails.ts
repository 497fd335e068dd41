import type { Credential } from '../atlas/credential.js';
import { failureOf } from '../errors/failure.js';
import { EVENT_TYPES, EVENTS_OVERLAP_MS, type EventTrail } from '../model/event.js';
import { eventWindow, mergeEvents, NO_EVENTS, parseEvents } from './events.js';
import type { OrganizationDirectory } from './organizations.js';
import type { SourceContext } from './source.js';

/** One trail: an organisation's own events, or one project's. */
export interface TrailRef {
  readonly orgId: string;
  readonly projectId?: string;
}

/** The query of every events request: the known types (a repeated `eventType`), from `minDate`. */
const TYPE_FILTER = EVENT_TYPES.map((type) => `eventType=${type}`).join('&');

/**
 * The event trails of one `organizations:` entry (`events: true`): `GET /orgs/{orgId}/events`
 * for each organisation of its directory and, with includeProjects, `GET /groups/{groupId}/events`
 * for each project, over the Admin API v2 or Cloud/Ops Manager's v1.0 (the same paths under its
 * base URL). A failed read fails only its trail, which keeps its last events.
 */
export class EventTrailSource {
  readonly credential: Credential;
  readonly #directory: OrganizationDirectory;

  constructor(directory: OrganizationDirectory) {
    this.#directory = directory;
    this.credential = directory.credential;
  }

  /** This cycle's trails: the directory's organisations and projects. */
  async listTrails(context: SourceContext): Promise<TrailRef[]> {
    const { orgs, projects } = await this.#directory.list(context);
    return [...orgs.map((org) => ({ orgId: org.id })), ...projects.flatMap((project) => (project.orgId === undefined ? [] : [{ orgId: project.orgId, projectId: project.id }]))];
  }

  /**
   * Reads the events of one trail since `eventWindow`, and merges them into the last read's.
   * Never throws but for an abort: a failure is the trail's `lastFailure`.
   */
  async readTrail(ref: TrailRef, previous: EventTrail | undefined, context: SourceContext, nowMs: number): Promise<EventTrail> {
    const { client, signal, log } = context;
    const lookbackMs = this.#directory.entry.eventsLookbackMs;
    const { minDate } = eventWindow(previous, nowMs, lookbackMs, EVENTS_OVERLAP_MS);
    const base = ref.projectId === undefined ? `/orgs/${encodeURIComponent(ref.orgId)}` : `/groups/${encodeURIComponent(ref.projectId)}`;
    const path = `${base}/events?${TYPE_FILTER}&minDate=${encodeURIComponent(new Date(minDate).toISOString())}`;
    const identity = { orgId: ref.orgId, ...(ref.projectId !== undefined ? { projectId: ref.projectId } : {}), credentialId: this.credential.id };
    try {
      const items = await client.getAllPages(this.credential, path, signal, this.#directory.requestOptions);
      const { events, invalid } = parseEvents(items);
      if (invalid.length > 0) {
        log.warn({ credential: this.credential.id, url: `${this.credential.baseUrl}${base}/events`, skipped: invalid.length, first: invalid[0] }, 'events that do not read as events are skipped');
      }
      return { ...identity, up: true, ...mergeEvents(previous ?? NO_EVENTS, events, nowMs - lookbackMs) };
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = failureOf(error);
      log.warn({ credential: this.credential.id, org: ref.orgId, ...(ref.projectId !== undefined ? { project: ref.projectId } : {}), ...failure }, 'events not read; the trail keeps its last events');
      // The same trail's last read (same identity), or none: every field of its events carries over.
      return { ...(previous ?? NO_EVENTS), ...identity, up: false, lastFailure: failure };
    }
  }
}

/** One trail source per `organizations:` entry that reads events. */
export function trailSourcesFrom(directories: readonly OrganizationDirectory[]): EventTrailSource[] {
  return directories.filter((directory) => directory.entry.events).map((directory) => new EventTrailSource(directory));
}
