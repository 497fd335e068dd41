import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** `qop` is RFC 7616; `op` is the misspelling in the vendor's own example challenge. */
export type ChallengeStyle = 'qop' | 'op';

/** Options of a {@link DigestAuthority}. */
export interface DigestAuthorityOptions {
  realm?: string;
  /** How long a nonce stays fresh; default 300,000 ms. */
  nonceTtlMs?: number;
  challengeStyle?: ChallengeStyle;
  /** Injectable clock in ms, `Date.now` by default. */
  now?: () => number;
}

/** The request facts a digest response is checked against. */
export interface DigestRequest {
  method: string;
  /** The request target as received (`req.url`). */
  url: string;
  authorization: string | undefined;
}

/** Why a request did not authenticate. Only `stale-nonce` means "the credentials were right, retry with a fresh nonce". */
export type DigestFailure =
  | 'missing'
  | 'malformed'
  | 'unsupported'
  | 'uri-mismatch'
  | 'unknown-nonce'
  | 'unknown-user'
  | 'bad-response'
  | 'stale-nonce'
  | 'replay';

/** The outcome of {@link DigestAuthority.verify}. */
export type DigestVerdict =
  | { ok: true; username: string }
  | { ok: false; failure: DigestFailure; stale: boolean; username?: string };

/** The realm of the vendor's challenge. */
export const MMS_REALM = 'MMS Public API';

const NONCE_BYTES = 24;
const NONCE_MAC_BYTES = 10;
const NONCE_SIGNED_BYTES = NONCE_BYTES - NONCE_MAC_BYTES;

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * Parses a `Digest` Authorization header into lowercased parameter names and unquoted values.
 * Accepts quoted and bare values in any order, commas and escaped quotes inside quotes, and
 * whitespace around `=` and `,`. Returns undefined when the scheme is not Digest or the syntax is broken.
 */
export function parseDigestAuthorization(header: string): Record<string, string> | undefined {
  const match = /^\s*digest\s+/i.exec(header);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  const text = header;
  let i = match[0].length;
  const skipSpace = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  while (i < text.length) {
    skipSpace();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (i >= text.length) break;
    const nameStart = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
    const name = text.slice(nameStart, i).toLowerCase();
    skipSpace();
    if (name === '' || text[i] !== '=') return undefined;
    i++;
    skipSpace();
    let value = '';
    if (text[i] === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const ch = text[i];
        if (ch === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (ch === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      if (!closed) return undefined;
    } else {
      const valueStart = i;
      while (i < text.length && text[i] !== ',') i++;
      value = text.slice(valueStart, i).trim();
    }
    params[name] = value;
    skipSpace();
    if (i < text.length && text[i] !== ',') return undefined;
  }
  return params;
}

/** Does the digest `uri` name the same request target (absolute form allowed, RFC 7616 §3.4)? */
function sameTarget(uri: string, target: string): boolean {
  if (uri === target) return true;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return false;
  try {
    const parsed = new URL(uri);
    return parsed.pathname + parsed.search === target;
  } catch {
    return false;
  }
}

interface NonceState {
  issuedAt: number;
  sequence: number;
  seen: Set<number>;
}

/**
 * Server side of HTTP Digest (RFC 7616 with MD5, `qop=auth`, and the RFC 2069 form without qop).
 * Nonces are self-authenticating (issue time, sequence, HMAC) so a stale nonce is told apart from an
 * unknown one without remembering every nonce ever issued; only nonces in use keep their seen `nc`s.
 * Never logs, stores or echoes passwords.
 */
export class DigestAuthority {
  readonly realm: string;
  readonly nonceTtlMs: number;
  readonly challengeStyle: ChallengeStyle;
  readonly #now: () => number;
  readonly #macKey = randomBytes(32);
  #sequence = 0;
  #firstFreshSequence = 0;
  readonly #inUse = new Map<string, NonceState>();
  #lastSweep = 0;

  constructor(options: DigestAuthorityOptions = {}) {
    this.realm = options.realm ?? MMS_REALM;
    this.nonceTtlMs = options.nonceTtlMs ?? 300_000;
    this.challengeStyle = options.challengeStyle ?? 'qop';
    this.#now = options.now ?? Date.now;
  }

  /** A `WWW-Authenticate` value with a fresh nonce, in the vendor's exact parameter order. */
  challenge(stale = false): string {
    const nonce = this.#issueNonce();
    const qopName = this.challengeStyle === 'op' ? 'op' : 'qop';
    return `Digest realm="${this.realm}", domain="", nonce="${nonce}", algorithm=MD5, ${qopName}="auth", stale=${stale}`;
  }

  /** Makes every nonce issued so far stale. */
  expireNonces(): void {
    this.#firstFreshSequence = this.#sequence;
    this.#inUse.clear();
  }

  /**
   * Checks an Authorization header. `passwordFor` returns the secret of a username, or undefined
   * when that username is not a principal here.
   */
  verify(request: DigestRequest, passwordFor: (username: string) => string | undefined): DigestVerdict {
    if (request.authorization === undefined || request.authorization === '') {
      return { ok: false, failure: 'missing', stale: false };
    }
    const params = parseDigestAuthorization(request.authorization);
    if (params === undefined) return { ok: false, failure: 'malformed', stale: false };
    const { username, nonce, uri, response } = params;
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return { ok: false, failure: 'malformed', stale: false };
    }
    const algorithm = params['algorithm'];
    const qop = params['qop'];
    if ((algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') || (qop !== undefined && qop !== 'auth')) {
      return { ok: false, failure: 'unsupported', stale: false, username };
    }
    if (!sameTarget(uri, request.url)) return { ok: false, failure: 'uri-mismatch', stale: false, username };
    // A nonce already in use skips the HMAC check.
    const issued = this.#inUse.get(nonce) ?? this.#openNonce(nonce);
    if (issued === undefined) return { ok: false, failure: 'unknown-nonce', stale: false, username };
    const password = passwordFor(username);
    if (password === undefined) return { ok: false, failure: 'unknown-user', stale: false, username };

    const ha1 = md5(`${username}:${this.realm}:${password}`);
    const ha2 = md5(`${request.method}:${uri}`);
    let nc: number | undefined;
    let expected: string;
    if (qop === undefined) {
      expected = md5(`${ha1}:${nonce}:${ha2}`);
    } else {
      const ncText = params['nc'];
      const cnonce = params['cnonce'];
      if (ncText === undefined || cnonce === undefined || !/^[0-9a-f]{1,8}$/i.test(ncText)) {
        return { ok: false, failure: 'malformed', stale: false, username };
      }
      nc = parseInt(ncText, 16);
      expected = md5(`${ha1}:${nonce}:${ncText}:${cnonce}:${qop}:${ha2}`);
    }
    const given = Buffer.from(response.toLowerCase(), 'utf8');
    const wanted = Buffer.from(expected, 'utf8');
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      return { ok: false, failure: 'bad-response', stale: false, username };
    }
    const now = this.#now();
    if (issued.sequence < this.#firstFreshSequence || now - issued.issuedAt > this.nonceTtlMs) {
      return { ok: false, failure: 'stale-nonce', stale: true, username };
    }
    let state = this.#inUse.get(nonce);
    if (state === undefined) {
      state = { issuedAt: issued.issuedAt, sequence: issued.sequence, seen: new Set() };
      this.#inUse.set(nonce, state);
    }
    // Without qop (RFC 2069) there is no nc, so no replay detection either.
    if (nc !== undefined) {
      if (state.seen.has(nc)) return { ok: false, failure: 'replay', stale: false, username };
      state.seen.add(nc);
    }
    return { ok: true, username };
  }

  #issueNonce(): string {
    const now = this.#now();
    this.#sweep(now);
    const bytes = Buffer.alloc(NONCE_BYTES);
    bytes.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, 6);
    bytes.writeUInt32BE(this.#sequence++ >>> 0, 6);
    randomBytes(4).copy(bytes, 10);
    this.#mac(bytes.subarray(0, NONCE_SIGNED_BYTES)).copy(bytes, NONCE_SIGNED_BYTES);
    return bytes.toString('base64');
  }

  /** Decodes a nonce this authority issued; undefined for anything else. */
  #openNonce(nonce: string): { issuedAt: number; sequence: number } | undefined {
    const bytes = Buffer.from(nonce, 'base64');
    if (bytes.length !== NONCE_BYTES || bytes.toString('base64') !== nonce) return undefined;
    const mac = this.#mac(bytes.subarray(0, NONCE_SIGNED_BYTES));
    if (!timingSafeEqual(mac, bytes.subarray(NONCE_SIGNED_BYTES))) return undefined;
    return { issuedAt: bytes.readUIntBE(0, 6), sequence: bytes.readUInt32BE(6) };
  }

  #mac(data: Buffer): Buffer {
    return createHmac('sha256', this.#macKey).update(data).digest().subarray(0, NONCE_MAC_BYTES);
  }

  /** Forgets the seen `nc`s of expired nonces, at most once per TTL (or minute), to bound memory. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < Math.min(this.nonceTtlMs, 60_000)) return;
    this.#lastSweep = now;
    for (const [nonce, state] of this.#inUse) {
      if (now - state.issuedAt > this.nonceTtlMs) this.#inUse.delete(nonce);
    }
  }
}
