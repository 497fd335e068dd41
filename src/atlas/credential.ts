/** Which API a request goes to; the `api` label. */
export type Api = 'atlas' | 'public';

/**
 * A digest identity (Atlas username + personal API key, or public + private key) and the base URL
 * it talks to. The secret sits in a private field so that logging or serialising a Credential
 * can never print it.
 */
export class Credential {
  readonly id: string;
  readonly username: string;
  readonly baseUrl: string;
  readonly api: Api;
  readonly #secret: string;

  constructor(username: string, secret: string, baseUrl: string) {
    this.username = username;
    this.baseUrl = baseUrl;
    this.api = apiOf(baseUrl);
    this.id = `${username}@${new URL(baseUrl).host}`;
    this.#secret = secret;
  }

  /** The secret, for the digest computation only. */
  secret(): string {
    return this.#secret;
  }

  toJSON(): object {
    return { id: this.id, baseUrl: this.baseUrl };
  }
}

/** Atlas serves `/api/atlas/…`; Cloud and Ops Manager serve `/api/public/…`. */
export function apiOf(baseUrl: string): Api {
  return new URL(baseUrl).pathname.startsWith('/api/atlas/') ? 'atlas' : 'public';
}
