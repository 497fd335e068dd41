/**
 * What the exporter should report for a simulator data set, computed straight from the raw API
 * documents the simulator serves, without the exporter's own parsing code: the end-to-end test's
 * independent oracle.
 */
import type { Dataset, SimOrg } from '../../src/simulator/index.js';

export const DAY = 86_400;

/** A role of a programmatic key or service account, as `mongodb_apikey_role_info` labels it. */
export interface ExpectedRole {
  readonly role: string;
  readonly orgId?: string;
  readonly projectId?: string;
}

/** One access-list entry as the per-entry families show it; times in Unix seconds. */
export interface ExpectedEntry {
  readonly entry: string;
  readonly created?: number;
  readonly lastUsed?: number;
  readonly lastUsedAddress?: string;
  /** Requests from lastUsedAddress (count, requestCount). */
  readonly requests?: number;
}

/** Entries published per key, the most recently used first. */
export const ENTRIES_SHOWN = 10;

/** One API key (one secret for service accounts) as the metrics should show it; times in Unix seconds. */
export interface ExpectedKey {
  readonly kind: 'user' | 'agent' | 'programmatic' | 'service_account';
  /** `user_id`, `project_id` or `org_id`. */
  readonly ownerLabel: 'user_id' | 'project_id' | 'org_id';
  readonly owner: string;
  /** `username`, `project_name` or `org_name`. */
  readonly ownerNameLabel: 'username' | 'project_name' | 'org_name';
  readonly ownerName: string;
  readonly keyId: string;
  readonly description: string;
  readonly suffix: string;
  /** For programmatic keys: from their API_KEY_CREATED event within the events lookback; absent without one. */
  readonly created?: number;
  /** User keys only. */
  readonly enabled?: boolean;
  /** User keys only (usedCount): no other kind reports a total use. */
  readonly usedCount?: number;
  /** Keys and secrets that were used. */
  readonly lastUsed?: number;
  readonly createdBy?: string;
  readonly createdIp?: string;
  readonly createdUserId?: string;
  /** Programmatic keys. */
  readonly publicKey?: string;
  /** Programmatic keys and service-account secrets (their account's list) whose access list is read. */
  readonly accessListEntries?: number;
  readonly unrestricted?: boolean;
  readonly entries?: readonly ExpectedEntry[];
  /** Service-account secrets. */
  readonly clientId?: string;
  readonly accountName?: string;
  readonly expiresAt?: number;
  /** Programmatic keys and service accounts. */
  readonly roles?: readonly ExpectedRole[];
}

/** A time field of the APIs: ISO 8601 text or epoch milliseconds. */
function seconds(value: unknown): number {
  if (typeof value === 'number') return value / 1000;
  if (typeof value === 'string') return Date.parse(value) / 1000;
  throw new Error(`not a time: ${JSON.stringify(value)}`);
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
/** The last four characters the API shows of a masked key, when it ends in four letters or digits. */
const lastFour = (masked: unknown): string => /[A-Za-z0-9]{4}$/.exec(str(masked))?.[0] ?? '';

/** Every key of the data set, personal keys first. */
export function expectedKeys(dataset: Dataset): ExpectedKey[] {
  const keys: ExpectedKey[] = [];
  for (const user of dataset.users) {
    for (const doc of user.keys) {
      const usedCount = doc['usedCount'];
      keys.push({
        kind: 'user',
        ownerLabel: 'user_id',
        owner: user.id,
        ownerNameLabel: 'username',
        ownerName: user.username,
        keyId: str(doc['id']),
        description: str(doc['description']),
        suffix: lastFour(doc['obfuscatedKey']),
        created: seconds(doc['createdAt']),
        enabled: doc['enabled'] === true,
        ...(typeof usedCount === 'number' ? { usedCount } : {}),
        ...(doc['lastUsed'] != null ? { lastUsed: seconds(doc['lastUsed']) } : {}),
      });
    }
  }
  for (const project of dataset.projects) {
    for (const doc of project.agentKeys) {
      keys.push({
        kind: 'agent',
        ownerLabel: 'project_id',
        owner: project.id,
        ownerNameLabel: 'project_name',
        ownerName: project.name,
        keyId: str(doc['_id'] ?? doc['id']),
        description: str(doc['desc']),
        suffix: lastFour(doc['key']),
        created: seconds(doc['createdTime']),
        ...(doc['createdBy'] ? { createdBy: str(doc['createdBy']) } : {}),
        ...(doc['createdIpAddr'] ? { createdIp: str(doc['createdIpAddr']) } : {}),
        ...(doc['createdUserId'] ? { createdUserId: str(doc['createdUserId']) } : {}),
      });
    }
  }
  for (const org of dataset.orgs ?? []) keys.push(...orgKeysOf(dataset, org));
  return keys;
}

/** The exporter's default events lookback, in seconds: older events are not read. */
const EVENTS_LOOKBACK = 90 * DAY;
/** How near in time a SERVICE_ACCOUNT_SECRET_ADDED and its secret's createdAt are in the simulator's trails: the same second. */
const SECRET_EVENT_NEAR = 5;

type CreationFacts = Partial<Pick<ExpectedKey, 'created' | 'createdBy' | 'createdIp' | 'createdUserId'>>;

/** What a creation event says of whom and where from. */
function factsOf(event: Record<string, unknown>): CreationFacts {
  const by = str(event['username']) || str(event['publicKey']);
  return {
    ...(by ? { createdBy: by } : {}),
    ...(event['remoteAddress'] ? { createdIp: str(event['remoteAddress']) } : {}),
    ...(event['userId'] ? { createdUserId: str(event['userId']) } : {}),
  };
}

/** The events of known creation types in the trails of the data set, created within the lookback. */
function recentEvents(dataset: Dataset, type: string, trail?: string): Record<string, unknown>[] {
  const since = Date.now() / 1000 - EVENTS_LOOKBACK;
  const trails = trail === undefined ? Object.values(dataset.eventTrails ?? {}) : [dataset.eventTrails?.[trail] ?? []];
  return trails.flat().filter((event) => event.eventTypeName === type && seconds(event.created) >= since) as unknown as Record<string, unknown>[];
}

/** A programmatic key's creation facts: its API_KEY_CREATED (targetPublicKey), the newest, within the lookback. */
function keyCreation(dataset: Dataset, publicKey: string): CreationFacts {
  const events = recentEvents(dataset, 'API_KEY_CREATED').filter((event) => event['targetPublicKey'] === publicKey);
  const event = events.sort((a, b) => seconds(b['created']) - seconds(a['created']))[0];
  return event === undefined ? {} : { created: seconds(event['created']), ...factsOf(event) };
}

/**
 * A secret's creator: the one SERVICE_ACCOUNT_SECRET_ADDED of its scope's trail within seconds of
 * its createdAt, when no other secret of the scope was added in those seconds.
 */
function secretCreation(dataset: Dataset, trail: string, createdAt: number, scopeSecrets: readonly number[]): CreationFacts {
  const near = (at: number): boolean => Math.abs(at - createdAt) <= SECRET_EVENT_NEAR;
  const events = recentEvents(dataset, 'SERVICE_ACCOUNT_SECRET_ADDED', trail).filter((event) => near(seconds(event['created'])));
  return events.length === 1 && scopeSecrets.filter(near).length === 1 ? factsOf(events[0]!) : {};
}

const OPEN_CIDRS = new Set(['0.0.0.0/0', '::0/0']);

/**
 * What an access list publishes, from its raw entries (`created`/`lastUsed`/`count` for keys,
 * `createdAt`/`lastUsedAt`/`requestCount` for service accounts): an empty list is unrestricted
 * unless the organisation requires a list (a missing setting does not).
 */
function accessListOf(org: SimOrg, raw: readonly Record<string, unknown>[], names: { created: string; lastUsed: string; count: string }) {
  const time = (value: unknown): number | undefined => (value == null ? undefined : seconds(value));
  const entries: ExpectedEntry[] = raw
    .map((entry) => ({
      entry: str(entry['cidrBlock']) || str(entry['ipAddress']),
      created: time(entry[names.created]),
      lastUsed: time(entry[names.lastUsed]),
      lastUsedAddress: entry['lastUsedAddress'] == null ? undefined : str(entry['lastUsedAddress']),
      requests: typeof entry[names.count] === 'number' ? (entry[names.count] as number) : undefined,
    }))
    .sort((a, b) => (b.lastUsed ?? -Infinity) - (a.lastUsed ?? -Infinity) || (b.created ?? -Infinity) - (a.created ?? -Infinity) || a.entry.localeCompare(b.entry));
  const used = entries.map((entry) => entry.lastUsed).filter((t): t is number => t !== undefined);
  return {
    ...(used.length > 0 ? { lastUsed: Math.max(...used) } : {}),
    accessListEntries: raw.length,
    unrestricted: raw.some((entry) => OPEN_CIDRS.has(str(entry['cidrBlock']))) || (raw.length === 0 && org.apiAccessListRequired !== true),
    entries: entries.slice(0, ENTRIES_SHOWN),
  };
}

/**
 * The programmatic keys and service-account secrets of one organisation and its projects.
 * `GET /orgs/{id}/apiKeys` also lists the keys of the organisation's projects, so every key
 * appears once, under the organisation. `GET /orgs/{id}/serviceAccounts` lists the accounts
 * created in the organisation, published under it with their organisation roles and the project
 * roles of the projects they are assigned to; an account created in a project is the project's.
 */
function orgKeysOf(dataset: Dataset, org: SimOrg): ExpectedKey[] {
  const keys: ExpectedKey[] = [];
  const projects = dataset.projects.filter((project) => project.orgId === org.id);
  const owner = { ownerLabel: 'org_id', owner: org.id, ownerNameLabel: 'org_name', ownerName: org.name } as const;
  for (const doc of [...org.programmaticKeys, ...projects.flatMap((project) => project.programmaticKeys ?? [])]) {
    const id = str(doc['id']);
    keys.push({
      kind: 'programmatic',
      ...owner,
      keyId: id,
      description: str(doc['desc']),
      suffix: lastFour(doc['privateKey']),
      publicKey: str(doc['publicKey']),
      ...keyCreation(dataset, str(doc['publicKey'])),
      ...accessListOf(org, org.accessLists[id] ?? [], { created: 'created', lastUsed: 'lastUsed', count: 'count' }),
      roles: ((doc['roles'] ?? []) as Record<string, unknown>[]).map((role) => ({
        role: str(role['roleName']),
        ...(role['orgId'] ? { orgId: str(role['orgId']) } : {}),
        ...(role['groupId'] ? { projectId: str(role['groupId']) } : {}),
      })),
    });
  }
  const accounts = [
    ...org.serviceAccounts.map((account) => ({
      owner,
      account,
      roles: [
        ...((account['roles'] ?? []) as unknown[]).map((role) => ({ role: String(role), orgId: org.id })),
        ...projects.flatMap((project) =>
          (project.assignedServiceAccounts ?? []).filter((assigned) => assigned.clientId === account['clientId']).flatMap((assigned) => assigned.roles.map((role) => ({ role, projectId: project.id }))),
        ),
      ],
    })),
    ...projects.flatMap((project) =>
      (project.serviceAccounts ?? []).map((account) => ({
        owner: { ownerLabel: 'project_id', owner: project.id, ownerNameLabel: 'project_name', ownerName: project.name } as const,
        account,
        roles: ((account['roles'] ?? []) as unknown[]).map((role) => ({ role: String(role), projectId: project.id })),
      })),
    ),
  ];
  const secretTimes = (scope: string): number[] =>
    accounts.filter((candidate) => candidate.owner.owner === scope).flatMap(({ account }) => ((account['secrets'] ?? []) as Record<string, unknown>[]).map((secret) => seconds(secret['createdAt'])));
  for (const { owner, account, roles } of accounts) {
    // The secrets share their account's list; their last use is their own.
    const { lastUsed: _listLastUsed, ...accessList } = accessListOf(org, org.serviceAccountAccessLists[str(account['clientId'])] ?? [], { created: 'createdAt', lastUsed: 'lastUsedAt', count: 'requestCount' });
    for (const secret of (account['secrets'] ?? []) as Record<string, unknown>[]) {
      keys.push({
        kind: 'service_account',
        ...owner,
        keyId: str(secret['id']),
        description: str(account['description']),
        suffix: lastFour(secret['maskedSecretValue']),
        created: seconds(secret['createdAt']),
        ...secretCreation(dataset, owner.owner, seconds(secret['createdAt']), secretTimes(owner.owner)),
        ...(secret['lastUsedAt'] != null ? { lastUsed: seconds(secret['lastUsedAt']) } : {}),
        expiresAt: seconds(secret['expiresAt']),
        clientId: str(account['clientId']),
        accountName: str(account['name']),
        ...accessList,
        // Service-account roles are bare names; the exporter scopes them to the listing's owner.
        roles,
      });
    }
  }
  return keys;
}

/** `kind/owner/key_id`: a key's identity, from the oracle or from a series' labels. */
export const keyIdentity = (key: ExpectedKey): string => `${key.kind}/${key.owner}/${key.keyId}`;
export const seriesIdentity = (labels: Readonly<Record<string, string>>): string =>
  `${labels['kind'] ?? ''}/${labels['user_id'] ?? labels['project_id'] ?? labels['org_id'] ?? ''}/${labels['key_id'] ?? ''}`;

/** Seconds since creation at `now`; undefined without a creation time (programmatic keys without their event). */
export const ageAt = (key: ExpectedKey, now: number): number | undefined => (key.created === undefined ? undefined : now - key.created);
/**
 * Seconds since last use (or creation when never used) at `now`; undefined for keys without usage
 * (agent keys) and for never-used programmatic keys without a creation time to count from.
 */
export function idleAt(key: ExpectedKey, now: number): number | undefined {
  switch (key.kind) {
    case 'agent':
      return undefined;
    case 'programmatic': {
      // Use is read from the access list: without one read, nothing counts.
      if (key.accessListEntries === undefined) return undefined;
      const since = key.lastUsed ?? key.created;
      return since === undefined ? undefined : now - since;
    }
    default:
      return now - (key.lastUsed ?? key.created!);
  }
}
/** Seconds until a service-account secret expires at `now` (negative once expired). */
export const expiresInAt = (key: ExpectedKey, now: number): number | undefined => (key.expiresAt === undefined ? undefined : key.expiresAt - now);

const holds = (key: ExpectedKey, role: string): boolean => (key.roles ?? []).some((r) => r.role === role);
/** A programmatic key whose access list was read and records no use. */
const neverUsedProgrammatic = (key: ExpectedKey): boolean => key.kind === 'programmatic' && key.accessListEntries !== undefined && key.lastUsed === undefined;

/** The selections behind the stats and the alerts, at `now`, with the dashboard's default thresholds. */
export function selections(keys: readonly ExpectedKey[], now: number) {
  const age = (k: ExpectedKey) => ageAt(k, now);
  const expiresIn = (k: ExpectedKey) => expiresInAt(k, now);
  return {
    disabled: keys.filter((k) => k.enabled === false),
    neverUsed: keys.filter((k) => k.usedCount === 0 && age(k) !== undefined && age(k)! > 30 * DAY),
    idle: keys.filter((k) => k.usedCount !== 0 && (idleAt(k, now) ?? 0) > 90 * DAY),
    rotationDue: keys.filter((k) => age(k) !== undefined && age(k)! > 365 * DAY),
    createdLastHour: keys.filter((k) => age(k) !== undefined && age(k)! < 3600),
    createdLastDay: keys.filter((k) => age(k) !== undefined && age(k)! < DAY),
    /** Not yet within 3 days (MongoDBApiKeySecretExpiringSoon). */
    expiringSoon: keys.filter((k) => expiresIn(k) !== undefined && expiresIn(k)! < 14 * DAY && expiresIn(k)! >= 3 * DAY),
    /** Within 14 days, not expired (the dashboard stat). */
    expiringWithin14d: keys.filter((k) => expiresIn(k) !== undefined && expiresIn(k)! < 14 * DAY && expiresIn(k)! > 0),
    expiringVerySoon: keys.filter((k) => expiresIn(k) !== undefined && expiresIn(k)! < 3 * DAY && expiresIn(k)! > 0),
    expired: keys.filter((k) => expiresIn(k) !== undefined && expiresIn(k)! <= 0),
    unrestricted: keys.filter((k) => k.unrestricted === true),
    orgOwner: keys.filter((k) => holds(k, 'ORG_OWNER')),
    orgOwnerIdle: keys.filter(
      (k) => k.kind === 'programmatic' && holds(k, 'ORG_OWNER') && ((idleAt(k, now) ?? 0) > 90 * DAY || neverUsedProgrammatic(k)),
    ),
    neverUsedProgrammatic: keys.filter(neverUsedProgrammatic),
  };
}

export type InfoLabel =
  | 'description'
  | 'key_suffix'
  | 'owner_name'
  | 'created_by'
  | 'created_ip'
  | 'created_user_id'
  | 'public_key'
  | 'client_id'
  | 'account_name';

/**
 * The labels a per-key series carries after the dashboard's / the rules' join with
 * mongodb_apikey_info: identity, then `extra` info labels (empty values are absent in Prometheus).
 */
export function joinedLabels(
  key: ExpectedKey,
  target: { job: string; instance: string },
  extra: readonly InfoLabel[],
): Record<string, string> {
  const labels: Record<string, string> = {
    job: target.job,
    instance: target.instance,
    kind: key.kind,
    [key.ownerLabel]: key.owner,
    key_id: key.keyId,
  };
  const values: Record<(typeof extra)[number], [string, string | undefined]> = {
    description: ['description', key.description],
    key_suffix: ['key_suffix', key.suffix],
    owner_name: [key.ownerNameLabel, key.ownerName],
    created_by: ['created_by', key.createdBy],
    created_ip: ['created_ip', key.createdIp],
    created_user_id: ['created_user_id', key.createdUserId],
    public_key: ['public_key', key.publicKey],
    client_id: ['client_id', key.clientId],
    account_name: ['account_name', key.accountName],
  };
  for (const name of extra) {
    const [label, value] = values[name];
    if (value !== undefined && value !== '') labels[label] = value;
  }
  return labels;
}

/** One organisation's or project's event trail as the exporter should publish it, from the data set's raw events. */
export interface ExpectedTrail {
  readonly orgId: string;
  /** Absent for the organisation's own trail. */
  readonly projectId?: string;
  /** Unix seconds of the newest event of each type the exporter reads, within the lookback. */
  readonly newest: Readonly<Record<string, number>>;
  /** Unix seconds of the newest `…_ACCESS_LIST_ENTRY_ADDED` that opens a list to every address. */
  readonly anyAddressAdded?: number;
}

const opensEveryAddress = (entry: string | undefined): boolean => entry !== undefined && (entry.endsWith('/0') || entry === '0.0.0.0');

/**
 * The trails of the organisations the data set lists (not deleted) and of their projects: the
 * newest event of each of `types` created within `lookbackS` before `now` (Unix s).
 */
export function expectedTrails(dataset: Dataset, now: number, lookbackS: number, types: readonly string[]): ExpectedTrail[] {
  const known = new Set(types);
  const trailOf = (scope: string, orgId: string, projectId?: string): ExpectedTrail => {
    const newest: Record<string, number> = {};
    let anyAddressAdded: number | undefined;
    for (const event of dataset.eventTrails?.[scope] ?? []) {
      const at = Date.parse(event.created) / 1000;
      if (!known.has(event.eventTypeName) || at < now - lookbackS || at > now) continue;
      newest[event.eventTypeName] = Math.max(newest[event.eventTypeName] ?? -Infinity, at);
      if (event.eventTypeName.endsWith('_ACCESS_LIST_ENTRY_ADDED') && opensEveryAddress(event.whitelistEntry)) anyAddressAdded = Math.max(anyAddressAdded ?? -Infinity, at);
    }
    return { orgId, ...(projectId !== undefined ? { projectId } : {}), newest, ...(anyAddressAdded !== undefined ? { anyAddressAdded } : {}) };
  };
  const orgs = (dataset.orgs ?? []).filter((org) => org.isDeleted !== true);
  return orgs.flatMap((org) => [
    trailOf(org.id, org.id),
    ...org.projectIds.map((projectId) => trailOf(projectId, org.id, projectId)),
  ]);
}
