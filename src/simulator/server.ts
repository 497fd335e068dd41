import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dataset } from './dataset.js';
import { DigestAuthority, type ChallengeStyle } from './digest.js';
import { FaultTable, HTML_PAGE, truncateJson, type Fault, type FaultRule } from './faults.js';
import { statusReply, type Reply } from './responses.js';
import { API_PREFIXES, DatasetView, handleRoute, matchRoute, secretOf, type Principal, type Route } from './routes.js';

export type { Fault, FaultRule } from './faults.js';

/** How to start a simulator. */
export interface SimulatorOptions {
  dataset: Dataset;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added to every request, challenges included. */
  latencyMs?: number;
  nonceTtlMs?: number;
  challengeStyle?: ChallengeStyle;
}

/** Request counters; one live object, reset in place by `resetStats()`. */
export interface SimulatorStats {
  requests: number;
  /** Authenticated requests. */
  dataRequests: number;
  /** 401s with a challenge because auth was missing, stale or invalid. */
  challenges: number;
  /** Authorization headers that were malformed, for an unknown user or nonce, the wrong uri, or the wrong secret. */
  badDigests: number;
  /** Authorization headers that reused an `nc` of their nonce. */
  replays: number;
  inFlight: number;
  maxInFlight: number;
  /** Requests by route template (`/users/{USER-ID}/keys`, …, `unmatched`), challenges included. */
  byRoute: Record<string, number>;
}

/** A running simulator. */
export interface Simulator {
  /** `http://host:port`. */
  url: string;
  /** `url + '/api/atlas/v1.0'`. */
  atlasBaseUrl: string;
  /** `url + '/api/public/v1.0'`. */
  publicBaseUrl: string;
  /** Live: tests may push or remove projects, users and keys (or assign a new data set) between cycles. */
  dataset: Dataset;
  stats: SimulatorStats;
  resetStats(): void;
  /** Target: a user id, a project id, `byName:<username>`, or `groups`; undefined clears. */
  setFault(target: string, rule: FaultRule | Fault | undefined): void;
  setLatency(ms: number): void;
  /** Makes every nonce issued so far stale. */
  expireNonces(): void;
  /** Stops listening and destroys every open socket, hung requests included. */
  close(): Promise<void>;
}

const SERVICE_VERSION = 'gitHash=simulator; versionString=mongodb-apikey-exporter-simulator';

function emptyStats(): SimulatorStats {
  return { requests: 0, dataRequests: 0, challenges: 0, badDigests: 0, replays: 0, inFlight: 0, maxInFlight: 0, byRoute: {} };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType,
    'Content-Length': Buffer.byteLength(reply.body),
    'X-MongoDB-Service-Version': SERVICE_VERSION,
    ...reply.headers,
  });
  res.end(reply.body);
}

/** Starts a fake of the Atlas and Cloud Manager APIs on real HTTP; see DESIGN.md for the behaviour it copies. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  let dataset = options.dataset;
  let latencyMs = options.latencyMs ?? 0;
  const digest = new DigestAuthority({
    ...(options.nonceTtlMs === undefined ? {} : { nonceTtlMs: options.nonceTtlMs }),
    ...(options.challengeStyle === undefined ? {} : { challengeStyle: options.challengeStyle }),
  });
  const view = new DatasetView(() => dataset);
  const faults = new FaultTable();
  const stats = emptyStats();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (ms: number, run: () => void): void => {
    if (!(ms > 0)) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void => {
    if (res.destroyed) return;
    let principal: Principal | undefined;
    const verdict = digest.verify(
      { method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization },
      (username) => {
        principal = view.principal(route.store, username);
        return principal === undefined ? undefined : secretOf(principal);
      },
    );
    if (!verdict.ok || principal === undefined) {
      stats.challenges++;
      if (!verdict.ok && verdict.failure === 'replay') stats.replays++;
      else if (!verdict.ok && verdict.failure !== 'missing' && verdict.failure !== 'stale-nonce') stats.badDigests++;
      const reply = statusReply(401);
      send(res, { ...reply, headers: { 'WWW-Authenticate': digest.challenge(!verdict.ok && verdict.stale) } });
      return;
    }
    stats.dataRequests++;
    if (req.method !== 'GET') {
      send(res, { ...statusReply(405), headers: { Allow: 'GET' } });
      return;
    }
    const origin = `http://${req.headers.host ?? hostPort}`;
    const real = (): Reply => handleRoute(route, { view, principal: principal as Principal, query, origin });
    const fault = faults.take(route.target);
    if (fault === undefined) {
      send(res, real());
      return;
    }
    applyFault(res, fault, real, later);
  };

  const server = createServer((req, res) => {
    stats.requests++;
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    // 'close' fires once the response is finished or its socket is gone, whichever comes first.
    res.once('close', () => stats.inFlight--);
    res.on('error', () => undefined);
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
    const route = matchRoute(pathname);
    stats.byRoute[route.template] = (stats.byRoute[route.template] ?? 0) + 1;
    later(latencyMs, () => answer(req, res, route, query));
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `http://${hostPort}`;

  return {
    url,
    atlasBaseUrl: url + API_PREFIXES.atlas,
    publicBaseUrl: url + API_PREFIXES.public,
    get dataset(): Dataset {
      return dataset;
    },
    set dataset(next: Dataset) {
      dataset = next;
    },
    stats,
    resetStats(): void {
      Object.assign(stats, emptyStats(), { inFlight: stats.inFlight, maxInFlight: stats.inFlight });
    },
    setFault(target: string, rule: FaultRule | Fault | undefined): void {
      faults.set(target, rule);
    },
    setLatency(ms: number): void {
      latencyMs = ms;
    },
    expireNonces(): void {
      digest.expireNonces();
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function applyFault(res: ServerResponse, fault: Fault, real: () => Reply, later: (ms: number, run: () => void) => void): void {
  switch (fault.type) {
    case 'status': {
      const reply = statusReply(fault.status);
      const retryAfter = fault.status === 429 && fault.retryAfterSeconds !== undefined;
      send(res, retryAfter ? { ...reply, headers: { 'Retry-After': String(fault.retryAfterSeconds) } } : reply);
      return;
    }
    case 'hang':
      // Never answered: the socket stays open until the client gives up or close() destroys it.
      return;
    case 'reset': {
      const body = Buffer.from(okBody(real()));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length, 'X-MongoDB-Service-Version': SERVICE_VERSION });
      res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => res.destroy());
      return;
    }
    case 'truncated':
      send(res, { status: 200, body: truncateJson(okBody(real())), contentType: 'application/json' });
      return;
    case 'html':
      send(res, { status: 200, body: HTML_PAGE, contentType: 'text/html; charset=utf-8' });
      return;
    case 'latency':
      later(fault.ms, () => send(res, real()));
      return;
    case 'body':
      send(res, { status: 200, body: JSON.stringify(fault.body) ?? 'null', contentType: 'application/json' });
      return;
  }
}

/** The body of a real reply, padded so that half of it is still a non-empty prefix. */
function okBody(reply: Reply): string {
  return reply.body.length >= 2 ? reply.body : '{"results":[]}';
}
