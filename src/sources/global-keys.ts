import type { Credential } from '../atlas/credential.js';
import type { ApiKey } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import type { OrganizationDirectory } from './organizations.js';
import { mapProgrammaticKeys, withoutUnidentified } from './programmatic-keys.js';
import type { KeyKindDefinition, ScopeListing, Source, SourceContext } from './source.js';

const PATH = '/admin/apiKeys';

/**
 * The global API keys of one Ops Manager instance (`GET /admin/apiKeys`, a global role): keys like
 * the programmatic ones, whose roles are global roles (`GLOBAL_READ_ONLY`, …) with no organisation
 * or project. The instance is the one scope, identified by the base URL's host.
 */
class GlobalKeysSource implements Source {
  readonly kind = 'global' as const;
  readonly credential: Credential;
  readonly #scopes: readonly Scope[];

  constructor(directory: OrganizationDirectory) {
    // The entry's credential, so the digest sessions and rate-limit pauses (by credential id) are the entry's.
    this.credential = directory.credential;
    this.#scopes = [{ kind: 'global', owner: 'global', id: new URL(directory.entry.baseUrl).host, credentialId: this.credential.id }];
  }

  listScopes(): Promise<ScopeListing> {
    return Promise.resolve({ scopes: this.#scopes, failed: [] });
  }

  async fetchKeys(_scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    const items = await context.client.getAllPages(this.credential, PATH, context.signal);
    const url = `${this.credential.baseUrl}${PATH}`;
    return withoutUnidentified(items, mapProgrammaticKeys(items, url), url, context);
  }
}

/** Ops Manager's global API keys (`organizations:` with `globalKeys: true`, at most one entry). */
export const globalKeys: KeyKindDefinition = {
  kind: 'global',
  sourcesFrom: (_config, directories) => directories.filter((directory) => directory.entry.globalKeys).map((directory) => new GlobalKeysSource(directory)),
};
