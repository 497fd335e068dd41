import type { ApiKey } from '../model/api-key.js';
import type { ScopeState, Snapshot } from '../model/snapshot.js';
import { EXPORTER_FAMILIES, KEY_FAMILIES, LABELS, OWNER_LABEL, OWNER_NAME_LABEL, REASONS, SCOPE_FAMILIES, type Family } from './contract.js';

/**
 * The key and scope series of one snapshot, rendered once when the snapshot lands. Only `age`
 * and `idle` depend on the scrape time; for those the label blocks are kept ready and just the
 * value is written per scrape, so a scrape of 200k series does not rebuild 200k label strings.
 */
export interface KeyExposition {
  /** Every family whose values change only with the snapshot, as exposition text. */
  readonly fixed: string;
  readonly age: TimedSeries;
  readonly idle: TimedSeries;
  /** Number of series in `fixed`, `age` and `idle`. */
  readonly series: number;
}

/** Label blocks and the time (Unix ms) each value counts from. */
export interface TimedSeries {
  readonly labels: readonly string[];
  readonly since: Float64Array;
}

/** Escapes a label value for the text format. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** `{a="x",b="y"}` from pairs; empty values are left out (absent and empty are the same to Prometheus). */
export function labelBlock(pairs: readonly (readonly [string, string | undefined])[]): string {
  let block = '';
  for (const [name, value] of pairs) {
    if (value === undefined || value === '') continue;
    block += `${block === '' ? '' : ','}${name}="${escapeLabelValue(value)}"`;
  }
  return `{${block}}`;
}

export function familyHeader(family: Family): string {
  return `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`;
}

const seconds = (ms: number): string => String(ms / 1000);

/** Renders the snapshot's series. Pure. */
export function buildKeyExposition(snapshot: Snapshot | undefined): KeyExposition {
  const info: string[] = [];
  const created: string[] = [];
  const enabled: string[] = [];
  const usedCount: string[] = [];
  const lastUsed: string[] = [];
  const ageLabels: string[] = [];
  const ageSince: number[] = [];
  const idleLabels: string[] = [];
  const idleSince: number[] = [];
  const keys: string[] = [];
  const up: string[] = [];
  const lastSuccess: string[] = [];
  const errors: string[] = [];

  for (const state of snapshot?.scopes ?? []) {
    const { scope } = state;
    const owner = [LABELS.kind, scope.kind] as const;
    const ownerId = [OWNER_LABEL[scope.kind], scope.id] as const;
    const scopeLabels = labelBlock([owner, ownerId]);
    up.push(`${SCOPE_FAMILIES.up.name}${scopeLabels} ${state.up ? 1 : 0}`);
    if (state.lastSuccessAt !== undefined) lastSuccess.push(`${SCOPE_FAMILIES.lastSuccess.name}${scopeLabels} ${seconds(state.lastSuccessAt)}`);
    const errorPrefix = `${SCOPE_FAMILIES.errors.name}${scopeLabels.slice(0, -1)},${LABELS.reason}="`;
    for (const reason of REASONS) errors.push(`${errorPrefix}${reason}"} ${state.errors[reason]}`);
    if (state.keys === undefined) continue;
    keys.push(`${SCOPE_FAMILIES.keys.name}${scopeLabels} ${state.keys.length}`);
    for (const key of state.keys) {
      const identity = labelBlock([owner, ownerId, [LABELS.keyId, key.id]]);
      info.push(`${KEY_FAMILIES.info.name}${infoLabels(state, key)} 1`);
      created.push(`${KEY_FAMILIES.created.name}${identity} ${seconds(key.createdAt)}`);
      ageLabels.push(`${KEY_FAMILIES.age.name}${identity} `);
      ageSince.push(key.createdAt);
      if (key.enabled !== undefined) enabled.push(`${KEY_FAMILIES.enabled.name}${identity} ${key.enabled ? 1 : 0}`);
      if (key.usedCount !== undefined) usedCount.push(`${KEY_FAMILIES.usedCount.name}${identity} ${key.usedCount}`);
      if (key.lastUsedAt !== undefined) lastUsed.push(`${KEY_FAMILIES.lastUsed.name}${identity} ${seconds(key.lastUsedAt)}`);
      // Idle time only exists where the API reports usage at all.
      if (key.usedCount !== undefined || key.lastUsedAt !== undefined) {
        idleLabels.push(`${KEY_FAMILIES.idle.name}${identity} `);
        idleSince.push(key.lastUsedAt ?? key.createdAt);
      }
    }
  }

  const lastPoll = snapshot ? [`${EXPORTER_FAMILIES.lastPoll.name} ${seconds(snapshot.completedAt)}`] : [];
  const sections: [Family, string[]][] = [
    [KEY_FAMILIES.info, info],
    [KEY_FAMILIES.created, created],
    [KEY_FAMILIES.enabled, enabled],
    [KEY_FAMILIES.usedCount, usedCount],
    [KEY_FAMILIES.lastUsed, lastUsed],
    [SCOPE_FAMILIES.keys, keys],
    [SCOPE_FAMILIES.up, up],
    [SCOPE_FAMILIES.lastSuccess, lastSuccess],
    [SCOPE_FAMILIES.errors, errors],
    [EXPORTER_FAMILIES.lastPoll, lastPoll],
  ];
  let fixed = '';
  let series = ageLabels.length + idleLabels.length;
  for (const [family, lines] of sections) {
    if (lines.length === 0) continue;
    fixed += familyHeader(family) + lines.join('\n') + '\n';
    series += lines.length;
  }
  return {
    fixed,
    age: { labels: ageLabels, since: Float64Array.from(ageSince) },
    idle: { labels: idleLabels, since: Float64Array.from(idleSince) },
    series,
  };
}

/** The families whose values are computed at scrape time. */
export function renderTimedSeries(exposition: KeyExposition, nowMs: number): string {
  let out = '';
  for (const [family, timed] of [
    [KEY_FAMILIES.age, exposition.age],
    [KEY_FAMILIES.idle, exposition.idle],
  ] as const) {
    const { labels, since } = timed;
    if (labels.length === 0) continue;
    out += familyHeader(family);
    for (let index = 0; index < labels.length; index++) {
      out += `${labels[index]}${((nowMs - (since[index] ?? 0)) / 1000).toString()}\n`;
    }
  }
  return out;
}

function infoLabels(state: ScopeState, key: ApiKey): string {
  const { scope } = state;
  return labelBlock([
    [LABELS.kind, scope.kind],
    [OWNER_LABEL[scope.kind], scope.id],
    [LABELS.keyId, key.id],
    [LABELS.description, key.description],
    [LABELS.keySuffix, key.suffix],
    [LABELS.createdBy, key.createdBy],
    [LABELS.createdUserId, key.createdUserId],
    [LABELS.createdIp, key.createdIp],
    [OWNER_NAME_LABEL[scope.kind], scope.name],
  ]);
}
