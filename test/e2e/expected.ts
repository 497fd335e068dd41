/**
 * What the exporter should report for a simulator data set, computed straight from the raw API
 * documents the simulator serves, without the exporter's own parsing code: the end-to-end test's
 * independent oracle.
 */
import type { Dataset } from '../../src/simulator/index.js';

export const DAY = 86_400;

/** One API key as the metrics should show it; times in Unix seconds. */
export interface ExpectedKey {
  readonly kind: 'user' | 'agent';
  /** `user_id` or `project_id`. */
  readonly ownerLabel: 'user_id' | 'project_id';
  readonly owner: string;
  /** `username` or `project_name`. */
  readonly ownerNameLabel: 'username' | 'project_name';
  readonly ownerName: string;
  readonly keyId: string;
  readonly description: string;
  readonly suffix: string;
  readonly created: number;
  /** User keys only. */
  readonly enabled?: boolean;
  readonly usedCount?: number;
  /** User keys that were used. */
  readonly lastUsed?: number;
  readonly createdBy?: string;
  readonly createdIp?: string;
  readonly createdUserId?: string;
}

/** A time field of the APIs: ISO 8601 text or epoch milliseconds. */
function seconds(value: unknown): number {
  if (typeof value === 'number') return value / 1000;
  if (typeof value === 'string') return Date.parse(value) / 1000;
  throw new Error(`not a time: ${JSON.stringify(value)}`);
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
/** The last four characters the API shows of a masked key. */
const lastFour = (masked: unknown): string => str(masked).slice(-4);

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
  return keys;
}

/** `kind/owner/key_id`: a key's identity, from the oracle or from a series' labels. */
export const keyIdentity = (key: ExpectedKey): string => `${key.kind}/${key.owner}/${key.keyId}`;
export const seriesIdentity = (labels: Readonly<Record<string, string>>): string =>
  `${labels['kind'] ?? ''}/${labels['user_id'] ?? labels['project_id'] ?? labels['org_id'] ?? ''}/${labels['key_id'] ?? ''}`;

/** Seconds since creation at `now`. */
export const ageAt = (key: ExpectedKey, now: number): number => now - key.created;
/** Seconds since last use (or creation when never used) at `now`; undefined for keys without usage (agent keys). */
export const idleAt = (key: ExpectedKey, now: number): number | undefined =>
  key.usedCount === undefined && key.lastUsed === undefined ? undefined : now - (key.lastUsed ?? key.created);

/** The selections behind the stats and the alerts, at `now`, with the dashboard's default thresholds. */
export function selections(keys: readonly ExpectedKey[], now: number) {
  return {
    disabled: keys.filter((k) => k.enabled === false),
    neverUsed: keys.filter((k) => k.usedCount === 0 && ageAt(k, now) > 30 * DAY),
    idle: keys.filter((k) => k.usedCount !== 0 && (idleAt(k, now) ?? 0) > 90 * DAY),
    rotationDue: keys.filter((k) => ageAt(k, now) > 365 * DAY),
    createdLastHour: keys.filter((k) => ageAt(k, now) < 3600),
    createdLastDay: keys.filter((k) => ageAt(k, now) < DAY),
  };
}

/**
 * The labels a per-key series carries after the dashboard's / the rules' join with
 * mongodb_apikey_info: identity, then `extra` info labels (empty values are absent in Prometheus).
 */
export function joinedLabels(
  key: ExpectedKey,
  target: { job: string; instance: string },
  extra: readonly ('description' | 'key_suffix' | 'owner_name' | 'created_by' | 'created_ip' | 'created_user_id')[],
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
  };
  for (const name of extra) {
    const [label, value] = values[name];
    if (value !== undefined && value !== '') labels[label] = value;
  }
  return labels;
}
