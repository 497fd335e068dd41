import { Secret } from '../config/secret.js';
import { credentialIdOf } from '../model/scope.js';
import type { Connection } from './connection.js';

/** Which API a request goes to; the `api` label. */
export type Api = 'atlas' | 'public';

/** How a credential authenticates: HTTP Digest (API keys) or an OAuth 2.0 bearer token (service accounts). */
export type AuthScheme = 'digest' | 'oauth';

/**
 * An identity (Atlas username + personal API key, public + private key, or a service account's
 * client id + secret) and the base URL it talks to. The secret sits in a private field so that
 * logging or serialising a Credential can never print it; it is read per request, so a secret
 * file that changes applies from the next one.
 */
export class Credential {
  readonly id: string;
  readonly username: string;
  readonly baseUrl: string;
  readonly api: Api;
  readonly scheme: AuthScheme;
  /** Where OAuth tokens come from; only for `scheme: 'oauth'`. */
  readonly tokenUrl: string | undefined;
  readonly #secret: Secret;
  /** Private: a proxy URL may carry a password. */
  readonly #connection: Connection;

  constructor(username: string, secret: Secret | string, baseUrl: string, oauth?: { tokenUrl: string }, connection: Connection = {}) {
    this.username = username;
    this.baseUrl = baseUrl;
    this.api = apiOf(baseUrl);
    this.scheme = oauth ? 'oauth' : 'digest';
    this.tokenUrl = oauth?.tokenUrl;
    this.id = credentialIdOf(username, baseUrl);
    this.#secret = typeof secret === 'string' ? new Secret(oauth ? 'clientSecret' : 'privateKey', secret) : secret;
    this.#connection = connection;
  }

  /** How its requests reach the API (proxy, TLS), for the transport only. */
  connection(): Connection {
    return this.#connection;
  }

  /** The secret's current value, for the digest computation or the token request only. */
  secret(): string {
    return this.#secret.value();
  }

  /** Changes with the secret: sessions and tokens made with an older value are dropped. */
  get secretVersion(): number {
    return this.#secret.version;
  }

  toJSON(): object {
    return { id: this.id, baseUrl: this.baseUrl, scheme: this.scheme };
  }
}

/** Atlas serves `/api/atlas/…`; Cloud and Ops Manager serve `/api/public/…`. */
export function apiOf(baseUrl: string): Api {
  return new URL(baseUrl).pathname.startsWith('/api/atlas/') ? 'atlas' : 'public';
}
