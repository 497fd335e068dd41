import { createHash } from 'node:crypto';
import { compare } from 'bcryptjs';

/** The realm of the 401 challenge. */
export const BASIC_AUTH_REALM = 'mongodb-apikey-exporter';
export const BASIC_AUTH_CHALLENGE = `Basic realm="${BASIC_AUTH_REALM}"`;

const CACHE_SIZE = 100;

/** `Authorization: Basic base64(user:password)` as Go's Request.BasicAuth reads it; undefined otherwise. */
export function parseBasicAuthorization(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const encoded = header.slice(6);
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Checks basic-auth credentials against bcrypt hashes, as exporter-toolkit does: an unknown user
 * costs a bcrypt comparison too (against a configured hash, so at the same cost), one comparison runs
 * at a time (bcrypt is CPU-bound), and verdicts are cached under a SHA-256 of user, hash and password
 * (never the password itself), so a scrape every 15 s does not pay bcrypt each time and a changed
 * hash is a new key.
 */
export class BasicAuthVerifier {
  private readonly cache = new Map<string, boolean>();
  private queue: Promise<unknown> = Promise.resolve();

  /** True when the header carries the right password of a user in `users` (name → bcrypt hash). */
  async verify(users: ReadonlyMap<string, string>, header: string | undefined): Promise<boolean> {
    const credentials = parseBasicAuthorization(header);
    if (credentials === undefined || users.size === 0) return false;
    const { user, password } = credentials;
    const known = users.get(user);
    const hash = known ?? (users.values().next().value as string);
    const key = createHash('sha256').update(JSON.stringify([user, hash, password])).digest('base64');
    let match = this.cache.get(key);
    if (match === undefined) {
      match = await this.serially(() => compare(password, hash).catch(() => false));
      this.remember(key, match);
    }
    return known !== undefined && match;
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private remember(key: string, value: boolean): void {
    if (this.cache.size >= CACHE_SIZE) {
      // Drop the oldest tenth in one go rather than one entry per request.
      let drop = Math.max(1, Math.floor(this.cache.size / 10));
      for (const oldest of this.cache.keys()) {
        this.cache.delete(oldest);
        if (--drop === 0) break;
      }
    }
    this.cache.set(key, value);
  }
}
