import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors/config-error.js';
import { thrownBy } from '../../helpers/thrown.js';

const OPS = 'https://ops.example.com:8443/api/public/v1.0';
const ORG = '4888442a3354817a7320eb61';
const parse = (entries: string): ReturnType<typeof parseConfigText> => parseConfigText(`organizations:\n${entries}`, {}, 'config.yaml');
const errorOf = (entries: string): ConfigError => thrownBy(() => parse(entries), ConfigError);

describe('organizations: globalKeys', () => {
  it('defaults to false', () => {
    expect(parse(`  - {publicKey: p, privateKey: s, ids: [${ORG}]}\n`).organizations[0]?.globalKeys).toBe(false);
  });

  it('reads Ops Manager global keys alongside the organisations, or alone', () => {
    expect(parse(`  - {publicKey: p, privateKey: s, baseUrl: "${OPS}", discover: true, includeProjects: true, serviceAccounts: false, globalKeys: true}\n`).organizations[0]).toMatchObject({ globalKeys: true, discover: true });
    // No organisation and nothing else to collect: the global keys are enough.
    expect(parse(`  - {publicKey: p, privateKey: s, baseUrl: "${OPS}", apiKeys: false, serviceAccounts: false, globalKeys: true}\n`).organizations[0]).toMatchObject({ ids: [], discover: false, globalKeys: true });
  });

  it.each([
    ['the Admin API v2', 'https://cloud.mongodb.com/api/atlas/v2'],
    ['the Atlas v1.0 API', 'https://cloud.mongodb.com/api/atlas/v1.0'],
  ])('is refused with %s, naming the field', (_name, baseUrl) => {
    const error = errorOf(`  - {publicKey: p, privateKey: s, baseUrl: "${baseUrl}", ids: [${ORG}], serviceAccounts: false, globalKeys: true}\n`);
    expect(error.message).toContain('organizations[0].globalKeys');
    expect(error.message).toContain("global API keys need Ops Manager's API (a baseUrl ending in /api/public/v1.0)");
  });

  it('is refused on a second entry: the two instances would publish the same scope series', () => {
    const entry = (key: string, host: string): string => `  - {publicKey: ${key}, privateKey: s, baseUrl: "https://${host}/api/public/v1.0", serviceAccounts: false, globalKeys: true}\n`;
    const error = errorOf(entry('a', 'ops-1.example.com') + `  - {publicKey: b, privateKey: s, ids: [${ORG}]}\n` + entry('c', 'ops-2.example.com'));
    expect(error.message).toContain('organizations[2].globalKeys');
    expect(error.message).toContain('only one organizations entry may set globalKeys: true');
    expect(error.message).not.toContain('organizations[0].globalKeys');
  });
});
