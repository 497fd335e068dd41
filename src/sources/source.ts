import type { Logger } from 'pino';
import type { AtlasClient } from '../atlas/client.js';
import type { Credential } from '../atlas/credential.js';
import type { Config } from '../config/load.js';
import type { ApiKey, KeyKind } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import type { ScopeFailure } from '../model/snapshot.js';
import type { OrganizationDirectory } from './organizations.js';

/** What a source needs for one cycle. */
export interface SourceContext {
  /** The number of the cycle under way; sources that share a listing fetch it once per cycle. */
  readonly cycle: number;
  readonly client: AtlasClient;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

/**
 * How one discovery listing went: the credential's own (`GET /orgs`, `GET /groups`; no `orgId`),
 * or the projects of one organisation (`GET /orgs/{orgId}/groups`). A failed one keeps its last list.
 */
export interface Discovery {
  readonly orgId?: string;
  readonly failure?: ScopeFailure;
}

/** The scopes a source covers in one cycle. */
export interface ScopeListing {
  /** Scopes to poll now. */
  readonly scopes: readonly Scope[];
  /** Scopes that cannot be polled this cycle, and why (e.g. a username that does not resolve). */
  readonly failed: readonly { readonly scope: Scope; readonly failure: ScopeFailure }[];
  /** The discovery listings the source read, when it discovers its scopes; `scopes` holds the last list of each failed one. */
  readonly discovery?: readonly Discovery[];
}

/** One credential of one key kind: which scopes it covers, and how to read the keys of one. */
export interface Source {
  readonly kind: KeyKind;
  readonly credential: Credential;
  listScopes(context: SourceContext): Promise<ScopeListing>;
  fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]>;
}

/** A key kind: how its sources come out of the configuration. One file in sources/ each. */
export interface KeyKindDefinition {
  readonly kind: KeyKind;
  /** `directories`: one per `organizations:` entry, shared by the kinds that read organisations. */
  sourcesFrom(config: Config, directories: readonly OrganizationDirectory[]): Source[];
}
