import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { interpolateEnv } from './interpolate.js';
import { parseYaml } from './yaml.js';
import { credentialIdOf } from '../model/scope.js';
import { FileSecret } from './secret.js';
import type { WatchedSecret } from './secret-watch.js';
import { configFileSchema, configSchema, SECRET_FIELDS, type ConfigFile, type SecretReader } from './schema.js';

/** The validated configuration with every secret in hand. */
export type Config = z.output<ReturnType<typeof configSchema>>;
/** One Atlas user whose personal API keys are audited, with its secret resolved. */
export type UserEntry = Config['users'][number];
/** One Cloud/Ops Manager programmatic key and the projects whose agent keys it reads. */
export type ProjectEntry = Config['projects'][number];
/** One credential that audits the programmatic keys and service accounts of organizations. */
export type OrganizationEntry = Config['organizations'][number];

/**
 * Parses the text of a config file: YAML, then `${ENV_VAR}`, then the schema. Pure.
 * Throws a ConfigError whose message names the file and every offending field.
 */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv, source: string): ConfigFile {
  const result = configFileSchema.safeParse(treeOf(text, env, source));
  if (!result.success) throw invalid(source, result.error);
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
  const base = dirname(resolve(path));
  const readSecret: SecretReader = async (name, at, secretPath) => {
    const full = resolve(base, secretPath);
    const secret = await FileSecret.read(name, full);
    if (secret instanceof FileSecret) return secret;
    throw new ConfigError(secret.code === 'EMPTY' ? `${path}: ${at}: ${full} is empty` : `${path}: ${at}: cannot read ${full}: ${secret.code}`);
  };
  const result = await configSchema(readSecret).safeParseAsync(treeOf(text, env, path));
  if (!result.success) throw invalid(path, result.error);
  return result.data;
}

/** Every secret of the config read from a file, with the credential of its entry; any field of SECRET_FIELDS, wherever it sits in the entry. */
export function secretFilesOf(config: Config): WatchedSecret[] {
  const entries = [
    ...config.users.map((entry) => ({ name: entry.username, entry })),
    ...config.projects.map((entry) => ({ name: entry.publicKey, entry })),
    ...config.organizations.map((entry) => ({ name: entry.auth.scheme === 'digest' ? entry.auth.publicKey : entry.auth.clientId, entry })),
  ];
  return entries.flatMap(({ name, entry }) => fileSecretsIn(entry).map((secret) => ({ credential: credentialIdOf(name, entry.baseUrl), secret })));
}

function fileSecretsIn(value: unknown): FileSecret[] {
  if (value instanceof FileSecret) return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(fileSecretsIn);
}

/** The config as safe to log: every secret field of the schema replaced. */
export function redactConfig(config: Config): unknown {
  return redacted(config);
}

function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, (SECRET_FIELDS as readonly string[]).includes(key) ? '<redacted>' : redacted(field)]));
}

/** The YAML of a config file with `${ENV_VAR}` replaced, before the schema. */
function treeOf(text: string, env: NodeJS.ProcessEnv, source: string): unknown {
  const raw = parseYaml(text, source);
  try {
    return interpolateEnv(raw, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`${source}: ${error.message}`);
    throw error;
  }
}

function invalid(source: string, error: z.ZodError): ConfigError {
  return new ConfigError(`${source}: invalid configuration\n${z.prettifyError(error)}`);
}
