/** The kinds of key this exporter audits; the `kind` label. */
export type KeyKind = 'user' | 'agent';

/**
 * One API key as the exporter understands it, whatever API it came from.
 * Times are Unix milliseconds; absent means the API did not say (or, for `lastUsedAt`, never used).
 */
export interface ApiKey {
  readonly id: string;
  readonly description: string;
  /** The last four characters the API shows; never more. */
  readonly suffix: string;
  readonly createdAt: number;
  readonly enabled?: boolean;
  readonly usedCount?: number;
  readonly lastUsedAt?: number;
  readonly createdBy?: string;
  readonly createdUserId?: string;
  readonly createdIp?: string;
}
