import type { Config } from '../config/load.js';
import { agentKeys } from './agent-keys.js';
import { globalKeys } from './global-keys.js';
import { OrganizationDirectory } from './organizations.js';
import { programmaticKeys } from './programmatic-keys.js';
import { serviceAccounts } from './service-accounts.js';
import type { KeyKindDefinition, Source } from './source.js';
import { userKeys } from './user-keys.js';

/** Every key kind the exporter audits. A new kind is one new file and one line here. */
export const KEY_KINDS: readonly KeyKindDefinition[] = [userKeys, agentKeys, programmaticKeys, serviceAccounts, globalKeys];

/** One source per configured credential, of every kind. */
export function sourcesFrom(config: Config): Source[] {
  const directories = config.organizations.map((entry) => new OrganizationDirectory(entry));
  return KEY_KINDS.flatMap((kind) => kind.sourcesFrom(config, directories));
}

export type { Discovery, KeyKindDefinition, ScopeListing, Source, SourceContext } from './source.js';
