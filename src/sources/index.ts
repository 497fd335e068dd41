import type { Config } from '../config/load.js';
import { KEY_KINDS, type KeyKind } from '../model/api-key.js';
import { agentKeys } from './agent-keys.js';
import { globalKeys } from './global-keys.js';
import { OrganizationDirectory } from './organizations.js';
import { programmaticKeys } from './programmatic-keys.js';
import { serviceAccounts } from './service-accounts.js';
import type { KeyKindDefinition, Source } from './source.js';
import { userKeys } from './user-keys.js';

/** The source of each kind in `KEY_KINDS`: a new kind is its name there, one file here, one entry in this table. */
export const KEY_SOURCES: Readonly<Record<KeyKind, KeyKindDefinition>> = {
  user: userKeys,
  agent: agentKeys,
  programmatic: programmaticKeys,
  service_account: serviceAccounts,
  global: globalKeys,
};

/** One directory per `organizations:` entry, shared by the kinds and the event trails that read it. */
export function directoriesFrom(config: Config): OrganizationDirectory[] {
  return config.organizations.map((entry) => new OrganizationDirectory(entry));
}

/** One source per configured credential, of every kind, in the order of `KEY_KINDS`. */
export function sourcesFrom(config: Config, directories: readonly OrganizationDirectory[] = directoriesFrom(config)): Source[] {
  return KEY_KINDS.flatMap((kind) => KEY_SOURCES[kind].sourcesFrom(config, directories));
}

export { EventTrailSource, trailSourcesFrom } from './event-trails.js';

export type { Discovery, KeyKindDefinition, ScopeListing, Source, SourceContext } from './source.js';
