/**
 * The kinds of key this exporter audits, in the order the audit shows them; the `kind` label.
 * `global`: Ops Manager's global API keys. Each kind has a source in `sources/index.ts`.
 */
export const KEY_KINDS = ['user', 'agent', 'programmatic', 'service_account', 'global'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** Each kind's name for people: the audit page's. */
export const KEY_KIND_LABELS: Readonly<Record<KeyKind, string>> = {
  user: 'Personal (user)',
  agent: 'Agent',
  programmatic: 'Programmatic',
  service_account: 'Service account',
  global: 'Global (Ops Manager)',
};

/** A role a key or service account holds, in an organisation or a project. */
export interface Role {
  readonly name: string;
  readonly orgId?: string;
  readonly projectId?: string;
}

/** Entries of one access list published one by one, at most; `access_list_entries` counts them all. */
export const ACCESS_LIST_ENTRIES_SHOWN = 10;

/** One entry of an access list, with the facts the API gives about its use. */
export interface AccessListEntry {
  /** The entry's CIDR block, or its address when it has no block. */
  readonly address: string;
  readonly createdAt?: number;
  /** The latest request from an address of this entry; absent when none came. */
  readonly lastUsedAt?: number;
  /** The address that sent that request. */
  readonly lastUsedAddress?: string;
  /** Requests from `lastUsedAddress` (the API's `count` or `requestCount`): neither the entry's nor the key's total. */
  readonly requests?: number;
}

/**
 * Whether an entry lets every address in: a block of prefix length 0 (`0.0.0.0/0`, and `::/0` or
 * `::0/0`, the form the API definition's pattern admits), or the address 0.0.0.0.
 */
export function opensToAll(address: string): boolean {
  return address.endsWith('/0') || address === '0.0.0.0';
}

/** What the access list of a programmatic key or service account allows. */
export interface AccessListSummary {
  readonly entries: number;
  /**
   * 0.0.0.0/0 or ::/0 is on the list, or the list is empty while the organisation does not
   * require one (or does not say whether it does).
   */
  readonly unrestricted: boolean;
  /** At most {@link ACCESS_LIST_ENTRIES_SHOWN} entries, the most recently used first. */
  readonly shown: readonly AccessListEntry[];
}

/**
 * One API key (or service-account secret) as the exporter understands it, whatever API it came
 * from. Times are Unix milliseconds; absent means the API did not say (for `lastUsedAt`: never used).
 */
export interface ApiKey {
  readonly id: string;
  readonly description: string;
  /** The last four characters the API shows; never more. */
  readonly suffix: string;
  readonly createdAt?: number;
  readonly enabled?: boolean;
  /** The API reports use of this key: no `lastUsedAt` then means never used (agent keys report none). */
  readonly tracksUse?: boolean;
  /** A personal key's `usedCount`; no other kind reports a total use. */
  readonly usedCount?: number;
  readonly lastUsedAt?: number;
  readonly expiresAt?: number;
  readonly createdBy?: string;
  readonly createdUserId?: string;
  readonly createdIp?: string;
  /** A programmatic key's public key: the username half of digest auth, an identifier, not a secret. */
  readonly publicKey?: string;
  /** A service account's client id and name, for its secrets. */
  readonly clientId?: string;
  readonly accountName?: string;
  readonly roles?: readonly Role[];
  readonly accessList?: AccessListSummary;
}

/**
 * The time a key's idle time counts from: its last use, or its creation when never used. Only
 * where the API reports use at all (agent keys report none); undefined without a time to count from.
 */
export function idleSince(key: Pick<ApiKey, 'tracksUse' | 'lastUsedAt' | 'createdAt'>): number | undefined {
  return key.tracksUse ? (key.lastUsedAt ?? key.createdAt) : undefined;
}
