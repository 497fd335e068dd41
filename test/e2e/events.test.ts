/**
 * The event trails end to end, against a real Prometheus. The simulator (in process) serves a small
 * data set with its generated trails; the built exporter polls it every 2 s as a child process;
 * Debian's prometheus scrapes it and evaluates prometheus/alerts.yaml every second. Then the
 * simulator's mutation API creates a key, deletes another, opens the first one's access list to
 * 0.0.0.0/0 and switches off the organisation's access-list requirement:
 * - within one poll cycle that starts after the changes, /metrics has the new event times and
 *   /events.json and / list each change (the created key linked to its row);
 * - Prometheus then has the series, and the change alerts fire: MongoDBApiKeyCreatedOrDeleted for
 *   the creation and the deletion, MongoDBApiKeyAccessListOpenedToAnyAddress,
 *   MongoDBApiKeyOrgAccessListNotRequired (and not MongoDBApiKeyAccessListEntryAdded: the newest
 *   entry is the any-address one);
 * - the exporter restarts (a new process on the same address, the same simulator) after Prometheus
 *   has seen it down: sampled every half second from before the stop until a few evaluations
 *   after the new process's first cycle, the firing alerts stay the same, each with the same
 *   activeAt (none resolved and fired again), and the event times come back unchanged.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exporterConfigFor, generateDataset, organizationsConfigFor, startSimulator, type Dataset, type SimEvent, type Simulator } from '../../src/simulator/index.js';
import { freePort, MAIN, spawnExporter, stopExporter, waitForStatus, type Exporter } from '../helpers/process.js';
import { until as waitUntil } from './until.js';
import { startPrometheus, type Prometheus, type PrometheusAlert } from './prometheus-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ALERTS_FILE = join(root, 'prometheus/alerts.yaml');
const JOB = 'mongodb-apikey-exporter';
const POLL_INTERVAL_S = 2;
/** Generous: the machine may be loaded; the figures the test reports are what it measured. */
const WAIT_MS = 60_000;

const dataset: Dataset = generateDataset({
  seed: 23,
  users: 1,
  keysPerUser: 2,
  projects: 2,
  keysPerProject: 1,
  orgs: 2,
  programmaticKeysPerOrg: 3,
  programmaticKeysPerProject: 1,
  serviceAccountsPerOrg: 1,
  secretsPerServiceAccount: 1,
  assignedServiceAccountsPerProject: 0,
});
// The organisation that requires API access lists: the change switches it off.
const ORG = dataset.orgs!.find((org) => org.apiAccessListRequired === true)!;
const TRAILS = dataset.orgs!.length + dataset.projects.filter((project) => project.orgId !== undefined).length;

let sim: Simulator | undefined;
let exporter: Exporter | undefined;
let prometheus: Prometheus | undefined;
let folder: string | undefined;
let exporterArgs: string[] = [];
let exporterUrl = '';
const figures: Record<string, number | string> = {};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (event: SimEvent): number => Date.parse(event.created) / 1000;

const logs = () => `exporter stderr:\n${exporter?.stderr().slice(-3000) ?? ''}\nprometheus log:\n${prometheus?.log().slice(-3000) ?? ''}`;
const until = <T>(what: string, condition: () => Promise<T | undefined | false>, timeoutMs = WAIT_MS): Promise<T> => waitUntil(what, condition, timeoutMs, logs);

const one = async (expr: string): Promise<number | undefined> => (await prometheus!.query(expr))[0]?.value;

/** An alert's identity: its name and labels. */
const identity = (alert: PrometheusAlert): string =>
  Object.entries(alert.labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
const firing = async (): Promise<Map<string, string>> =>
  new Map((await prometheus!.alerts()).filter((alert) => alert.state === 'firing').map((alert) => [identity(alert), alert.activeAt ?? '']));

interface EventsJson {
  lastPollAt: string;
  events: { id: string; type: string; anyAddress: boolean; key: { kind: string; keyId: string } | null; target: { publicKey: string | null } }[];
  trails: { orgId: string; projectId: string | null; up: boolean }[];
}
const eventsJson = async (search = ''): Promise<EventsJson> => (await (await fetch(`${exporterUrl}/events.json${search}`)).json()) as EventsJson;

function startExporter(): Exporter {
  return spawnExporter(exporterArgs);
}

async function waitReady(): Promise<void> {
  try {
    await waitForStatus(`${exporterUrl}/readyz`, 200, 30_000);
  } catch (error) {
    throw new Error(`${String(error)}\nexporter stderr:\n${exporter?.stderr().slice(-3000) ?? ''}\nstdout:\n${exporter?.stdout().slice(-3000) ?? ''}`);
  }
}

beforeAll(async () => {
  try {
    readFileSync(MAIN);
  } catch {
    throw new Error(`${MAIN} is missing: build first (npx tsc -p tsconfig.build.json, or npm test)`);
  }
  sim = await startSimulator({ dataset });
  folder = await mkdtemp(join(tmpdir(), 'apikey-e2e-events-'));
  const config = exporterConfigFor(sim, { interval: `${POLL_INTERVAL_S}s` }) as Record<string, unknown> & { poll: Record<string, unknown> };
  Object.assign(config.poll, { timeout: `${POLL_INTERVAL_S}s`, retries: 1 });
  config['organizations'] = organizationsConfigFor(sim);
  const configFile = join(folder, 'config.yaml');
  await writeFile(configFile, stringify(config), { mode: 0o600 });
  const port = await freePort();
  const instance = `127.0.0.1:${port}`;
  exporterUrl = `http://${instance}`;
  exporterArgs = [`--config.file=${configFile}`, `--web.listen-address=${instance}`];
  exporter = startExporter();
  await waitReady();
  prometheus = await startPrometheus({ targets: [instance], job: JOB, ruleFiles: [ALERTS_FILE], interval: '1s' });
  await until('every trail up in Prometheus', async () => (await one('count(mongodb_apikey_events_up == 1)')) === TRAILS);
  // A few evaluations of every rule on the unchanged data set.
  await sleep(3_000);
}, 90_000);

afterAll(async () => {
  if (Object.keys(figures).length > 0) console.info(`events e2e figures: ${JSON.stringify(figures)}`);
  await prometheus?.close();
  await stopExporter(exporter);
  await sim?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const CHANGE_ALERTS = new Set([
  'MongoDBApiKeyOrgAccessListNotRequired',
  'MongoDBApiKeyAccessListEntryAdded',
  'MongoDBApiKeyAccessListOpenedToAnyAddress',
  'MongoDBApiKeyRolesChanged',
  'MongoDBApiKeyCreatedOrDeleted',
  'MongoDBApiKeyEventsDown',
]);

describe('the event trails through a real Prometheus', () => {
  let created: Record<string, unknown> = {};
  let deleted: Record<string, unknown> = {};
  let changes: SimEvent[] = [];
  let before = new Map<string, string>();

  it('before any change, the generated trails make no change alert active', async () => {
    // An empty list of alerts means something only once every change rule is loaded and has been evaluated.
    const rules = (await prometheus!.rules()).flatMap((group) => group.rules);
    for (const name of CHANGE_ALERTS) expect(rules.find((rule) => rule.name === name)?.health, name).toBe('ok');
    const active = (await prometheus!.alerts()).filter((alert) => CHANGE_ALERTS.has(alert.labels['alertname']!));
    expect(active.map(identity)).toEqual([]);
    const json = await eventsJson();
    expect(json.trails).toHaveLength(TRAILS);
    expect(json.trails.every((trail) => trail.up)).toBe(true);
  });

  it('shows a created key, a deleted key, an access list opened to any address and the requirement switched off: in /metrics and /events.json within one cycle, then in Prometheus and its alerts', { timeout: 120_000 }, async () => {
    const changedAt = Date.now();
    created = sim!.mutate.createApiKey(ORG.id, { desc: 'E2E new key' });
    deleted = sim!.mutate.createApiKey(ORG.id, { desc: 'E2E short-lived key' });
    sim!.mutate.deleteApiKey(ORG.id, String(deleted['id']));
    sim!.mutate.addAccessListEntry(ORG.id, String(created['id']), '0.0.0.0/0');
    expect(sim!.mutate.setAccessListRequired(ORG.id, false)).toBeDefined();
    changes = [...sim!.mutate.events];
    const of = (type: string, publicKey?: unknown) => changes.find((event) => event.eventTypeName === type && (publicKey === undefined || event.targetPublicKey === publicKey))!;
    const createdEvent = of('API_KEY_CREATED', created['publicKey']);
    const deletedEvent = of('API_KEY_DELETED', deleted['publicKey']);
    const openedEvent = of('API_KEY_ACCESS_LIST_ENTRY_ADDED', created['publicKey']);
    const notRequiredEvent = of('ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED');
    expect(openedEvent.whitelistEntry).toBe('0.0.0.0/0');

    // The end of the first cycle that starts after the changes: the second completion after them.
    const completions = new Set<string>();
    const json = await until('two cycles completed after the changes', async () => {
      const doc = await eventsJson(`?eventScope=${ORG.id}`);
      if (Date.parse(doc.lastPollAt) > changedAt) completions.add(doc.lastPollAt);
      return completions.size >= 2 ? doc : undefined;
    });
    figures['cycleAfterChangesMs'] = Date.parse(json.lastPollAt) - changedAt;
    const listed = new Map(json.events.map((event) => [event.id, event]));
    for (const event of changes) expect(listed.get(event.id)?.type, event.eventTypeName).toBe(event.eventTypeName);
    // The new key is linked to its row; the deleted one is named, not linked.
    expect(listed.get(createdEvent.id)!.key).toMatchObject({ kind: 'programmatic', keyId: created['id'] });
    expect(listed.get(deletedEvent.id)!.key).toBeNull();
    expect(listed.get(deletedEvent.id)!.target.publicKey).toBe(deleted['publicKey']);
    expect(listed.get(openedEvent.id)!.anyAddress).toBe(true);
    const page = await (await fetch(`${exporterUrl}/?eventScope=${ORG.id}`)).text();
    for (const event of changes) expect(page).toContain(`<tr data-event-id="${event.id}"`);
    const anchor = `key-programmatic-${ORG.id}-${String(created['id'])}`;
    expect(page).toContain(` id="${anchor}">`);
    expect(page).toContain(`href="#${anchor}"`);
    const metrics = await (await fetch(`${exporterUrl}/metrics`)).text();
    const trail = `org_id="${ORG.id}"`;
    for (const [type, event] of [
      ['API_KEY_CREATED', createdEvent],
      ['API_KEY_DELETED', deletedEvent],
      ['ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED', notRequiredEvent],
    ] as const) {
      expect(metrics).toContain(`mongodb_apikey_event_last_timestamp_seconds{${trail},event_type="${type}"} ${seconds(event)}\n`);
    }
    expect(metrics).toContain(`mongodb_apikey_event_any_address_added_timestamp_seconds{${trail}} ${seconds(openedEvent)}\n`);

    // Prometheus: the series, then the alerts.
    const last = (type: string) => one(`mongodb_apikey_event_last_timestamp_seconds{org_id="${ORG.id}", project_id="", event_type="${type}"}`);
    await until('the event times in Prometheus', async () =>
      (await last('API_KEY_CREATED')) === seconds(createdEvent) &&
      (await last('API_KEY_DELETED')) === seconds(deletedEvent) &&
      (await last('ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED')) === seconds(notRequiredEvent) &&
      (await one(`mongodb_apikey_event_any_address_added_timestamp_seconds{org_id="${ORG.id}", project_id=""}`)) === seconds(openedEvent),
    );
    figures['seriesInPrometheusMs'] = Date.now() - changedAt;
    const want = [
      `alertname=MongoDBApiKeyAccessListOpenedToAnyAddress,instance=${exporterUrl.slice(7)},job=${JOB},org_id=${ORG.id},severity=critical`,
      `alertname=MongoDBApiKeyCreatedOrDeleted,event_type=API_KEY_CREATED,instance=${exporterUrl.slice(7)},job=${JOB},org_id=${ORG.id},severity=info`,
      `alertname=MongoDBApiKeyCreatedOrDeleted,event_type=API_KEY_DELETED,instance=${exporterUrl.slice(7)},job=${JOB},org_id=${ORG.id},severity=info`,
      `alertname=MongoDBApiKeyOrgAccessListNotRequired,event_type=ORG_PUBLIC_API_ACCESS_LIST_NOT_REQUIRED,instance=${exporterUrl.slice(7)},job=${JOB},org_id=${ORG.id},severity=warning`,
    ];
    const seenAt: Record<string, number> = {};
    await until('the change alerts firing', async () => {
      const now = await firing();
      for (const alert of want) if (now.has(alert) && seenAt[alert] === undefined) seenAt[alert] = Date.now() - changedAt;
      return want.every((alert) => now.has(alert));
    });
    for (const alert of want) figures[`firing ${alert.replace(/,instance=[^,]+,job=[^,]+/, '')} after ms`] = seenAt[alert]!;
    const alerts = await prometheus!.alerts();
    const changeAlerts = alerts.filter((alert) => CHANGE_ALERTS.has(alert.labels['alertname']!));
    // Exactly those: the newest entry added is the any-address one, so no MongoDBApiKeyAccessListEntryAdded.
    expect(changeAlerts.map((alert) => `${identity(alert)} ${alert.state}`).sort()).toEqual(want.map((alert) => `${alert} firing`).sort());
    for (const alert of changeAlerts) {
      for (const text of [alert.annotations['summary'], alert.annotations['description']]) expect(text).not.toMatch(/<error|\{\{|%!/);
      expect(alert.annotations['description']).toContain(`/?eventScope=${ORG.id}`);
    }
    // The new key, its creation time from its API_KEY_CREATED event, fires MongoDBApiKeyCreated too.
    const newKey = alerts.find((alert) => alert.labels['alertname'] === 'MongoDBApiKeyCreated' && alert.labels['key_id'] === created['id']);
    expect(newKey?.state).toBe('firing');
    figures['firingAlerts'] = [...(await firing()).keys()].map((alert) => alert.replace(/,instance=[^,]+,job=[^,]+/, '')).join(' | ');
  });

  it('a restart of the exporter neither fires nor resolves an alert', { timeout: 150_000 }, async () => {
    before = await firing();
    expect(before.size).toBeGreaterThanOrEqual(5);
    const timesBefore = await prometheus!.query('mongodb_apikey_event_last_timestamp_seconds');
    const samples: Map<string, string>[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await firing());
        await sleep(500);
      }
    })();
    try {
      const stoppedAt = Date.now();
      exporter!.child.kill('SIGTERM');
      expect(await exporter!.exited).toBe(0);
      await until('Prometheus to see the exporter down', async () => (await one(`up{job="${JOB}"}`)) === 0);
      exporter = startExporter();
      await waitReady();
      await until('the new process scraped, with every trail', async () =>
        (await one(`process_start_time_seconds{job="${JOB}"}`))! > stoppedAt / 1000 && (await one('count(mongodb_apikey_events_up == 1)')) === TRAILS,
      );
      figures['restartGapMs'] = Date.now() - stoppedAt;
      // A few evaluations (1 s apart) after the new process's series are back.
      await sleep(5_000);
      for (const group of await prometheus!.rules()) for (const rule of group.rules) expect(rule.health, rule.name).toBe('ok');
    } finally {
      sampling = false;
      await sampler;
    }
    expect(samples.length).toBeGreaterThan(5);
    for (const sample of samples) expect([...sample.keys()].sort()).toEqual([...before.keys()].sort());
    // The same alerts: none resolved and fired again meanwhile.
    expect(await firing()).toEqual(before);
    const timesAfter = await prometheus!.query('mongodb_apikey_event_last_timestamp_seconds');
    const byIdentity = (series: typeof timesBefore) => Object.fromEntries(series.map((s) => [JSON.stringify(s.metric), s.value]));
    expect(byIdentity(timesAfter)).toEqual(byIdentity(timesBefore));
    figures['alertSamplesThroughRestart'] = samples.length;
  });
});
