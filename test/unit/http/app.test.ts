import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/http/app.js';
import { STYLE_HASH } from '../../../src/http/audit-page.js';
import { Exposition } from '../../../src/metrics/exposition.js';
import { ExporterMetrics } from '../../../src/metrics/exporter-metrics.js';
import type { Snapshot } from '../../../src/model/snapshot.js';
import { EXPECTED_CHANGES, EXPECTED_ORDER, NOW, SNAPSHOT } from '../audit/fixture.js';

let server: Server | undefined;
afterEach(async () => {
  server?.close();
  server = undefined;
});

/** The HTTP surface on port 0, reading `current` as the published snapshot, at the fixture's clock. */
async function serve(current: () => Snapshot | undefined): Promise<string> {
  const exposition = new Exposition(new ExporterMetrics('test'));
  const app = createApp({ telemetryPath: '/metrics', exposition, ready: () => current() !== undefined, snapshot: current, version: '9.9.9', log: pino({ level: 'silent' }), now: () => NOW });
  server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('/ and /keys.json', () => {
  it('before the first poll: / is 200 with a notice, /keys.json 503 with a JSON body', async () => {
    const base = await serve(() => undefined);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('The first poll has not completed yet');
    const json = await fetch(`${base}/keys.json`);
    expect(json.status).toBe(503);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ error: 'not_ready', message: 'the first poll has not completed' });
  });

  it('serves the page with the security headers, and the same rows as JSON', async () => {
    const base = await serve(() => SNAPSHOT);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toBe(`default-src 'none'; style-src '${STYLE_HASH}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`);
    expect(csp).not.toContain('unsafe');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect([...html.matchAll(/<tr data-key-id="([^"]*)"/g)].map((match) => match[1])).toEqual(EXPECTED_ORDER);

    const json = await fetch(`${base}/keys.json?kind=service_account&sort=expires&dir=desc`);
    expect(json.status).toBe(200);
    expect(json.headers.get('x-content-type-options')).toBe('nosniff');
    expect(json.headers.get('referrer-policy')).toBe('no-referrer');
    const body = (await json.json()) as Record<string, any>;
    expect(body.keys.map((key: any) => key.keyId)).toEqual(['sa-valid', 'sa-expiring-10', 'sa-expiring-5', 'sa-expired']);
    expect(body.generatedAt).toBe(new Date(NOW).toISOString());
    const all = (await (await fetch(`${base}/keys.json`)).json()) as Record<string, any>;
    expect(all.keys.map((key: any) => key.keyId)).toEqual(EXPECTED_ORDER);
    expect(all.scopes).toHaveLength(SNAPSHOT.scopes.length);
  });

  it('answers 400 to a bad parameter, on both, and never crashes', async () => {
    const base = await serve(() => SNAPSHOT);
    for (const search of ['sort=nope', 'page=0', 'kind=robot', 'limit=1e9', 'sort=age&sort=idle', 'dir=%3Cscript%3E']) {
      const page = await fetch(`${base}/?${search}`);
      expect(page.status, search).toBe(400);
      expect(await page.text()).not.toContain('<script>');
      const json = await fetch(`${base}/keys.json?${search}`);
      expect(json.status, search).toBe(400);
      expect(((await json.json()) as { error: string }).error).toBe('bad_request');
    }
    // Malformed percent-encoding and unknown parameters are not errors.
    for (const search of ['q=%E0%A4%A', 'q=%', 'utm=1', '&&&=', 'q=%00']) expect((await fetch(`${base}/?${search}`)).status, search).toBe(200);
    expect((await fetch(`${base}/keys.json`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('/events.json', () => {
  it('before the first poll: 503 with a JSON body', async () => {
    const base = await serve(() => undefined);
    const json = await fetch(`${base}/events.json`);
    expect(json.status).toBe(503);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.json()).toEqual({ error: 'not_ready', message: 'the first poll has not completed' });
  });

  it('answers every change newest first with the JSON headers, the filters of the page, and pages like /keys.json', async () => {
    const base = await serve(() => SNAPSHOT);
    const all = await fetch(`${base}/events.json`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/^application\/json/);
    expect(all.headers.get('content-security-policy')).toBe("default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect(all.headers.get('x-content-type-options')).toBe('nosniff');
    expect(all.headers.get('referrer-policy')).toBe('no-referrer');
    expect(all.headers.get('cache-control')).toBe('no-store');
    const body = (await all.json()) as Record<string, any>;
    expect(body.events.map((event: any) => event.id)).toEqual(EXPECTED_CHANGES);
    expect(body.total).toBe(EXPECTED_CHANGES.length);
    expect(body.page).toBeUndefined();
    const org = (await (await fetch(`${base}/events.json?eventType=org`)).json()) as Record<string, any>;
    expect(org.events.map((event: any) => event.id)).toEqual(['ev-not-required']);
    const paged = (await (await fetch(`${base}/events.json?eventScope=o-acme&limit=4&page=2`)).json()) as Record<string, any>;
    expect(paged).toMatchObject({ total: 6, page: 2, pages: 2, limit: 4 });
    expect(paged.events.map((event: any) => event.id)).toEqual(EXPECTED_CHANGES.slice(4));
    // The key table's parameters are not its own: ignored.
    expect(((await (await fetch(`${base}/events.json?kind=user&sort=age`)).json()) as Record<string, any>).total).toBe(6);
  });

  it('answers 400 to a bad parameter on it and on the page, and never crashes', async () => {
    const base = await serve(() => SNAPSHOT);
    for (const search of ['eventType=NOPE', 'eventScope=%3Cscript%3E', 'page=0', 'limit=1e9', 'eventType=org&eventType=api_key']) {
      const json = await fetch(`${base}/events.json?${search}`);
      expect(json.status, search).toBe(400);
      expect(((await json.json()) as { error: string }).error).toBe('bad_request');
    }
    for (const search of ['eventType=NOPE', 'eventScope=%3Cscript%3E', 'eventPage=0']) {
      const page = await fetch(`${base}/?${search}`);
      expect(page.status, search).toBe(400);
      const text = await page.text();
      expect(text).toContain(search.split('=')[0]!);
      expect(text).not.toContain('<script>');
    }
    expect((await fetch(`${base}/events.json`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/events.json`, { method: 'HEAD' })).status).toBe(200);
  });
});
