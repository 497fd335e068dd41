/** The kinds of key this exporter audits; the `kind` label. `global`: Ops Manager's global API keys. */
export type KeyKind = 'user' | 'agent' | 'programmatic' | 'service_account' | 'global';

/** A role a key or service account holds, in an organisation or a project. */
export interface Role {
  readonly name: string;
  readonly orgId?: string;
  readonly projectId?: string;
}

/** What a programmatic key's access list allows. */
export interface AccessListSummary {
  readonly entries: number;
  /** 0.0.0.0/0 or ::/0 is on the list, or the list is empty while the organisation does not require one. */
  readonly unrestricted: boolean;
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
