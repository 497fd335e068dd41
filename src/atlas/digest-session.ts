import { createHash } from 'node:crypto';
import DigestClient from 'digest-fetch';
import type { Credential } from './credential.js';
import type { HttpRequest, HttpResponse } from './http-transport.js';

/** One raw HTTP exchange; the client counts and times each of them (401 challenges included). */
export type Transport = (url: string, init: HttpRequest) => Promise<HttpResponse>;

const HASHES: Readonly<Record<string, string>> = { MD5: 'md5', 'MD5-SESS': 'md5', 'SHA-256': 'sha256', 'SHA-256-SESS': 'sha256' };

/**
 * One digest conversation: one nonce, one nonce count. digest-fetch keeps that state per client,
 * so parallel requests must never share a session (a strict server sees a replayed nc).
 */
export class DigestSession extends DigestClient {
  readonly #transport: Transport;

  constructor(credential: Credential, transport: Transport) {
    super(credential.username, credential.secret(), { algorithm: 'MD5' });
    this.#transport = transport;
  }

  override async getClient(): Promise<typeof fetch> {
    return this.#transport as unknown as typeof fetch;
  }

  // The vendor's own example challenge spells qop as `op="auth"`.
  override parseQop(raw: string): 'auth' | 'auth-int' {
    const qop = super.parseQop(raw);
    if (qop !== null) return qop;
    const op = /(?:^|[\s,])op="?([^",]*)/i.exec(raw)?.[1];
    return (op === 'auth' ? 'auth' : null) as 'auth';
  }

  // digest-fetch fixes the algorithm at construction; the challenge is what decides it.
  override parseAuth(header: string): void {
    // RFC 7616 counts nc per nonce: the first request on a new nonce is nc=00000001.
    this.digest.nc = 0;
    super.parseAuth(header);
    const algorithm = (/algorithm="?([A-Za-z0-9-]+)/i.exec(header ?? '')?.[1] ?? 'MD5').toUpperCase();
    const hash = HASHES[algorithm];
    if (hash === undefined) {
      this.hasAuth = false;
      return;
    }
    this.digest.algorithm = algorithm.replace('-SESS', '-sess');
    this.hashFunc = (data: string) => createHash(hash).update(data).digest('hex');
  }

  /** A GET with digest auth; a 401 to a request that carried auth re-challenges once. */
  get(url: string, init: HttpRequest): Promise<HttpResponse> {
    // digest-fetch writes the Authorization header into the object it is given.
    return super.fetch(url, { ...init, headers: { ...init.headers } }) as unknown as Promise<HttpResponse>;
  }
}

/** What sends one authenticated GET: a digest session, or a bearer-token session. */
export interface AuthSession {
  get(url: string, init: HttpRequest): Promise<HttpResponse>;
}

/**
 * The idle sessions of one credential; at most one in use per request in flight. Sessions belong
 * to a generation (the credential's secret version): once it moves on, older ones are dropped and
 * the next request starts over with a new one.
 */
export class SessionPool {
  #idle: AuthSession[] = [];
  readonly #create: () => AuthSession;
  readonly #generation: () => number;
  #current: number;
  readonly #born = new WeakMap<AuthSession, number>();

  constructor(create: () => AuthSession, generation: () => number = () => 0) {
    this.#create = create;
    this.#generation = generation;
    this.#current = generation();
  }

  acquire(): AuthSession {
    const generation = this.#generation();
    if (generation !== this.#current) {
      this.#idle = [];
      this.#current = generation;
    }
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    const session = this.#create();
    this.#born.set(session, generation);
    return session;
  }

  /** Returns a session whose nonce state is sound; a session whose request broke is dropped instead. */
  release(session: AuthSession): void {
    if (this.#born.get(session) === this.#generation()) this.#idle.push(session);
  }
}
