import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { DatasetView, secretOf, type Principal } from './dataset-view.js';
import type { Dataset } from './dataset/index.js';
import { DigestAuthority, type ChallengeStyle } from './digest.js';
import { DatasetMutator, type DatasetMutatorOptions } from './mutation.js';
import { FaultTable, HTML_PAGE, truncateJson, type Fault, type FaultRule } from './faults.js';
import { pagingBehaviour, pagingQuery, reshapePagedReply, type PagingBehaviour, type PagingMode } from './paging.js';
import { oauthError, parseBasicAuthorization, sameSecret, TokenAuthority, tokenReply } from './oauth.js';
import { DEFAULT_RATE_LIMIT, rateLimitHeaders, TokenBuckets, tokenBucketReply, type RateLimitOptions } from './rate-limit.js';
import { statusReply, type Reply } from './responses.js';
import { invalidVersionReply, negotiateVersion, versionedContentType } from './routes/admin-api-v2.js';
import { API_PREFIXES, handleRoute, matchRoute, type Route } from './routes/index.js';

export type { Fault, FaultRule } from './faults.js';
export type { PagingBehaviour, PagingMode } from './paging.js';

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
  /** Lifetime of OAuth access tokens; default 3600 (the documented hour). */
  tokenTtlSeconds?: number;
  /** The v2 token buckets (one per credential); default capacity 1000, refill 1000 per 60 s. */
  rateLimit?: RateLimitOptions;
  /** How every list pages (see PagingBehaviour); default `exact`. */
  paging?: PagingMode | PagingBehaviour;
  /** Keep {@link Simulator.requestLog}; off by default, so a simulator sharing a heap with what it tests holds nothing per request. */
  logRequests?: boolean;
  /** Mutation mode: one change of {@link DatasetMutator.step} (with its event) this often; off by default. */
  mutateEveryMs?: number;
  /** The seed and clock of {@link Simulator.mutate}'s changes (default seed 1, `Date.now`). */
  mutation?: DatasetMutatorOptions;
  /** Serve HTTPS with this certificate and key (PEM); with `clientCa`, a client certificate signed by it is required. */
  tls?: { cert: string; key: string; clientCa?: string };
  /** Gzip every reply to a request that accepts it (`Accept-Encoding: gzip`), as MongoDB Cloud does; off by default. */
  gzip?: boolean;
}

/** One authenticated request, as it arrived. */
export interface LoggedRequest {
  /** `Date.now()` on arrival. */
  at: number;
  /** Who it authenticated as: `user:<username>`, `key:<publicKey>` or `sa:<clientId>`. */
  credential: string;
  /** The route template. */
  route: string;
  /** The path and query. */
  url: string;
}

/** The request log keeps at least this many of the latest authenticated requests. */
export const REQUEST_LOG_SIZE = 10_000;

/** Counters of the Atlas Admin API v2 and its OAuth endpoints; one live object, reset in place by `resetStats()`. */
export interface SimulatorAdminApiStats {
  tokensIssued: number;
  tokensRevoked: number;
  /** Requests that carried `Authorization: Bearer`, accepted or not. */
  bearerRequests: number;
  /** Bearer tokens refused (unknown, expired or revoked). */
  rejectedTokens: number;
  /** Token requests refused with `invalid_client`. */
  invalidClients: number;
  /** v2 requests refused with 406 `INVALID_VERSION_DATE`. */
  notAcceptable: number;
  /** v2 requests refused by the token bucket. */
  rateLimited: number;
  /** Tokens neither expired nor revoked, now (computed on read). */
  readonly activeTokens: number;
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
  /** 401s with `stale=true`: the digest was right but its nonce had expired. */
  staleNonces: number;
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
  /** `url + '/api/atlas/v2'`. */
  atlasV2BaseUrl: string;
  /** `url + '/api/oauth/token'`. */
  tokenUrl: string;
  /** `url + '/api/oauth/revoke'`. */
  revokeUrl: string;
  /** OAuth, bearer-token and Admin API v2 counters. */
  adminApiStats: SimulatorAdminApiStats;
  /** Live: tests may push or remove projects, users and keys (or assign a new data set) between cycles. */
  dataset: Dataset;
  /** Changes the live data set, each change with its event (see {@link DatasetMutator}); mutation mode calls its `step()`. */
  readonly mutate: DatasetMutator;
  stats: SimulatorStats;
  resetStats(): void;
  /** Target: as `FaultTable` lists them (a user id, a project id, `byName:<username>`, `groups`, an organization id, …); undefined clears. */
  setFault(target: string, rule: FaultRule | Fault | undefined): void;
  setLatency(ms: number): void;
  /**
   * Accepts only `secret` for `id` from now on (a username, a public key or a service account's
   * client id), as after a rotation at MongoDB Cloud; tokens issued before stay valid until they
   * expire. False when no credential has that id.
   */
  rotateSecret(id: string, secret: string): boolean;
  /** Makes every nonce issued so far stale. */
  expireNonces(): void;
  /** Expires every OAuth access token issued so far. */
  expireTokens(): void;
  /** Refills every v2 token bucket. */
  resetRateLimits(): void;
  /** Changes how every list pages from the next request on. */
  setPaging(paging: PagingMode | PagingBehaviour): void;
  /** With `logRequests`: the latest authenticated requests in arrival order (at least {@link REQUEST_LOG_SIZE}); emptied by `resetStats()`. */
  readonly requestLog: readonly LoggedRequest[];
  /** Stops listening and destroys every open socket, hung requests included. */
  close(): Promise<void>;
}

const SERVICE_VERSION = 'gitHash=simulator; versionString=mongodb-apikey-exporter-simulator';

function emptyStats(): SimulatorStats {
  return { requests: 0, dataRequests: 0, challenges: 0, badDigests: 0, replays: 0, staleNonces: 0, inFlight: 0, maxInFlight: 0, byRoute: {} };
}

function emptyAdminApiStats(): Omit<SimulatorAdminApiStats, 'activeTokens'> {
  return { tokensIssued: 0, tokensRevoked: 0, bearerRequests: 0, rejectedTokens: 0, invalidClients: 0, notAcceptable: 0, rateLimited: 0 };
}

/** The largest form body the token endpoints read. */
const MAX_FORM_BYTES = 16_384;

/** The responses whose body goes out gzipped (the `gzip` option, and a request that accepts it). */
const gzipped = new WeakSet<ServerResponse>();

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.writableEnded) return;
  const body = gzipped.has(res) ? gzipSync(reply.body) : reply.body;
  res.writeHead(reply.status, {
    'Content-Type': reply.contentType,
    'Content-Length': Buffer.byteLength(body),
    'X-MongoDB-Service-Version': SERVICE_VERSION,
    ...(gzipped.has(res) ? { 'Content-Encoding': 'gzip' } : {}),
    ...reply.headers,
  });
  res.end(body);
}

/** Starts a fake of the Atlas and Cloud Manager APIs on real HTTP, digest and OAuth included. */
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
  let paging = pagingBehaviour(options.paging);
  let requestLog: LoggedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const mutate = new DatasetMutator(() => dataset, options.mutation);

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

  const tokens = new TokenAuthority(options.tokenTtlSeconds === undefined ? {} : { ttlSeconds: options.tokenTtlSeconds });
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const buckets = new TokenBuckets(rateLimit);
  const adminApiStats = emptyAdminApiStats() as SimulatorAdminApiStats;
  Object.defineProperty(adminApiStats, 'activeTokens', { enumerable: true, get: () => tokens.active(), set: () => undefined });

  /** A request that has not authenticated draws from the bucket of its address. */
  const unauthenticatedRateLimitHeaders = (req: IncomingMessage): Record<string, string> => rateLimitHeaders(buckets.take(`ip:${req.socket.remoteAddress ?? ''}`));

  const challenge = (res: ServerResponse, stale: boolean, headers: Record<string, string> = {}): void => {
    stats.challenges++;
    const reply = statusReply(401);
    send(res, { ...reply, headers: { ...headers, 'WWW-Authenticate': digest.challenge(stale) } });
  };

  /** Serves a reply (or a fault instead of it), decorated for v2 when `decorate` is given. */
  const serve = (res: ServerResponse, route: Route, real: () => Reply, decorate?: (reply: Reply) => Reply): void => {
    const fault = faults.take(route.target) ?? faults.take(route.scopeTarget);
    const finish = decorate ?? ((reply: Reply) => reply);
    if (fault?.type === 'expire-nonces') digest.expireNonces();
    if (fault === undefined || fault.type === 'expire-nonces') {
      send(res, finish(real()));
      return;
    }
    applyFault(res, fault, () => finish(real()), later, finish, (retryAfter) => tokenBucketReply(bucketPath(route), retryAfter, rateLimit));
  };

  const answer = (req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void => {
    if (res.destroyed) return;
    if (route.api === 'oauth') {
      answerOAuth(req, res, route);
      return;
    }
    let principal: Principal | undefined;
    const authorization = req.headers.authorization;
    const bearer = route.api === 'v2' && authorization !== undefined ? /^\s*bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    // v2 answers carry the rate-limit headers of the caller's bucket (its address until it authenticates).
    let v2Headers: Record<string, string> = {};
    if (bearer !== null) {
      adminApiStats.bearerRequests++;
      const verdict = tokens.verify(bearer[1] ?? '');
      const credential = verdict.ok ? view.oauthClient(verdict.clientId) : undefined;
      if (credential === undefined) {
        adminApiStats.rejectedTokens++;
        challenge(res, false, unauthenticatedRateLimitHeaders(req));
        return;
      }
      principal = { kind: 'org', credential, via: 'bearer' };
    } else {
      const verdict = digest.verify({ method: req.method ?? 'GET', url: req.url ?? '/', authorization }, (username) => {
        principal = view.principal(route.store, username);
        return principal === undefined ? undefined : secretOf(principal);
      });
      if (!verdict.ok || principal === undefined) {
        if (!verdict.ok && verdict.failure === 'replay') stats.replays++;
        else if (!verdict.ok && verdict.failure === 'stale-nonce') stats.staleNonces++;
        else if (!verdict.ok && verdict.failure !== 'missing') stats.badDigests++;
        const headers = route.api === 'v2' ? unauthenticatedRateLimitHeaders(req) : {};
        challenge(res, !verdict.ok && verdict.stale, headers);
        return;
      }
    }
    stats.dataRequests++;
    const who = principal;
    if (options.logRequests === true) {
      requestLog.push({ at: Date.now(), credential: bucketKey(who), route: route.template, url: req.url ?? '/' });
      if (requestLog.length >= 2 * REQUEST_LOG_SIZE) requestLog = requestLog.slice(-REQUEST_LOG_SIZE);
    }
    if (route.api === 'v2') {
      const take = buckets.take(bucketKey(who));
      v2Headers = rateLimitHeaders(take);
      if (!take.allowed) {
        adminApiStats.rateLimited++;
        const reply = tokenBucketReply(bucketPath(route), take.retryAfterSeconds, rateLimit);
        send(res, { ...reply, headers: { ...reply.headers, ...v2Headers } });
        return;
      }
    }
    if (req.method !== 'GET') {
      send(res, { ...statusReply(405), headers: { ...v2Headers, Allow: 'GET' } });
      return;
    }
    let decorate: ((reply: Reply) => Reply) | undefined;
    if (route.api === 'v2' && route.versions !== undefined) {
      const version = negotiateVersion(req.headers.accept, route.versions ?? []);
      if (version === undefined) {
        adminApiStats.notAcceptable++;
        send(res, { ...invalidVersionReply(), headers: v2Headers });
        return;
      }
      const contentType = versionedContentType(version);
      decorate = (reply) => ({
        ...reply,
        contentType: reply.status < 300 && reply.contentType === 'application/json' ? contentType : reply.contentType,
        headers: { ...reply.headers, ...v2Headers },
      });
    }
    const origin = `${scheme}://${req.headers.host ?? hostPort}`;
    const pretty = query.get('pretty') === 'true';
    const real = () => reshapePagedReply(handleRoute(route, { view, principal: who, query: pagingQuery(query, paging), origin }), paging, pretty);
    serve(res, route, real, decorate);
  };

  const answerOAuth = (req: IncomingMessage, res: ServerResponse, route: Route): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (res.destroyed) return;
      if (req.method !== 'POST') {
        send(res, { ...statusReply(405), headers: { Allow: 'POST' } });
        return;
      }
      const basic = parseBasicAuthorization(req.headers.authorization);
      const client = basic === undefined ? undefined : view.oauthClient(basic.user);
      if (basic === undefined || client === undefined || !sameSecret(basic.password, client.clientSecret)) {
        adminApiStats.invalidClients++;
        send(res, oauthError(401, 'invalid_client'));
        return;
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (tooLarge || type !== 'application/x-www-form-urlencoded') {
        send(res, oauthError(400, 'invalid_request', 'The request body must be application/x-www-form-urlencoded.'));
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (route.name === 'oauthToken') {
        const grant = form.get('grant_type');
        if (grant === null) {
          send(res, oauthError(400, 'invalid_request', 'grant_type is required.'));
          return;
        }
        if (grant !== 'client_credentials') {
          send(res, oauthError(400, 'unsupported_grant_type'));
          return;
        }
        serve(res, route, () => {
          const issued = tokens.issue(client.clientId);
          adminApiStats.tokensIssued++;
          return tokenReply(issued.token, issued.expiresIn);
        });
        return;
      }
      const token = form.get('token');
      if (token === null || token === '') {
        send(res, oauthError(400, 'invalid_request', 'token is required.'));
        return;
      }
      serve(res, route, () => {
        const outcome = tokens.revoke(token, client.clientId);
        if (outcome === 'foreign') return oauthError(400, 'unauthorized_client', 'The token was issued to another client.');
        if (outcome === 'revoked') adminApiStats.tokensRevoked++;
        return { status: 200, body: '', contentType: 'application/json', headers: { 'Cache-Control': 'no-store' } };
      });
    });
  };

  const listener: RequestListener = (req, res) => {
    if (options.gzip === true && /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '')) gzipped.add(res);
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
  };
  const { tls } = options;
  const scheme = tls === undefined ? 'http' : 'https';
  const server =
    tls === undefined
      ? createServer(listener)
      : createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.clientCa !== undefined ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, listener);
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
  const url = `${scheme}://${hostPort}`;
  const mutationTimer =
    options.mutateEveryMs !== undefined && options.mutateEveryMs > 0
      ? setInterval(() => {
          try {
            mutate.step();
          } catch {
            // A data set a test reshaped under it can refuse a change; the next turn makes another.
          }
        }, options.mutateEveryMs)
      : undefined;
  mutationTimer?.unref();

  return {
    url,
    atlasBaseUrl: url + API_PREFIXES.atlas,
    publicBaseUrl: url + API_PREFIXES.public,
    atlasV2BaseUrl: url + API_PREFIXES.atlasV2,
    tokenUrl: `${url}${API_PREFIXES.oauth}/token`,
    revokeUrl: `${url}${API_PREFIXES.oauth}/revoke`,
    adminApiStats,
    get dataset(): Dataset {
      return dataset;
    },
    set dataset(next: Dataset) {
      dataset = next;
    },
    mutate,
    stats,
    get requestLog(): readonly LoggedRequest[] {
      return requestLog;
    },
    resetStats(): void {
      Object.assign(stats, emptyStats(), { inFlight: stats.inFlight, maxInFlight: stats.inFlight });
      Object.assign(adminApiStats, emptyAdminApiStats());
      requestLog = [];
    },
    setFault(target: string, rule: FaultRule | Fault | undefined): void {
      faults.set(target, rule);
    },
    setLatency(ms: number): void {
      latencyMs = ms;
    },
    rotateSecret(id: string, secret: string): boolean {
      return view.rotateSecret(id, secret);
    },
    expireNonces(): void {
      digest.expireNonces();
    },
    expireTokens(): void {
      tokens.expireAll();
    },
    resetRateLimits(): void {
      buckets.reset();
    },
    setPaging(next: PagingMode | PagingBehaviour): void {
      paging = pagingBehaviour(next);
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      clearInterval(mutationTimer);
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function applyFault(
  res: ServerResponse,
  fault: Exclude<Fault, { type: 'expire-nonces' }>,
  real: () => Reply,
  later: (ms: number, run: () => void) => void,
  decorate: (reply: Reply) => Reply = (reply) => reply,
  tokenBucket?: (retryAfterSeconds: number) => Reply,
): void {
  switch (fault.type) {
    case 'status': {
      if (fault.status === 429 && fault.errorCode === 'RATE_LIMITED_TOKEN_BUCKET' && tokenBucket !== undefined) {
        const reply = tokenBucket(fault.retryAfterSeconds ?? 60);
        const decorated = decorate(reply);
        // The bucket is empty: nothing remains.
        send(res, { ...decorated, headers: { ...decorated.headers, ...(decorated.headers?.['RateLimit-Remaining'] === undefined ? {} : { 'RateLimit-Remaining': '0' }) } });
        return;
      }
      const reply = decorate(statusReply(fault.status));
      const retryAfter = (fault.status === 429 || fault.status === 503) && fault.retryAfterSeconds !== undefined;
      send(res, retryAfter ? { ...reply, headers: { ...reply.headers, 'Retry-After': String(fault.retryAfterSeconds) } } : reply);
      return;
    }
    case 'hang':
      // Never answered: the socket stays open until the client gives up or close() destroys it.
      return;
    case 'reset': {
      const full = real();
      const body = Buffer.from(okBody(full));
      res.writeHead(200, {
        'Content-Type': full.status === 200 ? full.contentType : 'application/json',
        'Content-Length': body.length,
        'X-MongoDB-Service-Version': SERVICE_VERSION,
        ...full.headers,
      });
      res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => res.destroy());
      return;
    }
    case 'truncated':
      send(res, decorate({ status: 200, body: truncateJson(okBody(real())), contentType: 'application/json' }));
      return;
    case 'html':
      send(res, { ...decorate({ status: 200, body: HTML_PAGE, contentType: 'text/html; charset=utf-8' }), contentType: 'text/html; charset=utf-8' });
      return;
    case 'latency':
      later(fault.ms, () => send(res, real()));
      return;
    case 'body':
      send(res, decorate({ status: 200, body: JSON.stringify(fault.body) ?? 'null', contentType: 'application/json' }));
      return;
  }
}

/** The bucket of a principal. */
function bucketKey(principal: Principal): string {
  if (principal.kind === 'user') return `user:${principal.user.username}`;
  if (principal.kind === 'credential') return `key:${principal.credential.publicKey}`;
  return principal.credential.kind === 'digest' ? `key:${principal.credential.publicKey}` : `sa:${principal.credential.clientId}`;
}

/** The path the vendor's 429 detail names (`api/atlas/v2/orgs`). */
function bucketPath(route: Route): string {
  return `${route.prefix}${route.path}`.replace(/^\//, '');
}

/** The body of a real reply, padded so that half of it is still a non-empty prefix. */
function okBody(reply: Reply): string {
  return reply.body.length >= 2 ? reply.body : '{"results":[]}';
}
