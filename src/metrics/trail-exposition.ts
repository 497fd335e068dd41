import { EVENT_TYPES, type EventTrail } from '../model/event.js';
import { LABELS, TRAIL_FAMILIES, type Family } from './contract.js';
import { escapeLabelValue, familyHeader } from './key-exposition.js';

/** The trail families of a snapshot as exposition text: a few series per organisation and project. */
export interface TrailExpositionBytes {
  readonly chunks: readonly Buffer[];
  readonly series: number;
}

const seconds = (ms: number): string => String(ms / 1000);

/** `org_id="…",project_id="…"`; the organisation's own trail has no project_id. */
function trailInner(trail: EventTrail): string {
  const project = trail.projectId === undefined || trail.projectId === '' ? '' : `,${LABELS.projectId}="${escapeLabelValue(trail.projectId)}"`;
  return `${LABELS.orgId}="${escapeLabelValue(trail.orgId)}"${project}`;
}

/** Renders `events_up`, `event_last_timestamp_seconds` and `event_any_address_added_timestamp_seconds` of every trail. */
export function buildTrailExpositionBytes(trails: readonly EventTrail[]): TrailExpositionBytes {
  const lines = new Map<Family, string[]>(Object.values(TRAIL_FAMILIES).map((family) => [family, []]));
  const add = (family: Family, line: string): number => lines.get(family)!.push(line);
  for (const trail of trails) {
    const inner = trailInner(trail);
    add(TRAIL_FAMILIES.up, `${TRAIL_FAMILIES.up.name}{${inner}} ${trail.up ? 1 : 0}\n`);
    for (const type of EVENT_TYPES) {
      const newest = trail.newest[type];
      if (newest !== undefined) add(TRAIL_FAMILIES.eventLast, `${TRAIL_FAMILIES.eventLast.name}{${inner},${LABELS.eventType}="${type}"} ${seconds(newest)}\n`);
    }
    if (trail.anyAddressAddedAt !== undefined) add(TRAIL_FAMILIES.anyAddressAdded, `${TRAIL_FAMILIES.anyAddressAdded.name}{${inner}} ${seconds(trail.anyAddressAddedAt)}\n`);
  }
  const chunks: Buffer[] = [];
  let series = 0;
  for (const [family, familyLines] of lines) {
    if (familyLines.length === 0) continue;
    chunks.push(Buffer.from(familyHeader(family) + familyLines.join(''), 'utf8'));
    series += familyLines.length;
  }
  return { chunks, series };
}
