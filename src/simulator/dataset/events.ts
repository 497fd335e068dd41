/**
 * The event trails of the organisations and their projects (`GET /orgs/{orgId}/events`,
 * `GET /groups/{groupId}/events`), matching the rest of the data set: who created each programmatic
 * key and service account, and from where; the access list entries added, roles changed, secrets
 * added; the organisation settings; and events of other types that an `eventType` filter drops.
 *
 * Shape (Atlas Admin API v2, EventViewForOrg / EventViewForNdsGroup; the v1.0 Go clients' `Event`):
 * {apiKeyId, created, eventTypeName, groupId, id, isGlobalAdmin, links, orgId, publicKey,
 * remoteAddress, targetPublicKey, targetUsername, userId, username, whitelistEntry}. The actor is
 * either a console user (`userId`, `username`) or an API key (`apiKeyId`, `publicKey`), never both.
 * No documented field names a service account or a secret: the simulator's
 * `SERVICE_ACCOUNT_SECRET_ADDED` is `created` at the secret's `createdAt` to the second, and
 * `SERVICE_ACCOUNT_CREATED` at the account's `createdAt`, in the trail of the scope the account was
 * created in, which is all a reader can match them by.
 *
 * Everything here draws from streams of its own, after the rest of the data set is made, so the
 * keys, accounts and settings are the same with or without the trails.
 */
import { documentationIp, pick, randomStream, type Random } from '../random.js';
import { derivePublicKey, ID_KINDS, IdFactory } from './ids.js';
import type { ProjectAdminApiPart, SimOrg } from './organizations.js';
import type { CloudManagerProject } from './projects.js';
import { DAY, HOUR, isoSeconds } from './time.js';
import type { SimUser } from './users.js';

/** One event as the simulator keeps it: the API document without its `links` (they name the URL it was read from). */
export interface SimEvent {
  id: string;
  /** ISO 8601 at whole seconds. */
  created: string;
  eventTypeName: string;
  orgId: string;
  /** The project of a project's event (and of a few organisation events about a project). */
  groupId?: string;
  /** The console user who triggered it. */
  userId?: string;
  username?: string;
  /** The API key that triggered it. */
  apiKeyId?: string;
  publicKey?: string;
  remoteAddress?: string;
  isGlobalAdmin: boolean;
  /** The API key the event is about. */
  targetPublicKey?: string;
  /** The user the event is about. */
  targetUsername?: string;
  /** The access list entry the event is about: its `ipAddress`, or its `cidrBlock` when it has none. */
  whitelistEntry?: string;
}

/** The trails by scope: an organisation id (its own trail) or a project id. */
export type EventTrails = Record<string, SimEvent[]>;

/** Who triggered an event. */
export type EventActor = { userId: string; username: string } | { apiKeyId: string; publicKey: string };

/** A project as the trails see it. */
type TrailProject = CloudManagerProject & ProjectAdminApiPart;

/**
 * How old the programmatic keys are, in days, a fixed cycle so a few keys show every case: several
 * created before a 90-day lookback can see them. The access list entries of a key can make it older.
 */
const KEY_AGE_DAYS: readonly number[] = [400, 45, 150, 8, 95, 20, 700, 3, 240, 60];

/** The console users who make the changes: those of the data set, or one of its own when it has none. */
export function consoleActors(seed: number, users: readonly SimUser[]): { userId: string; username: string }[] {
  if (users.length > 0) return users.map((user) => ({ userId: user.id, username: user.username }));
  // The first id of the users' stream, unused when there are no users.
  return [{ userId: new IdFactory(seed, ID_KINDS.user).next(), username: 'admin@example.com' }];
}

/** The access list entry an event names: the address of a single-address entry, the block otherwise. */
export function whitelistEntryOf(entry: Record<string, unknown>): string {
  const address = entry['ipAddress'];
  return typeof address === 'string' ? address : String(entry['cidrBlock']);
}

/** Makes the events of one data set: ids with the event's time in them, actors and addresses. */
class TrailWriter {
  readonly random: Random;
  readonly #ids: IdFactory;
  readonly trails: EventTrails = {};
  readonly users: readonly { userId: string; username: string }[];
  #actorIndex = 0;

  constructor(seed: number, users: readonly SimUser[]) {
    this.random = randomStream(seed, 'events');
    this.#ids = new IdFactory(seed, ID_KINDS.event);
    this.users = consoleActors(seed, users);
  }

  /** The next console user of the rotation. */
  user(): { userId: string; username: string } {
    return this.users[this.#actorIndex++ % this.users.length] ?? { userId: '', username: '' };
  }

  add(scope: string, event: Omit<SimEvent, 'id' | 'created' | 'isGlobalAdmin' | 'remoteAddress'> & { at: number; actor: EventActor }): void {
    const { at, actor, ...rest } = event;
    const doc: SimEvent = { id: this.#ids.at(at), created: isoSeconds(at), isGlobalAdmin: false, remoteAddress: documentationIp(this.random), ...actor, ...rest };
    (this.trails[scope] ??= []).push(doc);
  }
}

/** How many keys made so far are drawn to find one older than the next, before a console user creates it instead. */
const CREATOR_DRAWS = 3;

/** A key of the scope created before `at`, to act as another key's creator; undefined when the draws find none. */
function earlierKey(writer: TrailWriter, created: readonly { key: Record<string, unknown>; at: number }[], at: number): EventActor | undefined {
  if (created.length === 0) return undefined;
  for (let draw = 0; draw < CREATOR_DRAWS; draw++) {
    const candidate = pick(writer.random, created);
    if (candidate.at < at - HOUR) return { apiKeyId: String(candidate.key['id']), publicKey: String(candidate.key['publicKey']) };
  }
  return undefined;
}

function earliestCreated(entries: readonly Record<string, unknown>[] | undefined, field: string): number | undefined {
  let earliest: number | undefined;
  for (const entry of entries ?? []) {
    const time = Date.parse(String(entry[field]));
    if (Number.isFinite(time) && (earliest === undefined || time < earliest)) earliest = time;
  }
  return earliest;
}

/** The events of the programmatic keys of one scope (the organisation's own keys, or one project's). */
function keyEvents(writer: TrailWriter, org: SimOrg, scope: string, keys: readonly Record<string, unknown>[], now: number, position: { index: number }, groupId?: string): void {
  const created: { key: Record<string, unknown>; at: number }[] = [];
  const { random } = writer;
  for (const key of keys) {
    const index = position.index++;
    const entries = org.accessLists[String(key['id'])] ?? [];
    const ageDays = KEY_AGE_DAYS[index % KEY_AGE_DAYS.length] ?? 30;
    let at = now - ageDays * DAY * (1 + 0.1 * random());
    // A key is older than every entry of its access list.
    const firstEntry = earliestCreated(entries, 'created');
    if (firstEntry !== undefined) at = Math.min(at, firstEntry - HOUR - random() * 6 * HOUR);
    const byKey = index % 2 === 1 ? earlierKey(writer, created, at) : undefined;
    const actor = byKey ?? writer.user();
    const target = { orgId: org.id, ...(groupId === undefined ? {} : { groupId }), targetPublicKey: String(key['publicKey']) };
    writer.add(scope, { ...target, eventTypeName: 'API_KEY_CREATED', at, actor });
    created.push({ key, at });
    for (const entry of entries) {
      const entryAt = Math.max(at + 60_000, Date.parse(String(entry['created'])));
      writer.add(scope, { ...target, eventTypeName: 'API_KEY_ACCESS_LIST_ENTRY_ADDED', whitelistEntry: whitelistEntryOf(entry), at: entryAt, actor });
    }
    const roles = (key['roles'] ?? []) as Record<string, unknown>[];
    for (const role of roles) {
      if (typeof role['groupId'] === 'string' && groupId === undefined) {
        writer.add(scope, { ...target, groupId: role['groupId'], eventTypeName: 'API_KEY_ADDED_TO_GROUP', at: at + 5 * 60_000, actor });
      }
    }
    if (index % 3 === 1) {
      writer.add(scope, { ...target, eventTypeName: 'API_KEY_ROLES_CHANGED', at: at + random() * (now - at), actor: writer.user() });
    }
  }
}

/** The events of service accounts created in one scope: creation, each secret, each access list entry. */
function accountEvents(writer: TrailWriter, org: SimOrg, scope: string, accounts: readonly Record<string, unknown>[], groupId?: string): void {
  for (const account of accounts) {
    const at = Date.parse(String(account['createdAt']));
    const actor = writer.user();
    const base = { orgId: org.id, ...(groupId === undefined ? {} : { groupId }) };
    writer.add(scope, { ...base, eventTypeName: 'SERVICE_ACCOUNT_CREATED', at, actor });
    for (const secret of (account['secrets'] ?? []) as Record<string, unknown>[]) {
      writer.add(scope, { ...base, eventTypeName: 'SERVICE_ACCOUNT_SECRET_ADDED', at: Date.parse(String(secret['createdAt'])), actor });
    }
    for (const entry of org.serviceAccountAccessLists[String(account['clientId'])] ?? []) {
      const entryAt = Math.max(at + 60_000, Date.parse(String(entry['createdAt'])));
      writer.add(scope, { ...base, eventTypeName: 'SERVICE_ACCOUNT_ACCESS_LIST_ENTRY_ADDED', whitelistEntry: whitelistEntryOf(entry), at: entryAt, actor });
    }
  }
}

/** The organisation's settings as events: the access list requirement and two-factor authentication. */
function settingEvents(writer: TrailWriter, org: SimOrg, now: number): void {
  const { random } = writer;
  const base = { orgId: org.id };
  if (org.apiAccessListRequired !== undefined) {
    writer.add(org.id, { ...base, eventTypeName: 'ORG_PUBLIC_API_ACCESS_LIST_REQUIRED', at: now - (300 + random() * 100) * DAY, actor: writer.user() });
    // Switched off long ago: before a 90-day lookback, so a reader sees the setting but not the change.
    if (!org.apiAccessListRequired) writer.add(org.id, { ...base, eventTypeName: 'ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED', at: now - (120 + random() * 60) * DAY, actor: writer.user() });
  }
  if (org.multiFactorAuthRequired) writer.add(org.id, { ...base, eventTypeName: 'ORG_TWO_FACTOR_AUTH_REQUIRED', at: now - (200 + random() * 300) * DAY, actor: writer.user() });
}

/** Events of types outside the key, service-account and organisation-security ones: a filter must drop them. */
function otherEvents(writer: TrailWriter, org: SimOrg, projects: readonly TrailProject[], now: number): void {
  const { random } = writer;
  for (const user of writer.users) {
    writer.add(org.id, { orgId: org.id, eventTypeName: 'JOINED_ORG', targetUsername: user.username, at: now - random() * 900 * DAY, actor: user });
  }
  for (const project of projects) {
    const projectCreated = Date.parse(project.created ?? '') || now - 365 * DAY;
    writer.add(org.id, { orgId: org.id, groupId: project.id, eventTypeName: 'GROUP_CREATED', at: projectCreated, actor: writer.user() });
    for (let c = 0; c < (project.clusterCount ?? 0); c++) {
      writer.add(project.id, { orgId: org.id, groupId: project.id, eventTypeName: 'CLUSTER_CREATED', at: projectCreated + random() * (now - projectCreated), actor: writer.user() });
    }
  }
}

/** A key created and deleted since: its events stay in the trail, the key does not. */
function deletedKeyEvents(writer: TrailWriter, seed: number, org: SimOrg, o: number, now: number): void {
  const target = { orgId: org.id, targetPublicKey: derivePublicKey(seed, `org:${o}:deleted-key`) };
  const actor = writer.user();
  writer.add(org.id, { ...target, eventTypeName: 'API_KEY_CREATED', at: now - (500 + writer.random() * 100) * DAY, actor });
  writer.add(org.id, { ...target, eventTypeName: 'API_KEY_DELETED', at: now - (100 + writer.random() * 200) * DAY, actor });
}

/** Oldest first; events of the same second by id. */
export function chronological(a: SimEvent, b: SimEvent): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The trails of every (not deleted) organisation of a data set and of its projects. */
export function generateEventTrails(seed: number, now: number, orgs: readonly SimOrg[], projects: readonly TrailProject[], users: readonly SimUser[]): EventTrails {
  const writer = new TrailWriter(seed, users);
  orgs.forEach((org, o) => {
    if (org.isDeleted === true) return;
    const own = projects.filter((project) => project.orgId === org.id);
    const position = { index: 0 };
    keyEvents(writer, org, org.id, org.programmaticKeys, now, position);
    accountEvents(writer, org, org.id, org.serviceAccounts);
    settingEvents(writer, org, now);
    deletedKeyEvents(writer, seed, org, o, now);
    for (const project of own) {
      keyEvents(writer, org, project.id, project.programmaticKeys ?? [], now, position, project.id);
      accountEvents(writer, org, project.id, project.serviceAccounts ?? [], project.id);
      for (const assigned of project.assignedServiceAccounts ?? []) {
        const account = org.serviceAccounts.find((candidate) => candidate['clientId'] === assigned.clientId);
        const accountCreated = Date.parse(String(account?.['createdAt'])) || now - 30 * DAY;
        const at = accountCreated + writer.random() * (now - accountCreated);
        writer.add(project.id, { orgId: org.id, groupId: project.id, eventTypeName: 'SERVICE_ACCOUNT_ADDED_TO_GROUP', at, actor: writer.user() });
      }
    }
    otherEvents(writer, org, own, now);
  });
  for (const trail of Object.values(writer.trails)) trail.sort(chronological);
  return writer.trails;
}
