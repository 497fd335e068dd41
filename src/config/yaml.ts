import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors/config-error.js';

/**
 * Parses a YAML file's text to plain values, or throws a ConfigError naming line and column.
 * Never quotes the file: the offending line could hold an inline key or password.
 */
export function parseYaml(text: string, source: string): unknown {
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const error = document.errors[0];
  if (error) {
    const { line, col } = lines.linePos(error.pos[0]);
    throw new ConfigError(`${source}: invalid YAML at line ${line}, column ${col}: ${error.message.split('\n')[0]}`);
  }
  try {
    // Unresolved and excessive aliases only show when the document is turned into values.
    return document.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (cause) {
    throw new ConfigError(`${source}: invalid YAML: ${(cause as Error).message.split('\n')[0]}`);
  }
}
