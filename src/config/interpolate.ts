import { ConfigError } from '../errors/config-error.js';

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${ENV_VAR}` in every string of a parsed YAML tree; `$$` stands for a literal `$`.
 * A variable that is not set is an error that names the field, never a silent empty string.
 */
export function interpolateEnv(tree: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof tree === 'string') {
    return tree.replace(REFERENCE, (match, name: string | undefined) => {
      if (name === undefined) return '$';
      const value = env[name];
      if (value === undefined) {
        throw new ConfigError(`${path || 'config'}: environment variable ${name} is not set`);
      }
      return value;
    });
  }
  if (Array.isArray(tree)) return tree.map((item, index) => interpolateEnv(item, env, `${path}[${index}]`));
  if (tree !== null && typeof tree === 'object') {
    return Object.fromEntries(
      Object.entries(tree).map(([key, value]) => [key, interpolateEnv(value, env, path ? `${path}.${key}` : key)]),
    );
  }
  return tree;
}
