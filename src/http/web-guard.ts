import { stat } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { isIP } from 'node:net';
import type { PeerCertificate, TLSSocket, TlsOptions } from 'node:tls';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { BASIC_AUTH_CHALLENGE, BasicAuthVerifier } from './basic-auth.js';
import { loadWebConfig, type WebConfig } from './web-config.js';

export interface WebGuardOptions {
  /** Files are checked for changes at most this often (ms), on requests and new connections. */
  readonly checkIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * The web config in force, and what it does to the server: TLS options (reloaded with
 * setSecureContext), client-certificate rules Node cannot express, response headers, the rate
 * limit and basic auth. Like exporter-toolkit, which reads the file on every request, it notices a
 * changed file (or certificate) on the next request or connection; an invalid edit keeps the last
 * good config and is logged once.
 */
export class WebGuard {
  private current: WebConfig;
  private server: HttpServer | HttpsServer | undefined;
  private readonly verifier = new BasicAuthVerifier();
  private limiter: TokenBucket | undefined;
  private signature = '';
  private failedSignature: string | undefined;
  private lastCheck: number;
  private pending: Promise<void> | undefined;
  private readonly checkIntervalMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly path: string,
    config: WebConfig,
    private readonly log: Logger,
    options: WebGuardOptions,
  ) {
    this.current = config;
    this.now = options.now ?? Date.now;
    this.checkIntervalMs = options.checkIntervalMs ?? 1_000;
    this.lastCheck = this.now();
    this.limiter = config.rateLimit && new TokenBucket(config.rateLimit.intervalMs, config.rateLimit.burst, this.now);
  }

  /** Loads and checks the file; throws a ConfigError naming the field. */
  static async load(path: string, log: Logger, options: WebGuardOptions = {}): Promise<WebGuard> {
    const config = await loadWebConfig(path);
    const guard = new WebGuard(path, config, log, options);
    guard.signature = await signatureOf(config.files);
    return guard;
  }

  get config(): WebConfig {
    return this.current;
  }

  /** Options for https.createServer, or undefined to serve plain HTTP. */
  get tlsOptions(): TlsOptions | undefined {
    return this.current.tls?.options;
  }

  /** Watches the server's connections: reload checks, and the client-certificate rules after the handshake. */
  attach(server: HttpServer | HttpsServer): void {
    this.server = server;
    server.on('connection', () => void this.refresh());
    if (this.current.tls) server.on('secureConnection', (socket: TLSSocket) => this.checkPeer(socket));
  }

  /** Express middleware before every route: headers, rate limit, basic auth (401 with a challenge). */
  readonly middleware: RequestHandler = async (request: Request, response: Response, next: NextFunction) => {
    await this.refresh();
    const config = this.current;
    for (const [name, value] of config.headers) response.setHeader(name, value);
    if (this.limiter && !this.limiter.take()) {
      response.status(429).type('text/plain').send('too many requests\n');
      return;
    }
    if (config.users.size === 0 || (await this.verifier.verify(config.users, request.get('authorization')))) {
      next();
      return;
    }
    response.status(401).set('WWW-Authenticate', BASIC_AUTH_CHALLENGE).type('text/plain').send('unauthorized\n');
  };

  /** Reloads the file if it, or a file it references, changed since the last check. Never throws. */
  refresh(): Promise<void> {
    if (this.pending) return this.pending;
    const now = this.now();
    if (now - this.lastCheck < this.checkIntervalMs) return Promise.resolve();
    this.lastCheck = now;
    this.pending = this.reloadIfChanged().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async reloadIfChanged(): Promise<void> {
    try {
      const before = await signatureOf(this.current.files);
      if (before === this.signature || before === this.failedSignature) return;
      let next: WebConfig;
      try {
        next = await loadWebConfig(this.path);
        if (Boolean(next.tls) !== Boolean(this.current.tls)) throw new Error('TLS cannot be switched on or off without a restart');
        if (next.tls && this.server && 'setSecureContext' in this.server) {
          this.server.setSecureContext(next.tls.options);
          // setSecureContext leaves these alone; tls.Server reads them for each new connection.
          Object.assign(this.server, { requestCert: next.tls.options.requestCert, rejectUnauthorized: next.tls.options.rejectUnauthorized });
        }
      } catch (error) {
        this.failedSignature = before;
        // A ConfigError's message names file and field, never a secret.
        this.log.error({ file: this.path, error: (error as Error).message }, 'web config reload failed; keeping the last good web config');
        return;
      }
      const previous = this.current;
      this.current = next;
      this.signature = next.files.join('\0') === previous.files.join('\0') ? before : await signatureOf(next.files);
      this.failedSignature = undefined;
      if (JSON.stringify(next.rateLimit) !== JSON.stringify(previous.rateLimit)) this.limiter = next.rateLimit && new TokenBucket(next.rateLimit.intervalMs, next.rateLimit.burst, this.now);
      this.log.info({ file: this.path, tls: next.tls !== undefined, basicAuthUsers: next.users.size }, 'web config reloaded');
    } catch (error) {
      this.log.error({ file: this.path, error: (error as Error).message }, 'web config check failed');
    }
  }

  /** What OpenSSL cannot enforce in Node: RequireAnyClientCert, VerifyClientCertIfGiven, client_allowed_sans. */
  private checkPeer(socket: TLSSocket): void {
    const tls = this.current.tls;
    if (!tls) return;
    const certificate = socket.getPeerCertificate();
    const present = certificate !== null && typeof certificate === 'object' && Object.keys(certificate).length > 0;
    let refusal: string | undefined;
    if (tls.clientAuth === 'RequireAnyClientCert' && !present) refusal = 'no client certificate';
    else if (tls.clientAuth === 'VerifyClientCertIfGiven' && present && !socket.authorized) refusal = `client certificate not verified: ${String(socket.authorizationError)}`;
    else if (tls.allowedSans && !(present && sansOf(certificate).some((san) => tls.allowedSans?.some((allowed) => normalise(allowed) === san)))) {
      refusal = 'client certificate has no SAN in client_allowed_sans';
    }
    if (refusal !== undefined) {
      this.log.debug({ remote: socket.remoteAddress, reason: refusal }, 'TLS client refused');
      socket.destroy();
    }
  }
}

/** The SANs of a certificate as Go's toolkit compares them: DNS names, e-mails, IPs, URIs. */
function sansOf(certificate: PeerCertificate): string[] {
  const names = certificate.subjectaltname;
  if (!names) return [];
  return names.split(/,\s*/).flatMap((entry) => {
    const colon = entry.indexOf(':');
    const kind = entry.slice(0, colon);
    const value = entry.slice(colon + 1);
    return ['DNS', 'email', 'IP Address', 'URI'].includes(kind) ? [normalise(value)] : [];
  });
}

function normalise(value: string): string {
  if (isIP(value) === 6) return new URL(`http://[${value}]/`).hostname.slice(1, -1);
  return value;
}

/** The toolkit's `rate_limit`: a token bucket refilled one token per interval, up to `burst`. */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

async function signatureOf(files: readonly string[]): Promise<string> {
  const parts = await Promise.all(
    files.map(async (file) => {
      try {
        const info = await stat(file);
        return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
      } catch (error) {
        return `missing:${(error as NodeJS.ErrnoException).code ?? ''}`;
      }
    }),
  );
  return parts.join('|');
}
