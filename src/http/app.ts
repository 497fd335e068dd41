import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { audit, recentChanges } from '../audit/audit.js';
import { parseChangeQuery } from '../audit/change-query.js';
import { DEFAULT_QUERY, parseAuditQuery } from '../audit/query.js';
import { CONTENT_TYPE } from '../metrics/contract.js';
import type { Exposition } from '../metrics/exposition.js';
import type { Snapshot } from '../model/snapshot.js';
import { AUDIT_CSP, renderAuditPage, renderBadQueryPage, renderWaitingPage } from './audit-page.js';
import { eventsJson } from './events-json.js';
import { auditJson } from './keys-json.js';

export interface AppOptions {
  readonly telemetryPath: string;
  readonly exposition: Exposition;
  /** True once the first poll cycle has completed. */
  readonly ready: () => boolean;
  /** The snapshot `/metrics` publishes; undefined before the first poll. `/`, `/keys.json` and `/events.json` read it. */
  readonly snapshot: () => Snapshot | undefined;
  /** Shown on `/`. */
  readonly version: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** Runs before every route, unknown paths included: the web config's headers, rate limit and basic auth. */
  readonly guard?: express.RequestHandler;
  /** `--web.enable-lifecycle`: `POST /-/reload` reloads the config file; without it the path is not found. */
  readonly reload?: () => Promise<void>;
}

/** Prometheus' lifecycle endpoint. */
const RELOAD_PATH = '/-/reload';

const JSON_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The HTTP surface. It only reads what the poller published; it never calls the APIs. */
export function createApp(options: AppOptions): express.Express {
  const { telemetryPath, exposition, ready, snapshot, version, log } = options;
  const page = { version, telemetryPath };
  const now = options.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);
  app.use((_request, response, next) => {
    response.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  if (options.guard) app.use(options.guard);

  const routes = new Map<string, (request: Request, response: Response) => Promise<void> | void>([
    [
      telemetryPath,
      async (request, response) => {
        // Closed once everything is sent or the client is gone: the body's buffers are free again.
        const released = new Promise<void>((resolve) => response.once('close', resolve));
        const compress = acceptsGzip(request.get('accept-encoding'));
        const setHeaders = () => {
          response.status(200).set('Content-Type', CONTENT_TYPE).set('Cache-Control', 'no-store');
          if (compress) response.set('Content-Encoding', 'gzip').set('Vary', 'Accept-Encoding');
        };
        if (request.method === 'HEAD') {
          setHeaders();
          response.end();
          return;
        }
        // Streamed (chunked): the fixed part goes out while the scrape-time series are rendered
        // slice by slice, and the event loop gets a turn between slices. The headers wait for the
        // first chunk, so that a failure before it is still a clean 500.
        const chunks = exposition.chunks(now(), compress, released);
        const first = await chunks.next();
        setHeaders();
        if (!first.done) response.write(first.value);
        for await (const chunk of chunks) {
          if (response.destroyed) break;
          response.write(chunk);
        }
        response.end();
      },
    ],
    ['/healthz', (_request, response) => void response.type('text/plain').send('ok\n')],
    [
      '/readyz',
      (_request, response) => {
        if (ready()) response.type('text/plain').send('ready\n');
        else response.status(503).type('text/plain').send('not ready: the first poll has not completed\n');
      },
    ],
    [
      '/',
      (request, response) => {
        response.set({ 'Content-Security-Policy': AUDIT_CSP, 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' }).type('html');
        const params = searchParams(request);
        const parsed = parseAuditQuery(params);
        const changes = parseChangeQuery(params, 'page');
        if (!parsed.ok || !changes.ok) {
          response.status(400).send(renderBadQueryPage(!parsed.ok ? parsed.error : !changes.ok ? changes.error : '', page, DEFAULT_QUERY));
          return;
        }
        const current = snapshot();
        response.send(current ? renderAuditPage(audit(current, parsed.query, now(), changes.query), page) : renderWaitingPage(parsed.query, page));
      },
    ],
    [
      '/keys.json',
      (request, response) => {
        response.set({ 'Content-Security-Policy': JSON_CSP, 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
        const parsed = parseAuditQuery(searchParams(request));
        const current = snapshot();
        if (!parsed.ok) response.status(400).json({ error: 'bad_request', message: parsed.error });
        else if (!current) response.status(503).json({ error: 'not_ready', message: 'the first poll has not completed' });
        else response.json(auditJson(audit(current, parsed.query, now())));
      },
    ],
    [
      '/events.json',
      (request, response) => {
        response.set({ 'Content-Security-Policy': JSON_CSP, 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' });
        const parsed = parseChangeQuery(searchParams(request), 'json');
        const current = snapshot();
        if (!parsed.ok) response.status(400).json({ error: 'bad_request', message: parsed.error });
        else if (!current) response.status(503).json({ error: 'not_ready', message: 'the first poll has not completed' });
        else response.json(eventsJson(recentChanges(current, parsed.query, now())));
      },
    ],
  ]);

  const { reload } = options;
  if (reload) {
    app.all(RELOAD_PATH, async (request, response) => {
      if (request.method !== 'POST' && request.method !== 'PUT') {
        response.status(405).set('Allow', 'POST, PUT').type('text/plain').send('method not allowed: reload with POST or PUT\n');
        return;
      }
      try {
        await reload();
      } catch (error) {
        // The loader's message names the file and the field, never a secret.
        response.status(500).type('text/plain').send(`failed to reload config: ${(error as Error).message}\n`);
        return;
      }
      response.status(200).type('text/plain').send('config reloaded\n');
    });
  }

  app.use(async (request, response, next) => {
    const handler = routes.get(request.path);
    if (handler === undefined) {
      response.status(404).type('text/plain').send('not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.status(405).set('Allow', 'GET, HEAD').type('text/plain').send('method not allowed\n');
      return;
    }
    try {
      await handler(request, response);
    } catch (error) {
      next(error);
    }
  });

  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    log.error({ err: error }, 'request failed');
    if (!response.headersSent) response.status(500).type('text/plain').send('internal error\n');
    else response.destroy();
  });
  return app;
}

/** The query string of a request (the app's query parser is off: parameters are read where used). */
function searchParams(request: Request): URLSearchParams {
  const at = request.originalUrl.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : request.originalUrl.slice(at + 1));
}

/** True when the client takes gzip (`gzip;q=0` refuses it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip' && coding?.trim() !== '*') return false;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
