import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { interpolateEnv } from './interpolate.js';
import { parseYaml } from './yaml.js';
import { configFileSchema, type ConfigFile } from './schema.js';

/** Poll settings, durations in milliseconds. */
export interface PollSettings {
  readonly intervalMs: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly staleAfterMs: number;
  readonly maxRequestsPerSecond?: number;
}

/** One Atlas user whose personal API keys are audited, with its secret resolved. */
export interface UserEntry {
  readonly username: string;
  readonly apiKey: string;
  readonly userId?: string;
  readonly baseUrl: string;
}

/** One Cloud/Ops Manager programmatic key and the projects whose agent keys it reads. */
export interface ProjectEntry {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly baseUrl: string;
  readonly ids: readonly string[];
  readonly discover: boolean;
}

/** How an organizations entry authenticates: a programmatic key over digest, or a service account over OAuth 2.0. */
export type OrganizationAuth =
  | { readonly scheme: 'digest'; readonly publicKey: string; readonly privateKey: string }
  | { readonly scheme: 'oauth'; readonly clientId: string; readonly clientSecret: string; readonly tokenUrl: string };

/** One credential that audits the programmatic keys and service accounts of organizations. */
export interface OrganizationEntry {
  readonly auth: OrganizationAuth;
  readonly baseUrl: string;
  readonly ids: readonly string[];
  readonly discover: boolean;
  /** Ops Manager's global API keys (`GET /admin/apiKeys`); at most one entry. */
  readonly globalKeys: boolean;
  readonly apiKeys: boolean;
  readonly accessLists: boolean;
  readonly serviceAccounts: boolean;
  /** Asks the service-account listings for system-managed accounts too (the API leaves them out by default). */
  readonly includeSystemManaged: boolean;
  readonly includeProjects: boolean;
}

/** The validated configuration with every secret in hand. */
export interface Config {
  readonly poll: PollSettings;
  readonly users: readonly UserEntry[];
  readonly projects: readonly ProjectEntry[];
  readonly organizations: readonly OrganizationEntry[];
}

/**
 * Parses the text of a config file: YAML, then `${ENV_VAR}`, then the schema. Pure.
 * Throws a ConfigError whose message names the file and every offending field.
 */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv, source: string): ConfigFile {
  const raw = parseYaml(text, source);
  let tree: unknown;
  try {
    tree = interpolateEnv(raw, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${source}: ${error.message}`);
    throw error;
  }
  const result = configFileSchema.safeParse(tree);
  if (!result.success) throw new ConfigError(`${source}: invalid configuration\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** Reads, validates and completes the config file, reading `*File` secrets relative to it. */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const file = parseConfigText(text, env, path);
  const base = dirname(resolve(path));
  const readSecret = async (field: string, inline: string | undefined, secretPath: string | undefined) => {
    if (inline !== undefined) return inline;
    const full = resolve(base, secretPath ?? '');
    let secret: string;
    try {
      secret = (await readFile(full, 'utf8')).trim();
    } catch (error) {
      throw new ConfigError(`${path}: ${field}: cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (secret === '') throw new ConfigError(`${path}: ${field}: ${full} is empty`);
    return secret;
  };
  const users = await Promise.all(
    file.users.map(async (user, index) => ({
      username: user.username,
      apiKey: await readSecret(`users[${index}].apiKeyFile`, user.apiKey, user.apiKeyFile),
      ...(user.userId ? { userId: user.userId } : {}),
      baseUrl: user.baseUrl,
    })),
  );
  const projects = await Promise.all(
    file.projects.map(async (project, index) => ({
      publicKey: project.publicKey,
      privateKey: await readSecret(`projects[${index}].privateKeyFile`, project.privateKey, project.privateKeyFile),
      baseUrl: project.baseUrl,
      ids: project.ids,
      discover: project.discover,
    })),
  );
  const organizations = await Promise.all(
    file.organizations.map(async (org, index): Promise<OrganizationEntry> => ({
      auth:
        org.publicKey !== undefined
          ? { scheme: 'digest', publicKey: org.publicKey, privateKey: await readSecret(`organizations[${index}].privateKeyFile`, org.privateKey, org.privateKeyFile) }
          : {
              scheme: 'oauth',
              clientId: org.clientId ?? '',
              clientSecret: await readSecret(`organizations[${index}].clientSecretFile`, org.clientSecret, org.clientSecretFile),
              tokenUrl: org.tokenUrl ?? `${new URL(org.baseUrl).origin}/api/oauth/token`,
            },
      baseUrl: org.baseUrl,
      ids: org.ids,
      discover: org.discover,
      globalKeys: org.globalKeys,
      apiKeys: org.apiKeys,
      accessLists: org.accessLists,
      serviceAccounts: org.serviceAccounts,
      includeSystemManaged: org.includeSystemManaged,
      includeProjects: org.includeProjects,
    })),
  );
  const { poll } = file;
  return {
    poll: {
      intervalMs: poll.interval,
      concurrency: poll.concurrency,
      timeoutMs: poll.timeout,
      retries: poll.retries,
      staleAfterMs: poll.staleAfter,
      ...(poll.maxRequestsPerSecond !== undefined ? { maxRequestsPerSecond: poll.maxRequestsPerSecond } : {}),
    },
    users,
    projects,
    organizations,
  };
}

/** The config as safe to log: every secret replaced. */
export function redactConfig(config: Config): unknown {
  return {
    poll: config.poll,
    users: config.users.map((user) => ({ ...user, apiKey: '<redacted>' })),
    projects: config.projects.map((project) => ({ ...project, privateKey: '<redacted>' })),
    organizations: config.organizations.map((org) => ({
      ...org,
      auth: org.auth.scheme === 'digest' ? { ...org.auth, privateKey: '<redacted>' } : { ...org.auth, clientSecret: '<redacted>' },
    })),
  };
}
