import { CodeBuffer, fnv1a, mulberry32, randomHex, randomStream, toHex, type Random } from '../random.js';

/**
 * The "machine" part of the ids of each kind of document. An id stream is seeded by its kind, so
 * a number here fixes every id of that kind: changing one changes the whole data set.
 */
export const ID_KINDS = {
  user: 1,
  userKey: 2,
  project: 3,
  agentKey: 4,
  projectOrg: 5,
  agentKeyCreator: 6,
  org: 7,
  programmaticKey: 8,
  serviceAccountSecret: 9,
  serviceAccount: 10,
  deletedOrg: 11,
  event: 12,
  mutatedEvent: 13,
  mutatedKey: 14,
  mutatedSecret: 15,
} as const;

/** 24-hex ObjectId-like ids: a random past timestamp, a per-kind "machine" part and a counter, so ids never collide. */
export class IdFactory {
  readonly #random: Random;
  readonly #machine: string;
  #counter: number;

  constructor(seed: number, kind: number) {
    this.#random = randomStream(seed, `ids:${kind}`);
    this.#machine = toHex(fnv1a(`${seed >>> 0}:machine:${kind}`), 8) + toHex(kind, 2);
    // Half the 24-bit counter space is left above the start, so ids stay unique up to 8 million of a kind.
    this.#counter = Math.floor(this.#random() * 0x800000);
  }

  next(): string {
    // ObjectId timestamps between 2017-12 and 2023-11.
    const timestamp = 0x5a200000 + Math.floor(this.#random() * 0x0b400000);
    return new CodeBuffer().hex(timestamp, 8).text(this.#machine).hex(this.#counter++, 6).toString();
  }

  /** An id whose timestamp is `ms` (as an ObjectId made then), drawing nothing from the stream. */
  at(ms: number): string {
    return new CodeBuffer().hex(Math.floor(ms / 1000), 8).text(this.#machine).hex(this.#counter++, 6).toString();
  }
}

/**
 * A 32-hex-digit secret shaped like a UUID v4, derived from the seed and a label
 * (e.g. `user:0`), so a data set's secrets are reproducible without being stored anywhere.
 */
export function deriveSecret(seed: number, label: string): string {
  const hex = randomHex(mulberry32(fnv1a(`secret:${seed >>> 0}:${label}`)), 32);
  const variant = '89ab'[parseInt(hex.charAt(16), 16) & 3] ?? '8';
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** An 8-letter lowercase public key (the username half of a programmatic key), derived like {@link deriveSecret}. */
export function derivePublicKey(seed: number, label: string): string {
  const random = mulberry32(fnv1a(`public:${seed >>> 0}:${label}`));
  let out = '';
  for (let i = 0; i < 8; i++) out += String.fromCharCode(97 + Math.floor(random() * 26));
  return out;
}

/** A service account secret as created (never served): `mdb_sa_sk_` and 40 hex digits, derived from the seed. */
export function deriveServiceAccountSecret(seed: number, label: string): string {
  return `mdb_sa_sk_${randomHex(mulberry32(fnv1a(`sa-secret:${seed >>> 0}:${label}`)), 40)}`;
}

/** Derives public keys that are unique among those already taken: a clash is derived again from `label:1`, `label:2`, … */
export class PublicKeys {
  readonly #seed: number;
  readonly #taken: Set<string>;

  constructor(seed: number, taken: Iterable<string> = []) {
    this.#seed = seed;
    this.#taken = new Set(taken);
  }

  next(label: string): string {
    let publicKey = derivePublicKey(this.#seed, label);
    for (let retry = 1; this.#taken.has(publicKey); retry++) publicKey = derivePublicKey(this.#seed, `${label}:${retry}`);
    this.#taken.add(publicKey);
    return publicKey;
  }
}
