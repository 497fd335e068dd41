import { z } from 'zod';
import { connectionOf } from '../atlas/connection.js';
import { Credential } from '../atlas/credential.js';
import type { ProjectEntry } from '../config/load.js';
import { failureOf } from '../errors/failure.js';
import { InvalidResponseError } from '../errors/invalid-response-error.js';
import type { ApiKey } from '../model/api-key.js';
import type { Scope } from '../model/scope.js';
import { keySuffix, mapItems, timestamp } from './fields.js';
import type { KeyKindDefinition, ScopeListing, Source, SourceContext } from './source.js';

/**
 * An agent API key as `GET /groups/{PROJECT-ID}/agentapikeys` documents it: the example says
 * `_id` and epoch milliseconds, the table says `id` and ISO 8601; both are accepted. The page
 * lists no required field: only the id, which names the key, must be there.
 */
export const agentKeySchema = z
  .looseObject({
    _id: z.string().min(1).optional(),
    id: z.string().min(1).optional(),
    key: z.string().nullish(),
    desc: z.string().nullish(),
    createdTime: timestamp.optional(),
    createdBy: z.string().nullish(),
    createdIpAddr: z.string().nullish(),
    createdUserId: z.string().nullish(),
  })
  .refine((key) => key._id !== undefined || key.id !== undefined, { message: 'has neither _id nor id', path: ['id'] });

const projectSchema = z.looseObject({ id: z.string().min(1), name: z.string().optional() });

/** Maps the bare array of agent keys to keys. Pure; a key it cannot read fails them all. */
export function mapAgentKeys(body: unknown, url: string): ApiKey[] {
  if (!Array.isArray(body)) throw new InvalidResponseError(url, 'expected a JSON array of agent API keys');
  return mapItems(body, agentKeySchema, url).map((key) => {
    return {
      id: (key._id ?? key.id) as string,
      description: key.desc ?? '',
      suffix: keySuffix(key.key),
      ...(key.createdTime !== undefined ? { createdAt: key.createdTime } : {}),
      ...(key.createdBy ? { createdBy: key.createdBy } : {}),
      ...(key.createdUserId ? { createdUserId: key.createdUserId } : {}),
      ...(key.createdIpAddr ? { createdIp: key.createdIpAddr } : {}),
    };
  });
}

/** Maps the `results` of `GET /groups` to project ids and names. Pure. */
export function mapProjects(items: readonly unknown[], url: string): { id: string; name?: string }[] {
  return mapItems(items, projectSchema, url).map((project) => (project.name === undefined ? { id: project.id } : { id: project.id, name: project.name }));
}

/** The agent API keys of the projects one Cloud/Ops Manager key can read: listed ids and/or discovered. */
class AgentKeysSource implements Source {
  readonly kind = 'agent' as const;
  readonly credential: Credential;
  readonly #ids: readonly string[];
  readonly #discover: boolean;
  /** The last list `GET /groups` gave, kept for the cycles in which discovery fails. */
  #discovered: readonly { id: string; name?: string }[] = [];

  constructor(entry: ProjectEntry) {
    this.credential = new Credential(entry.publicKey, entry.privateKey, entry.baseUrl, undefined, connectionOf(entry));
    this.#ids = entry.ids;
    this.#discover = entry.discover;
  }

  async listScopes(context: SourceContext): Promise<ScopeListing> {
    let discoveryFailure;
    if (this.#discover) {
      try {
        const items = await context.client.getAllPages(this.credential, '/groups', context.signal);
        this.#discovered = mapProjects(items, `${this.credential.baseUrl}/groups`);
      } catch (error) {
        if (context.signal.aborted) throw error;
        discoveryFailure = failureOf(error);
      }
    }
    const names = new Map(this.#discovered.map((project) => [project.id, project.name]));
    const ids = new Set([...this.#ids, ...names.keys()]);
    const scopes = [...ids].map((id): Scope => {
      const name = names.get(id);
      return { kind: 'agent', owner: 'project', id, credentialId: this.credential.id, ...(name ? { name } : {}) };
    });
    const discovery = this.#discover ? { discovery: [discoveryFailure ? { failure: discoveryFailure } : {}] } : {};
    return { scopes, failed: [], ...discovery };
  }

  async fetchKeys(scope: Scope, context: SourceContext): Promise<readonly ApiKey[]> {
    const path = `/groups/${encodeURIComponent(scope.id)}/agentapikeys`;
    return mapAgentKeys(await context.client.getJson(this.credential, path, context.signal), `${this.credential.baseUrl}${path}`);
  }
}

/** Agent API keys of Cloud Manager / Ops Manager projects (`projects:` in the config). */
export const agentKeys: KeyKindDefinition = {
  kind: 'agent',
  sourcesFrom: (config) => config.projects.map((entry) => new AgentKeysSource(entry)),
};
