import { z } from 'zod';
import { connectionOf } from '../atlas/connection.js';
import { Credential } from '../atlas/credential.js';
import type { UserEntry } from '../config/load.js';
import { failureOf } from '../errors/failure.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import type { ApiKey } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import { keySuffix, mapItems, timestamp } from './fields.js';
import type { KeyKindDefinition, ScopeListing, Source, SourceContext } from './source.js';

/**
 * A personal API key as `GET /users/{USER-ID}/keys` documents it; unknown fields are ignored. The
 * page lists no required field: only the id, which names the key, must be there.
 */
export const userKeySchema = z.looseObject({
  id: z.string().min(1),
  userId: z.string().optional(),
  description: z.string().nullish(),
  enabled: z.boolean().optional(),
  usedCount: z.number().nonnegative().optional(),
  createdAt: timestamp.optional(),
  lastUsed: timestamp.nullish(),
  obfuscatedKey: z.string().nullish(),
});

const userByNameSchema = z.looseObject({ id: z.string().min(1) });

/** Maps the `results` of the user-keys pages to keys. Pure; a key it cannot read fails them all. */
export function mapUserKeys(items: readonly unknown[], url: string): ApiKey[] {
  return mapItems(items, userKeySchema, url).map((key) => {
    return {
      id: key.id,
      description: key.description ?? '',
      suffix: keySuffix(key.obfuscatedKey),
      ...(key.createdAt !== undefined ? { createdAt: key.createdAt } : {}),
      tracksUse: true,
      ...(key.enabled !== undefined ? { enabled: key.enabled } : {}),
      ...(key.usedCount !== undefined ? { usedCount: key.usedCount } : {}),
      ...(key.lastUsed != null ? { lastUsedAt: key.lastUsed } : {}),
    };
  });
}

/** The personal API keys of one Atlas user; the user id is resolved by name once, when not configured. */
class UserKeysSource implements Source {
  readonly kind = 'user' as const;
  readonly credential: Credential;
  #userId: string | undefined;

  constructor(entry: UserEntry) {
    this.credential = new Credential(entry.username, entry.apiKey, entry.baseUrl, undefined, connectionOf(entry));
    this.#userId = entry.userId;
  }

  async listScopes(context: SourceContext): Promise<ScopeListing> {
    const username = this.credential.username;
    if (this.#userId === undefined) {
      try {
        const path = `/users/byName/${encodeURIComponent(username)}`;
        const body = await context.client.getJson(this.credential, path, context.signal);
        const user = userByNameSchema.safeParse(body);
        if (!user.success) throw new InvalidResponseError(`${this.credential.baseUrl}${path}`, 'no user id in the answer');
        this.#userId = user.data.id;
      } catch (error) {
        if (context.signal.aborted) throw error;
        // Until the name resolves, the username stands in for the id so the failure is still published.
        const scope: Scope = { kind: 'user', owner: 'user', id: username, name: username, credentialId: this.credential.id };
        return { scopes: [], failed: [{ scope, failure: failureOf(error) }] };
      }
    }
    return { scopes: [{ kind: 'user', owner: 'user', id: this.#userId, name: username, credentialId: this.credential.id }], failed: [] };
  }

  async fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    const path = `/users/${encodeURIComponent(scope.id)}/keys`;
    const items = await context.client.getAllPages(this.credential, path, context.signal);
    return mapUserKeys(items, `${this.credential.baseUrl}${path}`);
  }
}

/** Personal API keys of Atlas users (`users:` in the config). */
export const userKeys: KeyKindDefinition = {
  kind: 'user',
  sourcesFrom: (config) => config.users.map((entry) => new UserKeysSource(entry)),
};
