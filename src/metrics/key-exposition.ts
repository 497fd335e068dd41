import { idleSince, type ApiKey } from '../model/api-key.js';
import type { ScopeState, Snapshot } from '../model/snapshot.js';
import { SlabWriter, UNPOOLED, type Slabs } from './slabs.js';
import { buildTrailExpositionBytes } from './trail-exposition.js';
import { EXPORTER_FAMILIES, KEY_FAMILIES, LABELS, OWNER_LABEL, OWNER_NAME_LABEL, REASONS, SCOPE_FAMILIES, type Family } from './contract.js';

/**
 * The key and scope series of one snapshot, rendered once when the snapshot lands, as bytes only
 * (nothing per series stays on the JS heap), in slabs (see SlabPool). Only `age`, `idle` and
 * `expires_in` depend on the scrape time; for those the label blocks are kept ready and just the
 * value is written per scrape, so a scrape of 200k series does not rebuild 200k label strings.
 */
export interface KeyExpositionBytes {
  /** Every family whose values change only with the snapshot, as UTF-8 exposition text, in chunks. */
  readonly fixed: readonly Buffer[];
  /** `age`, `idle`, then `expires_in`; a family without series is left out. */
  readonly timed: readonly TimedBytes[];
  /** Number of series in `fixed` and `timed`. */
  readonly series: number;
  /** The chunks of each fixed family, by name, for the next snapshot to share what did not change. */
  readonly families: ReadonlyMap<string, readonly Buffer[]>;
  /** Every chunk above that lies in a slab: this snapshot holds each once, until it releases them. */
  readonly held: readonly Buffer[];
}

/** One scrape-time family: its HELP/TYPE lines and, per series, `name{labels} ` and a start time. */
export interface TimedBytes {
  readonly family: Family;
  readonly header: Buffer;
  /** Every series' `name{labels} `, back to back, in chunks; a series never straddles two. */
  readonly labels: readonly Buffer[];
  /** `firsts[k]`: the first series in `labels[k]`. */
  readonly firsts: Uint32Array;
  /** `ends[i]`: where series i's label prefix ends in its chunk (it starts where series i - 1 ends, or at 0). */
  readonly ends: Uint32Array;
  /** Unix ms each value counts from; for a countdown, the time it counts to. */
  readonly since: Float64Array;
  /** True when the value is the time left until `since` (negative once passed), not the time since. */
  readonly countdown: boolean;
}

/** Escapes a label value for the text format. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** `{a="x",b="y"}` from pairs; empty values are left out (absent and empty are the same to Prometheus). */
export function labelBlock(pairs: readonly (readonly [string, string | undefined])[]): string {
  let block = '';
  for (const [name, value] of pairs) block += labelPair(name, value);
  return `{${block.slice(1)}}`;
}

/** `,name="value"`, or nothing for an absent label or an absent or empty value. */
function labelPair(name: string | undefined, value: string | undefined): string {
  return name === undefined || value === undefined || value === '' ? '' : `,${name}="${escapeLabelValue(value)}"`;
}

export function familyHeader(family: Family): string {
  return `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`;
}

const seconds = (ms: number): string => String(ms / 1000);

/** The lines of one family, written into slabs while the snapshot is rendered. */
class FamilySink {
  readonly family: Family;
  readonly writer: SlabWriter;
  lines = 0;

  constructor(family: Family, slabs: Slabs, previous?: readonly Buffer[]) {
    this.family = family;
    this.writer = new SlabWriter(slabs, previous);
  }

  line(text: string): void {
    this.writer.text(text);
    this.lines++;
  }
}

/** The label prefixes and start times of one scrape-time family, gathered while rendering. */
class TimedSink {
  readonly sink: FamilySink;
  readonly #firsts: number[] = [];
  readonly #ends: number[] = [];
  readonly #since: number[] = [];
  readonly #countdown: boolean;

  constructor(family: Family, slabs: Slabs, previous: readonly Buffer[] | undefined, countdown = false) {
    this.sink = new FamilySink(family, slabs, previous);
    this.#countdown = countdown;
  }

  series(prefix: string, since: number): void {
    const chunk = this.sink.writer.text(prefix);
    if (chunk === this.#firsts.length) this.#firsts.push(this.#ends.length);
    this.#ends.push(this.sink.writer.offset);
    this.#since.push(since);
  }

  done(): TimedBytes | undefined {
    const labels = this.sink.writer.finish();
    if (this.#ends.length === 0) return undefined;
    const { family } = this.sink;
    return {
      family,
      header: Buffer.from(familyHeader(family), 'utf8'),
      labels,
      firsts: Uint32Array.from(this.#firsts),
      ends: Uint32Array.from(this.#ends),
      since: Float64Array.from(this.#since),
      countdown: this.#countdown,
    };
  }
}

/**
 * Renders the snapshot, one scope per step: the generator yields between scopes so that an
 * asynchronous caller can give the event loop a turn (see {@link buildKeyExpositionBytesAsync}).
 */
function* buildSteps(snapshot: Snapshot | undefined, slabs: Slabs, previous: KeyExpositionBytes | undefined): Generator<void, KeyExpositionBytes> {
  const sink = (family: Family) => new FamilySink(family, slabs, previous?.families.get(family.name));
  const info = sink(KEY_FAMILIES.info);
  const created = sink(KEY_FAMILIES.created);
  const enabled = sink(KEY_FAMILIES.enabled);
  const usedCount = sink(KEY_FAMILIES.usedCount);
  const lastUsed = sink(KEY_FAMILIES.lastUsed);
  const expiry = sink(KEY_FAMILIES.expiry);
  const roles = sink(KEY_FAMILIES.role);
  const accessListEntries = sink(KEY_FAMILIES.accessListEntries);
  const unrestricted = sink(KEY_FAMILIES.unrestricted);
  const entryCreated = sink(KEY_FAMILIES.accessListEntryCreated);
  const entryLastUsed = sink(KEY_FAMILIES.accessListEntryLastUsed);
  const entryRequests = sink(KEY_FAMILIES.accessListEntryRequests);
  const keys = sink(SCOPE_FAMILIES.keys);
  const up = sink(SCOPE_FAMILIES.up);
  const lastSuccess = sink(SCOPE_FAMILIES.lastSuccess);
  const errors = sink(SCOPE_FAMILIES.errors);
  const lastPoll = sink(EXPORTER_FAMILIES.lastPoll);
  const timedSink = (family: Family, countdown = false) => new TimedSink(family, slabs, previous?.timed.find((timed) => timed.family === family)?.labels, countdown);
  const age = timedSink(KEY_FAMILIES.age);
  const idle = timedSink(KEY_FAMILIES.idle);
  const expiresIn = timedSink(KEY_FAMILIES.expiresIn, true);

  for (const state of snapshot?.scopes ?? []) {
    const { scope } = state;
    // `,kind="…",user_id="…"`: the same label blocks as labelBlock() builds, without the pairs.
    const scopeInner = labelPair(LABELS.kind, scope.kind) + labelPair(OWNER_LABEL[scope.owner], scope.id);
    const scopeLabels = `{${scopeInner.slice(1)}}`;
    up.line(`${SCOPE_FAMILIES.up.name}${scopeLabels} ${state.up ? 1 : 0}\n`);
    if (state.lastSuccessAt !== undefined) lastSuccess.line(`${SCOPE_FAMILIES.lastSuccess.name}${scopeLabels} ${seconds(state.lastSuccessAt)}\n`);
    const errorPrefix = `${SCOPE_FAMILIES.errors.name}${scopeLabels.slice(0, -1)},${LABELS.reason}="`;
    for (const reason of REASONS) errors.line(`${errorPrefix}${reason}"} ${state.errors[reason]}\n`);
    if (state.keys !== undefined) {
      keys.line(`${SCOPE_FAMILIES.keys.name}${scopeLabels} ${state.keys.length}\n`);
      for (const key of state.keys) {
        const identityInner = scopeInner + labelPair(LABELS.keyId, key.id);
        const identity = `{${identityInner.slice(1)}}`;
        info.line(`${KEY_FAMILIES.info.name}{${infoInner(state, key, identityInner).slice(1)}} 1\n`);
        if (key.createdAt !== undefined) {
          created.line(`${KEY_FAMILIES.created.name}${identity} ${seconds(key.createdAt)}\n`);
          age.series(`${KEY_FAMILIES.age.name}${identity} `, key.createdAt);
        }
        if (key.enabled !== undefined) enabled.line(`${KEY_FAMILIES.enabled.name}${identity} ${key.enabled ? 1 : 0}\n`);
        if (key.usedCount !== undefined) usedCount.line(`${KEY_FAMILIES.usedCount.name}${identity} ${key.usedCount}\n`);
        if (key.lastUsedAt !== undefined) lastUsed.line(`${KEY_FAMILIES.lastUsed.name}${identity} ${seconds(key.lastUsedAt)}\n`);
        const since = idleSince(key);
        if (since !== undefined) idle.series(`${KEY_FAMILIES.idle.name}${identity} `, since);
        if (key.expiresAt !== undefined) {
          expiry.line(`${KEY_FAMILIES.expiry.name}${identity} ${seconds(key.expiresAt)}\n`);
          expiresIn.series(`${KEY_FAMILIES.expiresIn.name}${identity} `, key.expiresAt);
        }
        for (const role of key.roles ?? []) {
          const roleLabels = labelPair(LABELS.role, role.name) + labelPair(LABELS.roleOrgId, role.orgId) + labelPair(LABELS.roleProjectId, role.projectId);
          roles.line(`${KEY_FAMILIES.role.name}{${(identityInner + roleLabels).slice(1)}} 1\n`);
        }
        if (key.accessList !== undefined) {
          accessListEntries.line(`${KEY_FAMILIES.accessListEntries.name}${identity} ${key.accessList.entries}\n`);
          unrestricted.line(`${KEY_FAMILIES.unrestricted.name}${identity} ${key.accessList.unrestricted ? 1 : 0}\n`);
          for (const entry of key.accessList.shown) {
            const entryInner = identityInner + labelPair(LABELS.entry, entry.address);
            if (entry.createdAt !== undefined) entryCreated.line(`${KEY_FAMILIES.accessListEntryCreated.name}{${entryInner.slice(1)}} ${seconds(entry.createdAt)}\n`);
            if (entry.lastUsedAt !== undefined) entryLastUsed.line(`${KEY_FAMILIES.accessListEntryLastUsed.name}{${entryInner.slice(1)}} ${seconds(entry.lastUsedAt)}\n`);
            if (entry.requests !== undefined) {
              entryRequests.line(`${KEY_FAMILIES.accessListEntryRequests.name}{${(entryInner + labelPair(LABELS.lastUsedAddress, entry.lastUsedAddress)).slice(1)}} ${entry.requests}\n`);
            }
          }
        }
      }
    }
    yield;
  }
  if (snapshot) lastPoll.line(`${EXPORTER_FAMILIES.lastPoll.name} ${seconds(snapshot.completedAt)}\n`);

  const fixed: Buffer[] = [];
  const families = new Map<string, readonly Buffer[]>();
  let series = 0;
  const sinks = [info, created, enabled, usedCount, lastUsed, expiry, roles, accessListEntries, unrestricted, entryCreated, entryLastUsed, entryRequests, keys, up, lastSuccess, errors, lastPoll];
  for (const sink of sinks) {
    const chunks = sink.writer.finish();
    if (sink.lines === 0) continue;
    fixed.push(Buffer.from(familyHeader(sink.family), 'utf8'), ...chunks);
    families.set(sink.family.name, chunks);
    series += sink.lines;
  }
  const trails = buildTrailExpositionBytes(snapshot?.trails ?? []);
  fixed.push(...trails.chunks);
  series += trails.series;
  const timedSinks = [age, idle, expiresIn];
  const timed = timedSinks.map((sink) => sink.done()).filter((family): family is TimedBytes => family !== undefined);
  for (const family of timed) series += family.ends.length;
  const held = [...sinks, ...timedSinks.map((sink) => sink.sink)].flatMap((sink) => sink.writer.chunks);
  return { fixed, timed, series, families, held };
}

function infoInner(state: ScopeState, key: ApiKey, identityInner: string): string {
  return (
    identityInner +
    labelPair(LABELS.description, key.description) +
    labelPair(LABELS.keySuffix, key.suffix) +
    labelPair(LABELS.createdBy, key.createdBy) +
    labelPair(LABELS.createdUserId, key.createdUserId) +
    labelPair(LABELS.createdIp, key.createdIp) +
    labelPair(LABELS.publicKey, key.publicKey) +
    labelPair(LABELS.clientId, key.clientId) +
    labelPair(LABELS.accountName, key.accountName) +
    labelPair(OWNER_NAME_LABEL[state.scope.owner], state.scope.name)
  );
}

/**
 * Renders the snapshot's series as bytes, at once, into `slabs`; a chunk equal to the one at its
 * place in `previous` is shared with it.
 */
export function buildKeyExpositionBytes(snapshot: Snapshot | undefined, slabs: Slabs = UNPOOLED, previous?: KeyExpositionBytes): KeyExpositionBytes {
  const steps = buildSteps(snapshot, slabs, previous);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Like {@link buildKeyExpositionBytes}, but gives the event loop a turn whenever it has worked for
 * `sliceMs`, so that rendering a large snapshot never blocks scrapes and polling for long.
 */
export async function buildKeyExpositionBytesAsync(snapshot: Snapshot | undefined, slabs: Slabs = UNPOOLED, previous?: KeyExpositionBytes, sliceMs = 10): Promise<KeyExpositionBytes> {
  const steps = buildSteps(snapshot, slabs, previous);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await turn();
      sliceStart = performance.now();
    }
  }
}

/**
 * The key and scope series of a snapshot valued at `nowMs`, as exposition text: the bytes a scrape
 * writes for them, joined. Pure; for tests and tools.
 */
export function renderKeyExposition(snapshot: Snapshot | undefined, nowMs: number): string {
  const { fixed, timed } = buildKeyExpositionBytes(snapshot);
  return Buffer.concat([...fixed, ...timed.flatMap((family) => [family.header, ...renderTimed(family, nowMs, UNPOOLED.take)])]).toString('utf8');
}

/** More than the longest value {@link writeSeconds} writes with its newline (String() of a double is at most 25 characters). */
const MAX_VALUE_BYTES = 32;

/** Below 2^43 ms (278 years) a double holds every millisecond exactly, so the digits are those of String(). */
const FAST_LIMIT_MS = 2 ** 43;

/**
 * Writes `ms / 1000` as `String(ms / 1000)` would, and a newline, at `at`; returns the new end.
 * Whole milliseconds (every time the APIs give) take a fast path that allocates nothing.
 */
function writeSeconds(out: Buffer, at: number, ms: number): number {
  if (!Number.isInteger(ms) || ms >= FAST_LIMIT_MS || ms <= -FAST_LIMIT_MS) {
    at += out.write(String(ms / 1000), at, 'latin1');
    out[at] = 10;
    return at + 1;
  }
  if (ms < 0) {
    out[at++] = 45; // -
    ms = -ms;
  }
  const millis = ms % 1000;
  let whole = (ms - millis) / 1000;
  let digits = 1;
  for (let rest = whole; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let index = at + digits - 1; index >= at; index--) {
    out[index] = 48 + (whole % 10);
    whole = Math.floor(whole / 10);
  }
  at += digits;
  if (millis !== 0) {
    out[at++] = 46; // .
    out[at++] = 48 + Math.floor(millis / 100);
    const rest = millis % 100;
    if (rest !== 0) {
      out[at++] = 48 + Math.floor(rest / 10);
      if (rest % 10 !== 0) out[at++] = 48 + (rest % 10);
    }
  }
  out[at] = 10;
  return at + 1;
}

/**
 * The series of a scrape-time family valued at `nowMs`, as exposition text (the HELP/TYPE lines
 * are in `timed.header`), written into slabs from `take`: each slab is yielded once full, so the
 * caller can send it, and give the event loop a turn, before the next one is written. No strings.
 */
export function* renderTimed(timed: TimedBytes, nowMs: number, take: () => Buffer): Generator<Buffer, void, undefined> {
  const { labels, firsts, ends, since, countdown } = timed;
  let out = take();
  let at = 0;
  for (let chunk = 0; chunk < labels.length; chunk++) {
    const source = labels[chunk]!;
    const last = chunk + 1 < firsts.length ? firsts[chunk + 1]! : ends.length;
    let labelStart = 0;
    for (let index = firsts[chunk]!; index < last; index++) {
      const labelEnd = ends[index]!;
      const need = labelEnd - labelStart + MAX_VALUE_BYTES;
      if (at + need > out.length) {
        if (at > 0) yield out.subarray(0, at);
        out = take();
        // A series longer than a slab (never seen: label values are short) gets a Buffer of its own.
        if (need > out.length) out = Buffer.allocUnsafe(need);
        at = 0;
      }
      at += source.copy(out, at, labelStart, labelEnd);
      labelStart = labelEnd;
      at = writeSeconds(out, at, countdown ? since[index]! - nowMs : nowMs - since[index]!);
    }
  }
  if (at > 0) yield out.subarray(0, at);
}
