import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { hash } from 'bcryptjs';
import { pino } from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { startExporter } from '../../src/exporter.js';
import { demoDatasetOptions, exporterConfigFor, generateDataset, organizationsConfigFor, startSimulator, type Dataset } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../helpers/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const HOSTILE = `<script>window.__pwned=1</script>"'&`;
const HOSTILE_ID = 'ffffffffffffffffffffff01';
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// The expected rows, computed from the raw API documents of the data set, apart from the exporter.
// ---------------------------------------------------------------------------------------------

type Doc = Record<string, any>;
const RISK_ORDER = ['expired', 'expiring', 'unrestricted', 'idle', 'never_used', 'disabled'];
const OPEN = new Set(['0.0.0.0/0', '::0/0', '0.0.0.0']);
const ms = (value: unknown): number | undefined => (value == null ? undefined : typeof value === 'number' ? value : Date.parse(String(value)));

interface Expected {
  kind: string;
  ownerId: string;
  keyId: string;
  risks: string[];
  createdAt?: number;
  idle?: number;
  expiresAt?: number;
}

function expectedRows(dataset: Dataset, now: number): Expected[] {
  const rows: Expected[] = [];
  for (const user of dataset.users) {
    for (const key of user.keys as Doc[]) {
      const createdAt = ms(key.createdAt)!;
      const lastUsed = ms(key.lastUsed);
      const risks: string[] = [];
      if (lastUsed !== undefined && now - lastUsed > 90 * DAY) risks.push('idle');
      if (lastUsed === undefined && key.usedCount === 0 && now - createdAt > 30 * DAY) risks.push('never_used');
      if (key.enabled === false) risks.push('disabled');
      rows.push({ kind: 'user', ownerId: user.id, keyId: key.id, risks, createdAt, idle: now - (lastUsed ?? createdAt) });
    }
  }
  for (const project of dataset.projects) {
    for (const key of project.agentKeys as Doc[]) rows.push({ kind: 'agent', ownerId: project.id, keyId: key._id ?? key.id, risks: [], createdAt: ms(key.createdTime)! });
  }
  for (const org of dataset.orgs ?? []) {
    const projects = dataset.projects.filter((project) => project.orgId === org.id);
    for (const key of [...org.programmaticKeys, ...projects.flatMap((project) => project.programmaticKeys ?? [])] as Doc[]) {
      const entries: Doc[] = org.accessLists[key.id] ?? [];
      const used = entries.map((entry) => ms(entry.lastUsed)).filter((value): value is number => value !== undefined);
      const lastUsed = used.length ? Math.max(...used) : undefined;
      const open = entries.some((entry) => OPEN.has(entry.cidrBlock ?? '') || OPEN.has(entry.ipAddress ?? '')) || (entries.length === 0 && !org.apiAccessListRequired);
      // The creation time: the newest API_KEY_CREATED of the key within the exporter's 90-day events lookback.
      const creations = Object.values(dataset.eventTrails ?? {})
        .flat()
        .filter((event) => event.eventTypeName === 'API_KEY_CREATED' && event.targetPublicKey === key.publicKey)
        .map((event) => ms(event.created)!)
        .filter((at) => at >= now - 90 * DAY);
      const createdAt = creations.length ? Math.max(...creations) : undefined;
      const risks: string[] = [];
      if (open) risks.push('unrestricted');
      if (lastUsed !== undefined && now - lastUsed > 90 * DAY) risks.push('idle');
      // Without a creation time a never-used programmatic key cannot be told from a new one.
      if (lastUsed === undefined && createdAt !== undefined && now - createdAt > 30 * DAY) risks.push('never_used');
      const since = lastUsed ?? createdAt;
      rows.push({ kind: 'programmatic', ownerId: org.id, keyId: key.id, risks, ...(createdAt !== undefined ? { createdAt } : {}), ...(since !== undefined ? { idle: now - since } : {}) });
    }
    // An organisation's accounts are its own; an account created in a project is the project's.
    const accounts = [...org.serviceAccounts.map((account) => ({ ownerId: org.id, account })), ...projects.flatMap((project) => (project.serviceAccounts ?? []).map((account) => ({ ownerId: project.id, account })))];
    for (const { ownerId, account } of accounts as { ownerId: string; account: Doc }[]) {
      // The secrets share their account's access list.
      const entries: Doc[] = org.serviceAccountAccessLists[account.clientId] ?? [];
      const open = entries.some((entry) => OPEN.has(entry.cidrBlock ?? '') || OPEN.has(entry.ipAddress ?? '')) || (entries.length === 0 && !org.apiAccessListRequired);
      for (const secret of account.secrets as Doc[]) {
        const createdAt = ms(secret.createdAt)!;
        const expiresAt = ms(secret.expiresAt)!;
        const lastUsed = ms(secret.lastUsedAt);
        const risks: string[] = [];
        if (expiresAt <= now) risks.push('expired');
        else if (expiresAt - now <= 14 * DAY) risks.push('expiring');
        if (open) risks.push('unrestricted');
        if (lastUsed !== undefined && now - lastUsed > 90 * DAY) risks.push('idle');
        if (lastUsed === undefined && now - createdAt > 30 * DAY) risks.push('never_used');
        rows.push({ kind: 'service_account', ownerId, keyId: secret.id, risks, createdAt, expiresAt, idle: now - (lastUsed ?? createdAt) });
      }
    }
  }
  return rows;
}

const rank = (row: Expected) => (row.risks.length ? RISK_ORDER.indexOf(row.risks[0]!) : RISK_ORDER.length);
const absentLast = (a: number | undefined, b: number | undefined, compare: (x: number, y: number) => number) =>
  a === undefined ? (b === undefined ? 0 : 1) : b === undefined ? -1 : compare(a, b);
const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Riskiest first; then more risks first; the earliest expiry or the longest idle; then kind, owner, key id. */
function byRisk(a: Expected, b: Expected): number {
  const top = a.risks[0];
  return (
    rank(a) - rank(b) ||
    b.risks.length - a.risks.length ||
    (top === 'expired' || top === 'expiring' ? absentLast(a.expiresAt, b.expiresAt, (x, y) => x - y) : absentLast(a.idle, b.idle, (x, y) => y - x)) ||
    text(a.kind, b.kind) ||
    text(a.ownerId, b.ownerId) ||
    text(a.keyId, b.keyId)
  );
}

// ---------------------------------------------------------------------------------------------

let browser: BrowserContext | undefined;
let profile: string | undefined;

/**
 * Debian's chromium, headless, with a new profile in a temporary folder. Playwright takes the
 * profile folder as launchPersistentContext's first argument rather than as --user-data-dir.
 */
async function launchChromium(): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests drive Debian's chromium (apt-get install chromium; .ci/run installs it)`);
  }
  profile = await mkdtemp(join(tmpdir(), 'apikey-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records every console message, page error and CSP violation. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /content security policy|refused to/i.test(message.text())) problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  // Injected by the browser's debugging protocol, which the page's CSP does not apply to.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations = [...(window.__violations ?? []), event.violatedDirective + ' ' + event.blockedURI];
  });`);
  return { page, problems };
}

const rowIds = (page: Page) => page.$$eval('#keys tbody tr[data-key-id]', (rows) => rows.map((row) => row.getAttribute('data-key-id')));

describe('the audit page in a real browser', () => {
  let stack: Stack | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    // The browser first: its keep-alive connections would hold the exporter's server open.
    await browser?.close();
    await stack?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('lists the keys riskiest first, escapes a hostile description, sorts and filters through its links', { timeout: 60_000 }, async () => {
    const dataset = generateDataset(demoDatasetOptions);
    const alice = dataset.users[0]!;
    alice.keys.push({
      id: HOSTILE_ID,
      userId: alice.id,
      description: HOSTILE,
      enabled: true,
      usedCount: 0,
      createdAt: new Date(Date.now() - 400 * DAY).toISOString().slice(0, 19) + 'Z',
      obfuscatedKey: '********-****-****-c0ffee00beef',
    });
    stack = await startStack({ dataset, configure: (config, sim) => (config.organizations = organizationsConfigFor(sim).filter((entry) => 'publicKey' in entry)) });
    const { page, problems } = await openPage();
    const base = stack.exporter.url;

    const now = Date.now();
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+={0,2}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'$/);

    // Every key on one page, in the order computed from the raw data set.
    const expected = expectedRows(dataset, now).sort(byRisk);
    expect(expected.length).toBeLessThan(200);
    expect(expected.filter((row) => row.risks.length > 0).length).toBeGreaterThan(10);
    expect(await rowIds(page)).toEqual(expected.map((row) => row.keyId));
    const risks = await page.$$eval('#keys tbody tr[data-key-id]', (rows) => rows.map((row) => row.getAttribute('data-risks')));
    expect(risks).toEqual(expected.map((row) => row.risks.join(' ')));
    // Each kind of risk of the data set is on the page, with its badge.
    for (const risk of RISK_ORDER) expect(await page.locator(`#keys .badge.r-${risk}`).count(), risk).toBeGreaterThan(0);

    // The hostile description is text, not markup.
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(await page.locator(`tr[data-key-id="${HOSTILE_ID}"] td.desc`).textContent()).toBe(HOSTILE);
    expect(await page.locator('script').count()).toBe(0);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'audit-page.png') });

    // Filter by kind with its link, then sort by age with the column header.
    await Promise.all([page.waitForURL(/kind=service_account/), page.click('a.pill[data-kind="service_account"]')]);
    const secrets = expected.filter((row) => row.kind === 'service_account');
    expect(await rowIds(page)).toEqual(secrets.map((row) => row.keyId));
    await Promise.all([page.waitForURL(/sort=age/), page.click('#keys th a[data-sort="age"]')]);
    expect(new URL(page.url()).search).toBe('?kind=service_account&sort=age');
    const oldestFirst = [...secrets].sort((a, b) => a.createdAt! - b.createdAt! || byRisk(a, b));
    expect(await rowIds(page)).toEqual(oldestFirst.map((row) => row.keyId));
    // The same header again reverses the order.
    await Promise.all([page.waitForURL(/dir=asc/), page.click('#keys th a[data-sort="age"]')]);
    expect(await rowIds(page)).toEqual([...secrets].sort((a, b) => b.createdAt! - a.createdAt! || byRisk(a, b)).map((row) => row.keyId));
    // Only those that need attention, keeping the kind and the sort.
    await Promise.all([page.waitForURL(/filter=attention/), page.click('a.pill[data-filter="attention"]')]);
    expect(new URL(page.url()).searchParams.get('kind')).toBe('service_account');
    expect(await rowIds(page)).toEqual(
      [...secrets]
        .filter((row) => row.risks.length > 0)
        .sort((a, b) => b.createdAt! - a.createdAt! || byRisk(a, b))
        .map((row) => row.keyId),
    );

    // The search form, back on every kind.
    await Promise.all([page.waitForURL(/\?filter=attention&sort=age&dir=asc$/), page.click('a.pill[data-kind="all"]')]);
    await page.goto(`${base}/`);
    await page.fill('input[name="q"]', '__pwned');
    await Promise.all([page.waitForURL(/q=__pwned/), page.press('input[name="q"]', 'Enter')]);
    expect(await rowIds(page)).toEqual([HOSTILE_ID]);

    // /keys.json has the same rows in the same order.
    const json = (await (await fetch(`${base}/keys.json`)).json()) as { keys: { keyId: string; description: string; risks: string[] }[] };
    expect(json.keys.map((key) => key.keyId)).toEqual(expected.map((row) => row.keyId));
    expect(json.keys.find((key) => key.keyId === HOSTILE_ID)).toMatchObject({ description: HOSTILE, risks: ['never_used'] });

    expect(await page.evaluate('window.__violations ?? []')).toEqual([]);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it("lists the recent changes newest first, filters them, and links a change to its key's row", { timeout: 60_000 }, async () => {
    const { page, problems } = await openPage();
    const base = stack!.exporter.url;
    await page.goto(`${base}/`);
    const changeIds = () => page.$$eval('#changes tbody tr[data-event-id]', (rows) => rows.map((row) => row.getAttribute('data-event-id')));
    const json = (await (await fetch(`${base}/events.json?page=1&limit=50`)).json()) as { total: number; events: { id: string; type: string; category: string; createdAt: string; key: { kind: string; ownerId: string; keyId: string } | null }[] };
    // The generated trails of the demo organisations: the page's first 50, in the order of /events.json.
    expect(json.total).toBeGreaterThan(10);
    expect(await changeIds()).toEqual(json.events.map((event) => event.id));
    const times = json.events.map((event) => Date.parse(event.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // A change's key link goes to the key's row.
    const linked = json.events.find((event) => event.key !== null)!;
    const anchor = `key-${linked.key!.kind}-${linked.key!.ownerId}-${linked.key!.keyId}`;
    await Promise.all([page.waitForURL(new RegExp(`#${anchor}$`)), page.click(`#changes tr[data-event-id="${linked.id}"] a[data-key-link]`)]);
    expect(await page.locator(`#keys tr:target`).getAttribute('data-key-id')).toBe(linked.key!.keyId);

    // Only the service accounts' changes, keeping the key table's parameters.
    await page.goto(`${base}/?kind=programmatic`);
    await Promise.all([page.waitForURL(/eventType=service_account/), page.click('a.pill[data-event-type="service_account"]')]);
    expect(new URL(page.url()).searchParams.get('kind')).toBe('programmatic');
    const accounts = (await (await fetch(`${base}/events.json?eventType=service_account`)).json()) as { events: { id: string }[] };
    expect(accounts.events.length).toBeGreaterThan(0);
    expect(await changeIds()).toEqual(accounts.events.slice(0, 50).map((event) => event.id));
    expect(await page.$$eval('#changes tbody tr[data-event-type]', (rows) => rows.every((row) => row.getAttribute('data-event-type')!.startsWith('SERVICE_ACCOUNT_')))).toBe(true);

    expect(await page.evaluate('window.__violations ?? []')).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe('the audit page behind basic auth', () => {
  it('answers 401 on /, /keys.json and /events.json without credentials, and serves them with', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'apikey-audit-auth-'));
    const sim = await startSimulator({ dataset: generateDataset({ seed: 5, users: 1, keysPerUser: 3, projects: 1, keysPerProject: 1 }) });
    const configFile = join(folder, 'config.yaml');
    const webFile = join(folder, 'web.yml');
    await writeFile(configFile, stringify(exporterConfigFor(sim, { interval: '1h' })));
    await writeFile(webFile, stringify({ basic_auth_users: { auditor: await hash('s3cret pass', 4) } }));
    const exporter = await startExporter({
      config: await loadConfig(configFile),
      listenHost: '127.0.0.1',
      listenPort: 0,
      telemetryPath: '/metrics',
      log: pino({ level: 'silent' }, new Writable({ write: (_chunk, _encoding, done) => done() })),
      retryBaseMs: 10,
      webConfigFile: webFile,
    });
    try {
      const good = { authorization: `Basic ${Buffer.from('auditor:s3cret pass').toString('base64')}` };
      const bad = { authorization: `Basic ${Buffer.from('auditor:wrong').toString('base64')}` };
      for (const path of ['/', '/keys.json', '/?kind=user', '/keys.json?sort=nope', '/events.json', '/events.json?eventType=nope']) {
        for (const headers of [{}, bad]) {
          const response = await fetch(`${exporter.url}${path}`, { headers });
          expect(response.status, path).toBe(401);
          expect(response.headers.get('www-authenticate')).toBe('Basic realm="mongodb-apikey-exporter"');
          expect(await response.text()).not.toMatch(/mongodb_apikey_|keyId|data-key-id|eventType/);
        }
      }
      const deadline = Date.now() + 20_000;
      while (exporter.poller.snapshot === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const page = await fetch(`${exporter.url}/`, { headers: good });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('data-key-id=');
      const json = await fetch(`${exporter.url}/keys.json`, { headers: good });
      expect(json.status).toBe(200);
      expect(((await json.json()) as { keys: unknown[] }).keys).toHaveLength(4);
      const events = await fetch(`${exporter.url}/events.json`, { headers: good });
      expect(events.status).toBe(200);
      expect((await events.json()) as { events: unknown[] }).toMatchObject({ events: [], total: 0 });
    } finally {
      await exporter.close();
      await sim.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
